// Run metadata and the markdown tables printed at the end of a run.
import { execSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import type { BackendOutcome, GemmResult } from './gemm';
import type { MlpOutcome, MlpResult } from './mlp';
import { formatTime } from './util';

export interface Meta {
  cpu: string;
  cores: number;
  node: string;
  platform: string;
  date: string;
  command: string;
  quick: boolean;
  /** benchmark.js maxTime per benchmark, seconds. */
  maxTime: number;
  benchmarkVersion: string;
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

export function collectMeta(quick: boolean, maxTime: number): Meta {
  const require = createRequire(import.meta.url);
  const cpus = os.cpus();
  const status = git('status --porcelain');
  const meta: Meta = {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    command: quick ? 'npm run bench -- --quick' : 'npm run bench',
    quick,
    maxTime,
    benchmarkVersion: (require('benchmark/package.json') as { version: string }).version,
    git: {
      commit: git('rev-parse --short HEAD'),
      dirty: null,
      // The benchmark's own files are left out: what matters is whether the measured code is committed.
      changedFiles: (status ?? '').split('\n').filter(Boolean).map((l) => l.slice(3)).filter((f) => !f.startsWith('bench/')),
    },
    loadavg: { start: os.loadavg().map(round2), end: [] },
  };
  meta.git.dirty = status === null ? null : meta.git.changedFiles.length > 0;
  return meta;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const pct = (rme: number) => `±${rme.toFixed(1)}%`;

export function header(meta: Meta): string {
  return [
    `# neurite benchmarks${meta.quick ? ' (quick)' : ''}`,
    '',
    `- CPU: ${meta.cpu} · ${meta.cores} cores · ${meta.platform}`,
    `- Node ${meta.node} · benchmark.js ${meta.benchmarkVersion} · maxTime ${meta.maxTime} s per benchmark`,
    `- Date: ${meta.date} · commit ${meta.git.commit ?? '?'}` +
      (meta.git.dirty ? ` + uncommitted changes in ${meta.git.changedFiles.join(', ')}` : ''),
    `- Load average at start: ${meta.loadavg.start.join(' ')}${meta.loadavg.end.length ? ` · at end: ${meta.loadavg.end.join(' ')}` : ''}`,
    `- Command: \`${meta.command}\``,
  ].join('\n');
}

function cells(o: BackendOutcome): string[] {
  if (o.status === 'ok') {
    return [formatTime(o.timing.mean), formatTime(o.timing.median), pct(o.timing.rme), o.gflops.toFixed(2)];
  }
  const what = o.status === 'skipped' ? `skipped: ${o.reason}` : `error: ${o.reason}`;
  return [what, '–', '–', '–'];
}

export function gemmTable(results: readonly GemmResult[]): string {
  const head = ['kernel', 'm×k·k×n', 'use', 'wasm mean', 'wasm median', 'wasm rme', 'wasm GFLOP/s',
    'js mean', 'js median', 'js rme', 'js GFLOP/s', 'wasm/js'];
  const rows = results.map((r) => [
    r.kernel,
    r.shape.replace(/x/g, '×'),
    r.group === 'square' ? 'square' : `${r.group === 'mlp forward' ? 'fwd' : 'bwd'}: ${r.role}`,
    ...cells(r.wasm),
    ...cells(r.js),
    r.ratio === null ? '–' : `${r.ratio.toFixed(2)}×`,
  ]);
  return table(head, rows, [false, false, false, true, true, true, true, true, true, true, true, true]);
}

function mlpCells(o: MlpOutcome): string[] {
  if (o.status === 'error') return [`error: ${o.reason}`, '–', '–', '–', '–', '–'];
  return [formatTime(o.timing.mean), formatTime(o.timing.median), pct(o.timing.rme), o.msPerStep.toFixed(3),
    o.msPerStepMedian.toFixed(3), Math.round(o.samplesPerSecond).toLocaleString('en-US')];
}

export function mlpTable(r: MlpResult): string {
  const head = ['backend', `fit mean (${r.steps} steps)`, 'fit median', 'rme', 'ms/step (mean)', 'ms/step (median)',
    'samples/s (mean)'];
  const rows = [['wasm', ...mlpCells(r.wasm)], ['js', ...mlpCells(r.js)]];
  const t = table(head, rows, [false, true, true, true, true, true, true]);
  const ratio = r.ratio === null ? 'n/a' : `${r.ratio.toFixed(2)}×`;
  return `${t}\n\nwasm/js training throughput: **${ratio}**`;
}

function table(head: string[], rows: string[][], right: boolean[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cs: string[]) => `| ${cs.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (right[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}
