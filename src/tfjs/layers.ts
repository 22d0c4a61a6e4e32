// TF.js's layer factories, initializers and regularizers over neurite's layers. A factory takes TF.js's
// arguments, turns the spellings TF.js accepts and neurite does not (batchInputShape, inputDim, 'Zeros',
// initializer and regularizer objects, null for none) into neurite's, and returns neurite's layer; an option
// neurite lacks is refused by the layer itself, naming it.
import * as nn from './nn';
import { NotProvidedError } from './tensor';

const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v) ?? String(v));
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An initializer as `tf.initializers.*` makes one: the neurite initializer with TF.js's formula. */
export class Initializer {
  constructor(readonly className: string, readonly neurite: nn.InitializerName) {}
}

/** A regularizer as `tf.regularizers.*` makes one. */
export class Regularizer {
  constructor(readonly className: string, readonly neurite: nn.Regularizer) {}
}

/** TF.js's VarianceScaling parameters of each neurite initializer of that family. */
const VARIANCE_SCALING: [nn.InitializerName, number, string, string][] = [
  ['glorotUniform', 1, 'fanAvg', 'uniform'], ['glorotNormal', 1, 'fanAvg', 'normal'],
  ['heUniform', 2, 'fanIn', 'uniform'], ['heNormal', 2, 'fanIn', 'normal'],
  ['leCunUniform', 1, 'fanIn', 'uniform'], ['leCunNormal', 1, 'fanIn', 'normal'],
];

const noInitializer = (what: string) => new NotProvidedError(`${what} is not provided by neurite/tfjs; the initializers are ` +
  `${nn.INITIALIZER_NAMES.join(', ')} and varianceScaling with their parameters (and a loaded model's weights come from its file)`);

/** Refuses an initializer's seed: neurite draws every weight from the model's seed. */
function noSeed(what: string, config: Record<string, unknown> | undefined): void {
  if (config?.seed !== undefined && config.seed !== null) {
    throw new NotProvidedError(`${what}: a seed per initializer is not provided; neurite draws every initial weight from the ` +
      `model's seed (tf.sequential({ seed }) or tf.model({ inputs, outputs, seed }))`);
  }
}

function named(name: nn.InitializerName) {
  const className = name[0].toUpperCase() + name.slice(1);
  return (config?: { seed?: number }) => {
    noSeed(`tf.initializers.${name}`, config);
    return new Initializer(className, name);
  };
}

/**
 * `tf.initializers`: the initializers neurite has, in TF.js's spellings.
 *
 * @example
 * tf.layers.dense({ units: 8, kernelInitializer: tf.initializers.varianceScaling({ scale: 2, mode: 'fanIn' }) });
 */
export const initializers = {
  /** All zeros. @example tf.initializers.zeros(); */
  zeros: named('zeros'),
  /** All ones. @example tf.initializers.ones(); */
  ones: named('ones'),
  /** A constant: 0 or 1 (neurite's zeros and ones). @example tf.initializers.constant({ value: 0 }); */
  constant(config: { value: number }): Initializer {
    if (config?.value === 0) return new Initializer('Zeros', 'zeros');
    if (config?.value === 1) return new Initializer('Ones', 'ones');
    throw noInitializer(`tf.initializers.constant({ value: ${show(config?.value)} })`);
  },
  /** Glorot (Xavier) uniform. @example tf.initializers.glorotUniform(); */
  glorotUniform: named('glorotUniform'),
  /** Glorot (Xavier) truncated normal. @example tf.initializers.glorotNormal(); */
  glorotNormal: named('glorotNormal'),
  /** He uniform. @example tf.initializers.heUniform(); */
  heUniform: named('heUniform'),
  /** He truncated normal. @example tf.initializers.heNormal(); */
  heNormal: named('heNormal'),
  /** LeCun uniform. @example tf.initializers.leCunUniform(); */
  leCunUniform: named('leCunUniform'),
  /** LeCun truncated normal. @example tf.initializers.leCunNormal(); */
  leCunNormal: named('leCunNormal'),
  /**
   * Variance scaling with TF.js's defaults (scale 1, mode 'fanIn', distribution 'normal'): the parameters of the
   * Glorot, He and LeCun initializers; others are a NotProvidedError.
   *
   * @example
   * tf.initializers.varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'uniform' });   // heUniform
   */
  varianceScaling(config?: { scale?: number; mode?: string; distribution?: string; seed?: number }): Initializer {
    noSeed('tf.initializers.varianceScaling', config);
    const scale = config?.scale ?? 1, mode = config?.mode ?? 'fanIn';
    const distribution = config?.distribution === 'truncatedNormal' ? 'normal' : config?.distribution ?? 'normal';
    const hit = VARIANCE_SCALING.find(([, s, m, d]) => s === scale && m === mode && d === distribution);
    if (!hit) throw noInitializer(`tf.initializers.varianceScaling(${show({ scale, mode, distribution })})`);
    return new Initializer('VarianceScaling', hit[0]);
  },
};

