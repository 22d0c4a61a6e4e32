// Eager ops with TF.js's semantics: broadcasting, dtypes (int32 stays int32, comparisons give bool, int32 / int32
// is a floor division), negative axes, keepDims. Plain loops computing in float64 and storing into the output's
// typed array, as TF.js's cpu backend does.
import { ShapeError, ValueError } from './nn';
import {
  asTensor, checkDtype, type DataType, makeArray, OPS, sizeOf, Tensor, type TensorLike, toDtype, type TypedArray,
} from './tensor';

type Bin = (a: number, b: number) => number;
type Un = (a: number) => number;

const make = (vals: TypedArray, shape: number[], dtype: DataType) => new Tensor(vals, shape, dtype);

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array(shape.length);
  for (let i = shape.length - 1, acc = 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function upcast(a: DataType, b: DataType): DataType {
  if (a === 'float32' || b === 'float32') return 'float32';
  if (a === 'int32' || b === 'int32') return 'int32';
  return 'bool';
}

/** TF.js's broadcast of two shapes (aligned on the right, equal or 1). */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out = new Array(r);
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`Operands could not be broadcast together with shapes ${a} and ${b}.`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** The strides of `shape` read as `out` (0 on broadcast dimensions). */
function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] {
  const s = stridesOf(shape);
  const r = out.length;
  const res = new Array(r).fill(0);
  for (let i = 0; i < shape.length; i++) res[r - shape.length + i] = shape[i] === 1 ? 0 : s[i];
  return res;
}

function binaryInto(out: TypedArray, av: TypedArray, bv: TypedArray, outShape: number[], as: number[], bs: number[], f: Bin): void {
  const rank = outShape.length;
  if (rank === 0) {
    out[0] = f(av[0], bv[0]);
    return;
  }
  const os = stridesOf(outShape);
  const rec = (d: number, ai: number, bi: number, oi: number) => {
    const n = outShape[d];
    const sa = as[d];
    const sb = bs[d];
    if (d === rank - 1) {
      for (let i = 0; i < n; i++) out[oi + i] = f(av[ai + i * sa], bv[bi + i * sb]);
      return;
    }
    for (let i = 0; i < n; i++) rec(d + 1, ai + i * sa, bi + i * sb, oi + i * os[d]);
  };
  rec(0, 0, 0, 0);
}

/** Elementwise f over a and b broadcast, the output of dtype `dt(upcast dtype)`. */
function binary(name: string, a: unknown, b: unknown, f: Bin, outDtype?: (d: DataType) => DataType, inDtype?: DataType): Tensor {
  const A = asTensor(a, 'a', name, inDtype);
  const B = asTensor(b, 'b', name, inDtype);
  if (inDtype) {
    if (A.dtype !== inDtype) throw new ValueError(`Argument 'a' passed to '${name}' must be ${inDtype} tensor, but got ${A.dtype} tensor`);
    if (B.dtype !== inDtype) throw new ValueError(`Argument 'b' passed to '${name}' must be ${inDtype} tensor, but got ${B.dtype} tensor`);
  }
  const d = upcast(A.dtype, B.dtype);
  const od = outDtype ? outDtype(d) : d;
  const shape = broadcastShapes(A.shape, B.shape);
  const out = makeArray(od, sizeOf(shape));
  const av = A.values;
  const bv = B.values;
  if (A.size === out.length && B.size === out.length) {
    for (let i = 0; i < out.length; i++) out[i] = f(av[i], bv[i]);
  } else if (B.size === 1 && A.size === out.length) {
    const y = bv[0];
    for (let i = 0; i < out.length; i++) out[i] = f(av[i], y);
  } else {
    binaryInto(out, av, bv, shape, broadcastStrides(A.shape, shape), broadcastStrides(B.shape, shape), f);
  }
  return make(out, shape, od);
}

function unary(name: string, x: unknown, f: Un, outDtype?: DataType | ((d: DataType) => DataType)): Tensor {
  const X = asTensor(x, 'x', name);
  const od = typeof outDtype === 'function' ? outDtype(X.dtype) : outDtype ?? X.dtype;
  const v = X.values;
  const out = makeArray(od, v.length);
  for (let i = 0; i < v.length; i++) out[i] = f(v[i]);
  return make(out, X.shape, od);
}

const toBool: (d: DataType) => DataType = () => 'bool';
const numeric = (d: DataType): DataType => (d === 'bool' ? 'int32' : d);
const float = 'float32';

// ---- arithmetic ----
export const add = (a: TensorLike, b: TensorLike) => binary('add', a, b, (x, y) => x + y, numeric);
export const sub = (a: TensorLike, b: TensorLike) => binary('sub', a, b, (x, y) => x - y, numeric);
export const mul = (a: TensorLike, b: TensorLike) => binary('mul', a, b, (x, y) => x * y, numeric);
export const floorDiv = (a: TensorLike, b: TensorLike) => binary('floorDiv', a, b, (x, y) => Math.floor(x / y), numeric);
export function div(a: TensorLike, b: TensorLike): Tensor {
  const A = asTensor(a, 'a', 'div');
  const B = asTensor(b, 'b', 'div');
  if (A.dtype === 'int32' && B.dtype === 'int32') return floorDiv(A, B);
  return binary('div', A, B, (x, y) => x / y, () => float);
}
export const divNoNan = (a: TensorLike, b: TensorLike) => binary('divNoNan', a, b, (x, y) => (y === 0 ? 0 : x / y), () => float);
export const mod = (a: TensorLike, b: TensorLike) => binary('mod', a, b, (x, y) => {
  const r = x % y;
  return (x < 0 && y < 0) || (x >= 0 && y >= 0) ? r : (r + y) % y;
}, numeric);
export const pow = (a: TensorLike, b: TensorLike) => binary('pow', a, b, (x, y) => x ** y, numeric);
export const maximum = (a: TensorLike, b: TensorLike) => binary('maximum', a, b, (x, y) => (x > y || Number.isNaN(x) ? x : y), numeric);
export const minimum = (a: TensorLike, b: TensorLike) => binary('minimum', a, b, (x, y) => (x < y || Number.isNaN(x) ? x : y), numeric);
export const squaredDifference = (a: TensorLike, b: TensorLike) => binary('squaredDifference', a, b, (x, y) => (x - y) * (x - y), numeric);
export const atan2 = (a: TensorLike, b: TensorLike) => binary('atan2', a, b, Math.atan2, () => float);

