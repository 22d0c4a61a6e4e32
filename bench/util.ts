// Shared helpers for the benchmark suites: a seeded PRNG for operand data, a promise wrapper around one
// benchmark.js run, and the numbers we keep from it.
import Benchmark from 'benchmark';

/** Options shared by every suite. `maxTime` is benchmark.js' per-benchmark sampling budget in seconds. */
export interface BenchOptions {
  quick: boolean;
  maxTime: number;
}

/** What one benchmark.js run reports, in seconds per call. */
export interface Timing {
  /** stats.mean: mean seconds per call over the samples. */
  mean: number;
  /** Median of stats.sample (seconds per call); benchmark.js collects the samples, we take their median. */
  median: number;
  /** stats.rme: relative margin of error of the mean at 95 %, in percent. */
  rme: number;
  /** Number of samples (cycles) benchmark.js took. */
  samples: number;
  /** Calls per second (benchmark.js' hz = 1 / mean). */
  hz: number;
}

/** Small, fast, seeded PRNG (mulberry32): the operand data is the same on every run and both backends. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function timingOf(bench: Benchmark): Timing {
  const st = bench.stats;
  return {
    mean: st.mean,
    median: median(st.sample as number[]),
    rme: st.rme,
    samples: st.sample.length,
    hz: bench.hz,
  };
}

/** Runs a synchronous benchmark. Resolves to its timing, or rejects with the error the function threw. */
export function runSync(name: string, fn: () => void, opts: BenchOptions): Promise<Timing> {
  return run(new Benchmark(name, fn, { maxTime: opts.maxTime }));
}

/**
 * Runs an asynchronous benchmark (benchmark.js `defer: true`): `fn` is called once per iteration and the
 * iteration ends when its promise settles.
 */
export function runDeferred(name: string, fn: () => Promise<unknown>, opts: BenchOptions): Promise<Timing> {
  let failure: unknown;
  const bench = new Benchmark(name, {
    defer: true,
    maxTime: opts.maxTime,
    fn(deferred: Benchmark.Deferred) {
      fn().then(() => deferred.resolve(), (e) => {
        failure ??= e;
        deferred.resolve();
      });
    },
  });
  return run(bench).then((t) => {
    if (failure !== undefined) throw failure;
    return t;
  });
}

function run(bench: Benchmark): Promise<Timing> {
  return new Promise((resolve, reject) => {
    bench.on('complete', () => {
      if (bench.error) reject(bench.error);
      else resolve(timingOf(bench));
    });
    bench.run({ async: false });
  });
}

/** Seconds → a short human string in s, ms or µs. */
export function formatTime(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds >= 1) return `${seconds.toFixed(2)} s`;
  if (seconds >= 1e-3) return `${(seconds * 1e3).toPrecision(3)} ms`;
  return `${(seconds * 1e6).toPrecision(3)} µs`;
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
