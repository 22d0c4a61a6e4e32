// The tensor of the TF.js compatibility layer: a shape, a dtype and values stored as TF.js stores them (float32 in
// a Float32Array, int32 in an Int32Array, bool as 0/1 in a Uint8Array), with TF.js's methods. Ops are eager and
// synchronous; dispose() only marks a tensor disposed (its memory is the garbage collector's), so that a use after
// dispose still throws as in TF.js. Op methods call the table that ops.ts fills (one way imports, no cycle).
import { NeuriteError, ShapeError, ValueError } from './nn';

/** The dtypes of the compatibility layer (TF.js's, without string and complex64). */
export type DataType = 'float32' | 'int32' | 'bool';
/** Values as TF.js stores them per dtype. */
export type TypedArray = Float32Array | Int32Array | Uint8Array;
/** Nested arrays of numbers or booleans. */
export type NestedValues = number | boolean | NestedValues[];
/** What ops take for a tensor argument: a Tensor, a number, a boolean or nested arrays. */
export type TensorLike = Tensor | NestedValues | TypedArray;
export type Rank = number;

/** Thrown where TF.js's surface has no counterpart here; names the alternative. */
export class NotProvidedError extends NeuriteError {
  constructor(message: string) {
    super(message);
    this.name = 'NotProvidedError';
  }
}

// ---- the engine: live tensor counts and tidy scopes ----
interface Scope { tensors: Tensor[] }
export const engine = { numTensors: 0, numBytes: 0, scopes: [] as Scope[], nextId: 0, track: true };

/** The op table, filled by ops.ts: tensor methods call through it. */
// biome-ignore lint/complexity/noBannedTypes: a table of functions of every arity, typed at each method
export const OPS: Record<string, Function> = {};
const op = <T>(name: string, ...args: unknown[]): T => {
  const f = OPS[name];
  if (!f) throw new NotProvidedError(`tf.${name} is not loaded: import the ops of 'neurite/tfjs'`);
  return f(...args) as T;
};

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function makeArray(dtype: DataType, n: number): TypedArray {
  return dtype === 'float32' ? new Float32Array(n) : dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n);
}

