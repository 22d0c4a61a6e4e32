export function sourcesHash(root?: string): string;
export function upToDate(root?: string): boolean;
export function writeStamp(root?: string): void;
