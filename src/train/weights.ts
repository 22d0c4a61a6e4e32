// Sample weights: what fit's classWeight and sampleWeight (and evaluate's sampleWeight) become, one float per
// sample per output, as Keras defines them: a sample's loss is multiplied by its weight and the batch's loss is
// Σ wᵢ·lossᵢ over the batch's size (TF.js's mean of the weighted losses, Keras's sum over batch size). A class
// weight applies to the samples of that class: the label for integer labels or one-column targets, the argmax of
// a row of several columns. Both given: their product, as Keras takes them.
import { ShapeError, ValueError } from '../errors';
import { show } from '../options';
import { Tensor } from '../tensor';
import { type Head, isNameMap, type SampleWeights } from './head';
import type { Target } from './edge';

/**
 * Weights by class label for fit's classWeight: keys are the labels (integers ≥ 0), values finite numbers ≥ 0.
 *
 * @example
 * const classWeight: nn.ClassWeight = { 0: 1, 1: 5 };   // class 1's samples count five times
 * await model.fit(x, labels, { classWeight });
 */
export type ClassWeight = Record<number | string, number>;

/** True when `v` is one list of per-sample numbers (not a list of lists, one per output). */
function isWeightList(v: unknown): boolean {
  if (v instanceof Tensor || ArrayBuffer.isView(v)) return true;
  return Array.isArray(v) && (v.length === 0 || typeof v[0] === 'number');
}

/** One output's per-sample weights: n finite numbers ≥ 0, in a list, typed array or tensor of shape [n] or [n, 1]. */
function checkSampleWeight(v: unknown, n: number, what: string): Float32Array {
  let data: ArrayLike<number>;
  let shape: readonly number[];
  if (v instanceof Tensor) {
    data = v.data;
    shape = v.shape;
  } else if (ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array)) {
    data = v as unknown as ArrayLike<number>;
    shape = [data.length];
  } else if (Array.isArray(v)) {
    data = v as number[];
    shape = [v.length];
  } else {
    throw new ValueError(`${what} must be one number per sample (an array, a Float32Array or a tensor of shape [${n}]), got ${show(v)}`);
  }
  if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
    throw new ShapeError(`${what} takes one weight per sample, shape [${n}] or [${n}, 1], got shape [${shape.join(', ')}]`);
  }
  if (shape[0] !== n) throw new ShapeError(`x has ${n} samples but ${what} has ${shape[0]} weights`);
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = data[i];
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || !Number.isFinite(Math.fround(x))) {
      throw new ValueError(`${what}[${i}] is ${show(x)}; sample weights must be finite numbers ≥ 0`);
    }
    w[i] = x;
  }
  return w;
}

/** One output's class weights, checked: integer labels ≥ 0 (below the output's units for rows of several) to finite weights ≥ 0. */
function checkClassWeight(v: unknown, h: Head, what: string): Map<number, number> {
  if (!v || typeof v !== 'object' || Array.isArray(v) || ArrayBuffer.isView(v)) {
    throw new ValueError(`${what} must be an object of class label to weight, such as { 0: 1, 1: 5 }, got ${show(v)}`);
  }
  const classes = isMultiColumn(h) ? h.size : undefined;
  const m = new Map<number, number>();
  for (const [key, w] of Object.entries(v as Record<string, unknown>)) {
    const label = Number(key);
    if (!/^(0|[1-9][0-9]*)$/.test(key) || !Number.isSafeInteger(label)) {
      throw new ValueError(`${what} has key ${show(key)}; its keys must be class labels, integers ≥ 0`);
    }
    if (classes !== undefined && label >= classes) {
      throw new ValueError(`${what} has class ${label}, but layer '${h.layer.name}' has ${classes} units (classes 0 to ${classes - 1})`);
    }
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0 || !Number.isFinite(Math.fround(w))) {
      throw new ValueError(`${what}[${key}] is ${show(w)}; class weights must be finite numbers ≥ 0`);
    }
    m.set(label, w);
  }
  return m;
}

/** True when an output's targets are rows of several columns (its class is the argmax), not one label or value per sample. */
const isMultiColumn = (h: Head) => h.loss !== 'sparseCategoricalCrossentropy' && h.size > 1;

