// Side-by-side timing on a shared machine. Every figure is process CPU time (user + system), which does
// not advance while the process waits for a core, so another job's bursts do not count as our time.
// Competitors are measured in interleaved rounds (A, B, C, A, B, C, ...) and we keep medians, so slower
// stretches of the machine hit all of them alike; ratios are taken per round, then their median.
import { median } from './util';

/** Process CPU time in seconds. */
export function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Calls per timing window so that one window takes about `seconds` of CPU time. */
export function calibrate(fn: () => void, seconds: number): number {
  fn();
  fn();
  for (let reps = 1; ; reps *= 2) {
    const t0 = cpuSeconds();
    for (let r = 0; r < reps; r++) fn();
    const dt = cpuSeconds() - t0;
    if (dt >= seconds || reps >= 1 << 20) return Math.max(1, Math.round((reps * seconds) / Math.max(dt, 1e-9)));
  }
}

/** Seconds per call over one window of `reps` calls. */
export function window(fn: () => void, reps: number): number {
  const t0 = cpuSeconds();
  for (let r = 0; r < reps; r++) fn();
  return (cpuSeconds() - t0) / reps;
}

export interface Contender {
  name: string;
  fn: () => void;
}

/**
 * Interleaved rounds; returns seconds per call of every contender in every round. When one call of some
 * contender takes over `slow` seconds, only 3 rounds are run (a 1024³ product on a scalar path takes
 * seconds a call).
 */
export function interleaved(contenders: readonly Contender[], rounds: number, seconds: number, slow = 0.2): number[][] {
  const once = contenders.map((c) => { c.fn(); const t0 = cpuSeconds(); c.fn(); return cpuSeconds() - t0; });
  const reps = contenders.map((c, i) => (once[i] > seconds ? 1 : calibrate(c.fn, seconds)));
  if (Math.max(...once) > slow) rounds = Math.min(rounds, 3);
  const out: number[][] = contenders.map(() => []);
  for (let r = 0; r < rounds; r++) {
    contenders.forEach((c, i) => out[i].push(window(c.fn, reps[i])));
  }
  return out;
}

/** Median over rounds of x[r] / y[r]. */
export function medianRatio(x: readonly number[], y: readonly number[]): number {
  return median(x.map((v, i) => v / y[i]));
}
