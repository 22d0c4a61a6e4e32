// Layers ⇄ the Keras-style `modelTopology` of the TF.js Layers format. The conversion is generic: keys go between
// camelCase (neurite) and snake_case (TF.js files), initializer names and regularizers between neurite's values and
// TF.js's `{ class_name, config }` objects. Any layer class in the registry (src/layers/serialize.ts) loads without
// code here; an option the neurite layer does not reproduce is refused by name (see checkEcho).
import { FormatError, NeuriteError } from '../errors';
import { INITIALIZER_NAMES } from '../initializers';
import type { Layer, SymbolicTensor } from '../layers/layer';
import { layerFromJSON } from '../layers/serialize';
import { checkShape, fail, isObject, LIMITS, own, show, type JsonObject } from './format';

/** TF.js version whose Layers format neurite writes (and tests against). */
export const TFJS_LAYERS_VERSION = '4.22.0';

// ------------------------------------------------------------------------------------------------ case

/** camelCase → snake_case, as tfjs-layers' toSnakeCase ('kernelInitializer' → 'kernel_initializer'). */
export function toSnake(s: string): string {
  return s.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** snake_case → camelCase, as tfjs-layers' toCamelCase. */
export function toCamel(s: string): string {
  return s.length <= 1 || !s.includes('_') ? s : s.replace(/_+(\w|$)/g, (_m, c: string) => c.toUpperCase());
}

/** TF.js's convertPythonicToTs: keys and string values to camelCase, except the values of `name` keys. */
export function pythonicToTs(v: unknown, key = ''): unknown {
  if (typeof v === 'string') return key === 'name' ? v : toCamel(v);
  if (Array.isArray(v)) return v.map((x) => pythonicToTs(x, key));
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v)) out[k === 'name' ? k : toCamel(k)] = pythonicToTs(v[k], k === 'name' ? k : toCamel(k));
    return out;
  }
  return v;
}

/** TF.js's convertTsToPythonic: keys and string values to snake_case, except `name` values. */
export function tsToPythonic(v: unknown, key = ''): unknown {
  if (typeof v === 'string') return key === 'name' ? v : toSnake(v);
  if (Array.isArray(v)) return v.map((x) => tsToPythonic(x, key));
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v)) if (v[k] !== undefined) out[toSnake(k)] = tsToPythonic(v[k], k);
    return out;
  }
  return v ?? null;
}

// ------------------------------------------------------------------------------------------------ initializers

/** neurite initializer name ⇄ TF.js VarianceScaling parameters (what TF.js writes for the Glorot and He families). */
const VARIANCE_SCALING: Record<string, { scale: number; mode: string; distribution: string }> = {
  glorotUniform: { scale: 1, mode: 'fanAvg', distribution: 'uniform' },
  glorotNormal: { scale: 1, mode: 'fanAvg', distribution: 'normal' },
  heUniform: { scale: 2, mode: 'fanIn', distribution: 'uniform' },
  heNormal: { scale: 2, mode: 'fanIn', distribution: 'normal' },
  leCunUniform: { scale: 1, mode: 'fanIn', distribution: 'uniform' },
  leCunNormal: { scale: 1, mode: 'fanIn', distribution: 'normal' },
};

function initializerToTfjs(name: string): JsonObject {
  const vs = VARIANCE_SCALING[name];
  if (vs) return { class_name: 'VarianceScaling', config: { scale: vs.scale, mode: toSnake(vs.mode), distribution: vs.distribution, seed: null } };
  if (name === 'zeros') return { class_name: 'Zeros', config: {} };
  if (name === 'ones') return { class_name: 'Ones', config: {} };
  if (name === 'randomUniform') return { class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null } };
  if (name === 'orthogonal') return { class_name: 'Orthogonal', config: { gain: 1, seed: null } };
  return { class_name: name, config: {} };
}

