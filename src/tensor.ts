import { ShapeError, ValueError } from './errors';
import { MAX_RANK, show } from './options';

/**
 * A number, or arrays of them nested to any depth up to 32 levels, all branches of one length per level
 * (ragged arrays are a ShapeError).
 *
 * @example
 * const rows: nn.NestedArray = [[0, 1], [1, 0]];
 */
export type NestedArray = number | NestedArray[];
/**
 * What fit, predict and evaluate take as data: an nn.Tensor, nested number arrays (the first level is the
 * samples), or a Float32Array holding whole samples back to back.
 *
 * @example
 * const x: nn.TensorLike = [[0, 0], [0, 1]];
 * model.predict(x);
 */
export type TensorLike = Tensor | NestedArray[] | Float32Array;

/**
 * Plain data: a shape and a Float32Array in row-major order. No dispose is ever needed.
 *
 * @example
 * const t = nn.tensor([[1, 2, 3], [4, 5, 6]]);
 * t.shape;      // [2, 3]
 * t.toArray();  // [[1, 2, 3], [4, 5, 6]]
 */
export class Tensor {
  /** The size of each dimension (frozen), e.g. `[2, 3]`; `[]` for a scalar. */
  readonly shape: readonly number[];
  /** The values in row-major order (the last dimension varies fastest); its length is the product of shape. */
  readonly data: Float32Array;
  /**
   * Wraps `data` (not copied) with `shape`. ValueError unless data is a Float32Array; ShapeError unless shape is
   * at most 32 non-negative integers whose product is data.length. nn.tensor also takes nested arrays.
   *
   * @example
   * new nn.Tensor(new Float32Array([1, 2, 3, 4]), [2, 2]);
   */
  constructor(data: Float32Array, shape: readonly number[]) {
    if (!(data instanceof Float32Array)) throw new ValueError(`tensor data must be a Float32Array, got ${show(data)}`);
    checkTensorShape('tensor', shape);
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== data.length) {
      throw new ShapeError(`tensor shape [${shape.join(', ')}] needs ${size} values but ${data.length} were given`);
    }
    this.shape = Object.freeze([...shape]);
    this.data = data;
  }
  /** The number of dimensions, shape.length (0 for a scalar). */
  get rank(): number { return this.shape.length; }
  /** The number of values, data.length (the product of shape). */
  get size(): number { return this.data.length; }
  /**
   * The data as nested number arrays of this tensor's shape (a plain number for a scalar).
   *
   * @example
   * nn.tensor([1, 2, 3, 4], [2, 2]).toArray();   // [[1, 2], [3, 4]]
   */
  toArray(): NestedArray {
    if (this.shape.length === 0) return this.data[0];
    const build = (dim: number, offset: number): NestedArray[] => {
      const n = this.shape[dim];
      const stride = this.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = dim === this.shape.length - 1 ? this.data[offset + i] : build(dim + 1, offset + i * stride);
      }
      return out;
    };
    return build(0, 0);
  }
  /** `Tensor [2, 3]`: the shape, not the values (print toArray() for those). */
  toString(): string {
    return `Tensor [${this.shape.join(', ')}]`;
  }
}

/** Throws unless `shape` is an array of at most MAX_RANK non-negative integers. */
function checkTensorShape(what: string, shape: unknown): void {
  if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ShapeError(`${what}: a shape must be an array of at most ${MAX_RANK} non-negative integers, got ${show(shape)}`);
  }
}

function inferShape(data: NestedArray, what: string): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  // a loop, not recursion, and bounded: arrays nested 20,000 deep (or an array that contains itself) end here
  while (Array.isArray(cur)) {
    if (shape.length === MAX_RANK) {
      throw new ShapeError(`${what}: nested arrays deeper than ${MAX_RANK} levels; a tensor has at most ${MAX_RANK} dimensions`);
    }
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  // verify every branch has the same shape
  const check = (x: NestedArray, dim: number, path: string) => {
    if (dim === shape.length) {
      if (typeof x !== 'number') {
        throw new ValueError(`${what}: expected a number at ${path || 'top level'} but got ${Array.isArray(x) ? 'an array' : show(x)}`);
      }
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[dim]) {
      throw new ShapeError(`${what}: ragged nested array at ${path || 'top level'}: expected ${shape[dim]} entries, got ${Array.isArray(x) ? x.length : show(x)}`);
    }
    for (let i = 0; i < x.length; i++) check(x[i], dim + 1, `${path}[${i}]`);
  };
  check(data, 0, '');
  return shape;
}