export const neg = (x: TensorLike) => unary('neg', x, (v) => -v, numeric);
export const abs = (x: TensorLike) => unary('abs', x, Math.abs, numeric);
export const square = (x: TensorLike) => unary('square', x, (v) => v * v, numeric);
export const sqrt = (x: TensorLike) => unary('sqrt', x, Math.sqrt, float);
export const rsqrt = (x: TensorLike) => unary('rsqrt', x, (v) => 1 / Math.sqrt(v), float);
export const exp = (x: TensorLike) => unary('exp', x, Math.exp, float);
export const expm1 = (x: TensorLike) => unary('expm1', x, Math.expm1, float);
export const log = (x: TensorLike) => unary('log', x, Math.log, float);
export const log1p = (x: TensorLike) => unary('log1p', x, Math.log1p, float);
export const floor = (x: TensorLike) => unary('floor', x, Math.floor, float);
export const ceil = (x: TensorLike) => unary('ceil', x, Math.ceil, float);
export const round = (x: TensorLike) => unary('round', x, (v) => {
  // banker's rounding, as TF.js
  const f = Math.floor(v);
  const d = v - f;
  return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
}, float);
export const sign = (x: TensorLike) => unary('sign', x, (v) => (v > 0 ? 1 : v < 0 ? -1 : 0), numeric);
export const reciprocal = (x: TensorLike) => unary('reciprocal', x, (v) => 1 / v, float);
export const sin = (x: TensorLike) => unary('sin', x, Math.sin, float);
export const cos = (x: TensorLike) => unary('cos', x, Math.cos, float);
export const tan = (x: TensorLike) => unary('tan', x, Math.tan, float);
export function clipByValue(x: TensorLike, lo: number, hi: number): Tensor {
  if (!(lo <= hi)) throw new ValueError(`Error in clip: min (${lo}) must be less than or equal to max (${hi}).`);
  return unary('clipByValue', x, (v) => (v < lo ? lo : v > hi ? hi : v));
}
export const isNaNOp = (x: TensorLike) => unary('isNaN', x, (v) => (Number.isNaN(v) ? 1 : 0), toBool);
export const isFiniteOp = (x: TensorLike) => unary('isFinite', x, (v) => (Number.isFinite(v) ? 1 : 0), toBool);
export const isInf = (x: TensorLike) => unary('isInf', x, (v) => (v === Infinity || v === -Infinity ? 1 : 0), toBool);

// ---- activations ----
export const relu = (x: TensorLike) => unary('relu', x, (v) => (v < 0 ? 0 : v), numeric);
export const relu6 = (x: TensorLike) => unary('relu6', x, (v) => (v < 0 ? 0 : v > 6 ? 6 : v), numeric);
export const elu = (x: TensorLike) => unary('elu', x, (v) => (v >= 0 ? v : Math.exp(v) - 1), float);
export const selu = (x: TensorLike) => unary('selu', x, (v) => 1.0507009873554805 * (v >= 0 ? v : 1.6732632423543772 * (Math.exp(v) - 1)), float);
export const leakyRelu = (x: TensorLike, alpha = 0.2) => unary('leakyRelu', x, (v) => (v < 0 ? alpha * v : v), float);
export const sigmoid = (x: TensorLike) => unary('sigmoid', x, (v) => 1 / (1 + Math.exp(-v)), float);
export const tanh = (x: TensorLike) => unary('tanh', x, Math.tanh, float);
export const softplus = (x: TensorLike) => unary('softplus', x, (v) => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v))), float);
export const logSigmoid = (x: TensorLike) => unary('logSigmoid', x, (v) => -(v < 0 ? -v + Math.log1p(Math.exp(v)) : Math.log1p(Math.exp(-v))), float);

function lastAxis(name: string, X: Tensor, dim: number | undefined): void {
  const d = dim ?? -1;
  if (d !== -1 && d !== X.rank - 1) {
    throw new ValueError(`${name} along a non-last dimension is not yet supported. Logits was rank ${X.rank} and dim was ${d}`);
  }
  if (X.rank === 0) throw new ValueError(`${name}: the input must have rank ≥ 1, got a scalar`);
}
export function softmax(logits: TensorLike, dim?: number): Tensor {
  const X = asTensor(logits, 'logits', 'softmax', 'float32');
  lastAxis('Softmax', X, dim);
  const n = X.shape[X.rank - 1];
  const v = X.values;
  const out = new Float32Array(v.length);
  for (let r = 0; r < v.length; r += n) {
    let m = -Infinity;
    for (let i = 0; i < n; i++) if (v[r + i] > m) m = v[r + i];
    let s = 0;
    for (let i = 0; i < n; i++) s += (out[r + i] = Math.exp(v[r + i] - m));
    for (let i = 0; i < n; i++) out[r + i] /= s;
  }
  return make(out, X.shape, float);
}
export function logSoftmax(logits: TensorLike, axis?: number): Tensor {
  const X = asTensor(logits, 'logits', 'logSoftmax', 'float32');
  lastAxis('logSoftmax', X, axis);
  const n = X.shape[X.rank - 1];
  const v = X.values;
  const out = new Float32Array(v.length);
  for (let r = 0; r < v.length; r += n) {
    let m = -Infinity;
    for (let i = 0; i < n; i++) if (v[r + i] > m) m = v[r + i];
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.exp(v[r + i] - m);
    const ls = Math.log(s);
    for (let i = 0; i < n; i++) out[r + i] = v[r + i] - m - ls;
  }
  return make(out, X.shape, float);
}