/** A TF.js/Keras initializer (already camelCased) → a neurite initializer name, or undefined for one neurite lacks. */
function initializerFromTfjs(v: unknown, where: string): string | undefined {
  if (typeof v === 'string') return (INITIALIZER_NAMES as readonly string[]).includes(v) ? v : undefined;
  if (!isObject(v)) return fail(where, `expected an initializer name or { class_name, config }, got ${show(v)}`);
  const cls = own(v, 'className');
  const cfg = own(v, 'config') ?? {};
  if (typeof cls !== 'string' || !isObject(cfg)) return fail(where, `expected { class_name, config }, got ${show(v)}`);
  switch (cls) {
    case 'Zeros': case 'zeros': return 'zeros';
    case 'Ones': case 'ones': return 'ones';
    case 'GlorotUniform': return 'glorotUniform';
    case 'GlorotNormal': return 'glorotNormal';
    case 'HeUniform': return 'heUniform';
    case 'HeNormal': return 'heNormal';
    case 'LeCunUniform': return 'leCunUniform';
    case 'LeCunNormal': return 'leCunNormal';
    case 'RandomUniform': {
      const lo = own(cfg, 'minval') ?? -0.05, hi = own(cfg, 'maxval') ?? 0.05;
      return lo === -0.05 && hi === 0.05 ? 'randomUniform' : undefined;
    }
    case 'Orthogonal': return (own(cfg, 'gain') ?? 1) === 1 ? 'orthogonal' : undefined;
    case 'Constant': {
      const value = own(cfg, 'value');
      return value === 0 ? 'zeros' : value === 1 ? 'ones' : undefined;
    }
    case 'VarianceScaling': {
      const d = own(cfg, 'distribution');
      const dist = d === 'truncatedNormal' ? 'normal' : d;
      for (const [name, p] of Object.entries(VARIANCE_SCALING)) {
        if (own(cfg, 'scale') === p.scale && own(cfg, 'mode') === p.mode && dist === p.distribution) return name;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** A TF.js regularizer (camelCased) → neurite's `{ l2 }`, undefined for none, or a refusal. */
function regularizerFromTfjs(v: unknown, where: string): { l2: number } | undefined {
  if (!isObject(v)) return fail(where, `expected { class_name, config }, got ${show(v)}`);
  const cls = own(v, 'className');
  const cfg = own(v, 'config') ?? {};
  if ((cls !== 'L1L2' && cls !== 'L2' && cls !== 'L1') || !isObject(cfg)) {
    return fail(where, `regularizer ${show(cls)} is not supported; neurite has L2 (L1L2 with l1 = 0)`);
  }
  const l1 = own(cfg, 'l1') ?? 0;
  const l2 = own(cfg, 'l2') ?? (cls === 'L2' ? 0.01 : 0);
  if (l1 !== 0) fail(where, `an L1 penalty (l1 = ${show(l1)}) is not supported; neurite has L2 only`);
  if (typeof l2 !== 'number' || !Number.isFinite(l2) || l2 < 0) fail(where, `l2 must be a finite number ≥ 0, got ${show(l2)}`);
  return (l2 as number) > 0 ? { l2: l2 as number } : undefined;
}

// ------------------------------------------------------------------------------------------------ saving

/** Activations TF.js accepts as a layer's `activation` string (the ones neurite shares with it). */
const TFJS_ACTIVATIONS = new Set(['linear', 'relu', 'relu6', 'sigmoid', 'hardSigmoid', 'tanh', 'softmax', 'elu']);

/** The alpha of a layer's activation: from its config, else from its resolved activation (`act.alpha`). */
function alphaOf(layer: Layer, config: JsonObject): number | undefined {
  const a = config.alpha ?? (layer as unknown as { act?: { alpha?: number } }).act?.alpha;
  return typeof a === 'number' ? a : undefined;
}

/**
 * A layer as TF.js writes it: `{ class_name, config }` with snake_case keys. An activation TF.js lacks as a string
 * (leakyRelu; elu with alpha ≠ 1) becomes a LeakyReLU or ELU layer of its own, named `<layer>_activation` so that
 * neurite fuses it back on load. (TF.js itself cannot load an ELU with alpha ≠ 1.)
 */
export function layerToTfjs(layer: Layer): JsonObject[] {
  const json = layer.toJSON() as { className: string; config: JsonObject };
  const { className, config } = json;
  const out: JsonObject = {};
  let extra: JsonObject | undefined;
  for (const [k, v] of Object.entries(config)) {
    if (v === undefined || k === 'alpha') continue;
    if (k === 'name') out.name = v;
    else if (k === 'activation' && typeof v === 'string') {
      const alpha = alphaOf(layer, config);
      const standalone = v === 'leakyRelu' ? 'LeakyReLU' : v === 'elu' && alpha !== undefined && alpha !== 1 ? 'ELU' : undefined;
      if (!standalone && !TFJS_ACTIVATIONS.has(v)) {
        throw new NeuriteError(`layer '${layer.name}' (${className}): activation '${v}' has no TF.js equivalent and cannot be saved`);
      }
      if (standalone && className === 'Activation') {
        const rest: JsonObject = { ...config };
        delete rest.activation;
        delete rest.alpha;
        return [{ class_name: standalone, config: { alpha, ...(tsToPythonic(rest) as JsonObject), trainable: layer.trainable, dtype: 'float32' } }];
      }
      out.activation = standalone ? 'linear' : v;
      if (standalone) extra = { class_name: standalone, config: { alpha, name: `${layer.name}_activation`, trainable: true, dtype: 'float32' } };
    } else if (k.endsWith('Initializer') && typeof v === 'string') out[toSnake(k)] = initializerToTfjs(v);
    else if (k.endsWith('Regularizer') && isObject(v) && typeof v.l2 === 'number') {
      out[toSnake(k)] = { class_name: 'L1L2', config: { l1: 0, l2: v.l2 } };
    } else out[toSnake(k)] = tsToPythonic(v, k);
  }
  out.trainable = layer.trainable;
  out.dtype = 'float32';
  return extra ? [{ class_name: className, config: out }, extra] : [{ class_name: className, config: out }];
}

/** The model topology TF.js writes for a Sequential model. */
export function topologyToTfjs(name: string, layers: Layer[]): JsonObject {
  return {
    class_name: 'Sequential',
    config: { name, layers: layers.flatMap(layerToTfjs) },
    keras_version: `tfjs-layers ${TFJS_LAYERS_VERSION}`,
    backend: 'tensor_flow.js',
  };
}

// ------------------------------------------------------------------------------------------------ loading

/** Values TF.js writes for options neurite's layers do not have but behave as if set to (by option name). */
const NEUTRAL: Record<string, unknown> = {
  dtype: 'float32',
  inputDtype: 'float32',
  dataFormat: 'channelsLast',
  keepdims: false,
  groups: 1,
};
const isNeutral = (k: string, v: unknown) => Object.hasOwn(NEUTRAL, k) && NEUTRAL[k] === v;

/** A layer read from a file, before and after construction. */
export interface Pending {
  className: string;
  /** Converted (camelCase, normalized) config handed to the layer. */
  config: JsonObject;
  /** Keys the file set that the layer must reproduce in its toJSON (see checkEcho). */
  echo: string[];
  where: string;
  /** The softmax axis of a TF.js Softmax layer, checked against the input rank once shapes are known. */
  softmaxAxis?: number;
  /** False for a layer the file freezes (`trainable: false`). */
  trainable: boolean;
}

/** TF.js layer classes that neurite runs as an Activation layer. */
function activationAlias(cls: string, c: JsonObject, where: string): JsonObject | undefined {
  const base = { ...(own(c, 'name') !== undefined ? { name: own(c, 'name') } : {}),
    ...(own(c, 'batchInputShape') !== undefined ? { batchInputShape: own(c, 'batchInputShape') } : {}) };
  const alpha = (dflt: number) => {
    const a = own(c, 'alpha') ?? dflt;
    if (typeof a !== 'number' || !Number.isFinite(a)) fail(where, `alpha must be a finite number, got ${show(a)}`);
    return a as number;
  };
  switch (cls) {
    case 'LeakyReLU': return { ...base, activation: 'leakyRelu', alpha: alpha(0.3) };
    case 'ELU': return { ...base, activation: 'elu', alpha: alpha(1) };
    case 'Softmax': return { ...base, activation: 'softmax' };
    default: return undefined;
  }
}

/** Converts one TF.js layer config and normalizes the values whose form differs between TF.js and neurite. */
export function pendingLayer(raw: unknown, where: string, maxParams: number): Pending {
  if (!isObject(raw)) return fail(where, `expected { class_name, config }, got ${show(raw)}`);
  const className = own(raw, 'class_name') ?? own(raw, 'className');
  if (typeof className !== 'string' || className.length > 200) return fail(where, `class_name must be a string, got ${show(className)}`);
  const here = `${where} (${className})`;
  const rawConfig = own(raw, 'config') ?? {};
  if (!isObject(rawConfig)) return fail(here, `config must be an object, got ${show(rawConfig)}`);
  const c = pythonicToTs(rawConfig) as JsonObject;
  const name = own(c, 'name');
  if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name.length > LIMITS.maxNameChars)) {
    fail(here, `name must be a non-empty string, got ${show(name)}`);
  }
  const at = typeof name === 'string' ? `layer ${show(name)} (${className}) at ${where}` : here;
  const tr = own(c, 'trainable');
  if (tr !== undefined && tr !== null && typeof tr !== 'boolean') fail(at, `trainable must be true or false, got ${show(tr)}`);
  const trainable = tr !== false;
  delete c.trainable;
  let bis = own(c, 'batchInputShape');
  // TF.js's Embedding without inputLength writes [null, null] (sequences of any length) even inside a graph, where
  // its input's shape decides; neurite's shapes are fixed, so that placeholder says nothing
  if (className === 'Embedding' && Array.isArray(bis) && bis.length === 2 && bis[1] === null) {
    delete c.batchInputShape;
    bis = undefined;
  }
  if (bis !== undefined && bis !== null) {
    if (!Array.isArray(bis) || bis.length < 2 || (bis[0] !== null && bis[0] !== undefined && typeof bis[0] !== 'number')) {
      fail(at, `batch_input_shape must be [null, ...dims], got ${show(bis)}`);
    }
    checkShape((bis as unknown[]).slice(1), `${at} batch_input_shape`, maxParams);
  }
  const alias = activationAlias(className, c, at);
  if (alias) {
    for (const k of Object.keys(c)) {
      if (['name', 'batchInputShape', 'alpha', 'maxValue', 'negativeSlope', 'threshold', 'batchSize'].includes(k)) continue;
      if (k === 'axis' && className === 'Softmax') continue;
      const v = c[k];
      if (v !== null && !isNeutral(k, v)) fail(at, `option ${k} = ${show(v)} is not supported`);
    }
    const axis = own(c, 'axis');
    if (className === 'Softmax' && axis !== undefined && axis !== null && axis !== -1 && !(Array.isArray(axis) && axis.length === 1 && axis[0] === -1)) {
      const a = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis;
      if (!Number.isInteger(a)) fail(at, `Softmax axis must be an integer, got ${show(axis)}`);
      return { className: 'Activation', config: alias, echo: [], where: at, softmaxAxis: a as number, trainable };
    }
    return { className: 'Activation', config: alias, echo: [], where: at, trainable };
  }
  const config: JsonObject = {};
  const echo: string[] = [];
  for (const k of Object.keys(c)) {
    const v = c[k];
    const key = `${at} option ${k}`;
    if (k === 'name' || k === 'batchInputShape') { if (v !== null) config[k] = v; continue; }
    if (k === 'batchSize' || v === null) continue;
    if (k.endsWith('Constraint')) fail(at, `option ${k} (${show(isObject(v) ? own(v, 'className') : v)}) is not supported by neurite`);
    if (k.endsWith('Regularizer')) {
      const r = regularizerFromTfjs(v, key);
      if (r) { config[k] = r; echo.push(k); }
      continue;
    }
    if (k.endsWith('Initializer')) {
      // initializers only matter before weights exist, and a loaded model's weights come from the file: one that
      // neurite lacks (RandomNormal, LecunNormal, ...) leaves the layer's default in its config
      const name = initializerFromTfjs(v, key);
      if (name !== undefined) { config[k] = name; echo.push(k); }
      continue;
    }
    if (isNeutral(k, v)) continue;
    // TF.js writes a Reshape's inferred dimension (-1) as null
    config[k] = k === 'targetShape' && Array.isArray(v) ? v.map((d) => (d === null ? -1 : d)) : v;
    echo.push(k);
  }
  return { className, config, echo, where: at, trainable };
}

/** Loose equality for echoed options: deep equality, where a number equals an array of copies of it ([3, 3] vs 3). */
function sameOption(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && Array.isArray(b)) return b.length > 0 && b.every((x) => x === a);
  if (typeof b === 'number' && Array.isArray(a)) return sameOption(b, a);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameOption(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => sameOption(a[k], own(b, k)));
  }
  return false;
}

