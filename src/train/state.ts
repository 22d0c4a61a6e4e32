// The model snapshot: a model as plain data (structured-clonable, JSON apart from typed arrays). model.snapshot()
// writes it; fitInWorker sends it to the worker and back; io's writers turn it into TF.js Layers artifacts; the one
// load entry point (io/load.ts) builds models from it. Moving a model between backends needs no encoding at all:
// its parameter block and optimizer slots move as they are (memory/residency.ts).
import { ValueError } from '../errors';
import type { CustomLoss, LossName } from '../losses';
import { type Optimizer, type OptimizerName, optimizers } from '../optimizers';
import { fromScheduleConfig } from '../schedules';

/**
 * Where training stands (see {@link LayersModel.getTrainingState}); plain JSON.
 *
 * @example
 * const state = model.getTrainingState();
 * other.setTrainingState(JSON.parse(JSON.stringify(state)));
 */
export interface TrainingState {
  /** Epochs completed by fit over the model's life, an integer ≥ 0. */
  epochsTrained: number;
  /** Optimizer steps since compile, an integer ≥ 0 (drives schedules and Adam's bias correction). */
  iterations: number;
  /** The state of the stream that shuffles the samples, as the Rng's getState gives it. */
  shuffleState: number[];
  /** Per layer, the state of its random stream (dropout), or null. */
  layerRngStates?: (number[] | null)[];
}

/**
 * A weight or an optimizer slot in a {@link ModelSnapshot}: `layer/param` (`layer/param/slot`), its values and shape.
 *
 * @example
 * const { name, data, shape } = model.snapshot().weights[0];   // 'dense_1/kernel', Float32Array, [4, 8]
 */
export interface NamedTensor {
  /** `layer/param`, or `layer/param/slot` for an optimizer slot. */
  name: string;
  /** The values, row-major. */
  data: Float32Array;
  /** The tensor's shape. */
  shape: number[];
}

/**
 * An optimizer as data: its name and its factory's options (a schedule as its kind and config).
 *
 * @example
 * model.snapshot().training?.optimizer;   // { name: 'adam', config: { learningRate: 0.001, beta1: 0.9, ... } }
 */
export interface OptimizerSnapshot {
  /** The nn.optimizers factory's name. */
  name: OptimizerName;
  /** The factory's options (clipNorm included; a learning-rate schedule as `{ kind, config }`). */
  config: Record<string, unknown>;
}

/**
 * The training part of a {@link ModelSnapshot}: what compile was given, the optimizer's state and the training
 * position.
 *
 * @example
 * const t = model.snapshot().training;   // undefined before compile
 * t?.position.epochsTrained;
 */
export interface TrainingSnapshot {
  /** The optimizer compile was given. */
  optimizer: OptimizerSnapshot;
  /** One loss per output, in output order; a custom loss as itself (io writes its name; a worker cannot take one). */
  losses: (LossName | CustomLoss)[];
  /** One loss weight per output, in output order. */
  lossWeights: number[];
  /** compile's metrics, by name. */
  metrics: string[];
  /** The optimizer's slots, per slot in turn, in weight order (trained weights only). */
  slots: NamedTensor[];
  /** Epochs trained, optimizer steps and the random streams (see getTrainingState). */
  position: TrainingState;
}

/**
 * A model as data: its TF.js topology, seed and weights, and once compiled its training part. Structured-clonable
 * (postMessage sends it as it is); fitInWorker ships models as snapshots and the nn.io writers encode them.
 *
 * @example
 * const s = model.snapshot();
 * s.topology.class_name;   // 'Sequential'
 */
export interface ModelSnapshot {
  /** The TF.js Layers topology, as a model.json's modelTopology holds it (Sequential or functional). */
  topology: Record<string, unknown>;
  /** The model's name. */
  name: string;
  /** The model's seed (weights were drawn from it; shuffling and dropout streams continue from the position). */
  seed: number;
  /** Every weight, in getWeights order. */
  weights: NamedTensor[];
  /** Present once the model is compiled. */
  training?: TrainingSnapshot;
}

/**
 * Something that gives a {@link ModelSnapshot}: a model from nn.sequential or nn.model. The nn.io writers take any
 * such object.
 *
 * @example
 * const bytes = await nn.io.saveToBytes(model);   // model is Snapshottable
 */
export interface Snapshottable {
  /** The snapshot; its training part only when `withTraining` (it fails for an optimizer that cannot be described). */
  snapshot(withTraining?: boolean): ModelSnapshot;
}

/** True for an object with a snapshot method (a model). */
export const isSnapshottable = (v: unknown): v is Snapshottable =>
  !!v && typeof v === 'object' && typeof (v as Snapshottable).snapshot === 'function';

/**
 * An optimizer as data; `what` names the caller in the error for a schedule that cannot be described (one made
 * by hand, without a config).
 */
export function optimizerToSnapshot(opt: Optimizer, what: string): OptimizerSnapshot {
  const config: Record<string, unknown> = { ...opt.getConfig() };
  if (opt.clipNorm !== undefined) config.clipNorm = opt.clipNorm;
  const lr = opt.learningRate;
  if (typeof lr !== 'number') {
    if (!lr.config) {
      throw new ValueError(`${what}: the ${opt.name} optimizer's learning-rate schedule '${lr.kind}' has no config, so it cannot be ` +
        'saved or sent to a worker (use nn.schedules.stepDecay, exponentialDecay or cosineDecay)');
    }
    config.learningRate = { kind: lr.kind, config: lr.config };
  }
  return { name: opt.name, config };
}

/** The optimizer an OptimizerSnapshot describes; ValueError for an unknown name or bad options. */
export function optimizerFromSnapshot(o: OptimizerSnapshot): Optimizer {
  const make = (optimizers as Record<string, ((c: object) => Optimizer) | undefined>)[o.name];
  if (typeof make !== 'function') throw new ValueError(`unknown optimizer ${JSON.stringify(o.name)}`);
  const config = { ...o.config };
  const lr = config.learningRate as { kind?: string; config?: Record<string, unknown> } | number | undefined;
  if (lr && typeof lr === 'object') config.learningRate = fromScheduleConfig(String(lr.kind), lr.config ?? {});
  return make(config);
}