// ---- comparisons and logic ----
export const equal = (a: TensorLike, b: TensorLike) => binary('equal', a, b, (x, y) => (x === y ? 1 : 0), toBool);
export const notEqual = (a: TensorLike, b: TensorLike) => binary('notEqual', a, b, (x, y) => (x !== y ? 1 : 0), toBool);
export const greater = (a: TensorLike, b: TensorLike) => binary('greater', a, b, (x, y) => (x > y ? 1 : 0), toBool);
export const greaterEqual = (a: TensorLike, b: TensorLike) => binary('greaterEqual', a, b, (x, y) => (x >= y ? 1 : 0), toBool);
export const less = (a: TensorLike, b: TensorLike) => binary('less', a, b, (x, y) => (x < y ? 1 : 0), toBool);
export const lessEqual = (a: TensorLike, b: TensorLike) => binary('lessEqual', a, b, (x, y) => (x <= y ? 1 : 0), toBool);
export const logicalAnd = (a: TensorLike, b: TensorLike) => binary('logicalAnd', a, b, (x, y) => (x && y ? 1 : 0), toBool, 'bool');
export const logicalOr = (a: TensorLike, b: TensorLike) => binary('logicalOr', a, b, (x, y) => (x || y ? 1 : 0), toBool, 'bool');
export const logicalXor = (a: TensorLike, b: TensorLike) => binary('logicalXor', a, b, (x, y) => (!x !== !y ? 1 : 0), toBool, 'bool');
export function logicalNot(x: TensorLike): Tensor {
  const X = asTensor(x, 'x', 'logicalNot', 'bool');
  if (X.dtype !== 'bool') throw new ValueError(`Argument 'x' passed to 'logicalNot' must be bool tensor, but got ${X.dtype} tensor`);
  return unary('logicalNot', X, (v) => (v ? 0 : 1), toBool);
}

/** Elements of a where condition holds, else of b (all three broadcast). */
export function where(condition: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  const C = asTensor(condition, 'condition', 'where', 'bool');
  const A = asTensor(a, 'a', 'where');
  const B = asTensor(b, 'b', 'where');
  if (C.dtype !== 'bool') throw new ValueError(`Argument 'condition' passed to 'where' must be bool tensor, but got ${C.dtype} tensor`);
  if (A.dtype !== B.dtype) throw new ValueError(`The dtypes of the first(${A.dtype}) and second(${B.dtype}) input must match`);
  const shape = broadcastShapes(broadcastShapes(C.shape, A.shape), B.shape);
  const n = sizeOf(shape);
  const ci = indexMap(C.shape, shape);
  const ai = indexMap(A.shape, shape);
  const bi = indexMap(B.shape, shape);
  const out = makeArray(A.dtype, n);
  const cv = C.values;
  const av = A.values;
  const bv = B.values;
  for (let i = 0; i < n; i++) out[i] = cv[ci(i)] ? av[ai(i)] : bv[bi(i)];
  return make(out, shape, A.dtype);
}

/** For each flat index of `out`, the flat index of `shape` broadcast to it. */
function indexMap(shape: readonly number[], out: readonly number[]): (i: number) => number {
  if (sizeOf(shape) === sizeOf(out)) return (i) => i;
  if (sizeOf(shape) === 1) return () => 0;
  const bs = broadcastStrides(shape, out);
  const os = stridesOf(out);
  return (i) => {
    let at = 0;
    for (let d = 0; d < out.length; d++) {
      const c = Math.floor(i / os[d]) % out[d];
      at += c * bs[d];
    }
    return at;
  };
}

// ---- axes ----
export function parseAxes(axis: number | number[] | undefined | null, rank: number): number[] {
  const list = axis === undefined || axis === null ? Array.from({ length: rank }, (_, i) => i) : Array.isArray(axis) ? axis : [axis];
  for (const a of list) {
    if (!Number.isInteger(a) || a < -rank || a >= Math.max(rank, 1) || (rank === 0 && a !== 0 && a !== -1)) {
      throw new ValueError(`All values in axis param must be in range [-${rank}, ${rank}) but got axis ${axis}`);
    }
  }
  return list.map((a) => (a < 0 ? a + rank : a)).filter((a) => a < rank);
}

export function transposeValues(v: TypedArray, shape: readonly number[], perm: readonly number[], dtype: DataType): TypedArray {
  const rank = shape.length;
  const out = makeArray(dtype, v.length);
  if (v.length === 0) return out;
  const is = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  const ps = perm.map((p) => is[p]);
  let o = 0;
  const rec = (d: number, at: number) => {
    const n = outShape[d];
    const s = ps[d];
    if (d === rank - 1) {
      for (let i = 0; i < n; i++) out[o++] = v[at + i * s];
      return;
    }
    for (let i = 0; i < n; i++) rec(d + 1, at + i * s);
  };
  if (rank === 0) out[0] = v[0];
  else rec(0, 0);
  return out;
}

/** Values with the reduced axes moved last: [outer rows × inner] and the kept shape. */
function forReduce(X: Tensor, axes: number[]): { v: TypedArray; outer: number; inner: number; kept: number[] } {
  const rank = X.rank;
  const keptAxes = [...Array(rank).keys()].filter((a) => !axes.includes(a));
  const perm = [...keptAxes, ...[...axes].sort((a, b) => a - b)];
  const trailing = perm.every((p, i) => p === i);
  const v = trailing ? X.values : transposeValues(X.values, X.shape, perm, X.dtype);
  const kept = keptAxes.map((a) => X.shape[a]);
  const inner = sizeOf(axes.map((a) => X.shape[a]));
  return { v, outer: sizeOf(kept), inner, kept };
}

function reduceShape(X: Tensor, axes: number[], kept: number[], keepDims: boolean): number[] {
  return keepDims ? X.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : kept;
}

function reduce(name: string, x: unknown, axis: number | number[] | undefined | null, keepDims: boolean | undefined,
  init: number, step: (acc: number, v: number) => number, finish: ((acc: number, n: number) => number) | null, outDtype: (d: DataType) => DataType, inDtype?: DataType): Tensor {
  const X = asTensor(x, 'x', name, inDtype);
  if (inDtype && X.dtype !== inDtype) throw new ValueError(`Argument 'x' passed to '${name}' must be ${inDtype} tensor, but got ${X.dtype} tensor`);
  const axes = parseAxes(axis, X.rank);
  const { v, outer, inner, kept } = forReduce(X, axes);
  const od = outDtype(X.dtype);
  const out = makeArray(od, outer);
  for (let o = 0; o < outer; o++) {
    let acc = init;
    const base = o * inner;
    for (let i = 0; i < inner; i++) acc = step(acc, v[base + i]);
    out[o] = finish ? finish(acc, inner) : acc;
  }
  return make(out, reduceShape(X, axes, kept, keepDims ?? false), od);
}