/** An initializer as TF.js takes it (a name in either case, or an Initializer) → neurite's name. */
function initializerOf(v: unknown, where: string): nn.InitializerName {
  if (v instanceof Initializer) return v.neurite;
  if (typeof v === 'string') {
    const name = v[0].toLowerCase() + v.slice(1);
    if (name === 'varianceScaling') return 'leCunNormal';
    if ((nn.INITIALIZER_NAMES as readonly string[]).includes(name)) return name as nn.InitializerName;
  }
  throw noInitializer(`${where} ${show(v)}`);
}

/**
 * `tf.regularizers`: L2, and l1l2 without its L1 part.
 *
 * @example
 * tf.layers.dense({ units: 8, kernelRegularizer: tf.regularizers.l2({ l2: 1e-4 }) });
 */
export const regularizers = {
  /** λ·Σw², λ = `l2` (default 0.01). @example tf.regularizers.l2({ l2: 0.01 }); */
  l2: (config?: { l2?: number }) => new Regularizer('L2', nn.regularizers.l2(config)),
  /** λ₁·Σ|w| + λ₂·Σw²: only with l1 = 0 (default 0.01 each, as TF.js). @example tf.regularizers.l1l2({ l1: 0, l2: 1e-3 }); */
  l1l2(config?: { l1?: number; l2?: number }): Regularizer {
    if ((config?.l1 ?? 0.01) !== 0) throw new NotProvidedError('tf.regularizers.l1l2: an L1 penalty is not provided; neurite has L2 (tf.regularizers.l2)');
    return new Regularizer('L1L2', nn.regularizers.l2({ l2: config?.l2 ?? 0.01 }));
  },
  /** Not provided: neurite has L2 only. @example tf.regularizers.l2(); // instead of l1 */
  l1(): never {
    throw new NotProvidedError('tf.regularizers.l1 is not provided; neurite has L2 (tf.regularizers.l2)');
  },
};