/**
 * Every option the file set must come back, equal, from the built layer's toJSON(): an option the layer ignores,
 * or changes, is one neurite does not support, and loading it would silently compute something else. Initializers
 * a layer does not list in its config are checked against its parameters' initializers instead; an `axis` may
 * name the last axis by its index.
 */
export function checkEcho(layer: Layer, p: Pending): void {
  const echoed = (layer.toJSON() as { config: JsonObject }).config;
  for (const k of p.echo) {
    let given = p.config[k];
    if (k === 'axis') {
      const a = Array.isArray(given) && given.length === 1 ? given[0] : given;
      if (a === layer.inShape.length) given = -1;
      else given = a;
    }
    if (Object.hasOwn(echoed, k)) {
      if (!sameOption(given, echoed[k])) {
        fail(p.where, `option ${k} = ${show(p.config[k])} is not supported (neurite's ${p.className} uses ${show(echoed[k])})`);
      }
      continue;
    }
    if (k.endsWith('Initializer')) {
      const param = toSnake(k.slice(0, -'Initializer'.length));
      const spec = layer.params().find((s) => s.name === param);
      if (spec && spec.initializer === given) continue;
    }
    fail(p.where, `option ${k} = ${show(p.config[k])} is not supported by neurite's ${p.className}`);
  }
}

