// Interleaved rounds for whole-model suites (bench/resnet.ts, bench/mobilenet.ts): every contender once per round,
// in an order that alternates between rounds, timed by wall clock (performance.now: the two-thread rows need it,
// process CPU time would add up both threads); each measurement also records process CPU ÷ wall seconds. Ratios
// are medians of per-round ratios, so a busy stretch of the shared machine hits the contenders of a round alike.
import * as nn from '../src/index';
import { cpuSeconds } from './timing';
import { errorMessage, median } from './util';

/** Untimed work after a switch of thread count (a woken worker runs its first calls slowly). */
const SETTLE_SECONDS = 0.1;

/** One contender: `run(r)` does round r's work (untimed setup in `prepare`). */
export interface Contender {
  library: string;
  /** Images per measurement. */
  perRound: number;
  prepare(): Promise<void>;
  /** Untimed, after the first prepare: JIT, wasm tier-up, kernels (a peer that cannot run this fails here). */
  warmUp(): Promise<void>;
  /** Measured in the first round only (a peer at seconds per image). */
  firstRoundOnly?: boolean;
  run(round: number): Promise<void>;
}

export interface RoundsRow {
  library: string;
  task: string;
  /** Images per measurement. */
  perRound: number;
  /** samples/s (wall clock) per round. */
  speeds: number[];
  /** process CPU seconds ÷ wall seconds per round. */
  cpuPerWall: number[];
  /** Median over rounds of samples/s. */
  samplesPerSecond: number;
  /** Median over rounds of (the first contender ÷ this), and of (the second contender ÷ this). */
  vsOneThread: number | null;
  vsTwoThreads: number | null;
  error?: string;
}

async function timed(work: () => Promise<void>): Promise<{ wall: number; cpu: number }> {
  const c0 = cpuSeconds();
  const t0 = performance.now();
  await work();
  return { wall: (performance.now() - t0) / 1e3, cpu: cpuSeconds() - c0 };
}

/** neurite's wasm backend on `threads` threads, then `warm` run untimed for a moment. */
export async function settle(threads: number, warm: () => void): Promise<void> {
  await nn.setBackend('wasm');
  await nn.ready({ threads });
  if (nn.getThreads() !== threads) throw new Error(`asked for ${threads} threads, nn.getThreads() reports ${nn.getThreads()}`);
  const t0 = performance.now();
  do warm(); while (performance.now() - t0 < SETTLE_SECONDS * 1e3);
}

/**
 * Warms every contender up once (untimed; a peer that cannot run the task gets an error row), then runs `rounds`
 * interleaved rounds. The first two contenders are neurite on 1 and on 2 threads: each row's ratios are theirs
 * over its speed, per round.
 */
export async function interleaved(task: string, contenders: Contender[], rounds: number, log: (line: string) => void): Promise<RoundsRow[]> {
  const rows = contenders.map((c): RoundsRow => ({ library: c.library, task, perRound: c.perRound, speeds: [], cpuPerWall: [],
    samplesPerSecond: NaN, vsOneThread: null, vsTwoThreads: null }));
  for (const [i, c] of contenders.entries()) {
    try {
      await c.prepare();
      await c.warmUp();
    } catch (e) {
      const kernel = /Kernel '([^']+)' not registered/.exec(errorMessage(e));
      rows[i].error = kernel ? `cannot ${task === 'predict' ? 'run' : 'train'} (missing kernel: ${kernel[1]})` : `error: ${errorMessage(e)}`;
      log(`  ${task} ${c.library}: ${rows[i].error}`);
    }
  }
  for (let r = 0; r < rounds; r++) {
    const order = contenders.map((_, i) => i);
    if (r % 2) order.reverse();
    for (const i of order) {
      const c = contenders[i];
      if (rows[i].error || (c.firstRoundOnly && r > 0)) continue;
      try {
        await c.prepare();
        const t = await timed(() => c.run(r));
        rows[i].speeds.push(c.perRound / t.wall);
        rows[i].cpuPerWall.push(t.cpu / t.wall);
        log(`  ${task} round ${r + 1}/${rounds} ${c.library}: ${c.perRound} images in ${t.wall.toFixed(2)} s, ${(c.perRound / t.wall).toPrecision(3)} samples/s`);
      } catch (e) {
        rows[i].error = `error: ${errorMessage(e)}`;
        log(`  ${task} ${c.library}: ${rows[i].error}`);
      }
    }
  }
  for (const row of rows) {
    if (row.error) continue;
    row.samplesPerSecond = median(row.speeds);
    // the speeds of round r are at index r (a first-round-only contender has one)
    const vs = (k: number) => (rows[k].error ? null : median(row.speeds.map((s, r) => rows[k].speeds[r] / s)));
    row.vsOneThread = vs(0);
    row.vsTwoThreads = vs(1);
  }
  return rows;
}

const fmt = (v: number) => (!Number.isFinite(v) ? '–' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(2));
const ratio = (v: number | null) => (v === null || !Number.isFinite(v) ? '–' : `${v.toFixed(2)}×`);

/** A markdown table of rows from `interleaved`. */
export function roundsTable(rows: readonly RoundsRow[]): string[] {
  const out = ['| task | library | images per round | samples/s (median) | CPU ÷ wall | neurite 1 thread ÷ this | neurite 2 threads ÷ this |',
    '|---|---|---:|---:|---:|---:|---:|'];
  for (const row of rows) {
    out.push(row.error
      ? `| ${row.task} | ${row.library} | ${row.perRound} | ${row.error} | | | |`
      : `| ${row.task} | ${row.library} | ${row.perRound} | ${fmt(row.samplesPerSecond)} | ${median(row.cpuPerWall).toFixed(2)} | ` +
        `${ratio(row.vsOneThread)} | ${ratio(row.vsTwoThreads)} |`);
  }
  return out;
}
