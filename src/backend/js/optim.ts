import type { Kernels } from '../types';
import type { JsMemory } from './memory';

type OptimKernels = Pick<Kernels, 'f32_sgd' | 'f32_momentum' | 'f32_adam' | 'f32_adamw' | 'f32_adamax' | 'f32_adadelta' | 'f32_rmsprop' |
  'f32_adagrad' | 'f32_l2_grad' | 'f32_sum_squares' | 'f32_scale' | 'f32_fill' | 'f32_copy' | 'f32_gather_rows' |
  'i32_gather' | 'f32_all_finite'>;

// Every f32 operation of the wasm kernels is one IEEE op on f32 operands; doing it in f64 and rounding once
// with fround gives the same bits (f64 carries more than 2·24+2 bits, so the double rounding is harmless for
// + − × ÷ and √). Float parameters are rounded to f32 first, as the wasm ABI does at the call boundary.
const f = Math.fround;

/** Lane l of (acc0 + acc1) + (acc2 + acc3), the four accumulators of f32_sum_squares. */
function lane(acc: Float32Array, l: number): number {
  return f(f(acc[l] + acc[4 + l]) + f(acc[8 + l] + acc[12 + l]));
}

export function optimKernels(mem: JsMemory): OptimKernels {
  const acc = new Float32Array(16); // f32_sum_squares' four 4-lane accumulators, acc[4j + lane]

  function adam(w: number, g: number, m: number, v: number, count: number, lr: number, beta1: number, oneMinusBeta1: number,
    beta2: number, oneMinusBeta2: number, epsilon: number, correction1: number, correction2: number, lrwd: number,
    decay: boolean): void {
    const F = mem.F32;
    const wi = w >> 2, gi = g >> 2, mi = m >> 2, vi = v >> 2;
    const b1 = f(beta1), d1 = f(oneMinusBeta1), b2 = f(beta2), d2 = f(oneMinusBeta2);
    const c1 = f(correction1), c2 = f(correction2), eps = f(epsilon), nlr = -f(lr);
    for (let i = 0; i < count; i++) {
      let wk = F[wi + i];
      if (decay) wk = f(wk - f(lrwd * wk));
      const gk = F[gi + i];
      const mk = f(f(F[mi + i] * b1) + f(gk * d1));
      const vk = f(f(F[vi + i] * b2) + f(f(gk * gk) * d2));
      F[mi + i] = mk;
      F[vi + i] = vk;
      const step = f(f(mk / c1) / f(f(Math.sqrt(f(vk / c2))) + eps));
      F[wi + i] = f(step * nlr) + wk;
    }
  }

  function rmsprop(w: number, g: number, s: number, p: number, q: number, count: number, lr: number, rho: number,
    oneMinusRho: number, momentum: number, epsilon: number, centered: boolean): void {
    const F = mem.F32;
    const wi = w >> 2, gi = g >> 2, si = s >> 2, pi = p >> 2, qi = q >> 2;
    lr = f(lr);
    const r = f(rho), d = f(oneMinusRho), mu = f(momentum), eps = f(epsilon);
    for (let i = 0; i < count; i++) {
      const gk = F[gi + i];
      const sk = f(f(F[si + i] * r) + f(f(gk * gk) * d));
      F[si + i] = sk;
      let den: number;
      if (centered) {
        const qk = f(f(F[qi + i] * r) + f(gk * d));
        F[qi + i] = qk;
        den = f(Math.sqrt(f(f(sk - f(qk * qk)) + eps)));
      } else {
        den = f(Math.sqrt(f(sk + eps)));
      }
      const pk = f(f(F[pi + i] * mu) + f(f(gk * lr) / den));
      F[pi + i] = pk;
      F[wi + i] = F[wi + i] - pk;
    }
  }

  return {
    f32_sgd(w, g, count, lr) {
      const F = mem.F32;
      const wi = w >> 2, gi = g >> 2;
      lr = f(lr);
      for (let i = 0; i < count; i++) F[wi + i] = F[wi + i] - f(lr * F[gi + i]);
    },

    f32_momentum(w, g, a, count, lr, momentum, nesterov) {
      const F = mem.F32;
      const wi = w >> 2, gi = g >> 2, ai = a >> 2;
      const nlr = -f(lr);
      const mu = f(momentum);
      const nest = (nesterov | 0) !== 0;
      for (let i = 0; i < count; i++) {
        const gk = F[gi + i];
        const ak = f(f(mu * F[ai + i]) + gk);
        F[ai + i] = ak;
        F[wi + i] = f(nlr * (nest ? f(gk + f(ak * mu)) : ak)) + F[wi + i];
      }
    },

    f32_adam(w, g, m, v, count, lr, beta1, oneMinusBeta1, beta2, oneMinusBeta2, epsilon, correction1, correction2) {
      adam(w, g, m, v, count, lr, beta1, oneMinusBeta1, beta2, oneMinusBeta2, epsilon, correction1, correction2, 0, false);
    },

    f32_adamw(w, g, m, v, count, lr, beta1, oneMinusBeta1, beta2, oneMinusBeta2, epsilon, correction1, correction2, weightDecay) {
      adam(w, g, m, v, count, lr, beta1, oneMinusBeta1, beta2, oneMinusBeta2, epsilon, correction1, correction2,
        f(f(lr) * f(weightDecay)), true);
    },

    f32_adamax(w, g, m, u, count, step, beta1, oneMinusBeta1, beta2, epsilon) {
      const F = mem.F32;
      const wi = w >> 2, gi = g >> 2, mi = m >> 2, ui = u >> 2;
      step = f(step);
      const b1 = f(beta1), d1 = f(oneMinusBeta1), b2 = f(beta2), eps = f(epsilon);
      for (let i = 0; i < count; i++) {
        const gk = F[gi + i];
        const mk = f(f(F[mi + i] * b1) + f(gk * d1));
        const uk = Math.max(f(F[ui + i] * b2), Math.abs(gk));
        F[mi + i] = mk;
        F[ui + i] = uk;
        F[wi + i] = f(step * f(mk / f(uk + eps))) + F[wi + i];
      }
    },

    f32_adadelta(w, g, a, u, count, lr, rho, oneMinusRho, epsilon) {
      const F = mem.F32;
      const wi = w >> 2, gi = g >> 2, ai = a >> 2, ui = u >> 2;
      const nlr = -f(lr), r = f(rho), d = f(oneMinusRho), eps = f(epsilon);
      for (let i = 0; i < count; i++) {
        const gk = F[gi + i], ak = F[ai + i], uk = F[ui + i];
        const step = f(f(f(Math.sqrt(f(uk + eps))) / f(Math.sqrt(f(ak + eps)))) * gk);
        F[ai + i] = f(f(ak * r) + f(f(gk * gk) * d));
        F[ui + i] = f(f(uk * r) + f(f(step * step) * d));
        F[wi + i] = f(step * nlr) + F[wi + i];
      }
    },

    f32_rmsprop(w, g, s, p, q, count, lr, rho, oneMinusRho, momentum, epsilon, centered) {
      rmsprop(w, g, s, p, q, count, lr, rho, oneMinusRho, momentum, epsilon, (centered | 0) !== 0);
    },

    f32_adagrad(w, g, s, count, lr, epsilon) {
      const F = mem.F32;
      const wi = w >> 2, gi = g >> 2, si = s >> 2;
      const nlr = -f(lr);
      const eps = f(epsilon);
      for (let i = 0; i < count; i++) {
        const gk = F[gi + i];
        const sk = f(F[si + i] + f(gk * gk));
        F[si + i] = sk;
        F[wi + i] = f(f(gk / f(Math.sqrt(f(sk + eps)))) * nlr) + F[wi + i];
      }
    },

    f32_l2_grad(w, g, count, lambda) {
      const F = mem.F32;
      const wi = w >> 2, gi = g >> 2;
      const c = f(2 * f(lambda));
      for (let i = 0; i < count; i++) F[gi + i] = F[gi + i] + f(c * F[wi + i]);
    },

    // The order of assembly/util's f32_sum_squares: lanes acc[j][l] over blocks of 16 floats, the leftover
    // whole quads into acc[0], acc = (acc0 + acc1) + (acc2 + acc3), ((l0 + l1) + l2) + l3, then the tail.
    f32_sum_squares(x, count) {
      const F = mem.F32;
      const xi = x >> 2;
      acc.fill(0);
      let i = 0;
      for (; i + 16 <= count; i += 16) {
        for (let k = 0; k < 16; k++) acc[k] = acc[k] + f(F[xi + i + k] * F[xi + i + k]);
      }
      for (; i + 4 <= count; i += 4) {
        for (let l = 0; l < 4; l++) acc[l] = acc[l] + f(F[xi + i + l] * F[xi + i + l]);
      }
      let s = f(lane(acc, 0) + lane(acc, 1));
      s = f(s + lane(acc, 2));
      s = f(s + lane(acc, 3));
      for (; i < count; i++) s = f(s + f(F[xi + i] * F[xi + i]));
      return s;
    },

    f32_scale(x, count, s) {
      const F = mem.F32;
      const xi = x >> 2;
      s = f(s);
      for (let i = 0; i < count; i++) F[xi + i] = F[xi + i] * s;
    },

    f32_fill(x, count, value) {
      if (count > 0) mem.F32.fill(value, x >> 2, (x >> 2) + count);
    },

    // copyWithin moves bytes, so NaN payloads survive as they do with wasm's memory.copy.
    f32_copy(src, dst, count) {
      if (count > 0) mem.F32.copyWithin(dst >> 2, src >> 2, (src >> 2) + count);
    },

    f32_gather_rows(src, idx, start, dst, rows, cols) {
      const F = mem.F32, I = mem.I32;
      const ii = (idx >> 2) + start;
      if (cols <= 0) return;
      for (let r = 0; r < rows; r++) {
        const from = (src >> 2) + I[ii + r] * cols;
        F.copyWithin((dst >> 2) + r * cols, from, from + cols);
      }
    },

    i32_gather(src, idx, start, dst, rows) {
      const I = mem.I32;
      const si = src >> 2, ii = (idx >> 2) + start, di = dst >> 2;
      for (let r = 0; r < rows; r++) I[di + r] = I[si + I[ii + r]];
    },

    f32_all_finite(x, count) {
      const F = mem.F32;
      const xi = x >> 2;
      for (let i = 0; i < count; i++) {
        const v = F[xi + i];
        if (v - v !== 0) return 0;
      }
      return 1;
    },
  };
}