/** A layer whose activation was split off on save (see layerToTfjs) gets it back. */
export function fuseActivations(list: Pending[]): Pending[] {
  const out: Pending[] = [];
  for (const p of list) {
    const prev = out[out.length - 1];
    if (prev && p.className === 'Activation' && p.softmaxAxis === undefined && prev.className !== 'Activation' &&
      prev.config.activation === 'linear' && typeof prev.config.name === 'string' &&
      p.config.name === `${prev.config.name}_activation` && p.config.batchInputShape === undefined &&
      (p.config.activation === 'leakyRelu' || p.config.activation === 'elu')) {
      prev.config = { ...prev.config, activation: p.config.activation, alpha: p.config.alpha };
      continue;
    }
    out.push(p);
  }
  return out;
}

/** A Sequential topology: layers with their shapes fixed, and the model's name. */
export interface BuiltSequential {
  kind: 'sequential';
  name: string | undefined;
  layers: Layer[];
}

/** A functional topology: the graph's symbolic inputs and outputs, and its layers in the model's order. */
export interface BuiltFunctional {
  kind: 'functional';
  name: string | undefined;
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
  layers: Layer[];
}

/** Rebuilt layers (and graph) with their shapes fixed, and the model's name. */
export type BuiltTopology = BuiltSequential | BuiltFunctional;

