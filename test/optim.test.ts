// Optimizer kernels: float64 references over several steps, in-place behaviour, bit-exact agreement of the
// wasm and js backends, and a small convergence run for each update rule.
import { describe, it, expect } from 'vitest';
import { BACKENDS, EDGE_SIZES, Mem, rand, maxRelErr } from './helpers';
import type { Kernels } from '../src/backend/types';
import type { BackendName } from '../src/backend/index';

/** One update rule: how to call the kernel, and the same step in float64. */
interface Rule {
  name: string;
  /** Number of state arrays (m, v, s ...) and their initial value. */
  states: number;
  init: number;
  /** Calls the kernel for step t (1-based). */
  run(k: Kernels, w: number, g: number, s: number[], count: number, t: number): void;
  /** The same update in float64, in place. */
  ref(w: Float64Array, g: Float64Array, s: Float64Array[], t: number): void;
}

/** β^t as TF.js keeps it: float32, multiplied by β after every step. */
function powF32(b: number, t: number): number {
  let acc = Math.fround(b);
  for (let i = 1; i < t; i++) acc = Math.fround(acc * Math.fround(b));
  return acc;
}

function rules(p: { lr: number; mu: number; b1: number; b2: number; eps: number; wd: number; rho: number }): Rule[] {
  const { lr, mu, b1, b2, eps, wd, rho } = p;
  const corr = (b: number, t: number) => Math.fround(1 - powF32(b, t));
  const adamRef = (w: Float64Array, g: Float64Array, [m, v]: Float64Array[], t: number, decay: number) => {
    const c1 = 1 - b1 ** t, c2 = 1 - b2 ** t;
    for (let i = 0; i < w.length; i++) {
      w[i] -= lr * decay * w[i];
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      w[i] -= lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + eps);
    }
  };
  const rmspropRef = (w: Float64Array, g: Float64Array, [s, q, c]: Float64Array[], centered: boolean) => {
    for (let i = 0; i < w.length; i++) {
      s[i] = rho * s[i] + (1 - rho) * g[i] * g[i];
      let den = Math.sqrt(s[i] + eps);
      if (centered) { c[i] = rho * c[i] + (1 - rho) * g[i]; den = Math.sqrt(s[i] - c[i] * c[i] + eps); }
      q[i] = mu * q[i] + lr * g[i] / den;
      w[i] -= q[i];
    }
  };
  return [
    {
      name: 'sgd', states: 0, init: 0,
      run: (k, w, g, _s, n) => k.f32_sgd(w, g, n, lr),
      ref: (w, g) => { for (let i = 0; i < w.length; i++) w[i] -= lr * g[i]; },
    },
    {
      name: 'momentum', states: 1, init: 0,
      run: (k, w, g, [a], n) => k.f32_momentum(w, g, a, n, lr, mu, 0),
      ref: (w, g, [a]) => {
        for (let i = 0; i < w.length; i++) { a[i] = mu * a[i] + g[i]; w[i] -= lr * a[i]; }
      },
    },
    {
      name: 'nesterov', states: 1, init: 0,
      run: (k, w, g, [a], n) => k.f32_momentum(w, g, a, n, lr, mu, 1),
      ref: (w, g, [a]) => {
        for (let i = 0; i < w.length; i++) { a[i] = mu * a[i] + g[i]; w[i] -= lr * (g[i] + mu * a[i]); }
      },
    },
    {
      name: 'adam', states: 2, init: 0,
      run: (k, w, g, [m, v], n, t) => k.f32_adam(w, g, m, v, n, lr, b1, 1 - b1, b2, 1 - b2, eps, corr(b1, t), corr(b2, t)),
      ref: (w, g, s, t) => adamRef(w, g, s, t, 0),
    },
    {
      name: 'adamw', states: 2, init: 0,
      run: (k, w, g, [m, v], n, t) => k.f32_adamw(w, g, m, v, n, lr, b1, 1 - b1, b2, 1 - b2, eps, corr(b1, t), corr(b2, t), wd),
      ref: (w, g, s, t) => adamRef(w, g, s, t, wd),
    },
    {
      name: 'adamax', states: 2, init: 0,
      run: (k, w, g, [m, u], n, t) => k.f32_adamax(w, g, m, u, n, Math.fround(-Math.fround(lr) / corr(b1, t)), b1, 1 - b1, b2, eps),
      ref: (w, g, [m, u], t) => {
        for (let i = 0; i < w.length; i++) {
          m[i] = b1 * m[i] + (1 - b1) * g[i];
          u[i] = Math.max(b2 * u[i], Math.abs(g[i]));
          w[i] -= lr / (1 - b1 ** t) * m[i] / (u[i] + eps);
        }
      },
    },
    {
      name: 'adadelta', states: 2, init: 0,
      run: (k, w, g, [a, u], n) => k.f32_adadelta(w, g, a, u, n, lr, rho, 1 - rho, eps),
      ref: (w, g, [a, u]) => {
        for (let i = 0; i < w.length; i++) {
          const d = Math.sqrt(u[i] + eps) / Math.sqrt(a[i] + eps) * g[i];
          a[i] = rho * a[i] + (1 - rho) * g[i] * g[i];
          u[i] = rho * u[i] + (1 - rho) * d * d;
          w[i] -= lr * d;
        }
      },
    },
    {
      name: 'rmsprop', states: 2, init: 0,
      run: (k, w, g, [s, q], n) => k.f32_rmsprop(w, g, s, q, 0, n, lr, rho, 1 - rho, mu, eps, 0),
      ref: (w, g, st) => rmspropRef(w, g, st, false),
    },
    {
      name: 'rmsprop (centered)', states: 3, init: 0,
      run: (k, w, g, [s, q, c], n) => k.f32_rmsprop(w, g, s, q, c, n, lr, rho, 1 - rho, mu, eps, 1),
      ref: (w, g, st) => rmspropRef(w, g, st, true),
    },
    {
      name: 'adagrad', states: 1, init: 0.1,
      run: (k, w, g, [s], n) => k.f32_adagrad(w, g, s, n, lr, eps),
      ref: (w, g, [s]) => {
        for (let i = 0; i < w.length; i++) {
          s[i] += g[i] * g[i];
          w[i] -= lr * g[i] / Math.sqrt(s[i] + eps);
        }
      },
    },
  ];
}