type Axis = number | number[] | undefined | null;
export const sum = (x: TensorLike, axis?: Axis, keepDims?: boolean) => reduce('sum', x, axis, keepDims, 0, (a, v) => a + v, null, numeric);
export const prod = (x: TensorLike, axis?: Axis, keepDims?: boolean) => reduce('prod', x, axis, keepDims, 1, (a, v) => a * v, null, numeric);
export const mean = (x: TensorLike, axis?: Axis, keepDims?: boolean) => reduce('mean', x, axis, keepDims, 0, (a, v) => a + v, (a, n) => a / n, () => float);
export function max(x: TensorLike, axis?: Axis, keepDims?: boolean): Tensor {
  return reduce('max', x, axis, keepDims, -Infinity, (a, v) => (v > a || Number.isNaN(v) ? v : a), null, (d) => d);
}
export function min(x: TensorLike, axis?: Axis, keepDims?: boolean): Tensor {
  return reduce('min', x, axis, keepDims, Infinity, (a, v) => (v < a || Number.isNaN(v) ? v : a), null, (d) => d);
}
export const any = (x: TensorLike, axis?: Axis, keepDims?: boolean) => reduce('any', x, axis, keepDims, 0, (a, v) => (a || v ? 1 : 0), null, toBool, 'bool');
export const all = (x: TensorLike, axis?: Axis, keepDims?: boolean) => reduce('all', x, axis, keepDims, 1, (a, v) => (a && v ? 1 : 0), null, toBool, 'bool');
export function logSumExp(x: TensorLike, axis?: Axis, keepDims?: boolean): Tensor {
  const X = asTensor(x, 'x', 'logSumExp');
  const m = max(X, axis, true);
  const s = sum(exp(sub(X, m)), axis, true);
  const r = add(log(s), m);
  return keepDims ? r : reshape(r, reduceShape(X, parseAxes(axis, X.rank), X.shape.filter((_, i) => !parseAxes(axis, X.rank).includes(i)), false));
}

function argReduce(name: string, x: unknown, axis: number | undefined, better: (v: number, best: number) => boolean): Tensor {
  const X = asTensor(x, 'x', name);
  const axes = parseAxes(axis ?? 0, X.rank);
  const { v, outer, inner, kept } = forReduce(X, axes);
  const out = new Int32Array(outer);
  for (let o = 0; o < outer; o++) {
    const base = o * inner;
    let best = v[base];
    let at = 0;
    for (let i = 1; i < inner; i++) {
      if (better(v[base + i], best)) {
        best = v[base + i];
        at = i;
      }
    }
    out[o] = at;
  }
  return make(out, kept, 'int32');
}
export const argMax = (x: TensorLike, axis?: number) => argReduce('argMax', x, axis, (v, b) => v > b);
export const argMin = (x: TensorLike, axis?: number) => argReduce('argMin', x, axis, (v, b) => v < b);

/** Mean and variance over the axes (tf.moments). */
export function moments(x: TensorLike, axis?: Axis, keepDims = false): { mean: Tensor; variance: Tensor } {
  const X = asTensor(x, 'x', 'moments');
  const m = mean(X, axis, true);
  const variance = mean(squaredDifference(X, m), axis, keepDims);
  return { mean: keepDims ? m : mean(X, axis, false), variance };
}

/** Vector and Frobenius norms (tf.norm). */
export function norm(x: TensorLike, ord: number | 'euclidean' | 'fro' = 'euclidean', axis?: Axis, keepDims = false): Tensor {
  const X = asTensor(x, 'x', 'norm');
  if (X.rank === 0) return abs(X);
  const axes = parseAxes(axis, X.rank);
  const flat = axis === undefined || axis === null;
  if (flat || axes.length === 1) {
    const v = flat ? reshape(X, [X.size]) : X;
    const ax = flat ? 0 : axes;
    let r: Tensor;
    if (ord === 'euclidean' || ord === 2) r = sqrt(sum(square(v), ax));
    else if (ord === 1) r = sum(abs(v), ax);
    else if (ord === Infinity) r = max(abs(v), ax);
    else if (ord === -Infinity) r = min(abs(v), ax);
    else throw new ValueError(`Error in norm: invalid ord value: ${ord}`);
    return keepDims ? reshape(r, X.shape.map((d, i) => (flat || axes.includes(i) ? 1 : d))) : r;
  }
  if (axes.length !== 2) throw new ValueError(`Error in norm: invalid axis: ${axis}`);
  const [r0, c0] = axes;
  let r: Tensor;
  if (ord === 'euclidean' || ord === 'fro') r = sqrt(sum(square(X), axes));
  else if (ord === 1 || ord === -1) r = (ord === 1 ? max : min)(sum(abs(X), r0), c0 - (c0 > r0 ? 1 : 0));
  else if (ord === Infinity || ord === -Infinity) r = (ord === Infinity ? max : min)(sum(abs(X), c0), r0 - (r0 > c0 ? 1 : 0));
  else throw new ValueError(`Error in norm: invalid ord value: ${ord}`);
  return keepDims ? reshape(r, X.shape.map((d, i) => (axes.includes(i) ? 1 : d))) : r;
}

export function cumsum(x: TensorLike, axis = 0, exclusive = false, reverseIt = false): Tensor {
  const X = asTensor(x, 'x', 'cumsum');
  const [a] = parseAxes(axis, X.rank);
  const od = numeric(X.dtype);
  const out = makeArray(od, X.size);
  const n = X.shape[a];
  const inner = sizeOf(X.shape.slice(a + 1));
  const outer = sizeOf(X.shape.slice(0, a));
  const v = X.values;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let acc = 0;
      for (let k = 0; k < n; k++) {
        const i = reverseIt ? n - 1 - k : k;
        const at = (o * n + i) * inner + j;
        if (exclusive) {
          out[at] = acc;
          acc += v[at];
        } else out[at] = acc += v[at];
      }
    }
  }
  return make(out, X.shape, od);
}