/** Values of `dtype` from any typed or plain array (int32 truncates toward zero, bool is x !== 0). */
export function toDtype(values: ArrayLike<number | boolean>, dtype: DataType): TypedArray {
  const n = values.length;
  if (dtype === 'float32') {
    if (values instanceof Float32Array) return values;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = Number(values[i]);
    return out;
  }
  if (dtype === 'int32') {
    if (values instanceof Int32Array) return values;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = Number(values[i]);
    return out;
  }
  if (values instanceof Uint8Array && !(values instanceof Uint8ClampedArray)) {
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = values[i] <= 1;
    if (ok) return values;
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = values[i] ? 1 : 0;
  return out;
}

export function checkDtype(dtype: unknown, what = 'dtype'): DataType {
  if (dtype === 'float32' || dtype === 'int32' || dtype === 'bool') return dtype;
  if (dtype === 'string' || dtype === 'complex64') {
    throw new NotProvidedError(`${what} '${dtype}' is not provided by neurite/tfjs (float32, int32 and bool are)`);
  }
  throw new ValueError(`${what} must be 'float32', 'int32' or 'bool', got ${JSON.stringify(dtype)}`);
}

function checkShape(shape: unknown, what: string): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`${what}: a shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return shape.slice();
}

/**
 * A tensor with TF.js's interface (shape, dtype, dataSync, data, array, print, dispose, op methods).
 *
 * @example
 * const t = tf.tensor2d([[1, 2], [3, 4]]);
 * t.add(1).sum().dataSync();   // Float32Array [14]
 */
export class Tensor {
  readonly shape: number[];
  readonly dtype: DataType;
  readonly size: number;
  readonly id: number;
  /** @internal */
  protected vals: TypedArray;
  /** @internal */
  protected disposedFlag = false;
  /** @internal counted by tf.memory() (false for the temporaries ops make from numbers and arrays) */
  readonly tracked: boolean;
  /** Wraps values (not copied) already of dtype's array type; use tf.tensor to make one. */
  constructor(values: TypedArray, shape: readonly number[], dtype: DataType) {
    this.shape = shape.slice();
    this.dtype = dtype;
    this.size = sizeOf(shape);
    if (values.length !== this.size) {
      throw new ShapeError(`Based on the provided shape, [${shape.join(',')}], the tensor should have ${this.size} values but has ${values.length}`);
    }
    this.vals = values;
    this.id = engine.nextId++;
    this.tracked = engine.track;
    if (this.tracked) {
      engine.numTensors++;
      engine.numBytes += values.byteLength;
      const top = engine.scopes[engine.scopes.length - 1];
      if (top) top.tensors.push(this);
    }
  }
  get rank(): number { return this.shape.length; }
  get isDisposed(): boolean { return this.disposedFlag; }
  get strides(): number[] {
    const s: number[] = [];
    for (let i = this.shape.length - 2, acc = 1; i >= 0; i--) s.unshift((acc *= this.shape[i + 1]));
    return s;
  }
  /** The values (TF.js's backing array on its cpu backend; do not write to it). */
  get values(): TypedArray {
    if (this.disposedFlag) throw new Error('Tensor is disposed.');
    return this.vals;
  }
  dataSync(): TypedArray { return this.values; }
  data(): Promise<TypedArray> { return Promise.resolve(this.values); }
  arraySync(): NestedValues { return toNested(this.values, this.shape, this.dtype); }
  array(): Promise<NestedValues> { return Promise.resolve(this.arraySync()); }
  bufferSync(): TensorBuffer { return new TensorBuffer(this.shape, this.dtype, this.values.slice()); }
  buffer(): Promise<TensorBuffer> { return Promise.resolve(this.bufferSync()); }
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    if (!this.tracked) return;
    engine.numTensors--;
    engine.numBytes -= this.vals.byteLength;
  }
  print(verbose = false): void { console.log(this.toString(verbose)); }
  toString(verbose = false): string {
    const head = verbose ? `Tensor\n  dtype: ${this.dtype}\n  rank: ${this.rank}\n  shape: [${this.shape}]\n  values:\n` : 'Tensor\n';
    return head + format(this.values, this.shape, this.dtype);
  }
  clone(): Tensor { return new Tensor(this.values.slice(), this.shape, this.dtype); }
  reshape(shape: number[]): Tensor { return op('reshape', this, shape); }
  reshapeAs(x: Tensor): Tensor { return op('reshape', this, x.shape); }
  expandDims(axis = 0): Tensor { return op('expandDims', this, axis); }
  squeeze(axis?: number[]): Tensor { return op('squeeze', this, axis); }
  flatten(): Tensor { return op('reshape', this, [this.size]); }
  as1D(): Tensor { return op('reshape', this, [this.size]); }
  as2D(r: number, c: number): Tensor { return op('reshape', this, [r, c]); }
  as3D(a: number, b: number, c: number): Tensor { return op('reshape', this, [a, b, c]); }
  as4D(a: number, b: number, c: number, d: number): Tensor { return op('reshape', this, [a, b, c, d]); }
  asScalar(): Tensor { return op('reshape', this, []); }
  asType(dtype: DataType): Tensor { return op('cast', this, dtype); }
  cast(dtype: DataType): Tensor { return op('cast', this, dtype); }
  toFloat(): Tensor { return op('cast', this, 'float32'); }
  toInt(): Tensor { return op('cast', this, 'int32'); }
  toBool(): Tensor { return op('cast', this, 'bool'); }
  add(b: TensorLike): Tensor { return op('add', this, b); }
  sub(b: TensorLike): Tensor { return op('sub', this, b); }
  mul(b: TensorLike): Tensor { return op('mul', this, b); }
  div(b: TensorLike): Tensor { return op('div', this, b); }
  divNoNan(b: TensorLike): Tensor { return op('divNoNan', this, b); }
  floorDiv(b: TensorLike): Tensor { return op('floorDiv', this, b); }
  mod(b: TensorLike): Tensor { return op('mod', this, b); }
  pow(b: TensorLike): Tensor { return op('pow', this, b); }
  maximum(b: TensorLike): Tensor { return op('maximum', this, b); }
  minimum(b: TensorLike): Tensor { return op('minimum', this, b); }
  squaredDifference(b: TensorLike): Tensor { return op('squaredDifference', this, b); }
  neg(): Tensor { return op('neg', this); }
  abs(): Tensor { return op('abs', this); }
  square(): Tensor { return op('square', this); }
  sqrt(): Tensor { return op('sqrt', this); }
  rsqrt(): Tensor { return op('rsqrt', this); }
  exp(): Tensor { return op('exp', this); }
  expm1(): Tensor { return op('expm1', this); }
  log(): Tensor { return op('log', this); }
  log1p(): Tensor { return op('log1p', this); }
  floor(): Tensor { return op('floor', this); }
  ceil(): Tensor { return op('ceil', this); }
  round(): Tensor { return op('round', this); }
  sign(): Tensor { return op('sign', this); }
  reciprocal(): Tensor { return op('reciprocal', this); }
  sin(): Tensor { return op('sin', this); }
  cos(): Tensor { return op('cos', this); }
  clipByValue(lo: number, hi: number): Tensor { return op('clipByValue', this, lo, hi); }
  relu(): Tensor { return op('relu', this); }
  relu6(): Tensor { return op('relu6', this); }
  elu(): Tensor { return op('elu', this); }
  selu(): Tensor { return op('selu', this); }
  leakyRelu(alpha?: number): Tensor { return op('leakyRelu', this, alpha); }
  sigmoid(): Tensor { return op('sigmoid', this); }
  tanh(): Tensor { return op('tanh', this); }
  softplus(): Tensor { return op('softplus', this); }
  softmax(dim?: number): Tensor { return op('softmax', this, dim); }
  logSoftmax(axis?: number): Tensor { return op('logSoftmax', this, axis); }
  sum(axis?: number | number[], keepDims?: boolean): Tensor { return op('sum', this, axis, keepDims); }
  mean(axis?: number | number[], keepDims?: boolean): Tensor { return op('mean', this, axis, keepDims); }
  max(axis?: number | number[], keepDims?: boolean): Tensor { return op('max', this, axis, keepDims); }
  min(axis?: number | number[], keepDims?: boolean): Tensor { return op('min', this, axis, keepDims); }
  prod(axis?: number | number[], keepDims?: boolean): Tensor { return op('prod', this, axis, keepDims); }
  any(axis?: number | number[], keepDims?: boolean): Tensor { return op('any', this, axis, keepDims); }
  all(axis?: number | number[], keepDims?: boolean): Tensor { return op('all', this, axis, keepDims); }
  argMax(axis?: number): Tensor { return op('argMax', this, axis); }
  argMin(axis?: number): Tensor { return op('argMin', this, axis); }
  norm(ord?: number | 'euclidean' | 'fro', axis?: number | number[], keepDims?: boolean): Tensor { return op('norm', this, ord, axis, keepDims); }
  equal(b: TensorLike): Tensor { return op('equal', this, b); }
  notEqual(b: TensorLike): Tensor { return op('notEqual', this, b); }
  greater(b: TensorLike): Tensor { return op('greater', this, b); }
  greaterEqual(b: TensorLike): Tensor { return op('greaterEqual', this, b); }
  less(b: TensorLike): Tensor { return op('less', this, b); }
  lessEqual(b: TensorLike): Tensor { return op('lessEqual', this, b); }
  logicalAnd(b: TensorLike): Tensor { return op('logicalAnd', this, b); }
  logicalOr(b: TensorLike): Tensor { return op('logicalOr', this, b); }
  logicalXor(b: TensorLike): Tensor { return op('logicalXor', this, b); }
  logicalNot(): Tensor { return op('logicalNot', this); }
  isNaN(): Tensor { return op('isNaN', this); }
  matMul(b: TensorLike, transposeA = false, transposeB = false): Tensor { return op('matMul', this, b, transposeA, transposeB); }
  dot(b: TensorLike): Tensor { return op('dot', this, b); }
  transpose(perm?: number[]): Tensor { return op('transpose', this, perm); }
  slice(begin: number | number[], size?: number | number[]): Tensor { return op('slice', this, begin, size); }
  gather(indices: TensorLike, axis?: number): Tensor { return op('gather', this, indices, axis); }
  tile(reps: number[]): Tensor { return op('tile', this, reps); }
  pad(paddings: [number, number][], constantValue?: number): Tensor { return op('pad', this, paddings, constantValue); }
  reverse(axis?: number | number[]): Tensor { return op('reverse', this, axis); }
  concat(x: Tensor | Tensor[], axis?: number): Tensor { return op('concat', [this, ...(Array.isArray(x) ? x : [x])], axis); }
  split(n: number | number[], axis?: number): Tensor[] { return op('split', this, n, axis); }
  unstack(axis?: number): Tensor[] { return op('unstack', this, axis); }
  stack(x: Tensor | Tensor[], axis?: number): Tensor { return op('stack', [this, ...(Array.isArray(x) ? x : [x])], axis); }
  where(cond: TensorLike, b: TensorLike): Tensor { return op('where', cond, this, b); }
  oneHot(depth: number, on?: number, off?: number): Tensor { return op('oneHot', this, depth, on, off); }
  topk(k?: number, sorted?: boolean): { values: Tensor; indices: Tensor } { return op('topk', this, k, sorted); }
  cumsum(axis?: number): Tensor { return op('cumsum', this, axis); }
  resizeBilinear(size: [number, number], alignCorners?: boolean): Tensor { return op('resizeBilinear', this, size, alignCorners); }
}

/**
 * A tensor whose values `assign` replaces (tf.variable); tidy never disposes it.
 *
 * @example
 * const v = tf.variable(tf.zeros([2]));
 * v.assign(tf.ones([2]));
 */
export class Variable extends Tensor {
  readonly name: string;
  trainable: boolean;
  constructor(initial: Tensor, trainable = true, name?: string, dtype?: DataType) {
    const d = dtype ?? initial.dtype;
    const top = engine.scopes.pop();
    try {
      super(toDtype(initial.values, d).slice(), initial.shape, d);
    } finally {
      if (top) engine.scopes.push(top);
    }
    this.trainable = trainable;
    this.name = name ?? `Variable_${this.id}`;
  }
  /** Replaces the values with `x`'s, which must have this variable's shape and dtype (as TF.js). */
  assign(x: Tensor): void {
    if (x.dtype !== this.dtype) throw new ValueError(`dtype of the new value (${x.dtype}) and previous value (${this.dtype}) must match`);
    if (x.shape.length !== this.shape.length || x.shape.some((d, i) => d !== this.shape[i])) {
      throw new ShapeError(`shape of the new value (${x.shape}) and previous value (${this.shape}) must match`);
    }
    this.vals.set(x.values);
  }
}

/**
 * A mutable buffer with set/get by coordinates (tf.buffer); toTensor() copies it into a tensor.
 *
 * @example
 * const b = tf.buffer([2, 2]);
 * b.set(5, 0, 1);
 * b.toTensor();   // [[0, 5], [0, 0]]
 */
export class TensorBuffer {
  readonly shape: number[];
  readonly dtype: DataType;
  readonly size: number;
  readonly values: TypedArray;
  readonly strides: number[];
  constructor(shape: number[], dtype: DataType = 'float32', values?: TypedArray) {
    this.shape = checkShape(shape, 'buffer');
    this.dtype = checkDtype(dtype);
    this.size = sizeOf(shape);
    if (values && values.length !== this.size) {
      throw new ShapeError(`Length of values '${values.length}' does not match the size inferred by the shape '${this.size}'.`);
    }
    this.values = values ? toDtype(values, this.dtype) : makeArray(this.dtype, this.size);
    this.strides = [];
    for (let i = shape.length - 2, acc = 1; i >= 0; i--) this.strides.unshift((acc *= shape[i + 1]));
  }
  private index(locs: number[]): number {
    if (locs.length !== this.shape.length) {
      throw new ValueError(`The number of provided coordinates (${locs.length}) must match the rank (${this.shape.length})`);
    }
    let at = 0;
    for (let i = 0; i < locs.length; i++) {
      if (locs[i] < 0 || locs[i] >= this.shape[i]) {
        throw new ValueError(`Requested out of range element at ${locs}. Buffer shape=${this.shape}`);
      }
      at = at * this.shape[i] + locs[i];
    }
    return at;
  }
  set(value: number | boolean, ...locs: number[]): void { this.values[this.index(locs)] = Number(value); }
  get(...locs: number[]): number { return this.values[this.index(locs)]; }
  locToIndex(locs: number[]): number { return this.index(locs); }
  indexToLoc(index: number): number[] {
    const loc = new Array(this.shape.length);
    for (let i = this.shape.length - 1; i >= 0; i--) {
      loc[i] = index % this.shape[i];
      index = Math.floor(index / this.shape[i]);
    }
    return loc;
  }
  get rank(): number { return this.shape.length; }
  toTensor(): Tensor { return new Tensor(this.values.slice(), this.shape, this.dtype); }
}

// ---- nested arrays ----
function inferShape(v: unknown): number[] {
  const shape: number[] = [];
  let cur = v;
  while (Array.isArray(cur) || ArrayBuffer.isView(cur)) {
    const a = cur as ArrayLike<unknown>;
    shape.push(a.length);
    if (a.length === 0) break;
    cur = a[0];
  }
  return shape;
}

function flattenInto(v: unknown, shape: number[], dim: number, out: (number | boolean)[]): void {
  if (dim === shape.length) {
    if (typeof v !== 'number' && typeof v !== 'boolean') {
      throw new ValueError(`tensor: expected a number or boolean but got ${Array.isArray(v) ? 'an array' : typeof v}`);
    }
    out.push(v);
    return;
  }
  const a = v as ArrayLike<unknown>;
  if (!(Array.isArray(a) || ArrayBuffer.isView(a)) || a.length !== shape[dim]) {
    throw new ShapeError(`Element arr[${dim}] should have ${shape[dim]} elements, but has ${Array.isArray(a) ? a.length : 'none'} elements`);
  }
  for (let i = 0; i < a.length; i++) flattenInto(a[i], shape, dim + 1, out);
}

function inferDtype(v: unknown): DataType {
  if (v instanceof Float32Array || v instanceof Float64Array) return 'float32';
  if (ArrayBuffer.isView(v)) return 'int32';
  let cur = v;
  while (Array.isArray(cur)) cur = cur[0];
  return typeof cur === 'boolean' ? 'bool' : 'float32';
}

function toNested(vals: TypedArray, shape: number[], dtype: DataType): NestedValues {
  // bool values read back as 0 and 1, as TF.js gives them
  const cast = (x: number): number => x;
  void dtype;
  if (shape.length === 0) return cast(vals[0]);
  const build = (dim: number, offset: number): NestedValues[] => {
    const n = shape[dim];
    const stride = sizeOf(shape.slice(dim + 1));
    const out: NestedValues[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = dim === shape.length - 1 ? cast(vals[offset + i]) : build(dim + 1, offset + i * stride);
    return out;
  };
  return build(0, 0);
}

function format(vals: TypedArray, shape: number[], dtype: DataType): string {
  const str = (x: number) => (dtype === 'bool' ? String(x !== 0) : String(dtype === 'float32' ? Number(x.toPrecision(7)) : x));
  if (shape.length === 0) return `    ${str(vals[0])}`;
  const nested = (dim: number, offset: number, indent: string): string => {
    const n = shape[dim];
    const stride = sizeOf(shape.slice(dim + 1));
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      parts.push(dim === shape.length - 1 ? str(vals[offset + i]) : nested(dim + 1, offset + i * stride, `${indent} `));
    }
    return dim === shape.length - 1 ? `[${parts.join(', ')}]` : `[${parts.join(`,\n${indent} `)}]`;
  };
  return `    ${nested(0, 0, '    ')}`;
}

// ---- creation ----
/**
 * A tensor from nested arrays, a typed array or a number (tf.tensor), with an optional shape and dtype.
 *
 * @example
 * tf.tensor([1, 2, 3, 4], [2, 2], 'int32');
 */
export function tensor(values: TensorLike, shape?: number[], dtype?: DataType): Tensor {
  if (values instanceof Tensor) values = values.values;
  const d = dtype === undefined ? inferDtype(values) : checkDtype(dtype);
  const inferred = inferShape(values);
  let flat: ArrayLike<number | boolean>;
  if (ArrayBuffer.isView(values)) flat = values as unknown as ArrayLike<number>;
  else if (typeof values === 'number' || typeof values === 'boolean') flat = [values];
  else if (Array.isArray(values)) {
    const out: (number | boolean)[] = [];
    flattenInto(values, inferred, 0, out);
    flat = out;
  } else throw new ValueError(`tensor: values must be a number, a boolean, nested arrays or a typed array, got ${typeof values}`);
  let s = inferred;
  if (shape !== undefined) {
    s = checkShape(shape, 'tensor');
    const n = sizeOf(s);
    if (n !== flat.length) {
      if (flat.length === 1 && !Array.isArray(values) && !ArrayBuffer.isView(values)) flat = new Array(n).fill(flat[0]);
      else throw new ShapeError(`Based on the provided shape, [${s}], the tensor should have ${n} values but has ${flat.length}`);
    }
  }
  const arr = toDtype(flat, d);
  return new Tensor(arr === flat ? arr.slice() : arr, s, d);
}

function ranked(rank: number, name: string) {
  return (values: TensorLike, shape?: number[], dtype?: DataType): Tensor => {
    if (shape !== undefined && shape.length !== rank) throw new ShapeError(`${name}: the shape must have ${rank} dimensions, got [${shape}]`);
    if (shape === undefined && (Array.isArray(values) || typeof values !== 'object') && inferShape(values).length !== rank) {
      throw new ShapeError(`${name}() requires values of rank ${rank}${rank === 0 ? '' : ' (nested arrays)'}, got rank ${inferShape(values).length}`);
    }
    if (shape === undefined && ArrayBuffer.isView(values) && rank !== 1) {
      throw new ShapeError(`${name}() requires a shape with a flat typed array`);
    }
    return tensor(values, shape, dtype);
  };
}
/** A rank-0 tensor. @example tf.scalar(3.14); */
export const scalar = (value: number | boolean, dtype?: DataType): Tensor => ranked(0, 'scalar')(value, undefined, dtype);
/** A rank-1 tensor. @example tf.tensor1d([1, 2, 3], 'int32'); */
export const tensor1d = (values: TensorLike, dtype?: DataType): Tensor => ranked(1, 'tensor1d')(values, undefined, dtype);
/** A rank-2 tensor. @example tf.tensor2d([[1, 2], [3, 4]]); */
export const tensor2d = ranked(2, 'tensor2d');
/** A rank-3 tensor. @example tf.tensor3d([[[1], [2]]]); */
export const tensor3d = ranked(3, 'tensor3d');
/** A rank-4 tensor. @example tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]); */
export const tensor4d = ranked(4, 'tensor4d');
/** A rank-5 tensor. @example tf.tensor5d([1], [1, 1, 1, 1, 1]); */
export const tensor5d = ranked(5, 'tensor5d');

/** A tensor of `value` everywhere. @example tf.fill([2, 3], 7); */
export function fill(shape: number[], value: number | boolean, dtype?: DataType): Tensor {
  const s = checkShape(shape, 'fill');
  const d = dtype ? checkDtype(dtype) : typeof value === 'boolean' ? 'bool' : 'float32';
  const a = makeArray(d, sizeOf(s));
  a.fill(Number(value));
  return new Tensor(toDtype(a, d), s, d);
}
/** Zeros. @example tf.zeros([2, 2]); */
export const zeros = (shape: number[], dtype: DataType = 'float32'): Tensor => fill(shape, 0, checkDtype(dtype));
/** Ones. @example tf.ones([3]); */
export const ones = (shape: number[], dtype: DataType = 'float32'): Tensor => fill(shape, 1, checkDtype(dtype));
/** Zeros of x's shape and dtype. @example tf.zerosLike(x); */
export const zerosLike = (x: Tensor): Tensor => zeros(asTensor(x, 'x', 'zerosLike').shape, asTensor(x, 'x', 'zerosLike').dtype);
/** Ones of x's shape and dtype. @example tf.onesLike(x); */
export const onesLike = (x: Tensor): Tensor => ones(asTensor(x, 'x', 'onesLike').shape, asTensor(x, 'x', 'onesLike').dtype);

/** start, start + step, ... below stop. @example tf.range(0, 10, 2); */
export function range(start: number, stop: number, step = 1, dtype: DataType = 'float32'): Tensor {
  if (step === 0) throw new ValueError('Cannot have a step of zero');
  const d = checkDtype(dtype);
  if (start > stop && step === 1) step = -1;
  if (start === stop || (start < stop && step < 0) || (start > stop && step > 1)) return new Tensor(makeArray(d, 0), [0], d);
  const n = Math.ceil(Math.abs((stop - start) / step));
  const a = makeArray(d, n);
  for (let i = 0; i < n; i++) a[i] = start + i * step;
  return new Tensor(a, [n], d);
}

/** num evenly spaced values from start to stop inclusive. @example tf.linspace(0, 1, 5); */
export function linspace(start: number, stop: number, num: number): Tensor {
  if (num <= 0) throw new ValueError('The number of values should be positive.');
  const a = new Float32Array(num);
  const step = (stop - start) / (num - 1);
  a[0] = start;
  for (let i = 1; i < num; i++) a[i] = a[i - 1] + step;
  return new Tensor(a, [num], 'float32');
}

/** An identity matrix (rows × columns, optionally batched). @example tf.eye(3); */
export function eye(numRows: number, numColumns = numRows, batchShape?: number[], dtype: DataType = 'float32'): Tensor {
  const d = checkDtype(dtype);
  const batch = batchShape ? sizeOf(batchShape) : 1;
  const a = makeArray(d, batch * numRows * numColumns);
  for (let b = 0; b < batch; b++) for (let i = 0; i < Math.min(numRows, numColumns); i++) a[b * numRows * numColumns + i * numColumns + i] = 1;
  return new Tensor(a, [...(batchShape ?? []), numRows, numColumns], d);
}

/** A TensorBuffer to fill with set() and turn into a tensor. @example tf.buffer([2, 2]).toTensor(); */
export function buffer(shape: number[], dtype: DataType = 'float32', values?: TypedArray): TensorBuffer {
  return new TensorBuffer(shape, dtype, values);
}

/** A variable (a tensor that assign() can change). @example tf.variable(tf.zeros([3])); */
export function variable(initialValue: Tensor, trainable = true, name?: string, dtype?: DataType): Variable {
  return new Variable(asTensor(initialValue, 'initialValue', 'variable'), trainable, name, dtype);
}

/** A tensor from an op argument (numbers and arrays become float32 tensors, as TF.js's convertToTensor). */
export function asTensor(x: unknown, arg: string, opName: string, dtype?: DataType): Tensor {
  if (x instanceof Tensor) {
    if (x.isDisposed) throw new Error('Tensor is disposed.');
    return x;
  }
  if (typeof x === 'number' || typeof x === 'boolean' || Array.isArray(x) || ArrayBuffer.isView(x)) {
    const d = dtype ?? inferDtype(x);
    return withoutScope(() => tensor(x as TensorLike, undefined, d));
  }
  throw new ValueError(`Argument '${arg}' passed to '${opName}' must be a Tensor or TensorLike, but got '${x === null ? 'null' : typeof x}' type`);
}

/** Runs fn making untracked tensors (temporaries that live inside one op, not counted by tf.memory()). */
export function withoutScope<T>(fn: () => T): T {
  const saved = engine.track;
  engine.track = false;
  try {
    return fn();
  } finally {
    engine.track = saved;
  }
}
