export function buildDemo(options?: { outDir?: string; packageDir?: string; train?: number; test?: number }):
  Promise<{ outDir: string; data: Record<string, number>; base: { accuracy: number; classes: string[]; params: number } }>;
