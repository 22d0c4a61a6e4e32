// Where a training step's time goes, kernel by kernel: npx tsx bench/cnn-profile.ts [lenet|cifar|mlp] [batches]
// Every kernel of the wasm backend is wrapped in a timer (process CPU time around each call, so time the process
// spends waiting for a core on a busy machine does not count; a step makes a few dozen calls, so the timers cost
// little of it) while the model trains `batches` batches after an
// untimed warm-up. Prints a markdown table: each kernel call site (the kernel with its shape arguments) with its
// time per step, its share of the step, and for the products its GFLOP/s (2·m·n·k ÷ time). One thread.
import * as nn from '../src/index';
import { runtimeFor } from '../src/backend/index';
import type { Kernels } from '../src/backend/types';
import { cpuSeconds } from './timing';
import { mulberry32 } from './util';

const now = () => cpuSeconds() * 1e3;

const net = process.argv[2] ?? 'lenet';
const batches = Number(process.argv[3] ?? 40);
const lenet = net === 'lenet', mlp = net === 'mlp';
const batch = lenet || mlp ? 64 : 32;
const shape: number[] = mlp ? [784] : lenet ? [28, 28, 1] : [32, 32, 3];
const relu = 'relu' as const;

function model(): nn.Sequential {
  const layers = mlp
    ? [nn.layers.dense({ units: 128, activation: relu, inputShape: shape }), nn.layers.dense({ units: 64, activation: relu }),
      nn.layers.dense({ units: 10, activation: 'softmax' })]
    : lenet
    ? [nn.layers.conv2d({ filters: 8, kernelSize: 5, activation: relu, inputShape: shape }), nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.conv2d({ filters: 16, kernelSize: 5, activation: relu }), nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.flatten(), nn.layers.dense({ units: 10, activation: 'softmax' })]
    : [nn.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: relu, inputShape: shape }),
      nn.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: relu }), nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: relu }),
      nn.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: relu }), nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.flatten(), nn.layers.dense({ units: 256, activation: relu }), nn.layers.dense({ units: 10, activation: 'softmax' })];
  const m = nn.sequential({ seed: 1, layers });
  m.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy' });
  return m;
}

/** A label for one call site: the kernel and the arguments that give its shape (pointers left out). */
function site(name: string, a: number[]): { key: string; flops: number } {
  if (name.startsWith('f32_gemm_') && name !== 'f32_gemm_strided') {
    const [m, n, k] = [a[4], a[5], a[6]];
    return { key: `${name.slice(4)} ${m}×${k}·${k}×${n}${a[2] ? ' +bias' : ''}${a[8] ? ' +act' : ''}`, flops: 2 * m * n * k };
  }
  if (name === 'f32_im2col' || name === 'f32_col2im') return { key: `${name.slice(4)} n${a[2]} ${a[3]}×${a[4]}×${a[5]} k${a[6]}×${a[7]}`, flops: 0 };
  if (name === 'f32_conv2d_direct' || name === 'f32_conv2d_direct_dw') {
    // direct: n h w c kh kw filters from argument 4; direct_dw: from argument 3
    const [n, h, w, c, kh, kw, f] = a.slice(name === 'f32_conv2d_direct' ? 4 : 3);
    return { key: `${name.slice(4)} n${n} ${h}×${w}×${c} k${kh}×${kw} f${f}`, flops: 2 * n * (h - kh + 1) * (w - kw + 1) * kh * kw * c * f };
  }
  if (name === 'f32_maxpool2d') return { key: `maxpool2d ${a[4]}×${a[5]}×${a[6]}`, flops: 0 };
  return { key: `${name.slice(4)}`, flops: 0 };
}

async function main(): Promise<void> {
  await nn.ready({ backend: 'wasm', threads: 1 });
  const rt = runtimeFor('wasm');
  const direct = rt.backend.kernels;
  const stats = new Map<string, { t: number; calls: number; flops: number }>();
  const timed = {} as Record<string, unknown>;
  for (const [name, f] of Object.entries(direct as unknown as Record<string, unknown>)) {
    if (typeof f !== 'function') { timed[name] = f; continue; }
    timed[name] = (...a: number[]) => {
      const t0 = now();
      const r = (f as (...x: number[]) => unknown)(...a);
      const dt = now() - t0;
      const s = site(name, a);
      const e = stats.get(s.key) ?? { t: 0, calls: 0, flops: s.flops };
      e.t += dt; e.calls++;
      stats.set(s.key, e);
      return r;
    };
  }
  const width = shape.reduce((a, b) => a * b, 1);
  const rand = mulberry32(3);
  const n = batch * batches;
  const x = nn.tensor(Float32Array.from({ length: n * width }, () => rand()), [n, ...shape]);
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) y[i * 10 + Math.floor(rand() * 10)] = 1;
  const yt = nn.tensor(y, [n, 10]);
  const m = model();
  await m.fit(x, yt, { epochs: 1, batchSize: batch, shuffle: false });
  const t0 = now();
  await m.fit(x, yt, { epochs: 1, batchSize: batch, shuffle: false });
  const plain = now() - t0;
  (rt.backend as { kernels: Kernels }).kernels = timed as unknown as Kernels;
  const t1 = now();
  await m.fit(x, yt, { epochs: 1, batchSize: batch, shuffle: false });
  const wrapped = now() - t1;
  (rt.backend as { kernels: Kernels }).kernels = direct;
  const total = [...stats.values()].reduce((s, e) => s + e.t, 0);
  const rows = [...stats.entries()].sort((p, q) => q[1].t - p[1].t);
  console.log(`${net}, batch ${batch}, ${batches} batches: ${(plain / batches).toFixed(2)} ms per step unwrapped, ` +
    `${(wrapped / batches).toFixed(2)} ms wrapped, of which ${(total / batches).toFixed(2)} ms in kernels (the rest: fit's loop and copies)\n`);
  console.log('| kernel call | calls per step | ms per step | share of step | GFLOP/s |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [key, e] of rows) {
    const ms = e.t / batches;
    if (ms / (wrapped / batches) < 0.002) continue;
    const gf = e.flops ? ((e.flops * e.calls) / (e.t / 1e3) / 1e9).toFixed(1) : '';
    console.log(`| ${key} | ${+(e.calls / batches).toFixed(2)} | ${ms.toFixed(3)} | ${((100 * e.t) / wrapped).toFixed(1)} % | ${gf} |`);
  }
  const flops = rows.reduce((s, [, e]) => s + e.flops * e.calls, 0);
  console.log(`\nproducts: ${((flops / batches) / 1e6).toFixed(1)} MFLOP per step, ${((flops / (wrapped / 1e3)) / 1e9).toFixed(1)} GFLOP/s over the whole step`);
  nn.shutdown?.();
}

main().catch((e) => { console.error(e); process.exit(1); });