const PARAMS = { lr: 0.01, mu: 0.9, b1: 0.9, b2: 0.999, eps: 1e-7, wd: 0.05, rho: 0.9 };
const STEPS = 5;

/** Writes data into a backend's current memory at a byte offset. */
function write(m: Mem, ptr: number, data: ArrayLike<number>): void {
  m.rt.backend.memory.f32().set(data, ptr >> 2);
}

/** Index of the first element whose bits differ, or -1. */
function firstBitDiff(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (x.length !== y.length) return 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

/** Gradients spread over many binades, so that rounding in every op matters. */
function wideGrads(n: number, seed: number): Float32Array {
  const r = rand(seed), u = r(n), e = r(n, -12, 6);
  return Float32Array.from(u, (x, i) => x * 2 ** Math.round(e[i]));
}

/** Runs `steps` updates of a rule on a backend; returns w and the states after the last step. */
function runRule(name: BackendName, rule: Rule, w0: Float32Array, grads: Float32Array[]): Float32Array[] {
  const m = new Mem(name);
  try {
    const n = w0.length;
    const w = m.f32(w0), g = m.f32(n);
    const s = Array.from({ length: rule.states }, () => m.f32(new Float32Array(n).fill(rule.init)));
    grads.forEach((gt, t) => { write(m, g, gt); rule.run(m.k, w, g, s, n, t + 1); });
    return [m.read(w, n), ...s.map((p) => m.read(p, n))];
  } finally {
    m.free();
  }
}

describe.each(BACKENDS)('optimizers on %s', (name) => {
  for (const rule of rules(PARAMS)) {
    it(`${rule.name} matches a float64 reference for ${STEPS} steps`, () => {
      for (const n of EDGE_SIZES) {
        const r = rand(n * 31 + rule.name.length);
        const w0 = r(n, -2, 2);
        const grads = Array.from({ length: STEPS }, () => r(n));
        const m = new Mem(name);
        const w = m.f32(w0), g = m.f32(n);
        const s = Array.from({ length: rule.states }, () => m.f32(new Float32Array(n).fill(rule.init)));
        const rw = Float64Array.from(w0), rs = s.map(() => new Float64Array(n).fill(rule.init));
        for (let t = 1; t <= STEPS; t++) {
          const gt = grads[t - 1];
          write(m, g, gt);
          rule.run(m.k, w, g, s, n, t);
          rule.ref(rw, Float64Array.from(gt), rs, t);
          expect(maxRelErr(m.read(w, n), rw), `${rule.name} w n=${n} t=${t}`).toBeLessThan(2e-6);
          s.forEach((p, j) => {
            expect(maxRelErr(m.read(p, n), rs[j]), `${rule.name} state ${j} n=${n} t=${t}`).toBeLessThan(2e-6);
          });
          expect(Array.from(m.read(g, n)), 'g is read only').toEqual(Array.from(gt));
        }
        // the step really moved w (guards against a kernel that does nothing)
        expect(maxRelErr(m.read(w, n), w0)).toBeGreaterThan(1e-4);
        m.free();
      }
    });

    it(`${rule.name} writes only the first count elements of w and its state`, () => {
      const SENT = 12345.5;
      for (const n of [1, 3, 5, 17, 63, 65]) {
        const m = new Mem(name);
        const r = rand(n);
        const w0 = new Float32Array(n + 4).fill(SENT);
        w0.set(r(n));
        const w = m.f32(w0), g = m.f32(r(n + 4));
        const s = Array.from({ length: rule.states }, () => m.f32(new Float32Array(n + 4).fill(SENT)));
        for (const p of s) write(m, p, new Float32Array(n).fill(rule.init));
        rule.run(m.k, w, g, s, n, 1);
        expect(Array.from(m.read(w + 4 * n, 4))).toEqual([SENT, SENT, SENT, SENT]);
        for (const p of s) expect(Array.from(m.read(p + 4 * n, 4))).toEqual([SENT, SENT, SENT, SENT]);
        m.free();
      }
    });

    it(`${rule.name} with count 0 changes nothing`, () => {
      const m = new Mem(name);
      const w = m.f32([1, 2, 3, 4]), g = m.f32([1, 1, 1, 1]);
      const s = Array.from({ length: rule.states }, () => m.f32([5, 6, 7, 8]));
      rule.run(m.k, w, g, s, 0, 1);
      expect(Array.from(m.read(w, 4))).toEqual([1, 2, 3, 4]);
      for (const p of s) expect(Array.from(m.read(p, 4))).toEqual([5, 6, 7, 8]);
      m.free();
    });
  }

  it('adam step 1 moves every weight by about lr against the gradient sign', () => {
    // At t = 1 the bias-corrected moments are g and g², so the step is lr·g/(|g| + ε).
    const m = new Mem(name);
    const w = m.f32([0, 0, 0, 0, 0]), g = m.f32([1, -2, 0.5, -0.25, 0]), mm = m.f32(5), v = m.f32(5);
    m.k.f32_adam(w, g, mm, v, 5, 0.1, 0.9, 0.1, 0.999, 0.001, 1e-7, Math.fround(1 - Math.fround(0.9)), Math.fround(1 - Math.fround(0.999)));
    const got = m.read(w, 5);
    for (const [i, sign] of [[0, -1], [1, 1], [2, -1], [3, 1]]) expect(got[i]).toBeCloseTo(sign * 0.1, 5);
    expect(got[4]).toBe(0);
    m.free();
  });

  it('l2_grad adds 2·λ·w to g and leaves w alone', () => {
    for (const n of EDGE_SIZES) {
      const r = rand(n + 7);
      const w0 = r(n, -3, 3), g0 = r(n);
      const m = new Mem(name);
      const w = m.f32(w0), g = m.f32([...g0, 7, 7, 7, 7]);
      m.k.f32_l2_grad(w, g, n, 0.03);
      const want = Array.from(g0, (x, i) => x + 2 * 0.03 * w0[i]);
      expect(maxRelErr(m.read(g, n), want)).toBeLessThan(1e-6);
      expect(Array.from(m.read(g + 4 * n, 4))).toEqual([7, 7, 7, 7]);
      expect(Array.from(m.read(w, n))).toEqual(Array.from(w0));
      m.free();
    }
  });

  // Minimise f(w) = Σ (w_i − c_i)² from w = 0 with g = 2(w − c): the loss (about 42 at the start) must fall below 1e-6.
  const converge: [string, number, (k: Kernels, w: number, g: number, s: number[], n: number, t: number) => void][] = [
    ['sgd', 0, (k, w, g, _s, n) => k.f32_sgd(w, g, n, 0.1)],
    ['momentum', 0, (k, w, g, [v], n) => k.f32_momentum(w, g, v, n, 0.02, 0.9, 0)],
    ['nesterov', 0, (k, w, g, [v], n) => k.f32_momentum(w, g, v, n, 0.02, 0.9, 1)],
    ['adam', 0, (k, w, g, [mm, v], n, t) => adamCall(k, w, g, mm, v, n, 0.05, t)],
    ['adamw', 0, (k, w, g, [mm, v], n, t) => adamCall(k, w, g, mm, v, n, 0.05, t, 1e-4)],
    ['adamax', 0, (k, w, g, [mm, u], n, t) => k.f32_adamax(w, g, mm, u, n, Math.fround(-0.05 / (1 - 0.9 ** t)), 0.9, 0.1, 0.999, 1e-7)],
    ['adadelta', 0, (k, w, g, [a, u], n) => k.f32_adadelta(w, g, a, u, n, 0.5, 0.9, 0.1, 1e-6)],
    ['rmsprop', 0, (k, w, g, [s, q], n) => k.f32_rmsprop(w, g, s, q, 0, n, 0.01, 0.9, 0.1, 0, 1e-7, 0)],
    ['rmsprop (momentum, centered)', 0, (k, w, g, [s, q, c], n) => k.f32_rmsprop(w, g, s, q, c, n, 0.005, 0.9, 0.1, 0.5, 1e-7, 1)],
    ['adagrad', 0.1, (k, w, g, [s], n) => k.f32_adagrad(w, g, s, n, 0.5, 1e-7)],
  ];
  const adamCall = (k: Kernels, w: number, g: number, mm: number, v: number, n: number, lr: number, t: number, wd?: number) => {
    const c1 = Math.fround(1 - 0.9 ** t), c2 = Math.fround(1 - 0.999 ** t);
    if (wd === undefined) k.f32_adam(w, g, mm, v, n, lr, 0.9, 0.1, 0.999, 0.001, 1e-7, c1, c2);
    else k.f32_adamw(w, g, mm, v, n, lr, 0.9, 0.1, 0.999, 0.001, 1e-7, c1, c2, wd);
  };
  for (const [rule, init, step] of converge) {
    it(`${rule} minimises a quadratic`, () => {
      const n = 37, steps = 300;
      const c = rand(99)(n, -2, 2);
      const m = new Mem(name);
      const w = m.f32(n), g = m.f32(n), s = [m.f32(new Float32Array(n).fill(init)), m.f32(n), m.f32(n)];
      const loss = (x: Float32Array) => x.reduce((a, xi, i) => a + (xi - c[i]) ** 2, 0);
      const start = loss(m.read(w, n));
      for (let t = 1; t <= steps; t++) {
        const wt = m.read(w, n);
        write(m, g, Array.from(wt, (x, i) => 2 * (x - c[i])));
        step(m.k, w, g, s, n, t);
      }
      const end = loss(m.read(w, n));
      expect(start).toBeGreaterThan(40);
      expect(end, `${rule}: ${start} -> ${end}`).toBeLessThan(1e-6);
      m.free();
    });
  }
});

describe('optimizers: wasm and js agree bit for bit', () => {
  const settings = [
    PARAMS,
    { lr: 0.001, mu: 0.95, b1: 0.8, b2: 0.99, eps: 1e-8, wd: 0.004, rho: 0.95 },
    { lr: 0.3, mu: 0.5, b1: 0.95, b2: 0.9999, eps: 1e-3, wd: 0.3, rho: 0.5 },
  ];
  const sizes = [...EDGE_SIZES, 16, 1029];
  settings.forEach((p, si) => {
    for (const rule of rules(p)) {
      it(`${rule.name} (settings ${si})`, () => {
        for (const n of sizes) {
          const w0 = rand(n + si)(n, -4, 4);
          const grads = Array.from({ length: 7 }, (_, t) => wideGrads(n, 1000 * t + n + si));
          const a = runRule('wasm', rule, w0, grads);
          const b = runRule('js', rule, w0, grads);
          a.forEach((x, j) => expect(firstBitDiff(x, b[j]), `${rule.name} array ${j} n=${n}`).toBe(-1));
          expect(firstBitDiff(a[0], w0), 'w changed').not.toBe(-1);
        }
      });
    }
  });

  it('adam agrees at late steps (t up to 100000)', () => {
    const rule = rules(PARAMS).find((r) => r.name === 'adam')!;
    const n = 67;
    const w0 = rand(5)(n);
    for (const t0 of [10, 999, 12345, 100000]) {
      const run = (name: BackendName) => {
        const m = new Mem(name);
        const w = m.f32(w0), g = m.f32(wideGrads(n, t0)), mm = m.f32(rand(t0)(n)), v = m.f32(rand(t0 + 1)(n, 0, 1));
        rule.run(m.k, w, g, [mm, v], n, t0);
        const out = [m.read(w, n), m.read(mm, n), m.read(v, n)];
        m.free();
        return out;
      };
      const a = run('wasm'), b = run('js');
      a.forEach((x, j) => expect(firstBitDiff(x, b[j]), `t=${t0} array ${j}`).toBe(-1));
    }
  });

  it('l2_grad', () => {
    for (const n of sizes) {
      const w0 = wideGrads(n, n), g0 = wideGrads(n, n + 1);
      const out = BACKENDS.map((name) => {
        const m = new Mem(name);
        const w = m.f32(w0), g = m.f32(g0);
        m.k.f32_l2_grad(w, g, n, 0.0123);
        const r = m.read(g, n);
        m.free();
        return r;
      });
      expect(firstBitDiff(out[0], out[1]), `n=${n}`).toBe(-1);
    }
  });
});
