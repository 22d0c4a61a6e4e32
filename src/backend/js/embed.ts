// Embedding lookup and its gradient: the readable twin of assembly/embed/embed.ts (the same checks, the same
// order of f32 adds, so the same bits).
import type { Kernels } from '../types';
import type { JsMemory } from './memory';

type EmbedKernels = Pick<Kernels, 'f32_embedding' | 'f32_embedding_grad'>;

export function embedKernels(mem: JsMemory): EmbedKernels {
  return {
    f32_embedding(table, ids, y, count, dim, inputDim) {
      const F = mem.F32;
      const t = table >> 2, d = ids >> 2, o = y >> 2;
      for (let i = 0; i < count; i++) {
        const v = F[d + i];
        if (!(v >= 0 && v < inputDim) || v !== Math.floor(v)) return i;
        F.copyWithin(o + i * dim, t + v * dim, t + (v + 1) * dim);
      }
      return -1;
    },

    f32_embedding_grad(ids, dy, dtable, count, dim, inputDim) {
      const F = mem.F32;
      const d = ids >> 2, g = dy >> 2, t = dtable >> 2;
      F.fill(0, t, t + inputDim * dim);
      for (let i = 0; i < count; i++) {
        const row = t + F[d + i] * dim, src = g + i * dim;
        for (let j = 0; j < dim; j++) F[row + j] = F[row + j] + F[src + j];
      }
    },
  };
}