// ---- casts and shapes ----
export function cast(x: TensorLike, dtype: DataType): Tensor {
  const X = asTensor(x, 'x', 'cast');
  const d = checkDtype(dtype);
  const v = X.values;
  if (d === X.dtype) return make(v.slice(), X.shape, d);
  if (d === 'int32') {
    const out = new Int32Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = Math.trunc(v[i]);
    return make(out, X.shape, d);
  }
  return make(toDtype(v, d), X.shape, d);
}

export function reshape(x: TensorLike, shape: number[]): Tensor {
  const X = asTensor(x, 'x', 'reshape');
  if (!Array.isArray(shape)) throw new ShapeError(`reshape: shape must be an array, got ${JSON.stringify(shape)}`);
  const s = shape.slice();
  const inferred = s.indexOf(-1);
  if (s.filter((d) => d === -1).length > 1) throw new ShapeError(`Shapes can only have 1 implicit size. Found -1 at dim ${inferred} and dim ${s.lastIndexOf(-1)}`);
  if (inferred >= 0) {
    const rest = sizeOf(s.filter((d) => d !== -1));
    if (rest === 0 || X.size % rest !== 0) throw new ShapeError(`The implicit shape can't be a fractional number. Got ${X.size} / ${rest}`);
    s[inferred] = X.size / rest;
  }
  if (s.some((d) => !Number.isInteger(d) || d < 0)) throw new ShapeError(`reshape: invalid shape [${shape}]`);
  if (sizeOf(s) !== X.size) throw new ShapeError(`Size(${X.size}) must match the product of shape ${shape}`);
  return make(X.values.slice(), s, X.dtype);
}

export function expandDims(x: TensorLike, axis = 0): Tensor {
  const X = asTensor(x, 'x', 'expandDims');
  if (axis < -(X.rank + 1) || axis > X.rank) throw new ValueError('Axis must be <= rank of the tensor');
  const a = axis < 0 ? X.rank + 1 + axis : axis;
  const s = X.shape.slice();
  s.splice(a, 0, 1);
  return make(X.values.slice(), s, X.dtype);
}

export function squeeze(x: TensorLike, axis?: number[]): Tensor {
  const X = asTensor(x, 'x', 'squeeze');
  const axes = axis === undefined ? null : parseAxes(axis, X.rank);
  const s: number[] = [];
  X.shape.forEach((d, i) => {
    if (axes === null ? d !== 1 : !axes.includes(i)) s.push(d);
    else if (d !== 1) throw new ValueError(`Can't squeeze axis ${i} since its dim '${d}' is not 1`);
  });
  return make(X.values.slice(), s, X.dtype);
}

export function transpose(x: TensorLike, perm?: number[]): Tensor {
  const X = asTensor(x, 'x', 'transpose');
  const p = perm ?? X.shape.map((_, i) => X.rank - 1 - i);
  if (p.length !== X.rank) throw new ValueError(`Error in transpose: rank of input ${X.rank} must match length of perm ${p}.`);
  for (const a of p) if (!(a >= 0 && a < X.rank)) throw new ValueError(`All entries in 'perm' must be between 0 and ${X.rank - 1} but got ${p}`);
  return make(transposeValues(X.values, X.shape, p, X.dtype), p.map((a) => X.shape[a]), X.dtype);
}

export function concat(tensors: TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ValueError('concat requires at least one tensor');
  const T = tensors.map((t, i) => asTensor(t, `tensors[${i}]`, 'concat'));
  const rank = T[0].rank;
  if (rank === 0) throw new ValueError('concat: scalars cannot be concatenated (rank 0)');
  const [a] = parseAxes(axis, rank);
  const dtype = T.reduce<DataType>((d, t) => upcast(d, t.dtype), T[0].dtype);
  for (const t of T) {
    if (t.rank !== rank) throw new ShapeError(`Error in concat${rank}D: rank of tensors[${T.indexOf(t)}] must be the same as the rank of the rest (${rank})`);
    for (let d = 0; d < rank; d++) {
      if (d !== a && t.shape[d] !== T[0].shape[d]) {
        throw new ShapeError(`Error in concat${rank}D: Shape of tensors[${T.indexOf(t)}] (${t.shape}) does not match the shape of the rest (${T[0].shape}) along the non-concatenated axis ${d}.`);
      }
    }
  }
  const shape = T[0].shape.slice();
  shape[a] = T.reduce((s, t) => s + t.shape[a], 0);
  const outer = sizeOf(shape.slice(0, a));
  const out = makeArray(dtype, sizeOf(shape));
  let at = 0;
  for (let o = 0; o < outer; o++) {
    for (const t of T) {
      const chunk = sizeOf(t.shape.slice(a));
      const v = t.values;
      for (let i = 0; i < chunk; i++) out[at++] = v[o * chunk + i];
    }
  }
  return make(out, shape, dtype);
}

export function stack(tensors: TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ValueError('Pass at least one tensor to tf.stack');
  const T = tensors.map((t, i) => asTensor(t, `tensors[${i}]`, 'stack'));
  for (const t of T) {
    if (t.shape.length !== T[0].shape.length || t.shape.some((d, i) => d !== T[0].shape[i])) {
      throw new ShapeError('All tensors passed to stack must have matching shapes');
    }
  }
  if (axis < -(T[0].rank + 1) || axis > T[0].rank) throw new ValueError('Axis must be <= rank of the tensor');
  const a = axis < 0 ? T[0].rank + 1 + axis : axis;
  if (T[0].rank === 0) return reshape(concat(T.map((t) => reshape(t, [1])), 0), [T.length]);
  return concat(T.map((t) => expandDims(t, a)), a);
}

export function unstack(x: TensorLike, axis = 0): Tensor[] {
  const X = asTensor(x, 'x', 'unstack');
  if (axis < -X.rank || axis >= X.rank) throw new ValueError(`Axis = ${axis} is not in [-${X.rank}, ${X.rank})`);
  const a = axis < 0 ? axis + X.rank : axis;
  const n = X.shape[a];
  const rest = X.shape.filter((_, i) => i !== a);
  const out: Tensor[] = [];
  for (let i = 0; i < n; i++) {
    const begin = X.shape.map((_, d) => (d === a ? i : 0));
    const size = X.shape.map((s, d) => (d === a ? 1 : s));
    out.push(reshape(slice(X, begin, size), rest));
  }
  return out;
}

