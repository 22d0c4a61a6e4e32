export const SHAPES: string[];
export function rng(seed: number): () => number;
export function drawShape(kind: string, size: number, next: () => number): Uint8Array;