/** The class and config of a topology (or of a nested model), with TF.js's `model_config` wrapper removed. */
export function modelClass(topology: unknown, where: string): { cls: unknown; t: JsonObject } {
  if (!isObject(topology)) return fail(where, `modelTopology must be an object, got ${show(topology)}`);
  let t: JsonObject = topology;
  const inner = own(t, 'model_config');
  if (inner !== undefined) {
    if (!isObject(inner)) return fail(where, `model_config must be an object, got ${show(inner)}`);
    t = inner;
  }
  return { cls: own(t, 'class_name') ?? own(t, 'className'), t };
}

/** A model name from a file: absent, or a string of at most maxNameChars. */
export function modelName(cfg: unknown, where: string): string | undefined {
  const nameValue = isObject(cfg) ? own(cfg, 'name') : undefined;
  if (nameValue !== undefined && (typeof nameValue !== 'string' || nameValue.length > LIMITS.maxNameChars)) {
    fail(where, `the model name must be a string, got ${show(nameValue)}`);
  }
  return nameValue as string | undefined;
}

/** The batch shape of an InputLayer entry (`batch_input_shape`, or Keras 3's `batch_shape`), checked. */
export function inputLayerShape(raw: unknown, at: string, maxParams: number): unknown[] {
  const c = isObject(raw) && isObject(own(raw, 'config')) ? pythonicToTs(own(raw, 'config')) as JsonObject : {};
  const shape = own(c, 'batchInputShape') ?? own(c, 'batchShape');
  if (!Array.isArray(shape) || shape.length < 2) fail(at, `InputLayer needs a batch_input_shape, got ${show(shape)}`);
  checkShape((shape as unknown[]).slice(1), `${at} batch_input_shape`, maxParams);
  const dtype = own(c, 'dtype');
  // int32 inputs carry ids (an embedding's): neurite holds them as float32 values, exact below 2^24
  if (dtype !== undefined && dtype !== null && dtype !== 'float32' && dtype !== 'int32') fail(at, `InputLayer dtype ${show(dtype)} is not supported`);
  if (own(c, 'sparse') === true || own(c, 'ragged') === true) fail(at, 'sparse or ragged inputs are not supported');
  return shape as unknown[];
}

