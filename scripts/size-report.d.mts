export interface BundleSize { bytes: number; gzipBytes: number; wasmBytes: number; wasmGzipBytes: number }
export const BUDGET_BYTES: number;
export function measure(distDir?: string): { browser: BundleSize; node: BundleSize; budgetBytes: number };
