// Measures the worst ulp error of the wasm exp, expm1 (elu with alpha 1, x ≤ 0), sigmoid and tanh against
// float64 over every f32 input (all 2^32 bit patterns; NaN inputs must give NaN). The README quotes its output.
// Usage: npx tsx bench/act-ulp.ts [stride] [name]   (stride 1, the default, is exhaustive: minutes per function;
// name, e.g. tanh, runs only the functions whose name starts with it)
import { runtimeFor } from '../src/backend/index';

const stride = Number(process.argv[2] ?? 1);
const only = process.argv[3];
const rt = runtimeFor('wasm');
const k = rt.backend.kernels;
const CHUNK = 1 << 22;
const px = rt.heap.alloc(CHUNK * 4), py = rt.heap.alloc(CHUNK * 4);
const F32_OVERFLOW = 3.4028234663852886e38 + 2 ** 103;

function ulp32(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -126) return 2 ** -149;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return 2 ** (e - 23);
}

const FNS = [
  { name: 'exp', run: (n: number) => k.f32_exp(px, py, n), ref: Math.exp, domain: (_x: number) => true },
  { name: 'expm1 (x <= 0)', run: (n: number) => k.f32_activation(px, py, n, 3, 1), ref: Math.expm1, domain: (x: number) => x <= 0 },
  { name: 'sigmoid', run: (n: number) => k.f32_activation(px, py, n, 4, 0), ref: (x: number) => 1 / (1 + Math.exp(-x)), domain: (_x: number) => true },
  { name: 'tanh', run: (n: number) => k.f32_activation(px, py, n, 5, 0), ref: Math.tanh, domain: (_x: number) => true },
];

for (const fn of FNS.filter((f) => !only || f.name.startsWith(only))) {
  let worst = 0, worstX = 0, count = 0, nanBad = 0;
  const t0 = performance.now();
  for (let start = 0; start < 2 ** 32; start += CHUNK * stride) {
    const n = Math.min(CHUNK, Math.ceil((2 ** 32 - start) / stride));
    const U = new Uint32Array(rt.backend.memory.f32().buffer, px, n);
    for (let i = 0; i < n; i++) U[i] = start + i * stride;
    fn.run(n);
    const F = rt.backend.memory.f32();
    const X = F.subarray(px >> 2, (px >> 2) + n), Y = F.subarray(py >> 2, (py >> 2) + n);
    for (let i = 0; i < n; i++) {
      const x = X[i], y = Y[i];
      if (Number.isNaN(x)) { if (!Number.isNaN(y)) nanBad++; continue; }
      if (!fn.domain(x)) continue;
      count++;
      const r = fn.ref(x);
      const e = Math.abs(r) >= F32_OVERFLOW ? (y === Math.sign(r) * Infinity ? 0 : Infinity) : Math.abs(y - r) / ulp32(r);
      if (e > worst) { worst = e; worstX = x; }
    }
  }
  console.log(`${fn.name}: worst ${worst.toFixed(4)} ulp at x = ${worstX} over ${count} inputs; NaN inputs not giving NaN: ${nanBad} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}
