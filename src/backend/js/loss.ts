// Losses and metrics: the readable twin of assembly/loss/loss.ts and metrics.ts, with the same f64 sums in
// the same order (see the doc comments in src/backend/types.ts for the semantics).
import type { Kernels } from '../types';
import { exp32, tanh32 } from './act';
import type { JsMemory } from './memory';

type LossKernels = Pick<Kernels, 'f32_mse' | 'f32_bce' | 'f32_cce' | 'f32_sparse_cce' | 'f32_softmax_cce' |
  'f32_softmax_sparse_cce' | 'f32_count_argmax_match' | 'f32_count_argmax_label' | 'f32_count_binary_match' |
  'f32_mae' | 'f32_huber' | 'f32_logcosh' | 'f32_hinge' | 'f32_squared_hinge' | 'f32_poisson' | 'f32_mape' | 'f32_msle' |
  'f32_categorical_hinge' | 'f32_kld' | 'f32_cosine_proximity'>;

const fround = Math.fround;
/** Keras' epsilon and the clip range [EPS, ONE_MINUS_EPS] as f32 values. */
export const EPS = fround(1e-7);
export const ONE_MINUS_EPS = fround(1 - EPS);
const sign = (d: number) => (d > 0 ? 1 : d < 0 ? -1 : 0);

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

    // ---- assembly/loss/pointwise.ts: f64 per element, f64 sum in element order ----

    f32_mae(pred, target, grad, rows, cols) {
      const F = mem.F32;
      const n = rows * cols, p = pred >> 2, t = target >> 2, g = grad >> 2;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const d = F[p + i] - F[t + i];
        sum += Math.abs(d);
        if (grad) F[g + i] = sign(d) / n;
      }
      return sum / n;
    },

    f32_huber(pred, target, grad, rows, cols, delta) {
      const F = mem.F32;
      const n = rows * cols, p = pred >> 2, t = target >> 2, g = grad >> 2;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const d = F[p + i] - F[t + i];
        const a = Math.abs(d);
        const q = Math.min(a, delta);
        sum += 0.5 * q * q + delta * (a - q);
        if (grad) F[g + i] = (a <= delta ? d : delta * sign(d)) / n;
      }
      return sum / n;
    },

    f32_logcosh(pred, target, grad, rows, cols) {
      const F = mem.F32;
      const n = rows * cols, p = pred >> 2, t = target >> 2, g = grad >> 2;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const pv = F[p + i], tv = F[t + i];
        const a = Math.abs(pv - tv);
        sum += a + Math.log1p(Math.exp(-2 * a)) - Math.LN2;
        if (grad) F[g + i] = tanh32(fround(pv - tv)) / n;
      }
      return sum / n;
    },

    f32_hinge(pred, target, grad, rows, cols) {
      const F = mem.F32;
      const n = rows * cols, p = pred >> 2, t = target >> 2, g = grad >> 2;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const tv = F[t + i];
        const z = 1 - tv * F[p + i];
        if (z > 0) sum += z;
        if (grad) F[g + i] = z > 0 ? -tv / n : 0;
      }
      return sum / n;
    },

    f32_squared_hinge(pred, target, grad, rows, cols) {
      const F = mem.F32;
      const n = rows * cols, p = pred >> 2, t = target >> 2, g = grad >> 2;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const tv = F[t + i];
        const z = 1 - tv * F[p + i];
        if (z > 0) sum += z * z;
        if (grad) F[g + i] = z > 0 ? -2 * tv * z / n : 0;
      }
      return sum / n;
    },

    f32_poisson(pred, target, grad, rows, cols) {
      const F = mem.F32;
      const n = rows * cols, p = pred >> 2, t = target >> 2, g = grad >> 2;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const pv = F[p + i], tv = F[t + i];
        const pe = pv + EPS;
        sum += pv - tv * Math.log(pe);
        if (grad) F[g + i] = (1 - tv / pe) / n;
      }
      return sum / n;
    },

    f32_mape(pred, target, grad, rows, cols) {
      const F = mem.F32;
      const n = rows * cols, p = pred >> 2, t = target >> 2, g = grad >> 2;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const tv = F[t + i];
        const d = F[p + i] - tv;
        const s = Math.max(Math.abs(tv), EPS);
        sum += 100 * Math.abs(d) / s;
        if (grad) F[g + i] = 100 * sign(d) / s / n;
      }
      return sum / n;
    },

    f32_msle(pred, target, grad, rows, cols) {
      const F = mem.F32;
      const n = rows * cols, p = pred >> 2, t = target >> 2, g = grad >> 2;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const pv = F[p + i];
        const pc = Math.max(pv, EPS);
        const e = Math.log1p(pc) - Math.log1p(Math.max(F[t + i], EPS));
        sum += e * e;
        if (grad) F[g + i] = pv >= EPS ? 2 * e / (1 + pc) / n : 0;
      }
      return sum / n;
    },

    // ---- assembly/loss/rowwise.ts: f64 row sums, c ascending, then rows ascending ----

    f32_categorical_hinge(pred, target, grad, rows, cols) {
      const F = mem.F32;
      let sum = 0;
      for (let r = 0; r < rows; r++) {
        const p = (pred >> 2) + r * cols, t = (target >> 2) + r * cols, g = (grad >> 2) + r * cols;
        let pos = 0, neg = -Infinity;
        for (let c = 0; c < cols; c++) {
          const pv = F[p + c], tv = F[t + c];
          pos += tv * pv;
          const m = (1 - tv) * pv;
          if (m > neg) neg = m;
        }
        const z = 1 + neg - pos;
        if (z > 0) sum += z;
        if (grad) {
          for (let c = 0; c < cols; c++) {
            const pv = F[p + c], tv = F[t + c];
            const gv = z > 0 ? -tv + ((1 - tv) * pv === neg ? 1 - tv : 0) : 0;
            F[g + c] = gv / rows;
          }
        }
      }
      return sum / rows;
    },

    f32_kld(pred, target, grad, rows, cols) {
      const F = mem.F32;
      const n = rows * cols, p = pred >> 2, t = target >> 2, g = grad >> 2;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const pv = F[p + i], tv = F[t + i];
        const pc = Math.min(Math.max(pv, EPS), 1);
        sum += tv * Math.log(Math.min(Math.max(tv, EPS), 1) / pc);
        if (grad) F[g + i] = pv >= EPS && pv <= 1 ? -tv / pc / rows : 0;
      }
      return sum / rows;
    },

    f32_cosine_proximity(pred, target, grad, rows, cols) {
      const F = mem.F32;
      let sum = 0;
      for (let r = 0; r < rows; r++) {
        const p = (pred >> 2) + r * cols, t = (target >> 2) + r * cols, g = (grad >> 2) + r * cols;
        let tt = 0, pp = 0, tp = 0;
        for (let c = 0; c < cols; c++) {
          const pv = F[p + c], tv = F[t + c];
          tt += tv * tv;
          pp += pv * pv;
          tp += tv * pv;
        }
        const np2 = Math.max(pp, EPS);
        const k = 1 / (Math.sqrt(Math.max(tt, EPS)) * Math.sqrt(np2));
        sum -= tp * k;
        if (grad) {
          const b = pp >= EPS ? tp / np2 : 0;
          for (let c = 0; c < cols; c++) F[g + c] = (b * F[p + c] - F[t + c]) * k / rows;
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
