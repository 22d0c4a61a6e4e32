// The fit loop: epochs of batches over a staged training set, the callbacks' hooks (awaited when they return a
// promise), the progress bar, yielding to the event loop, validation at each epoch's end, and the History. The
// model's fit checks the options and the data, makes the model resident and stages the data; this file runs the
// epochs on what it is given.
import type { Runtime } from '../backend/index';
import { Callback, type CallbackHooks, type Logs, type TrainingTarget } from '../callbacks';
import { ProgressBar } from '../progress';
import type { Rng } from '../random';
import type { BoundPlan } from '../graph/plan';
import type { DataEdge, Staged, Target } from './edge';
import type { Head, SampleWeights } from './head';
import type { Params } from './params';
import type { Position, Step } from './step';

const F32 = 4;
const nextTick = () => new Promise<void>((r) => setTimeout(r, 0));
const isThenable = (v: unknown): v is Promise<unknown> => !!v && typeof (v as Promise<unknown>).then === 'function';

/**
 * What fit returns: per-epoch logs, as TF.js' History.
 *
 * @example
 * const h = await model.fit(x, y, { epochs: 5, validationSplit: 0.2 });
 * h.epoch;                 // [0, 1, 2, 3, 4]
 * h.history.val_loss[4];   // the last epoch's validation loss
 */
