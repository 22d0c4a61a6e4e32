import { checkThreads, getBackend, getThreads, type BackendName, BACKEND_NAMES } from '../backend/index';
import { Callback, EarlyStopping, type CallbackHooks, type EarlyStoppingConfig } from '../callbacks';
import { checkName, StateError, ValueError } from '../errors';
import { History, LayersModel, type FitConfig } from '../model';
import { Tensor, toTensor } from '../tensor';
import { startWorker, type TrainingWorker } from './spawn';
import {
  errorFromWorker, type DataKey, type DataLayout, type DataPart, type DataShapes, type FitRequest, type FromWorker,
  type WeightsMessage,
} from './protocol';

/**
 * fit's options, plus where and how the worker trains.
 *
 * @example
 * await nn.fitInWorker(model, x, y, { epochs: 10, backend: 'wasm', threads: 2 });
 */
export interface WorkerFitConfig extends FitConfig {
  /** Backend the worker trains on; default: the calling thread's current backend. */
  backend?: BackendName;
  /**
   * Threads the worker's wasm kernels use (it starts its own; see nn.ready): a count or 'auto'; default: as
   * many as the calling thread has (nn.getThreads()). The weights are the same whatever the count.
   */
  threads?: 'auto' | number;
  /**
   * Aborting it ends the worker at once; fitInWorker then rejects with the signal's reason and the model keeps
   * its weights. Default none.
   */
  signal?: AbortSignal;
  /**
   * Called on this thread with a copy of the worker's weights (in `model.getWeights()` order) while it trains:
   * after each epoch's onEpochEnd, and also every `weightsEvery` batches when that is a number (default none). `at.batch` is
   * the batch index within the epoch for a batch report, undefined at an epoch's end. Use it to follow training
   * with a second model on this thread, e.g. `viewer.setWeights(weights)` then `viewer.predict(...)`.
   *
   * @example
   * await nn.fitInWorker(model, x, y, { epochs: 5, weightsEvery: 20, onWeights: (w, at) => viewer.setWeights(w) });
   */
  onWeights?: (weights: Tensor[], at: { epoch: number; batch?: number }) => void | Promise<void>;
  /**
   * How often onWeights hears from the worker: 'epoch' (the default) after each epoch, or a positive integer n:
   * also after every n-th batch of each epoch. Each report copies all the weights once.
   */
  weightsEvery?: 'epoch' | number;
}

/** Values per chunk message: 1 MiB of f32. */
const CHUNK = 1 << 18;
/** Milliseconds of copying and posting per turn of the event loop, so that a page keeps its frame rate. */
const TURN_MS = 8;

/**
 * Resolves when the thread may send the next chunk: after the next animation frame in a page (so that
 * handing over the data never holds back drawing), else after a timer (Node, workers, hidden pages).
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const go = () => { if (!done) { done = true; resolve(); } };
    const frames = typeof requestAnimationFrame === 'function';
    if (frames) requestAnimationFrame(() => setTimeout(go, 0));
    setTimeout(go, frames ? 100 : 0);
  });
}

const isNameMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v) &&
  !ArrayBuffer.isView(v) && !(v instanceof Tensor) && Object.getPrototypeOf(v) === Object.prototype;

/**
 * One value per model input (or output), as fit reads them: the value itself for one, a list in order or an object
 * keyed by input (output) layer name for several.
 */
function split(v: unknown, names: readonly string[], what: string): { layout: 'one' | number; parts: unknown[] } {
  if (names.length === 1) {
    if (isNameMap(v) && Object.keys(v).length === 1 && Object.hasOwn(v, names[0])) return { layout: 'one', parts: [v[names[0]]] };
    return { layout: 'one', parts: [v] };
  }
  const expect = `the model has ${names.length} ${what === 'y' || what === 'validationData y' ? 'outputs' : 'inputs'} ` +
    `(${names.map((n) => `'${n}'`).join(', ')}): pass ${what} as a list in that order or an object keyed by name`;
  if (Array.isArray(v)) {
    if (v.length !== names.length) throw new ValueError(`fitInWorker: ${expect}; got a list of ${v.length}`);
    return { layout: names.length, parts: v };
  }
  if (isNameMap(v)) {
    for (const k of Object.keys(v)) if (!names.includes(k)) throw new ValueError(`fitInWorker: ${expect}; ${JSON.stringify(k)} is not one of them`);
    return { layout: names.length, parts: names.map((n) => {
      if (!Object.hasOwn(v, n)) throw new ValueError(`fitInWorker: ${expect}; '${n}' is missing`);
      return v[n];
    }) };
  }
  throw new ValueError(`fitInWorker: ${expect}`);
}

