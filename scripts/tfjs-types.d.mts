export function emitTfjsTypes(outDir?: string): string[];