/** Builds the neurite layer of a pending one (not yet connected); its own validation errors become FormatErrors. */
export function makeLayer(p: Pending): Layer {
  let layer: Layer;
  try {
    layer = layerFromJSON({ className: p.className, config: p.config }, p.where);
  } catch (e) {
    throw wrap(e, p.where);
  }
  layer.trainable = p.trainable;
  return layer;
}

/** The arena one sample needs (16-byte aligned buffers, as the model plans them). */
const bytesOf = (shape: readonly number[]) => Math.ceil(shape.reduce((a, b) => a * b, 4) / 16) * 16;

/**
 * Sums what a loaded model will need, per node and per layer, and refuses it past the limits before any memory is
 * asked for: the bytes per sample of every value, its gradient and the workspace, and the weights.
 */
export class Budget {
  private sampleBytes = 0;
  private params = 0;
  constructor(private readonly maxParams: number) {}
  /** A model input of this shape. */
  input(shape: readonly number[]): void {
    this.sampleBytes += bytesOf(shape);
  }
  /** One application of `layer` producing `shape`. */
  node(layer: Layer, shape: readonly number[], where: string): void {
    checkShape(shape as number[], `${where} output`, this.maxParams);
    const ws = layer.workspaceBytes(1);
    if (!(ws / 4 <= this.maxParams)) fail(where, `needs ${ws} bytes of workspace per sample, more than allowed`);
    this.sampleBytes += 2 * bytesOf(shape) + Math.ceil(ws / 16) * 16;
    if (this.sampleBytes > LIMITS.maxSampleBytes) {
      fail(where, `the layers up to this one need ${this.sampleBytes} bytes of memory per sample (outputs, their gradients and ` +
        `workspace), more than the ${LIMITS.maxSampleBytes} allowed`);
    }
  }
  /** The weights of `layer` (count each layer once). */
  weights(layer: Layer, where: string): void {
    for (const spec of layer.params()) {
      this.params += checkShape(spec.shape, `${where} weight ${spec.name}`, this.maxParams);
      if (this.params > this.maxParams) fail(where, `the model has more than ${this.maxParams} weights, the most allowed (loadModel option maxParams)`);
    }
  }
}