function flatten(data: NestedArray, out: Float32Array, at: { i: number }): void {
  if (Array.isArray(data)) for (const d of data) flatten(d, out, at);
  else out[at.i++] = data;
}

/**
 * Makes a Tensor from nested number arrays (shape inferred) or from a Float32Array / number[] with a shape.
 * A typed array without a shape becomes 1-D; other typed arrays (Int32Array, Uint8Array, ...) are converted to
 * f32, a Float32Array is used as is (not copied), and a Tensor with a new shape shares its data. ShapeError when
 * the shape does not match the values or arrays are ragged; ValueError for non-numbers, BigInt arrays and
 * DataViews.
 *
 * @example
 * nn.tensor([[0, 1], [1, 0]]);                          // shape [2, 2]
 * nn.tensor(new Float32Array(784 * 10), [10, 784]);
 */
export function tensor(data: TensorLike | number[] | Int32Array, shape?: readonly number[]): Tensor {
  if (shape !== undefined) checkTensorShape('tensor', shape);
  if (data instanceof Tensor) {
    return shape ? new Tensor(data.data, shape) : data;
  }
  if (ArrayBuffer.isView(data)) {
    const f = data instanceof Float32Array ? data : Float32Array.from(numericView(data));
    return new Tensor(f, shape ?? [f.length]);
  }
  if (!Array.isArray(data)) throw new ValueError(`tensor: expected nested number arrays or a typed array, got ${show(data)}`);
  const inferred = inferShape(data, 'tensor');
  const size = inferred.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  flatten(data, out, { i: 0 });
  if (shape) {
    const want = shape.reduce((a, b) => a * b, 1);
    if (want !== size) throw new ShapeError(`tensor: shape [${shape.join(', ')}] needs ${want} values but the array holds ${size}`);
    return new Tensor(out, shape);
  }
  return new Tensor(out, inferred);
}

/** A typed array of numbers (not BigInt64Array or BigUint64Array, not a DataView), which Float32Array.from reads. */
function numericView(v: ArrayBufferView): ArrayLike<number> {
  const kind = Object.prototype.toString.call(v).slice(8, -1);
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    throw new ValueError(`tensor: a ${kind} holds BigInt values, which neurite does not take; convert them to a Float32Array first`);
  }
  if (!('length' in v) || typeof (v as { length: unknown }).length !== 'number') {
    throw new ValueError(`tensor: a ${kind} is not a typed array of numbers; pass a Float32Array (for a DataView, new Float32Array(view.buffer, view.byteOffset, view.byteLength / 4))`);
  }
  return v as unknown as ArrayLike<number>;
}

/**
 * A TF.js tensor, from `@tensorflow/tfjs` or `neurite/tfjs`: what fit, evaluate and predict read through its
 * `shape` and `dataSync()`.
 */
interface TfjsTensorLike {
  readonly shape: readonly number[];
  dataSync(): ArrayBufferView;
}

const isTfjsTensor = (x: unknown): x is TfjsTensorLike => typeof x === 'object' && x !== null && !Array.isArray(x) &&
  Array.isArray((x as { shape?: unknown }).shape) && typeof (x as { dataSync?: unknown }).dataSync === 'function';

/** Converts user input (an nn.Tensor, nested arrays, a typed array or a TF.js tensor) to a Tensor, naming the argument in errors. */
export function toTensor(x: unknown, what: string): Tensor {
  if (x instanceof Tensor) return x;
  if (isTfjsTensor(x)) {
    const values = x.dataSync();
    try {
      return tensor(values as Float32Array, x.shape);
    } catch (e) {
      if (e instanceof Error) e.message = e.message.replace(/^tensor/, what);
      throw e;
    }
  }
  if (Array.isArray(x) || ArrayBuffer.isView(x)) {
    try {
      return tensor(x as TensorLike);
    } catch (e) {
      if (e instanceof Error) e.message = e.message.replace(/^tensor/, what);
      throw e;
    }
  }
  throw new ValueError(`${what}: expected an nn.Tensor or nested number arrays (or a TF.js tensor), got ${show(x)}`);
}
