// Messages between fitInWorker (the calling thread) and the training worker. Everything here survives
// structured cloning: plain objects, numbers, strings and typed arrays.
import type { BackendName } from '../backend/index';
import type { EarlyStoppingConfig } from '../callbacks';
import { NeuriteError, FormatError, ShapeError, StateError, TrainingError, UnknownNameError, ValueError } from '../errors';
import type { FitConfig } from '../model';
import type { ModelSnapshot } from '../train/state';

/** A tensor as data and shape. */
export interface TensorWire {
  data: Float32Array;
  shape: number[];
}

/** The fit options that are plain data (callbacks and validation data travel separately). */
export type FitOptionsWire = Omit<FitConfig, 'callbacks' | 'validationData'>;

/** Hooks the worker reports back to the caller; they are called there, in order. */
export type HookName = 'onTrainBegin' | 'onTrainEnd' | 'onEpochBegin' | 'onEpochEnd' | 'onBatchBegin' | 'onBatchEnd';

/** Which data a chunk belongs to: x, y and the validation data, one array per model input or output. */
export type DataPart = 'x' | 'y' | 'valX' | 'valY';
/** The arrays of training data, sent ahead of the fit request in chunks: `x` for a model of one input, `x.1` etc. */
export type DataKey = DataPart | `${DataPart}.${number}`;

/**
 * Part of one data array. Copying tens of megabytes into a worker in one message stalls the sending thread
 * for a long moment; chunks of about a megabyte, with a turn of the event loop between them, do not.
 */
export interface ChunkMessage {
  type: 'chunk';
  key: DataKey;
  /** Length of the whole array. */
  total: number;
  offset: number;
  data: Float32Array | Int32Array;
}

/** Shape of each data array; 'labels' for integer labels (an Int32Array). */
export type DataShapes = Partial<Record<DataKey, number[] | 'labels'>>;

/** How each part's arrays make up what fit takes: one array (`x`), or a list of them in input/output order. */
export type DataLayout = Partial<Record<DataPart, 'one' | number>>;

export interface FitRequest {
  type: 'fit';
  backend: BackendName;
  /** Threads for the worker's wasm kernels. */
  threads: 'auto' | number;
  /** The model's snapshot (train/state.ts), with its training part: topology, weights, compile, optimizer state, position. */
  model: ModelSnapshot;
  /** x, y and any validation data; their values came in chunk messages. */
  data: DataShapes;
  /** Which arrays form each of x, y, valX and valY. */
  layout: DataLayout;
  fit: FitOptionsWire;
  /** Send onBatchBegin/onBatchEnd events (only when the caller has such hooks: they are frequent). */
  batchEvents: boolean;
  /** nn.callbacks.earlyStopping instances, rebuilt in the worker where the weights are. */
  earlyStopping: EarlyStoppingConfig[];
  /** Send the weights after each epoch ('epoch') or also every n batches; undefined: never (no onWeights). */
  weightsEvery?: 'epoch' | number;
}

/** Ends training after the current batch, keeping what was learned (like model.stopTraining = true). */
export interface StopRequest {
  type: 'stop';
}

export type ToWorker = ChunkMessage | FitRequest | StopRequest;

export interface EventMessage {
  type: 'event';
  hook: HookName;
  args: unknown[];
}

/** A copy of the weights while training (for fitInWorker's onWeights); batch is undefined at an epoch's end. */
export interface WeightsMessage {
  type: 'weights';
  epoch: number;
  batch?: number;
  weights: TensorWire[];
}

export interface DoneMessage {
  type: 'done';
  backend: BackendName;
  /** What training changed: the weights, the optimizer state and the position, as a snapshot holds them. */
  state: Pick<ModelSnapshot, 'weights' | 'training'>;
  history: { epoch: number[]; history: Record<string, number[]> };
}

export interface ErrorMessage {
  type: 'error';
  name: string;
  message: string;
}

export type FromWorker = EventMessage | WeightsMessage | DoneMessage | ErrorMessage;

// Keyed by literal strings, not by class names: a minifier may rename the classes (on both sides alike).
const ERRORS: [string, new (message: string) => Error][] = [
  ['ShapeError', ShapeError], ['ValueError', ValueError], ['UnknownNameError', UnknownNameError],
  ['StateError', StateError], ['TrainingError', TrainingError], ['FormatError', FormatError],
  ['NeuriteError', NeuriteError], ['TypeError', TypeError], ['RangeError', RangeError],
];

/** The error a worker reports, in a form that survives structured cloning. */
export function errorToWire(e: unknown): ErrorMessage {
  if (!(e instanceof Error)) return { type: 'error', name: 'Error', message: String(e) };
  const known = ERRORS.find(([, Ctor]) => e instanceof Ctor);
  return { type: 'error', name: known ? known[0] : e.name, message: e.message };
}

/** An error as it crossed from the worker: the same class when it is one of neurite's or a common built-in. */
export function errorFromWorker(m: ErrorMessage): Error {
  const known = ERRORS.find(([name]) => name === m.name);
  if (known) return new known[1](m.message);
  const e = new Error(m.message);
  e.name = m.name;
  return e;
}