function sliceValues(X: Tensor, begin: number[], size: number[]): TypedArray {
  const out = makeArray(X.dtype, sizeOf(size));
  if (out.length === 0) return out;
  const st = stridesOf(X.shape);
  const v = X.values;
  const rank = X.rank;
  let o = 0;
  const rec = (d: number, at: number) => {
    if (d === rank - 1) {
      const from = at + begin[d];
      for (let i = 0; i < size[d]; i++) out[o++] = v[from + i];
      return;
    }
    for (let i = 0; i < size[d]; i++) rec(d + 1, at + (begin[d] + i) * st[d]);
  };
  if (rank === 0) out[0] = v[0];
  else rec(0, 0);
  return out;
}

export function slice(x: TensorLike, begin: number | number[], size?: number | number[]): Tensor {
  const X = asTensor(x, 'x', 'slice');
  if (X.rank === 0) throw new ValueError('Slicing scalar is not possible');
  const b = typeof begin === 'number' ? [begin, ...new Array(X.rank - 1).fill(0)] : begin.length < X.rank ? [...begin, ...new Array(X.rank - begin.length).fill(0)] : begin.slice();
  let s: number[];
  if (size === undefined) s = new Array(X.rank).fill(-1);
  else if (typeof size === 'number') s = [size, ...new Array(X.rank - 1).fill(-1)];
  else s = size.length < X.rank ? [...size, ...new Array(X.rank - size.length).fill(-1)] : size.slice();
  s = s.map((d, i) => (d === -1 ? X.shape[i] - b[i] : d));
  for (let i = 0; i < X.rank; i++) {
    if (b[i] < 0 || b[i] + s[i] > X.shape[i] || s[i] < 0) {
      throw new ValueError(`Error in slice${X.rank}D: begin[${i}] + size[${i}] (${b[i] + s[i]}) would overflow input.shape[${i}] (${X.shape[i]})`);
    }
  }
  return make(sliceValues(X, b, s), s, X.dtype);
}

export function split(x: TensorLike, numOrSizeSplits: number | number[], axis = 0): Tensor[] {
  const X = asTensor(x, 'x', 'split');
  const [a] = parseAxes(axis, X.rank);
  let sizes: number[];
  if (typeof numOrSizeSplits === 'number') {
    if (X.shape[a] % numOrSizeSplits !== 0) throw new ValueError('Number of splits must evenly divide the axis.');
    sizes = new Array(numOrSizeSplits).fill(X.shape[a] / numOrSizeSplits);
  } else {
    sizes = numOrSizeSplits.slice();
    const neg = sizes.filter((d) => d === -1).length;
    if (neg > 1) throw new ValueError('There should be only one negative value in split array.');
    if (neg === 1) sizes[sizes.indexOf(-1)] = X.shape[a] - sizes.reduce((p, d) => (d === -1 ? p : p + d), 0);
    if (sizes.reduce((p, d) => p + d, 0) !== X.shape[a]) throw new ValueError('The sum of sizes must match the size of the axis dimension.');
  }
  const out: Tensor[] = [];
  let at = 0;
  for (const s of sizes) {
    const begin = X.shape.map((_, d) => (d === a ? at : 0));
    const size = X.shape.map((dim, d) => (d === a ? s : dim));
    out.push(slice(X, begin, size));
    at += s;
  }
  return out;
}

export function gather(x: TensorLike, indices: TensorLike, axis = 0, batchDims = 0): Tensor {
  const X = asTensor(x, 'x', 'gather');
  const I = asTensor(indices, 'indices', 'gather', 'int32');
  if (I.dtype !== 'int32') throw new ValueError(`Argument 'indices' passed to 'gather' must be int32 tensor, but got ${I.dtype} tensor`);
  if (batchDims !== 0) throw new ValueError('gather: batchDims other than 0 are not provided by neurite/tfjs');
  const [a] = parseAxes(axis, X.rank);
  const outer = sizeOf(X.shape.slice(0, a));
  const n = X.shape[a];
  const inner = sizeOf(X.shape.slice(a + 1));
  const iv = I.values;
  const out = makeArray(X.dtype, outer * iv.length * inner);
  const v = X.values;
  let o = 0;
  for (let p = 0; p < outer; p++) {
    for (let k = 0; k < iv.length; k++) {
      const idx = iv[k];
      if (idx < 0 || idx >= n) throw new ValueError(`GatherV2: the index value ${idx} is not in [0, ${n - 1}]`);
      const from = (p * n + idx) * inner;
      for (let i = 0; i < inner; i++) out[o++] = v[from + i];
    }
  }
  return make(out, [...X.shape.slice(0, a), ...I.shape, ...X.shape.slice(a + 1)], X.dtype);
}

export function tile(x: TensorLike, reps: number[]): Tensor {
  const X = asTensor(x, 'x', 'tile');
  if (reps.length !== X.rank) throw new ValueError(`Error in transpose: rank of input ${X.rank} must match length of reps ${reps}.`);
  const shape = X.shape.map((d, i) => d * reps[i]);
  const n = sizeOf(shape);
  const out = makeArray(X.dtype, n);
  const os = stridesOf(shape);
  const is = stridesOf(X.shape);
  const v = X.values;
  for (let i = 0; i < n; i++) {
    let at = 0;
    for (let d = 0; d < shape.length; d++) at += (Math.floor(i / os[d]) % shape[d] % X.shape[d]) * is[d];
    out[i] = v[at];
  }
  return make(out, shape, X.dtype);
}