export class History {
  /** The epoch numbers that ran, in order (from initialEpoch). */
  readonly epoch: number[] = [];
  /** Each log key ('loss', 'accuracy', 'val_loss', ...) with one value per epoch, in the order of `epoch`. */
  readonly history: Record<string, number[]> = {};
  /** @internal */
  push(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

/**
 * Where the loop's batches come from: fit's staged arrays (stagedSource) or fitDataset's iterable. `next` takes
 * the epoch's batch b and returns its rows (0 at the epoch's end); `load`, called after the batch's onBatchBegin
 * hooks, puts it into the plan's input, target and label buffers.
 */
export interface BatchSource {
  /** Samples per epoch when known beforehand (the progress bar's total), else 0. */
  readonly samples: number;
  beginEpoch(epoch: number): void | Promise<void>;
  next(epoch: number, b: number): number | Promise<number>;
  load(): void;
  /** The sample weights of the batch `next` loaded last, per output, or undefined for none. */
  readonly weights: SampleWeights | undefined;
  /** True when the epoch that ended ran through all of its data (it counts as trained even if training stops). */
  readonly complete: boolean;
  /** After the epoch's end: false to end training (a dataset that ran out of data); default true. */
  readonly more?: boolean;
}

/** Everything the loop runs on, set up by the model's fit. */
export interface FitRun {
  /** The model: its stopTraining flag ends the loop; callbacks get it through setModel. */
  readonly target: TrainingTarget;
  readonly name: string;
  /** The runtime and the plan in use: read again after every await, since a hook may change the threads. */
  rt(): Runtime;
  plan(): BoundPlan;
  readonly step: Step;
  readonly params: Params;
  readonly pos: Position;
  readonly source: BatchSource;
  /** A block of the parameters' size, the epoch's start, restored if an update overflows. */
  readonly backupPtr: number;
  /** Loss and metrics on the validation data (undefined: none). */
  validate: (() => Logs | Promise<Logs>) | undefined;
  readonly hooks: readonly (CallbackHooks | Callback)[];
  readonly epochs: number;
  readonly initialEpoch: number;
  readonly verbose: boolean;
}

/**
 * The batches of a training set staged in the arena: `batchSize` rows at a time in the order of the staged row
 * index, shuffled before each epoch by `shuffle` (undefined: in order); `weights` are the staged rows' sample
 * weights per output.
 */
export function stagedSource(rt: () => Runtime, plan: () => BoundPlan, edge: DataEdge, train: Staged, heads: readonly Head[], ys: readonly Target[],
  batchSize: number, shuffle: Rng | undefined, weights: SampleWeights | undefined): BatchSource {
  const n = train.n;
  const batches = Math.ceil(n / batchSize);
  const batchWeights = weights?.map((w) => w && new Float32Array(Math.min(batchSize, n)));
  let seen = 0;
  let start = 0;
  let rows = 0;
  return {
    samples: n,
    weights: batchWeights,
    get complete() { return seen === n; },
    beginEpoch() {
      seen = 0;
      if (!shuffle) return;
      // each epoch's order depends only on the shuffle stream, so a resumed fit shuffles the same way
      const ix = rt().backend.memory.i32();
      const at = train.idx / F32;
      for (let i = 0; i < n; i++) ix[at + i] = i;
      shuffle.shuffle(ix, at, n);
    },
    next(_epoch, b) {
      if (b >= batches) return 0;
      start = b * batchSize;
      rows = Math.min(batchSize, n - start);
      return rows;
    },
    load() {
      const r = rt();
      edge.gather(r, train, plan(), heads, ys, start, rows);
      if (weights) {
        const ix = r.backend.memory.i32();
        const at = train.idx / F32 + start;
        weights.forEach((w, o) => {
          const bw = batchWeights![o];
          if (w && bw) for (let i = 0; i < rows; i++) bw[i] = w[ix[at + i]];
        });
      }
      seen += rows;
    },
  };
}

/** Runs the epochs; resolves to the History. The caller frees what it staged. */
export async function runEpochs(r: FitRun): Promise<History> {
  const { target, step, params, pos, source, hooks } = r;
  const heads = step.heads;
  for (const h of hooks) if (h instanceof Callback) h.setModel(target);
  const history = new History();
  const bar = r.verbose ? new ProgressBar(r.epochs, source.samples) : undefined;
  const call = async (name: keyof CallbackHooks, ...args: unknown[]) => {
    for (const h of hooks) {
      const f = (h as Record<string, unknown>)[name];
      if (typeof f === 'function') {
        const v = f.apply(h, args);
        if (isThenable(v)) await v;
      }
    }
  };
  const batchHooks = hooks.filter((h) => typeof h.onBatchEnd === 'function' || typeof h.onBatchBegin === 'function');
  await call('onTrainBegin', {});
  let lastYield = performance.now();
  const each = heads.heads.map(() => 0);
  const right = heads.heads.map((h) => h.metrics.map(() => 0));
  for (let epoch = r.initialEpoch; epoch < r.epochs && !target.stopTraining; epoch++) {
    await call('onEpochBegin', epoch, {});
    bar?.epochBegin();
    r.rt().backend.kernels.f32_copy(params.paramPtr, r.backupPtr, params.bytes / F32);
    const begun = source.beginEpoch(epoch);
    if (isThenable(begun)) await begun;
    let lossSum = 0;
    const eachSums = heads.heads.map(() => 0);
    const states = heads.metricStates();
    let seen = 0;
    for (let b = 0; ; b++) {
      // onBatchBegin runs once the batch is known to exist (a dataset's end is known only by asking for the next)
      let rows = source.next(epoch, b);
      if (isThenable(rows)) rows = await rows;
      if (rows === 0) break;
      if (batchHooks.length) await call('onBatchBegin', b, { batch: b, size: rows });
      source.load();
      const rt = r.rt();
      const k = rt.backend.kernels;
      const p = r.plan();
      const loss = step.train(k, rt.backend.memory, p, params, pos, rows, epoch, b, each, r.backupPtr, r.name, source.weights);
      lossSum += loss * rows;
      seen += rows;
      for (let o = 0; o < each.length; o++) eachSums[o] += each[o] * rows;
      heads.addMetrics(k, rt.backend.memory, p, states, rows, right);
      if (batchHooks.length) {
        const logs: Logs = { batch: b, size: rows, ...heads.logsOf(loss, each, right) };
        for (const h of batchHooks) {
          if (typeof h.onBatchEnd !== 'function') continue;
          let v = h.onBatchEnd(b, logs);
          if (isThenable(v)) v = await v;
          if (v === 'stop') target.stopTraining = true;
        }
      }
      if (bar?.due()) bar.update(epoch, seen, heads.logsOf(lossSum / seen, eachSums.map((v) => v / seen), states));
      if (target.stopTraining) break;
      const now = performance.now();
      if (now - lastYield > 50) {
        await nextTick();
        lastYield = performance.now();
      }
    }
    const logs: Logs = seen > 0 ? heads.logsOf(lossSum / seen, eachSums.map((v) => v / seen), states) : {};
    const more = source.more ?? true;
    if (r.validate && more) {
      let v = r.validate();
      if (isThenable(v)) v = await v;
      for (const [key, value] of Object.entries(v)) logs[`val_${key}`] = value;
    }
    if (!target.stopTraining || source.complete) pos.epochsTrained++;
    history.push(epoch, logs);
    bar?.epochEnd(epoch, logs, seen);
    await call('onEpochEnd', epoch, logs);
    if (!more) break;
  }
  await call('onTrainEnd', {});
  return history;
}