/** TF.js's arguments of one layer factory → neurite's, and the trainable flag to set on the layer. */
function layerArgs(factory: string, args: unknown): { config: Record<string, unknown> | undefined; trainable?: boolean } {
  if (args === undefined) return { config: undefined };
  if (!isRecord(args)) return { config: args as Record<string, unknown> };   // the layer says what it takes
  const where = `tf.layers.${factory}`;
  const config: Record<string, unknown> = {};
  let trainable: boolean | undefined;
  for (const [k, v] of Object.entries(args)) {
    if (v === undefined) continue;
    if (k === 'batchInputShape') {
      if (!Array.isArray(v) || v.length < 2) throw new nn.ValueError(`${where}: batchInputShape must be [batchSize or null, ...dims], got ${show(v)}`);
      config.inputShape = v.slice(1);   // neurite takes any batch size
    } else if (k === 'inputDim') {
      config.inputShape = [v];
    } else if (k === 'batchSize') {
      // a fixed batch size only constrains TF.js's inputs; neurite takes any
    } else if (k === 'dtype') {
      if (v !== 'float32') throw new NotProvidedError(`${where}: dtype ${show(v)} is not provided; neurite's layers compute in float32`);
    } else if (k === 'trainable') {
      if (typeof v !== 'boolean') throw new nn.ValueError(`${where}: trainable must be true or false, got ${show(v)}`);
      trainable = v;
    } else if (k === 'weights') {
      throw new NotProvidedError(`${where}: initial weights as an option are not provided; call layer.setWeights() once the model is built`);
    } else if (k.endsWith('Initializer')) {
      config[k] = initializerOf(v, `${where}: ${k}`);
    } else if (k.endsWith('Regularizer')) {
      if (v === null) continue;
      config[k] = v instanceof Regularizer ? v.neurite : v;
    } else if (k.endsWith('Constraint')) {
      if (v !== null) throw new NotProvidedError(`${where}: ${k} is not provided; neurite has no weight constraints`);
    } else {
      config[k] = v;
    }
  }
  return { config, trainable };
}

type Factories = typeof nn.layers;
/** TF.js's arguments of a layer: neurite's options plus TF.js's spellings. */
export type LayerArgs = Record<string, unknown>;

const wrapped: Record<string, (args?: LayerArgs) => nn.Layer> = {};
for (const [name, make] of Object.entries(nn.layers as unknown as Record<string, (c?: unknown) => nn.Layer>)) {
  wrapped[name] = (args?: LayerArgs) => {
    const { config, trainable } = layerArgs(name, args);
    const layer = make(config);
    if (trainable !== undefined) layer.trainable = trainable;
    return layer;
  };
}

/**
 * `tf.layers`: every layer neurite has, under TF.js's factory names and taking TF.js's spellings of the options
 * (`batchInputShape`, `inputDim`, `'Zeros'`, `tf.initializers.*`, `tf.regularizers.*`, `null` for none, `trainable`).
 * A layer neurite lacks is a NotProvidedError when called.
 *
 * @example
 * const layer = tf.layers.dense({ units: 1, batchInputShape: [null, 4], kernelInitializer: 'Zeros' });
 */
export const layers = new Proxy(wrapped, {
  get(target, key) {
    if (typeof key !== 'string' || key in target) return target[key as string];
    return () => {
      throw new NotProvidedError(`tf.layers.${key} is not provided by neurite/tfjs; the layers are: ${Object.keys(target).join(', ')}`);
    };
  },
}) as unknown as { [K in keyof Factories]: (args?: LayerArgs) => ReturnType<Factories[K]> } & Record<string, (args?: LayerArgs) => nn.Layer>;

/**
 * `tf.input`: a symbolic input (TF.js's `shape` without the batch axis, or `batchShape` with it).
 *
 * @example
 * const x = tf.input({ shape: [784] });
 */
export function input(config: { shape?: number[]; batchShape?: (number | null)[]; name?: string; dtype?: string }): nn.SymbolicTensor {
  if (!isRecord(config)) throw new nn.ValueError(`tf.input takes { shape } or { batchShape }, got ${show(config)}`);
  const { batchShape, dtype, ...rest } = config;
  if (dtype !== undefined && dtype !== 'float32') throw new NotProvidedError(`tf.input: dtype ${show(dtype)} is not provided; neurite's inputs are float32`);
  if (batchShape !== undefined) {
    if (!Array.isArray(batchShape) || batchShape.length < 2) throw new nn.ValueError(`tf.input: batchShape must be [batchSize or null, ...dims], got ${show(batchShape)}`);
    return nn.input({ ...rest, shape: batchShape.slice(1) as number[] });
  }
  return nn.input(rest as { shape: number[]; name?: string });
}