/** Training data as flat arrays and shapes (one per model input and output); integer labels stay an Int32Array. */
function collectData(model: LayersModel, x: unknown, y: unknown, validationData: unknown):
  { arrays: Map<DataKey, Float32Array | Int32Array>; shapes: DataShapes; layout: DataLayout } {
  const arrays = new Map<DataKey, Float32Array | Int32Array>();
  const shapes: DataShapes = {};
  const layout: DataLayout = {};
  const inputs = model.inputs.map((t) => t.sourceLayer.name);
  const outputs = model.outputs.map((t) => t.sourceLayer.name);
  const add = (part: DataPart, v: unknown, names: string[], what: string) => {
    const s = split(v, names, what);
    layout[part] = s.layout;
    s.parts.forEach((p, i) => {
      const key: DataKey = s.layout === 'one' ? part : `${part}.${i}`;
      const label = s.layout === 'one' ? what : `${what}['${names[i]}']`;
      if (p instanceof Int32Array) {
        arrays.set(key, p);
        shapes[key] = 'labels';
      } else {
        const t = toTensor(p, label);
        arrays.set(key, t.data);
        shapes[key] = [...t.shape];
      }
    });
  };
  add('x', x, inputs, 'x');
  add('y', y, outputs, 'y');
  if (validationData !== undefined) {
    if (!Array.isArray(validationData) || validationData.length !== 2) throw new ValueError('validationData must be [x, y]');
    add('valX', validationData[0], inputs, 'validationData x');
    add('valY', validationData[1], outputs, 'validationData y');
  }
  return { arrays, shapes, layout };
}

/** The settings of an nn.callbacks.earlyStopping, or undefined for other Callback subclasses. */
function earlyStoppingConfig(c: Callback): EarlyStoppingConfig | undefined {
  return c instanceof EarlyStopping ? c.getConfig() : undefined;
}

/**
 * Runs `model.fit(x, y, config)` in a Web Worker (browser) or a worker_thread (Node), so the calling thread
 * stays free: a page keeps drawing and answering input while the model trains. It takes fit's options;
 * callback hooks run on the calling thread as the worker reports progress (batch hooks only when given),
 * and `nn.callbacks.earlyStopping` runs in the worker. When it resolves, the model holds the trained weights,
 * optimizer state and training state: the same bits as `model.fit` on the same backend would give.
 *
 * Stopping: setting `model.stopTraining = true` from a hook (or returning 'stop' from onBatchEnd) ends
 * training once the worker hears of it, which fit lets it do at least every 50 ms, keeping what was learned.
 * Aborting `signal` ends the worker at once and leaves the model as it was. While it trains, the model on
 * this thread still has its old weights (predict works); changes made to it meanwhile are overwritten.
 *
 * Needs the built package (dist/), which carries the worker inside itself: nothing to configure.
 *
 * @example
 * const controller = new AbortController();
 * const history = await nn.fitInWorker(model, x, y, {
 *   epochs: 5, batchSize: 64, validationSplit: 0.1, signal: controller.signal,
 *   callbacks: { onEpochEnd: (epoch, logs) => console.log(epoch, logs.loss, logs.val_accuracy) },
 * });
 * model.predict(x);   // uses the weights trained in the worker
 */