export function pad(x: TensorLike, paddings: [number, number][], constantValue = 0): Tensor {
  const X = asTensor(x, 'x', 'pad');
  if (X.rank === 0) throw new ValueError('pad(scalar) is not defined. Pass non-scalar to pad');
  if (paddings.length !== X.rank) throw new ValueError(`pad: paddings must have ${X.rank} pairs, got ${paddings.length}`);
  const shape = X.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
  const out = makeArray(X.dtype, sizeOf(shape));
  out.fill(constantValue);
  const os = stridesOf(shape);
  const is = stridesOf(X.shape);
  const v = X.values;
  for (let i = 0; i < v.length; i++) {
    let at = 0;
    for (let d = 0; d < X.rank; d++) at += (Math.floor(i / is[d]) % X.shape[d] + paddings[d][0]) * os[d];
    out[at] = v[i];
  }
  return make(out, shape, X.dtype);
}

export function reverse(x: TensorLike, axis?: number | number[]): Tensor {
  const X = asTensor(x, 'x', 'reverse');
  const axes = parseAxes(axis, X.rank);
  const st = stridesOf(X.shape);
  const out = makeArray(X.dtype, X.size);
  const v = X.values;
  for (let i = 0; i < v.length; i++) {
    let at = 0;
    for (let d = 0; d < X.rank; d++) {
      const c = Math.floor(i / st[d]) % X.shape[d];
      at += (axes.includes(d) ? X.shape[d] - 1 - c : c) * st[d];
    }
    out[i] = v[at];
  }
  return make(out, X.shape, X.dtype);
}

