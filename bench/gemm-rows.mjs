// Times the one-to-three-row matrix product (gemm_rows, taken for m < 4) of two builds of the wasm module side by
// side in one process, in alternating rounds, and prints the median time per call of each and their ratio.
//   node bench/gemm-rows.mjs <a.wasm> <b.wasm> [rounds]
// The shapes are those of a dense layer's forward pass on one to three samples (C[m,n] = A[m,k]·B[k,n]), with n
// chosen to leave remainders of 4-15 columns after the 16-wide blocks; A is dense (no zero blocks to skip).
// SHAPES='[[64,128,784],[256,256,256]]' times other shapes instead (m ≥ 4 takes the packed 5x8 path).
import { readFileSync } from 'node:fs';

const [fileA, fileB, roundsArg] = process.argv.slice(2);
if (!fileA || !fileB) throw new Error('usage: node bench/gemm-rows.mjs <a.wasm> <b.wasm> [rounds]');
const rounds = Number(roundsArg ?? 15);

async function load(file) {
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true });
  const { instance } = await WebAssembly.instantiate(readFileSync(file), {
    env: { memory, abort() { throw new Error('abort'); } },
  });
  return { k: instance.exports, memory };
}

const SHAPES = process.env.SHAPES ? JSON.parse(process.env.SHAPES) : [[1, 10, 64], [1, 12, 128], [1, 28, 784], [1, 60, 256], [3, 10, 64], [2, 44, 128]];
const mods = [await load(fileA), await load(fileB)];
for (const mod of mods) {
  const base = (Number(mod.k.heap_base()) + 63) & ~63;
  const f = new Float32Array(mod.memory.buffer);
  for (let i = base / 4; i < base / 4 + 2_000_000; i++) f[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
  mod.base = base;
}
const time = ({ k, base }, [m, n, kk]) => {
  const a = base, b = a + m * kk * 4 + 64, c = b + kk * n * 4 + 64;
  const calls = Math.max(200, Math.round(4e7 / (m * n * kk)));
  const t0 = performance.now();
  for (let r = 0; r < calls; r++) k.f32_gemm_nn(a, b, 0, c, m, n, kk, 0, 0, 0);
  return ((performance.now() - t0) / calls) * 1000; // µs per call
};
const median = (xs) => { const s = [...xs].sort((x, y) => x - y); return s[s.length >> 1]; };
console.log(`| m×n×k | ${fileA} µs | ${fileB} µs | ratio |\n|---|---|---|---|`);
for (const shape of SHAPES) {
  const t = [[], []];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [1, 0] : [0, 1];
    for (const i of order) t[i].push(time(mods[i], shape));
  }
  const [ma, mb] = t.map(median);
  console.log(`| ${shape.join('×')} | ${ma.toFixed(3)} | ${mb.toFixed(3)} | ${(ma / mb).toFixed(2)} |`);
}