export async function fitInWorker(
  model: LayersModel, x: unknown, y: unknown, config: WorkerFitConfig = {},
): Promise<History> {
  if (!(model instanceof LayersModel)) throw new ValueError(`fitInWorker expects a model from nn.sequential or nn.model, got ${String(model)}`);
  if (config === null || typeof config !== 'object') throw new ValueError('fitInWorker config must be an object');
  const compiled = model.compileConfig;
  if (!compiled) throw new StateError('fitInWorker called before compile: call model.compile({ optimizer, loss }) first');
  const custom = compiled.losses.find((l) => typeof l !== 'string');
  if (custom !== undefined) {
    throw new ValueError(`fitInWorker cannot run the custom loss '${(custom as { name: string }).name}': its function cannot be sent ` +
      'to a worker; train it with model.fit');
  }
  const { callbacks, validationData, signal, backend: wanted, threads = getThreads(), onWeights, weightsEvery, ...fit } = config;
  const backend = wanted === undefined ? getBackend() : checkName('backend', wanted, BACKEND_NAMES);
  checkThreads('fitInWorker', threads);
  if (signal !== undefined && !(typeof signal === 'object' && typeof signal.addEventListener === 'function')) {
    throw new ValueError('fitInWorker signal must be an AbortSignal (from new AbortController().signal)');
  }
  if (onWeights !== undefined && typeof onWeights !== 'function') {
    throw new ValueError(`fitInWorker onWeights must be a function (weights, { epoch, batch }) => void, got ${String(onWeights)}`);
  }
  if (weightsEvery !== undefined) {
    if (weightsEvery !== 'epoch' && !(Number.isInteger(weightsEvery) && (weightsEvery as number) > 0)) {
      throw new ValueError(`fitInWorker weightsEvery must be 'epoch' or a positive integer (batches), got ${JSON.stringify(weightsEvery)}`);
    }
    if (onWeights === undefined) throw new ValueError('fitInWorker weightsEvery was given without onWeights, which would receive the weights');
  }
  signal?.throwIfAborted();

  const hooks: CallbackHooks[] = [];
  const earlyStopping: EarlyStoppingConfig[] = [];
  for (const h of ([] as unknown[]).concat(callbacks ?? [])) {
    if (h instanceof Callback) {
      const es = earlyStoppingConfig(h);
      if (!es) {
        throw new ValueError(`fitInWorker cannot run the callback ${h.constructor.name} in the worker, where the weights are; ` +
          'pass plain hook objects ({ onEpochEnd() {...} }) or nn.callbacks.earlyStopping');
      }
      earlyStopping.push(es);
    } else if (h && typeof h === 'object') {
      hooks.push(h as CallbackHooks);
    } else {
      throw new ValueError(`fitInWorker callbacks must be objects with hooks such as onEpochEnd, got ${String(h)}`);
    }
  }
  const data = collectData(model, x, y, validationData);
  // a tensor does not survive the copy to the worker as a tensor: its values go instead
  const plain = (w: unknown): unknown => (w instanceof Tensor ? w.data : Array.isArray(w) && w.some((v) => v instanceof Tensor) ? w.map(plain)
    : w && typeof w === 'object' && Object.getPrototypeOf(w) === Object.prototype ? Object.fromEntries(Object.entries(w).map(([k, v]) => [k, plain(v)])) : w);
  if (fit.sampleWeight !== undefined) fit.sampleWeight = plain(fit.sampleWeight);

  const request: FitRequest = {
    type: 'fit',
    backend,
    threads,
    model: model.snapshot(true),
    data: data.shapes,
    layout: data.layout,
    fit,
    batchEvents: hooks.some((h) => typeof h.onBatchBegin === 'function' || typeof h.onBatchEnd === 'function'),
    earlyStopping,
    weightsEvery: onWeights ? weightsEvery ?? 'epoch' : undefined,
  };
  model.stopTraining = false;

  return new Promise<History>((resolve, reject) => {
    let worker: TrainingWorker | undefined;
    let settled = false;
    let stopSent = false;
    // Hooks run one after another in the order the worker reported them, awaiting any promise they return.
    let queue: Promise<void> = Promise.resolve();

    const finish = (error: unknown, history?: History) => {
      if (settled) return;
      settled = true;
      worker?.terminate();
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve(history!);
      else reject(error);
    };
    const onAbort = () => finish(signal!.reason ?? new DOMException('fitInWorker was aborted', 'AbortError'));
    signal?.addEventListener('abort', onAbort, { once: true });

    const sendStop = () => {
      if (model.stopTraining && !stopSent && !settled) {
        stopSent = true;
        worker?.post({ type: 'stop' });
      }
    };
    const runHook = async (name: keyof CallbackHooks, args: unknown[]) => {
      for (const h of hooks) {
        const f = h[name] as ((...a: unknown[]) => unknown) | undefined;
        if (typeof f !== 'function') continue;
        const r = await f.apply(h, args);
        if (name === 'onBatchEnd' && r === 'stop') model.stopTraining = true;
      }
      sendStop();
    };
    const runOnWeights = async (m: WeightsMessage) => {
      await onWeights!(m.weights.map((w) => new Tensor(w.data, w.shape)), m.batch === undefined ? { epoch: m.epoch } : { epoch: m.epoch, batch: m.batch });
      sendStop();
    };
    const onMessage = (m: FromWorker) => {
      if (settled) return;
      if (m.type === 'event') {
        queue = queue.then(() => (settled ? undefined : runHook(m.hook, m.args))).catch((e) => finish(e));
      } else if (m.type === 'weights') {
        queue = queue.then(() => (settled ? undefined : runOnWeights(m))).catch((e) => finish(e));
      } else if (m.type === 'error') {
        queue.then(() => finish(errorFromWorker(m)));
      } else if (m.type === 'done') {
        queue.then(() => {
          if (settled) return;
          model.restore(m.state);
          const history = new History();
          m.history.epoch.forEach((epoch, i) => {
            const logs: Record<string, number> = {};
            for (const [k, v] of Object.entries(m.history.history)) logs[k] = v[i];
            history.push(epoch, logs);
          });
          finish(undefined, history);
        }).catch((e) => finish(e));
      }
    };

    // Starting the worker, then copying the data to it, in slices of a few milliseconds each.
    const start = async () => {
      await nextTurn();
      if (settled) return;
      const w = await startWorker({ message: onMessage, failure: (e) => finish(e) });
      worker = w;
      if (settled) { w.terminate(); return; }
      let turn = performance.now();
      for (const [key, values] of data.arrays) {
        for (let offset = 0; offset < values.length || offset === 0; offset += CHUNK) {
          if (performance.now() - turn > TURN_MS) {
            await nextTurn();
            turn = performance.now();
          }
          if (settled) return;
          const part = values.slice(offset, offset + CHUNK);
          w.post({ type: 'chunk', key, total: values.length, offset, data: part }, [part.buffer]);
        }
      }
      w.post(request);
    };
    start().catch((e) => finish(e));
  });
}