/** The class of each sample of one output's targets: the label, the one column's value, or the argmax of the row. */
function classesOf(y: Target, h: Head, n: number, what: string): Int32Array {
  const out = new Int32Array(n);
  if (y instanceof Int32Array) {
    out.set(y.subarray(0, n));
    return out;
  }
  const cols = h.size;
  const d = y.data;
  if (cols === 1) {
    for (let i = 0; i < n; i++) {
      if (!Number.isInteger(d[i]) || d[i] < 0) {
        throw new ValueError(`classWeight needs class labels, but ${what}[${i}] is ${d[i]} (one-column targets must be integers ≥ 0 ` +
          'to have a class)');
      }
      out[i] = d[i];
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < cols; j++) if (d[i * cols + j] > d[i * cols + best]) best = j;
    out[i] = best;
  }
  return out;
}

/** A value given per output: the same for every output (when `isOne`), a list in output order or a map by output name. */
function perOutput(v: unknown, isOne: boolean, names: readonly string[], what: string): unknown[] {
  // a model of one output also takes a list of one, or a map with the output's name, as TF.js does
  if (names.length === 1 && !isWeightList(v)) {
    if (Array.isArray(v) && v.length === 1) return v;
    if (isNameMap(v) && Object.keys(v).length === 1 && Object.hasOwn(v, names[0])) return [v[names[0]]];
  }
  if (isOne) return names.map(() => v);
  if (Array.isArray(v)) {
    if (v.length !== names.length) throw new ValueError(`${what} has ${v.length} entries but the model has ${names.length} outputs (${names.join(', ')})`);
    return v;
  }
  if (isNameMap(v)) {
    for (const k of Object.keys(v)) {
      if (!names.includes(k)) throw new ValueError(`${what} names output ${show(k)}, but the outputs are: ${names.join(', ')}`);
    }
    // an output the map leaves out is not weighted
    return names.map((n) => (Object.hasOwn(v, n) ? v[n] : undefined));
  }
  throw new ValueError(`${what} must be given per output (a list in output order or an object keyed by output name) for a model of ` +
    `${names.length} outputs, got ${show(v)}`);
}

/**
 * The per-sample weights of every output from classWeight and sampleWeight (either may be undefined), for the `n`
 * samples of ys; undefined when neither is given. ValueError/ShapeError naming the option, the output and the
 * sample for a bad shape, a negative or non-finite weight, or a class the data has and classWeight lacks.
 */
export function sampleWeights(classWeight: unknown, sampleWeight: unknown, ys: readonly Target[], heads: readonly Head[], n: number,
  yWhat: string): SampleWeights | undefined {
  if (classWeight === undefined && sampleWeight === undefined) return undefined;
  const names = heads.map((h) => h.name);
  const one = names.length === 1;
  const label = (what: string, o: number) => (one ? what : `${what}['${names[o]}']`);
  const sw = sampleWeight === undefined ? names.map(() => undefined)
    : perOutput(sampleWeight, one || isWeightList(sampleWeight), names, 'sampleWeight');
  const cw = classWeight === undefined ? names.map(() => undefined)
    : perOutput(classWeight, one, names, 'classWeight');
  return heads.map((h, o) => {
    let w = sw[o] === undefined ? undefined : checkSampleWeight(sw[o], n, label('sampleWeight', o));
    if (cw[o] !== undefined) {
      const map = checkClassWeight(cw[o], h, label('classWeight', o));
      const classes = classesOf(ys[o], h, n, label(yWhat, o));
      w ??= new Float32Array(n).fill(1);
      for (let i = 0; i < n; i++) {
        const c = map.get(classes[i]);
        if (c === undefined) {
          throw new ValueError(`${label('classWeight', o)} has no weight for class ${classes[i]} (sample ${i} of ${label(yWhat, o)}); ` +
            `it must give a weight to every class in the data (it has: ${[...map.keys()].join(', ') || 'none'})`);
        }
        w[i] *= Math.fround(c);
      }
    }
    return w;
  });
}
