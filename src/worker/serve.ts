// The worker side of fitInWorker: build the caller's model from its snapshot (io/load.ts), run fit, report
// progress, and send back what changed (the snapshot's weights and training part).
import { ready } from '../backend/index';
import { callbacks as callbackFactories, type CallbackHooks, type Callback } from '../callbacks';
import { FormatError } from '../errors';
import { modelFromSnapshot } from '../io/load';
import type { LayersModel } from '../model';
import { Tensor } from '../tensor';
import { isWebWorkerScope, nodeImport } from '../platform';
import {
  errorToWire, type ChunkMessage, type DataKey, type DataPart, type FitRequest, type FromWorker, type HookName,
  type TensorWire, type ToWorker,
} from './protocol';

type Post = (message: FromWorker, transfer?: Transferable[]) => void;

const toWire = (t: Tensor): TensorWire => ({ data: t.data, shape: [...t.shape] });

/** Runs one fit request; every outcome, including errors, is posted back. */
async function train(req: FitRequest, post: Post, state: Session): Promise<void> {
  await ready({ backend: req.backend, ...(req.backend === 'wasm' ? { threads: req.threads } : {}) });
  const model = modelFromSnapshot(req.model, 'training worker: the model');
  state.model = model;
  const report = (hook: HookName) => (...args: unknown[]) => { post({ type: 'event', hook, args }); };
  const hooks: CallbackHooks = {
    onTrainBegin(logs) {
      // fit clears stopTraining as it starts; a stop that came earlier still counts
      if (state.stop) model.stopTraining = true;
      post({ type: 'event', hook: 'onTrainBegin', args: [logs] });
    },
    onTrainEnd: report('onTrainEnd'),
    onEpochBegin: report('onEpochBegin'),
    onEpochEnd: report('onEpochEnd'),
  };
  if (req.batchEvents) {
    hooks.onBatchBegin = report('onBatchBegin');
    hooks.onBatchEnd = report('onBatchEnd');
  }
  const sendWeights = (epoch: number, batch?: number) => {
    const weights = model.getWeights().map(toWire);
    post({ type: 'weights', epoch, ...(batch === undefined ? {} : { batch }), weights }, weights.map((w) => w.data.buffer));
  };
  let epochNow = 0;
  if (req.weightsEvery !== undefined) {
    const every = req.weightsEvery;
    const onEpochBegin = hooks.onEpochBegin!;
    hooks.onEpochBegin = (epoch, logs) => { epochNow = epoch; return onEpochBegin(epoch, logs); };
    const onEpochEnd = hooks.onEpochEnd!;
    hooks.onEpochEnd = (epoch, logs) => { onEpochEnd(epoch, logs); sendWeights(epoch); };
    if (typeof every === 'number') {
      const onBatchEnd = hooks.onBatchEnd;
      hooks.onBatchEnd = (batch, logs) => {
        const r = onBatchEnd?.(batch, logs);
        if ((batch + 1) % every === 0) sendWeights(epochNow, batch);
        return r;
      };
    }
  }
  const early: Callback[] = req.earlyStopping.map((c) => callbackFactories.earlyStopping(c));
  const array = (key: DataKey) => {
    const shape = req.data[key];
    const values = state.arrays.get(key);
    if (!shape || !values) throw new FormatError(`training worker: no data arrived for ${key}`);
    return shape === 'labels' ? values : new Tensor(values as Float32Array, shape);
  };
  // what the caller passed: one array, or a list in input (output) order
  const data = (part: DataPart) => {
    const layout = req.layout[part];
    return layout === 'one' || layout === undefined ? array(part) : Array.from({ length: layout }, (_, i) => array(`${part}.${i}`));
  };
  const history = await model.fit(data('x'), data('y'), {
    ...req.fit,
    validationData: req.layout.valX !== undefined ? [data('valX'), data('valY')] : undefined,
    callbacks: [...early, hooks],
  });
  const { weights, training } = model.snapshot(true);
  const transfer = [...weights, ...(training?.slots ?? [])].map((t) => t.data.buffer);
  post({ type: 'done', backend: req.backend, state: { weights, training }, history: { epoch: history.epoch, history: history.history } }, transfer);
}

interface Session {
  model?: LayersModel;
  stop: boolean;
  /** Data arrays, filled by chunk messages. */
  arrays: Map<DataKey, Float32Array | Int32Array>;
}

function receive(arrays: Session['arrays'], m: ChunkMessage): void {
  let whole = arrays.get(m.key);
  if (!whole) {
    whole = m.data instanceof Int32Array ? new Int32Array(m.total) : new Float32Array(m.total);
    arrays.set(m.key, whole);
  }
  whole.set(m.data, m.offset);
}

function handler(post: Post): (message: ToWorker) => void {
  const state: Session = { stop: false, arrays: new Map() };
  return (message) => {
    if (message?.type === 'chunk') {
      receive(state.arrays, message);
    } else if (message?.type === 'stop') {
      state.stop = true;
      if (state.model) state.model.stopTraining = true;
    } else if (message?.type === 'fit') {
      train(message, post, state).catch((e) => post(errorToWire(e)));
    }
  };
}

/**
 * The training worker's main function; the worker script that fitInWorker starts calls it. Listens for one
 * fit request (and stop requests) from the thread that started the worker.
 */
export async function serveWorker(): Promise<void> {
  if (isWebWorkerScope()) {
    const scope = globalThis as unknown as { onmessage: unknown; postMessage: (m: unknown, t?: Transferable[]) => void };
    const onMessage = handler((m, t) => scope.postMessage(m, t ?? []));
    scope.onmessage = (e: MessageEvent<ToWorker>) => onMessage(e.data);
    return;
  }
  if (typeof __NEURITE_BROWSER__ !== 'undefined') throw new Error('neurite: serveWorker must run inside a Web Worker');
  const { parentPort } = await nodeImport<typeof import('node:worker_threads')>('node:worker_threads');
  if (!parentPort) throw new Error('neurite: serveWorker must run inside a worker thread');
  const port = parentPort;
  const onMessage = handler((m, t) => port.postMessage(m, t as never));
  port.on('message', onMessage);
}
