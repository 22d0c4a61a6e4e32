export interface BundleSize { bytes: number; gzipBytes: number; wasmBytes: number; wasmGzipBytes: number }
export const BUDGET_BYTES: number;
export function measure(distDir?: string): { browser: BundleSize; node: BundleSize; budgetBytes: number };
export function moduleShares(): Promise<{ module: string; bytes: number; share: number }[]>;
export const PAGES: { whole: string; predict: string };
export function pageSizes(distDir?: string, fromModules?: boolean): Promise<Record<'whole' | 'predict', { bytes: number; gzipBytes: number }>>;
export function separateWorkerSizes(): Promise<{ workerGzipBytes: number; wholeWithWorkerGzipBytes: number }>;
export function tfjsPageSizes(distDir?: string): Promise<{ plain: { bytes: number; gzipBytes: number }; tfjs: { bytes: number; gzipBytes: number }; both: { bytes: number; gzipBytes: number }; addedGzipBytes: number }>;
