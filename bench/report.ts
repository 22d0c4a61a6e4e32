// Run metadata and the markdown tables printed at the end of a run.
import { execSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import type { ActResult } from './act';
import type { CnnResult } from './cnn';
import type { GemmResult } from './gemm';
import type { MnistResult } from './mnist';
import type { ThreadsResult } from './threads';
import { median } from './util';

export interface Meta {
  cpu: string;
  cores: number;
  node: string;
  platform: string;
  date: string;
  command: string;
  quick: boolean;
  /** HEAD of the repository and the files outside bench/ with uncommitted changes (the measured code). */
  git: { commit: string | null; dirty: boolean | null; changedFiles: string[] };
  /** os.loadavg() when the run began and ended: a busy machine shows here. */
  loadavg: { start: number[]; end: number[] };
}

function git(args: string): string | null {
  try {
    // Not trimmed: porcelain status lines start with a significant space.
    return execSync(`git ${args}`, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().replace(/\n$/, '');
  } catch {
    return null;
  }
}

/** The CPU model: os.cpus() when it is specific, else /proc/cpuinfo's "model name". */
function cpuModel(): string {
  const fromOs = os.cpus()[0]?.model ?? 'unknown';
  return fromOs.trim() || 'unknown';
}

export function collectMeta(quick: boolean, command: string): Meta {
  createRequire(import.meta.url);
  const status = git('status --porcelain');
  const meta: Meta = {
    cpu: cpuModel(),
    cores: os.cpus().length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    command,
    quick,
    git: {
      commit: git('rev-parse --short HEAD'),
      dirty: null,
      // Only the measured code matters: the library's sources and kernels.
      changedFiles: (status ?? '').split('\n').filter(Boolean).map((l) => l.slice(3))
        .filter((f) => f.startsWith('src/') || f.startsWith('assembly/')),
    },
    loadavg: { start: os.loadavg().map(round2), end: [] },
  };
  meta.git.dirty = status === null ? null : meta.git.changedFiles.length > 0;
  return meta;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function header(meta: Meta): string {
  return [
    `# neurite benchmarks${meta.quick ? ' (quick)' : ''}`,
    '',
    `- CPU: ${meta.cpu} · ${meta.cores} cores · ${meta.platform}`,
    `- Node ${meta.node} · ${meta.date.slice(0, 10)} · commit ${meta.git.commit ?? '?'}` +
      (meta.git.dirty ? ` + uncommitted changes in ${meta.git.changedFiles.join(', ')}` : ''),
    `- Load average (1/5/15 min) at start: ${meta.loadavg.start.join(' ')}` +
      (meta.loadavg.end.length ? ` · at end: ${meta.loadavg.end.join(' ')}` : ''),
    `- Reproduce: \`${meta.command}\``,
  ].join('\n');
}

const x = (v: number | null, digits = 2) => (v === null || !Number.isFinite(v) ? '–' : `${v.toFixed(digits)}×`);
const g = (v: number | null) => (v === null || !Number.isFinite(v) ? '–' : v.toFixed(1));

export function gemmTable(results: readonly GemmResult[]): string {
  const head = ['kernel', 'm×k·k×n', 'use', 'peak GFLOP/s', 'neurite GFLOP/s', 'of peak', 'tfjs-wasm GFLOP/s',
    '× tfjs-wasm', 'js GFLOP/s', '× js'];
  const rows = results.map((r) => r.error
    ? [r.kernel, r.shape.replace(/x/g, '×'), r.role || 'square', `error: ${r.error}`, '', '', '', '', '', '']
    : [
      r.kernel,
      r.shape.replace(/x/g, '×'),
      r.role || 'square',
      g(r.peakGflops),
      g(r.wasmGflops),
      r.ofPeak.toFixed(2),
      g(r.tfjsWasmGflops),
      x(r.vsTfjsWasm),
      r.jsGflops === null ? '–' : r.jsGflops.toFixed(2),
      x(r.vsJs, 0),
    ]);
  return table(head, rows, [false, false, false, true, true, true, true, true, true, true]);
}

export function trainTable(r: MnistResult): string {
  const head = ['library', 'trained on', 'samples/s', '× tfjs-wasm', 'test accuracy', 'CPU s', 'wall s'];
  const rows = r.train.map((t) => t.error
    ? [t.library, t.scope, `error: ${t.error}`, '', '', '', '']
    : [
      t.library + (t.note ? ` (${t.note})` : ''),
      t.scope,
      Math.round(t.samplesPerSecond).toLocaleString('en-US'),
      x(t.vsTfjsWasm),
      `${(t.testAccuracy * 100).toFixed(2)} %`,
      t.cpuSeconds.toFixed(2),
      t.wallSeconds.toFixed(2),
    ]);
  return table(head, rows, [false, false, true, true, true, true, true]);
}

export function inferTable(r: MnistResult): string {
  const head = ['library', 'predict 1 sample', 'tfjs-wasm ÷ this', `predict ${r.testCount.toLocaleString('en-US')} (samples/s)`, '× tfjs-wasm'];
  const rows = r.infer.map((t) => t.error
    ? [t.library, `error: ${t.error}`, '', '', '']
    : [
      t.library,
      `${(t.oneSampleSeconds! * 1e6).toFixed(1)} µs`,
      x(t.oneSampleVsTfjsWasm, 1),
      Math.round(t.batchedSamplesPerSecond!).toLocaleString('en-US'),
      x(t.batchedVsTfjsWasm),
    ]);
  return table(head, rows, [false, true, true, true, true]);
}

export function cnnTable(r: CnnResult): string {
  const head = ['library', 'trained on', 'samples/s', 'neurite ÷ this', 'test accuracy', 'CPU s', 'wall s'];
  const rows = r.train.map((t) => t.error
    ? [t.library, t.error, '–', '–', '–', '–', '–']
    : [
      t.library + (t.note ? ` (${t.note})` : ''),
      `${t.scope} (${roundsText(t.perRound)})`,
      Math.round(t.samplesPerSecond).toLocaleString('en-US'),
      bigRatio(t.neuriteRatio),
      `${(t.testAccuracy * 100).toFixed(2)} %`,
      t.cpuSeconds.toFixed(2),
      t.wallSeconds.toFixed(2),
    ]);
  return table(head, rows, [false, false, true, true, true, true, true]);
}

const bigRatio = (v: number | null) => (v === null || !Number.isFinite(v) ? '–' : `${v.toFixed(v >= 100 ? 0 : 1)}×`);

/** '3 rounds of 192' or '3 rounds: 20,032 + 19,968 + 20,000'. */
function roundsText(counts: readonly number[]): string {
  if (counts.length === 1) return '1 run';
  const n = (v: number) => v.toLocaleString('en-US');
  return counts.every((c) => c === counts[0]) ? `${counts.length} rounds of ${n(counts[0])}` : `${counts.length} rounds: ${counts.map(n).join(' + ')}`;
}

export function cnnNotes(r: CnnResult): string[] {
  const checks = r.train.filter((t) => t.check).map((t) =>
    `${t.library} ${t.check!.sameClass}/${t.check!.images} same class, max |Δ| ${t.check!.maxAbsDiff.toExponential(1)}`);
  const ratio = (v: number | null) => (v === null ? 'not measured' : bigRatio(v));
  return [
    `Model: ${r.model}. ${r.trainCount.toLocaleString('en-US')} training and ${r.testCount.toLocaleString('en-US')} test images`,
    '(nn.loadMnist(), [n, 28, 28, 1]). Every library trains on the same seeded shuffle of the training set, in',
    `${r.rounds} interleaved rounds (neurite, ConvNetJS, tfjs-cpu, neurite, ...): neurite one full epoch (a fixed subset in`,
    'quick runs), the slow peers their first N images, so their samples/s is a rate over those N. samples/s = images ÷',
    'process CPU seconds over all rounds; "neurite ÷ this" is the median over rounds of the same-round ratio of samples/s.',
    `**neurite wasm ÷ ConvNetJS: ${ratio(r.neuriteVsConvnet)}; ÷ tfjs-cpu: ${ratio(r.neuriteVsTfjsCpu)}** (targets: ≥ 20× and ≥ 100×).`,
    'Test accuracy is on the 10,000 test images after that training (a peer\'s after its N images only). neurite predicts',
    'with its model; a peer\'s trained weights are copied into a neurite model of the same architecture, which predicts',
    `(the peer itself would take seconds to minutes); on the first test images the peers' own scores agree: ${checks.join('; ') || '–'}.`,
    'ConvNetJS 0.3.0 has no Adam (its Trainer runs SGD with momentum 0.9 for any other method name): ConvNetJS runs the',
    'forward and backward passes, bench/convnet-adam.ts the Adam step per batch. TF.js: model.trainOnBatch per batch.',
    `Peers: ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(', ')}; TF.js runs single-threaded in Node.`,
  ];
}

export function threadsTable(r: ThreadsResult): string {
  const head = ['what', 'shape / model', '1 thread', `${r.threads} threads`, 'speed-up (median of per-round ratios)', 'target', 'met?',
    'quiet rounds: speed-up'];
  const speed = (v: number, unit: string) => (unit === 'GFLOP/s' ? `${v.toFixed(1)} GFLOP/s` : `${Math.round(v).toLocaleString('en-US')} samples/s`);
  const quiet = (t: ThreadsResult['rows'][number]) => (t.quietRounds === null ? '–'
    : `${t.quietRounds} of ${t.oneRounds.length}${t.quietSpeedup === null ? '' : `: ${x(t.quietSpeedup)}`}`);
  const rows = r.rows.map((t) => t.error
    ? [t.what + (t.kernel ? ` ${t.kernel}` : ''), t.shape, `error: ${t.error}`, '–', '–', `≥ ${t.target.toFixed(1)}×`, '–', '–']
    : [
      t.what + (t.kernel ? ` ${t.kernel}` : ''),
      t.shape,
      speed(t.one, t.unit),
      speed(t.two, t.unit),
      x(t.speedup),
      `≥ ${t.target.toFixed(1)}×`,
      t.met ? 'yes' : 'no',
      quiet(t),
    ]);
  return table(head, rows, [false, false, true, true, true, true, false, true]);
}

export function threadsNotes(r: ThreadsResult): string[] {
  const ok = r.rows.filter((t) => !t.error);
  const gemm = ok.filter((t) => t.kernel !== null);
  const training = ok.filter((t) => t.kernel === null);
  const same = (rows: typeof ok) => `${rows.filter((t) => t.identical).length} of ${rows.length}`;
  /** 'min-max' of a figure over rows, or '–' when a row lacks it. */
  const range = (v: number[]) => (v.length && v.every(Number.isFinite)
    ? `${Math.min(...v).toFixed(2)}-${Math.max(...v).toFixed(2)}` : '–');
  const others = ok.flatMap((t) => [...t.otherCoresOne, ...t.otherCoresTwo]);
  const loaded = others.filter((v) => v >= r.quietCores).length;
  return [
    `Wall-clock time (performance.now), one process, ${r.rounds} rounds; a round measures every row with`,
    `\`nn.ready({ threads: 1 })\` and with \`nn.ready({ threads: ${r.threads} })\` (nn.getThreads() reported ${r.reportedThreads}), then the next row;`,
    'one thread goes first in even rounds, two in odd ones.',
    `After every switch, ${r.settleSeconds} s of untimed 256³ products run first (ready({ threads: 1 }) parks the workers, the next`,
    'ready({ threads: 2 }) wakes them; a worker just woken or started runs slower for a while).',
    'The thread columns are medians over rounds; the speed-up is the median over rounds of the same-round ratio, so it',
    `need not equal the ratio of the two columns. Matrix multiply: the wasm kernel through \`runtime().backend.kernels\``,
    `(the splitting kernels while the pool runs), one untimed call, then a window of calls (about ${r.gemmWindowSeconds} s on one thread,`,
    `the same count on ${r.threads}); GFLOP/s = 2·m·n·k ÷ seconds per call. MLP: one shuffled \`fit\` pass over the first`,
    `${r.mlpImagesPerRound.toLocaleString('en-US')} training images per round; CNN step: over the first ${r.cnnImagesPerRound.toLocaleString('en-US')}; each after an untimed fit of a`,
    'throwaway model over a few batches with the same thread count (the first fit after a switch runs slower),',
    'with fit\'s copy of the images into wasm memory inside the time. "One core busy": the MLP at batch 64 while another',
    'process spins on core 1 (`taskset -c 1 node -e \'for(;;);\'`, started 0.3 s before each measurement and ended after it);',
    'the target is that 2 threads are not more than 10 % slower than 1 (the pool falls back to one thread while its worker loses).',
    `**Same bits with 1 and ${r.threads} threads**: C in ${same(gemm)} matrix-multiply rows; the weights of two same-seed models,`,
    `one trained only on 1 thread and one only on ${r.threads}, over the same rounds: ` +
      `${training.map((t) => `${t.what} ${t.identical ? 'identical' : 'DIFFERENT'}`).join(', ') || '–'}.`,
    `Other processes (machine-wide busy time from /proc/stat, steal included, minus this process's CPU time) kept`,
    `${range(others)} cores busy during the measurements; ${loaded} of ${others.length} measurements had ${r.quietCores} cores or more.`,
    `"Quiet rounds" are those where both measurements had less; their median ratio is in the last column.`,
    `Process CPU ÷ wall seconds (per row, medians): ${range(ok.map((t) => t.cpuPerWallOne))} on 1 thread,`,
    `${range(ok.map((t) => t.cpuPerWallTwo))} on ${r.threads} (a waiting thread spins for a while, so this overstates useful work).`,
    `os.availableParallelism() = ${r.availableParallelism}; load average (1/5/15 min) at the suite's start ${r.loadavg.start.join(' ')},`,
    `at its end ${r.loadavg.end.join(' ')}. On 2 cores, any other running job takes the second thread's core.`,
  ];
}

/** The machine's own two-thread ceiling: two independent copies of the one-thread product. */
export function copiesTable(r: ThreadsResult): string {
  const head = ['f32_gemm_nn', 'this thread alone', 'worker alone', 'both at once (this + worker)', 'ceiling: both ÷ this alone',
    'until both finished ÷ this alone', 'each kept of its alone rate'];
  const g = (v: number[]) => `${median(v).toFixed(1)} GFLOP/s`;
  const rows = (r.copies ?? []).map((c) => [c.shape, g(c.mainAlone), g(c.workerAlone), `${g(c.mainPair)} + ${g(c.workerPair)}`,
    x(c.ceiling), c.wallCeiling === undefined ? '–' : x(c.wallCeiling), `${c.mainKept.toFixed(2)} / ${c.workerKept.toFixed(2)}`]);
  return table(head, rows, [false, true, true, true, true, true, true]);
}

export function copiesNotes(_r: ThreadsResult): string[] {
  return [
    'Two copies of the one-thread kernel that share nothing: each its own instance of the module over its own memory',
    'and operands, no pool; one on this thread, one on a worker thread. After each of the rounds above (so in the same',
    'stretch of the machine), with windows as above: this copy alone, the worker\'s alone, then both at once. The ceiling',
    'is the median over rounds of the two rates while both ran ÷ this copy\'s rate alone, computed like the speed-up above:',
    'two cores running this product with no sharing and no synchronisation at all reach that much, in that run.',
    'That sum counts each copy\'s rate over its own window, so a copy that ran on alone after the other finished counts',
    'at its alone rate; "until both finished" times both copies together from handing the worker its copy until the',
    'later one finished, as a split product is timed (its work ends when its last chunk does).',
  ];
}

function table(head: string[], rows: string[][], right: boolean[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cs: string[]) => `| ${cs.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (right[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}

export function actTable(results: readonly ActResult[]): string {
  const lines = ['| kernel | scalar (before) ns/value | f32x4 ns/value | × scalar (median) | rounds |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const r of results) {
    lines.push(`| ${r.name} | ${r.scalarNs.toFixed(2)} | ${r.simdNs.toFixed(2)} | **${r.speedup.toFixed(2)}×** | ` +
      `${r.lowest.toFixed(2)}-${r.highest.toFixed(2)} over ${r.rounds} |`);
  }
  return lines.join('\n');
}

export function actNotes(results: readonly ActResult[]): string[] {
  const n = results[0]?.values ?? 0;
  return [
    `One call on ${n.toLocaleString('en-US')} values uniform in [−8, 8] (in and out stay in L1), one thread, CPU time per value;`,
    'the scalar kernels are the ones the f32x4 kernels replaced (f64 Math.exp, Math.tanh, Math.expm1 per value, rounded',
    'to f32), compiled from bench/act.ts with the release options and timed in the same interleaved rounds as the',
    'library\'s f32_exp and f32_activation. "× scalar" is the median of per-round ratios; "rounds" their range.',
  ];
}
