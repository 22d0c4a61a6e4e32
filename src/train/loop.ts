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
  readonly edge: DataEdge;
  /** The staged training rows and their targets. */
  readonly train: Staged;
  readonly ys: readonly Target[];
  /** A block of the parameters' size, the epoch's start, restored if an update overflows. */
  readonly backupPtr: number;
  /** The stream that shuffles the rows before each epoch, or undefined for no shuffling. */
  readonly shuffle: Rng | undefined;
  /** Loss and metrics on the validation data (undefined: none). */
  validate: (() => Logs) | undefined;
  readonly hooks: readonly (CallbackHooks | Callback)[];
  readonly epochs: number;
  readonly initialEpoch: number;
  readonly batchSize: number;
  readonly verbose: boolean;
}

/** Runs the epochs; resolves to the History. The caller frees what it staged. */
export async function runEpochs(r: FitRun): Promise<History> {
  const { target, step, params, pos, edge, train, ys, hooks } = r;
  const heads = step.heads;
  const nTrain = train.n;
  for (const h of hooks) if (h instanceof Callback) h.setModel(target);
  const history = new History();
  const bar = r.verbose ? new ProgressBar(r.epochs, nTrain) : undefined;
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
  const batches = Math.ceil(nTrain / r.batchSize);
  const each = heads.heads.map(() => 0);
  const right = heads.heads.map((h) => h.metrics.map(() => 0));
  for (let epoch = r.initialEpoch; epoch < r.epochs && !target.stopTraining; epoch++) {
    await call('onEpochBegin', epoch, {});
    bar?.epochBegin();
    r.rt().backend.kernels.f32_copy(params.paramPtr, r.backupPtr, params.bytes / F32);
    if (r.shuffle) {
      // each epoch's order depends only on the shuffle stream, so a resumed fit shuffles the same way
      const ix = r.rt().backend.memory.i32();
      const at = train.idx / F32;
      for (let i = 0; i < nTrain; i++) ix[at + i] = i;
      r.shuffle.shuffle(ix, at, nTrain);
    }
    let lossSum = 0;
    const eachSums = heads.heads.map(() => 0);
    const states = heads.metricStates();
    let seen = 0;
    for (let b = 0; b < batches; b++) {
      const start = b * r.batchSize;
      const rows = Math.min(r.batchSize, nTrain - start);
      if (batchHooks.length) await call('onBatchBegin', b, { batch: b, size: rows });
      const rt = r.rt();
      const k = rt.backend.kernels;
      const p = r.plan();
      edge.gather(rt, train, p, heads.heads, ys, start, rows);
      const loss = step.train(k, rt.backend.memory, p, params, pos, rows, epoch, b, each, r.backupPtr, r.name);
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
    const logs: Logs = heads.logsOf(lossSum / seen, eachSums.map((v) => v / seen), states);
    if (r.validate) {
      for (const [key, value] of Object.entries(r.validate())) logs[`val_${key}`] = value;
    }
    if (!target.stopTraining || seen === nTrain) pos.epochsTrained++;
    history.push(epoch, logs);
    bar?.epochEnd(epoch, logs);
    await call('onEpochEnd', epoch, logs);
  }
  await call('onTrainEnd', {});
  return history;
}
