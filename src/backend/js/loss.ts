// Losses and metrics: the readable twin of assembly/loss/loss.ts and metrics.ts, with the same f64 sums in
// the same order (see the doc comments in src/backend/types.ts for the semantics).
import type { Kernels } from '../types';
import { exp32 } from './act';
import type { JsMemory } from './memory';

type LossKernels = Pick<Kernels, 'f32_mse' | 'f32_bce' | 'f32_cce' | 'f32_sparse_cce' | 'f32_softmax_cce' |
  'f32_softmax_sparse_cce' | 'f32_count_argmax_match' | 'f32_count_argmax_label' | 'f32_count_binary_match'>;

const fround = Math.fround;
/** Keras' epsilon and the clip range [EPS, ONE_MINUS_EPS] as f32 values. */
export const EPS = fround(1e-7);
export const ONE_MINUS_EPS = fround(1 - EPS);

/** Index of the first maximum of F[i .. i+n). */
function argmax(F: Float32Array, i: number, n: number): number {
  let best = F[i], k = 0;
  for (let c = 1; c < n; c++) if (F[i + c] > best) { best = F[i + c]; k = c; }
  return k;
}

export function lossKernels(mem: JsMemory): LossKernels {
  /**
   * One row of categorical cross-entropy on probabilities: q = p/Σp clipped to [ε, 1−ε], loss −Σ t·log q,
   * gradient (a_j + T)/(Σp·rows) with a_j = −t_j/q_j (0 where clipped) and T = Σ t over unclipped entries.
   * label ≥ 0 stands for a one-hot target.
   */
  function cceRow(F: Float32Array, pi: number, ti: number, label: number, gi: number, grad: number,
    cols: number, invRows: number): number {
    let s = 0;
    for (let c = 0; c < cols; c++) s += F[pi + c];
    s = Math.max(s, 1e-30);
    let loss = 0, tu = 0;
    if (label >= 0) {
      const q = F[pi + label] / s;
      loss = -Math.log(Math.min(Math.max(q, EPS), ONE_MINUS_EPS));
      if (grad) {
        const inside = q >= EPS && q <= ONE_MINUS_EPS;
        tu = inside ? 1 : 0;
        const k = invRows / s;
        for (let c = 0; c < cols; c++) {
          const a = c === label && inside ? -(1 / q) : 0;
          F[gi + c] = (a + tu) * k;
        }
      }
      return loss;
    }
    for (let c = 0; c < cols; c++) {
      const t = F[ti + c];
      const q = F[pi + c] / s;
      loss -= t * Math.log(Math.min(Math.max(q, EPS), ONE_MINUS_EPS));
      if (q >= EPS && q <= ONE_MINUS_EPS) tu += t;
    }
    if (grad) {
      const k = invRows / s;
      for (let c = 0; c < cols; c++) {
        const t = F[ti + c];
        const q = F[pi + c] / s;
        const a = q >= EPS && q <= ONE_MINUS_EPS ? -(t / q) : 0;
        F[gi + c] = (a + tu) * k;
      }
    }
    return loss;
  }

  return {
    f32_mse(pred, target, grad, rows, cols) {
      const F = mem.F32;
      const n = rows * cols;
      const scale = fround(2 / n);
      const lanes = [0, 0, 0, 0];
      const p = pred >> 2, t = target >> 2, g = grad >> 2;
      for (let i = 0; i < n; i++) {
        const d = fround(F[p + i] - F[t + i]);
        if (grad) F[g + i] = d * scale;
        lanes[i & 3] += d * d;
      }
      return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) / n;
    },

    f32_bce(pred, target, grad, rows, cols) {
      const F = mem.F32;
      const n = rows * cols;
      const pi = pred >> 2, ti = target >> 2, gi = grad >> 2;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const p = F[pi + i], t = F[ti + i];
        const pc = Math.min(Math.max(p, EPS), ONE_MINUS_EPS);
        sum -= t * Math.log(pc) + (1 - t) * Math.log(1 - pc);
        if (grad) F[gi + i] = p < EPS || p > ONE_MINUS_EPS ? 0 : ((1 - t) / (1 - pc) - t / pc) / n;
      }
      return sum / n;
    },

    f32_cce(pred, target, grad, rows, cols) {
      const F = mem.F32;
      let sum = 0;
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        sum += cceRow(F, (pred >> 2) + o, (target >> 2) + o, -1, (grad >> 2) + o, grad, cols, 1 / rows);
      }
      return sum / rows;
    },

    f32_sparse_cce(pred, labels, grad, rows, cols) {
      const F = mem.F32, I = mem.I32;
      let sum = 0;
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        sum += cceRow(F, (pred >> 2) + o, 0, I[(labels >> 2) + r], (grad >> 2) + o, grad, cols, 1 / rows);
      }
      return sum / rows;
    },

    f32_softmax_cce(logits, target, probs, grad, rows, cols) {
      const F = mem.F32;
      const inv = fround(1 / rows);
      let sum = 0;
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        const zi = (logits >> 2) + o, ti = (target >> 2) + o, pi = (probs >> 2) + o, gi = (grad >> 2) + o;
        let m = F[zi];
        for (let c = 1; c < cols; c++) m = Math.max(m, F[zi + c]);
        let s = 0, ts = 0, td = 0;
        for (let c = 0; c < cols; c++) {
          const d = fround(F[zi + c] - m);
          const t = F[ti + c];
          ts += t;
          td += t * d;
        }
        for (let c = 0; c < cols; c++) {
          const e = exp32(fround(F[zi + c] - m));
          F[pi + c] = e;
          s += e;
        }
        sum += ts * Math.log(s) - td;
        const sf = fround(s), tsf = fround(ts);
        for (let c = 0; c < cols; c++) {
          const p = fround(F[pi + c] / sf);
          F[pi + c] = p;
          if (grad) F[gi + c] = fround(fround(tsf * p) - F[ti + c]) * inv;
        }
      }
      return sum / rows;
    },

    f32_softmax_sparse_cce(logits, labels, probs, grad, rows, cols) {
      const F = mem.F32, I = mem.I32;
      const inv = fround(1 / rows);
      let sum = 0;
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        const zi = (logits >> 2) + o, pi = (probs >> 2) + o, gi = (grad >> 2) + o;
        const label = I[(labels >> 2) + r];
        const zl = F[zi + label];
        let m = F[zi];
        for (let c = 1; c < cols; c++) m = Math.max(m, F[zi + c]);
        let s = 0;
        for (let c = 0; c < cols; c++) {
          const e = exp32(fround(F[zi + c] - m));
          F[pi + c] = e;
          s += e;
        }
        sum += Math.log(s) - fround(zl - m);
        const sf = fround(s);
        for (let c = 0; c < cols; c++) {
          const p = fround(F[pi + c] / sf);
          F[pi + c] = p;
          if (grad) F[gi + c] = fround((c === label ? fround(p - 1) : p) * inv);
        }
      }
      return sum / rows;
    },

    f32_count_argmax_match(pred, target, rows, cols) {
      const F = mem.F32;
      let n = 0;
      for (let r = 0; r < rows; r++) {
        if (argmax(F, (pred >> 2) + r * cols, cols) === argmax(F, (target >> 2) + r * cols, cols)) n++;
      }
      return n;
    },

    f32_count_argmax_label(pred, labels, rows, cols) {
      const F = mem.F32, I = mem.I32;
      let n = 0;
      for (let r = 0; r < rows; r++) if (argmax(F, (pred >> 2) + r * cols, cols) === I[(labels >> 2) + r]) n++;
      return n;
    },

    f32_count_binary_match(pred, target, count, threshold) {
      const F = mem.F32;
      const th = fround(threshold);
      let n = 0;
      for (let i = 0; i < count; i++) if ((F[(pred >> 2) + i] > th) === (F[(target >> 2) + i] > 0.5)) n++;
      return n;
    },
  };
}