// ---- products ----
export function matMul(a: TensorLike, b: TensorLike, transposeA = false, transposeB = false): Tensor {
  const A = asTensor(a, 'a', 'matMul');
  const B = asTensor(b, 'b', 'matMul');
  if (A.dtype !== B.dtype) throw new ValueError(`The dtypes of the first(${A.dtype}) and second(${B.dtype}) input must match`);
  if (A.rank < 2 || B.rank < 2) throw new ValueError(`Error in matMul: inputs must have rank >= 2, got ranks ${A.rank} and ${B.rank}.`);
  const [m, kA] = transposeA ? [A.shape[A.rank - 1], A.shape[A.rank - 2]] : [A.shape[A.rank - 2], A.shape[A.rank - 1]];
  const [kB, n] = transposeB ? [B.shape[B.rank - 1], B.shape[B.rank - 2]] : [B.shape[B.rank - 2], B.shape[B.rank - 1]];
  if (kA !== kB) {
    throw new ShapeError(`Error in matMul: inner shapes (${kA}) and (${kB}) of Tensors with shapes ${A.shape} and ${B.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  }
  const batch = broadcastShapes(A.shape.slice(0, -2), B.shape.slice(0, -2));
  const nb = sizeOf(batch);
  const dtype = A.dtype === 'bool' ? 'int32' : A.dtype;
  const out = makeArray(dtype, nb * m * n);
  const ai = indexMap(A.shape.slice(0, -2), batch);
  const bi = indexMap(B.shape.slice(0, -2), batch);
  const av = A.values;
  const bv = B.values;
  const k = kA;
  const acc = new Float64Array(n);
  for (let t = 0; t < nb; t++) {
    const ao = ai(t) * m * k;
    const bo = bi(t) * k * n;
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      for (let p = 0; p < k; p++) {
        const x = av[ao + (transposeA ? p * m + i : i * k + p)];
        if (x === 0) continue;
        if (transposeB) for (let j = 0; j < n; j++) acc[j] += x * bv[bo + j * k + p];
        else {
          const row = bo + p * n;
          for (let j = 0; j < n; j++) acc[j] += x * bv[row + j];
        }
      }
      out.set(acc, (t * m + i) * n);
    }
  }
  return make(out, [...batch, m, n], dtype);
}

export function dot(a: TensorLike, b: TensorLike): Tensor {
  const A = asTensor(a, 't1', 'dot');
  const B = asTensor(b, 't2', 'dot');
  if ((A.rank !== 1 && A.rank !== 2) || (B.rank !== 1 && B.rank !== 2)) {
    throw new ValueError(`Error in dot: inputs must all be rank 1 or 2, but got ranks ${A.rank} and ${B.rank}.`);
  }
  const k1 = A.rank === 1 ? A.size : A.shape[1];
  const k2 = B.rank === 1 ? B.size : B.shape[0];
  if (k1 !== k2) throw new ShapeError(`Error in dot: inner dimensions of inputs must match, but got ${k1} and ${k2}.`);
  const A2 = A.rank === 1 ? reshape(A, [1, k1]) : A;
  const B2 = B.rank === 1 ? reshape(B, [k2, 1]) : B;
  const r = matMul(A2, B2);
  if (A.rank === 1 && B.rank === 1) return reshape(r, []);
  if (A.rank === 1) return reshape(r, [B.shape[1]]);
  if (B.rank === 1) return reshape(r, [A.shape[0]]);
  return r;
}

export function outerProduct(a: TensorLike, b: TensorLike): Tensor {
  const A = asTensor(a, 'v1', 'outerProduct');
  const B = asTensor(b, 'v2', 'outerProduct');
  return matMul(reshape(A, [A.size, 1]), reshape(B, [1, B.size]));
}

// ---- selection ----
export function oneHot(indices: TensorLike, depth: number, onValue = 1, offValue = 0, dtype: DataType = 'int32'): Tensor {
  const I = asTensor(indices, 'indices', 'oneHot', 'int32');
  if (I.dtype !== 'int32') throw new ValueError(`Argument 'indices' passed to 'oneHot' must be int32 tensor, but got ${I.dtype} tensor`);
  if (!(depth >= 2)) throw new ValueError(`Error in oneHot: depth must be >=2, but it is ${depth}`);
  const d = checkDtype(dtype);
  const iv = I.values;
  const out = makeArray(d, iv.length * depth);
  out.fill(offValue);
  for (let i = 0; i < iv.length; i++) if (iv[i] >= 0 && iv[i] < depth) out[i * depth + iv[i]] = onValue;
  return make(out, [...I.shape, depth], d);
}

export function topk(x: TensorLike, k = 1, sorted = true): { values: Tensor; indices: Tensor } {
  const X = asTensor(x, 'x', 'topk');
  if (X.rank === 0) throw new ValueError('topk() expects the input to be of rank 1 or higher');
  const n = X.shape[X.rank - 1];
  if (k < 0) throw new ValueError(`'k' passed to topk() must be >= 0 but got ${k}`);
  if (k > n) throw new ValueError(`'k' passed to topk() must be <= the last dimension (${n}) but got ${k}`);
  const rows = n === 0 ? 0 : X.size / n;
  const vals = makeArray(X.dtype, rows * k);
  const idx = new Int32Array(rows * k);
  const v = X.values;
  const order = new Array<number>(n);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((p, q) => v[r * n + q] - v[r * n + p] || p - q);
    for (let i = 0; i < k; i++) {
      idx[r * k + i] = order[i];
      vals[r * k + i] = v[r * n + order[i]];
    }
  }
  void sorted;
  const shape = [...X.shape.slice(0, -1), k];
  return { values: make(vals, shape, X.dtype), indices: make(idx, shape, 'int32') };
}

/** Bilinear resizing of [h, w, c] or [n, h, w, c] images, with TF.js's coordinates (tf.image.resizeBilinear). */
export function resizeBilinear(images: TensorLike, size: [number, number], alignCorners = false, halfPixelCenters = false): Tensor {
  const X = asTensor(images, 'images', 'resizeBilinear');
  if (X.rank !== 3 && X.rank !== 4) throw new ValueError(`Error in resizeBilinear: x must be rank 3 or 4, but got rank ${X.rank}.`);
  if (!Array.isArray(size) || size.length !== 2) throw new ValueError(`Error in resizeBilinear: new shape must 2D, but got shape ${size}.`);
  if (halfPixelCenters && alignCorners) throw new ValueError('Error in resizeBilinear: If halfPixelCenters is true, alignCorners must be false.');
  const X4 = X.rank === 3 ? [1, ...X.shape] : X.shape;
  const [b, h, w, c] = X4;
  const [nh, nw] = size;
  const out = new Float32Array(b * nh * nw * c);
  const v = X.values;
  const scaleY = (alignCorners && nh > 1 ? h - 1 : h) / (alignCorners && nh > 1 ? nh - 1 : nh);
  const scaleX = (alignCorners && nw > 1 ? w - 1 : w) / (alignCorners && nw > 1 ? nw - 1 : nw);
  let o = 0;
  for (let n = 0; n < b; n++) {
    for (let y = 0; y < nh; y++) {
      const sy = halfPixelCenters ? scaleY * (y + 0.5) - 0.5 : scaleY * y;
      const top = Math.max(0, Math.floor(sy));
      const bottom = Math.min(h - 1, Math.ceil(sy));
      const fy = sy - Math.floor(sy);
      for (let x = 0; x < nw; x++) {
        const sx = halfPixelCenters ? scaleX * (x + 0.5) - 0.5 : scaleX * x;
        const left = Math.max(0, Math.floor(sx));
        const right = Math.min(w - 1, Math.ceil(sx));
        const fx = sx - Math.floor(sx);
        for (let ch = 0; ch < c; ch++) {
          const at = (r: number, q: number) => v[((n * h + r) * w + q) * c + ch];
          const tl = at(top, left);
          const tr = at(top, right);
          const bl = at(bottom, left);
          const br = at(bottom, right);
          const t = tl + (tr - tl) * fx;
          const bo = bl + (br - bl) * fx;
          out[o++] = t + (bo - t) * fy;
        }
      }
    }
  }
  return make(out, X.rank === 3 ? [nh, nw, c] : [b, nh, nw, c], float);
}

/** Nearest-neighbour resizing (tf.image.resizeNearestNeighbor). */
export function resizeNearestNeighbor(images: TensorLike, size: [number, number], alignCorners = false, halfPixelCenters = false): Tensor {
  const X = asTensor(images, 'images', 'resizeNearestNeighbor');
  if (X.rank !== 3 && X.rank !== 4) throw new ValueError(`Error in resizeNearestNeighbor: x must be rank 3 or 4, but got rank ${X.rank}.`);
  const X4 = X.rank === 3 ? [1, ...X.shape] : X.shape;
  const [b, h, w, c] = X4;
  const [nh, nw] = size;
  const out = makeArray(X.dtype, b * nh * nw * c);
  const v = X.values;
  const scaleY = (alignCorners && nh > 1 ? h - 1 : h) / (alignCorners && nh > 1 ? nh - 1 : nh);
  const scaleX = (alignCorners && nw > 1 ? w - 1 : w) / (alignCorners && nw > 1 ? nw - 1 : nw);
  const src = (i: number, scale: number, limit: number) => {
    const s = halfPixelCenters ? scale * (i + 0.5) : scale * i;
    return Math.min(limit - 1, halfPixelCenters ? Math.floor(s) : alignCorners ? Math.round(s) : Math.floor(s));
  };
  let o = 0;
  for (let n = 0; n < b; n++) {
    for (let y = 0; y < nh; y++) {
      const sy = src(y, scaleY, h);
      for (let x = 0; x < nw; x++) {
        const sx = src(x, scaleX, w);
        for (let ch = 0; ch < c; ch++) out[o++] = v[((n * h + sy) * w + sx) * c + ch];
      }
    }
  }
  return make(out, X.rank === 3 ? [nh, nw, c] : [b, nh, nw, c], X.dtype);
}

/** tf.image */
export const image = { resizeBilinear, resizeNearestNeighbor };

Object.assign(OPS, {
  add, sub, mul, div, divNoNan, floorDiv, mod, pow, maximum, minimum, squaredDifference, neg, abs, square, sqrt, rsqrt,
  exp, expm1, log, log1p, floor, ceil, round, sign, reciprocal, sin, cos, clipByValue, relu, relu6, elu, selu, leakyRelu,
  sigmoid, tanh, softplus, softmax, logSoftmax, sum, mean, max, min, prod, any, all, argMax, argMin, norm, equal, notEqual,
  greater, greaterEqual, less, lessEqual, logicalAnd, logicalOr, logicalXor, logicalNot, isNaN: isNaNOp, matMul, dot, transpose,
  slice, gather, tile, pad, reverse, concat, split, unstack, stack, where, oneHot, topk, cumsum, resizeBilinear, cast,
  reshape, expandDims, squeeze,
});