/** Checks what only a built layer can tell: its echoed options and a Softmax layer's axis. */
export function checkBuilt(layer: Layer, p: Pending): void {
  if (p.softmaxAxis !== undefined && p.softmaxAxis !== layer.inShape.length) {
    fail(p.where, `Softmax over axis ${p.softmaxAxis} is not supported; neurite applies softmax over the last axis (${layer.inShape.length})`);
  }
  checkEcho(layer, p);
}

/**
 * Reads a Keras/TF.js Sequential topology (its class and config, see modelClass) into neurite layers, built (shapes
 * fixed) but with no memory allocated: every per-sample activation and every weight is checked against `maxParams`
 * first. Throws FormatError naming the layer and option for anything neurite does not support.
 */
export function sequentialFromTfjs(t: JsonObject, where: string, maxParams: number): BuiltSequential {
  const cfg = own(t, 'config');
  const layerList = Array.isArray(cfg) ? cfg : isObject(cfg) ? own(cfg, 'layers') : undefined;
  if (!Array.isArray(layerList) || layerList.length === 0) return fail(where, 'config.layers must be a non-empty array of layers');
  if (layerList.length > MAX_LAYERS) fail(where, `${layerList.length} layers are more than the ${MAX_LAYERS} supported`);
  const name = modelName(cfg, where);

  let pending: Pending[] = [];
  let inputShape: unknown;
  layerList.forEach((raw, i) => {
    const at = `${where}.config.layers[${i}]`;
    const cn = isObject(raw) ? own(raw, 'class_name') ?? own(raw, 'className') : undefined;
    if (cn === 'InputLayer') {
      inputShape = inputLayerShape(raw, at, maxParams);
      return;
    }
    if (cn === 'Sequential' || cn === 'Model' || cn === 'Functional') {
      fail(at, `a ${cn} model inside a Sequential is not supported; save the outer model as a functional model`);
    }
    const p = pendingLayer(raw, at, maxParams);
    if (inputShape !== undefined && pending.length === 0 && p.config.batchInputShape === undefined) p.config.batchInputShape = inputShape;
    pending.push(p);
  });
  pending = fuseActivations(pending);

  const names = new Set<string>();
  const layers = pending.map((p) => {
    const layer = makeLayer(p);
    if (names.has(layer.name)) fail(p.where, `the layer name ${show(layer.name)} is used twice`);
    names.add(layer.name);
    return layer;
  });

  const first = layers[0];
  if (!first.inputShape) fail(pending[0].where, 'the first layer needs a batch_input_shape (or an InputLayer before it)');
  let shape = first.inputShape!;
  const budget = new Budget(maxParams);
  budget.input(shape);
  layers.forEach((layer, i) => {
    const p = pending[i];
    try {
      shape = layer.build(shape);
    } catch (e) {
      throw wrap(e, p.where);
    }
    budget.node(layer, shape, p.where);
    budget.weights(layer, p.where);
    checkBuilt(layer, p);
  });
  return { kind: 'sequential', name, layers };
}

/** The most layers a topology may list (a nested model's count with its own). */
export const MAX_LAYERS = 10_000;

/** Any error from a layer's own validation becomes a FormatError that says where in the file it came from. */
export function wrap(e: unknown, where: string): FormatError {
  return new FormatError(`${where}: ${e instanceof Error ? e.message : String(e)}`);
}
