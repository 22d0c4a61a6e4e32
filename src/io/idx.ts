// The IDX file format (LeCun et al., the container MNIST ships in): a 4-byte magic
// [0x00, 0x00, type, ndim], ndim big-endian u32 sizes, then the elements big-endian, row-major.
import { FormatError, ShapeError, ValueError, checkName } from '../errors';

/**
 * Element types an IDX file can hold: unsigned and signed bytes, big-endian 16- and 32-bit integers, 32- and
 * 64-bit floats (type codes 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e).
 *
 * @example
 * const dtype: nn.IdxDtype = 'u8';   // MNIST images and labels
 */
export type IdxDtype = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';

/**
 * The typed array that holds each IDX element type.
 *
 * @example
 * const t = nn.parseIdx(bytes);
 * if (t.dtype === 'f32') t.data;   // IdxArrays['f32'], a Float32Array
 */
export interface IdxArrays {
  /** Unsigned bytes. */
  u8: Uint8Array;
  /** Signed bytes. */
  i8: Int8Array;
  /** 16-bit integers. */
  i16: Int16Array;
  /** 32-bit integers. */
  i32: Int32Array;
  /** 32-bit floats. */
  f32: Float32Array;
  /** 64-bit floats. */
  f64: Float64Array;
}

/**
 * A decoded IDX file: its element type, its dimension sizes (outermost first) and its elements in
 * row-major order. Checking `dtype` narrows `data` to the matching typed array.
 *
 * @example
 * const { dtype, shape, data } = nn.parseIdx(bytes);   // e.g. 'u8', [60000, 28, 28], a Uint8Array
 */
export type IdxTensor = { [D in IdxDtype]: {
  /** The element type, from the magic number's third byte. */
  dtype: D;
  /** The dimension sizes, outermost first (1 to 255 of them). */
  shape: number[];
  /** The elements in row-major order (u8 and i8 are views into the bytes given to parseIdx). */
  data: IdxArrays[D];
} }[IdxDtype];

const DTYPES: readonly IdxDtype[] = ['u8', 'i8', 'i16', 'i32', 'f32', 'f64'];
const CODE_OF: Record<IdxDtype, number> = { u8: 0x08, i8: 0x09, i16: 0x0b, i32: 0x0c, f32: 0x0d, f64: 0x0e };
const DTYPE_OF_CODE: Record<number, IdxDtype> = { 0x08: 'u8', 0x09: 'i8', 0x0b: 'i16', 0x0c: 'i32', 0x0d: 'f32', 0x0e: 'f64' };
const SIZE_OF: Record<IdxDtype, number> = { u8: 1, i8: 1, i16: 2, i32: 4, f32: 4, f64: 8 };
const INT_RANGE: Partial<Record<IdxDtype, [number, number]>> = {
  u8: [0, 255], i8: [-128, 127], i16: [-32768, 32767], i32: [-2147483648, 2147483647],
};

/** Largest element count accepted (2^31 - 1): beyond it no typed array or file of this kind is sane. */
export const IDX_MAX_ELEMENTS = 2 ** 31 - 1;

const hex = (b: number) => '0x' + b.toString(16).padStart(2, '0');

/**
 * Decodes IDX bytes. Every problem throws a FormatError whose message starts with `name` (pass
 * the file name) and says what is wrong: too short for the header, bad magic, unknown type code,
 * a dimension count of 0, more than 2^31 - 1 elements, or a data length (expected vs actual
 * bytes) that does not match the dimensions; trailing bytes count as a mismatch too.
 *
 * A dimension of size 0 is accepted and means an empty set (for example 0 images of 28x28); the
 * data section must then be empty. A dimension count of 0 (a scalar) is rejected: no IDX producer
 * writes one and it usually means a corrupted header.
 *
 * `u8` and `i8` data are zero-copy views into `bytes`; multi-byte types are decoded big-endian
 * into a new array, whose size never exceeds `bytes.length`.
 *
 * @example
 * const bytes = new Uint8Array([0, 0, 0x08, 2,  0, 0, 0, 2,  0, 0, 0, 3,  1, 2, 3, 4, 5, 6]);
 * const { dtype, shape, data } = nn.parseIdx(bytes, 'tiny.idx');
 * // dtype 'u8', shape [2, 3], data Uint8Array [1, 2, 3, 4, 5, 6]
 */
export function parseIdx(bytes: Uint8Array, name = 'IDX data'): IdxTensor {
  if (!(bytes instanceof Uint8Array)) {
    throw new FormatError(`${name}: expected a Uint8Array of IDX bytes, got ${describe(bytes)}`);
  }
  const { dtype, shape, count, headerBytes } = idxLayout(bytes, bytes.length, name);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const at = bytes.byteOffset + headerBytes;
  switch (dtype) {
    case 'u8':
      return { dtype, shape, data: bytes.subarray(headerBytes) };
    case 'i8':
      return { dtype, shape, data: new Int8Array(bytes.buffer, at, count) };
    case 'i16': {
      const out = new Int16Array(count);
      for (let i = 0, o = headerBytes; i < count; i++, o += 2) out[i] = view.getInt16(o, false);
      return { dtype, shape, data: out };
    }
    case 'i32': {
      const out = new Int32Array(count);
      for (let i = 0, o = headerBytes; i < count; i++, o += 4) out[i] = view.getInt32(o, false);
      return { dtype, shape, data: out };
    }
    case 'f32': {
      const out = new Float32Array(count);
      for (let i = 0, o = headerBytes; i < count; i++, o += 4) out[i] = view.getFloat32(o, false);
      return { dtype, shape, data: out };
    }
    case 'f64': {
      const out = new Float64Array(count);
      for (let i = 0, o = headerBytes; i < count; i++, o += 8) out[i] = view.getFloat64(o, false);
      return { dtype, shape, data: out };
    }
  }
}

/** Largest IDX header: 4 bytes, then 255 dimension sizes. */
export const IDX_MAX_HEADER_BYTES = 4 + 4 * 255;

/**
 * Checks an IDX file from its first bytes and its total length, before the rest is read: the same checks and
 * messages as {@link parseIdx}. `head` holds the file's first min(length, IDX_MAX_HEADER_BYTES) bytes (or more).
 */
export function checkIdxLength(head: Uint8Array, length: number, name = 'IDX data'): void {
  idxLayout(head, length, name);
}

/**
 * The total byte length (header and data) an IDX file with this header has, from its first bytes; throws the
 * header's problems as {@link parseIdx} does. Used to bound decompression before it starts.
 */
export function idxFileBytes(head: Uint8Array, name = 'IDX data'): number {
  const { dtype, count, headerBytes } = idxLayout(head, undefined, name);
  return headerBytes + count * SIZE_OF[dtype];
}

/** The header's layout, checked; with `len` (the whole file's length), the data length is checked too. */
function idxLayout(bytes: Uint8Array, len: number | undefined, name: string):
  { dtype: IdxDtype; shape: number[]; count: number; headerBytes: number } {
  const have = len ?? bytes.length;
  if (have < 4 || bytes.length < 4) {
    throw new FormatError(`${name}: too short for the IDX header: need at least 4 bytes, got ${have}`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const gz = bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (this looks gzip-compressed: gunzip it first)' : '';
    throw new FormatError(
      `${name}: bad magic: an IDX file starts with 0x00 0x00, got ${hex(bytes[0]!)} ${hex(bytes[1]!)}${gz}`,
    );
  }
  const code = bytes[2]!;
  const dtype = DTYPE_OF_CODE[code];
  if (dtype === undefined) {
    throw new FormatError(
      `${name}: unknown IDX type code ${hex(code)}; known codes are 0x08 u8, 0x09 i8, 0x0b i16, 0x0c i32, 0x0d f32, 0x0e f64`,
    );
  }
  const ndim = bytes[3]!;
  if (ndim === 0) {
    throw new FormatError(`${name}: zero dimensions count in the IDX header (byte 3); expected at least 1 dimension`);
  }
  const headerBytes = 4 + 4 * ndim;
  if (have < headerBytes || bytes.length < headerBytes) {
    throw new FormatError(
      `${name}: too short for the IDX header: ${ndim} dimension sizes need ${headerBytes} bytes, got ${Math.min(have, bytes.length)}`,
    );
  }
  const shape = headerDims(new DataView(bytes.buffer, bytes.byteOffset, bytes.length), ndim);
  // Any size 0 makes an empty set; otherwise the running product is checked after every step, so
  // it stays far below 2^53 and exact.
  let count = shape.includes(0) ? 0 : 1;
  for (let i = 0; i < ndim && count > 0; i++) {
    count *= shape[i]!;
    if (count > IDX_MAX_ELEMENTS) {
      throw new FormatError(`${name}: absurd dimensions [${shape.join(', ')}]: more than 2^31 - 1 elements`);
    }
  }
  if (len !== undefined) {
    const expected = count * SIZE_OF[dtype];
    const actual = len - headerBytes;
    if (expected !== actual) {
      throw new FormatError(
        `${name}: data length does not match dimensions [${shape.join(', ')}] of ${dtype}: ` +
          `expected ${expected} bytes of data, got ${actual} (${actual < expected ? 'truncated' : 'trailing bytes'})`,
      );
    }
  }
  return { dtype, shape, count, headerBytes };
}

/** The dimension sizes from the header. */
function headerDims(view: DataView, ndim: number): number[] {
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  return dims;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}

function inferDtype(data: ArrayLike<number>): IdxDtype | undefined {
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return 'u8';
  if (data instanceof Int8Array) return 'i8';
  if (data instanceof Int16Array) return 'i16';
  if (data instanceof Int32Array) return 'i32';
  if (data instanceof Float32Array) return 'f32';
  if (data instanceof Float64Array) return 'f64';
  return undefined;
}

/**
 * Encodes elements as IDX bytes (big-endian), the inverse of {@link parseIdx}. `shape` lists the
 * dimension sizes outermost first (1 to 255 of them, each 0..2^32-1) and its product must equal
 * `data.length`. `dtype` defaults to the type of a typed array and to `'f64'` for a plain array.
 * Integer types require integers in range (ValueError names the first bad index); floats are
 * stored as given (f32 rounds).
 *
 * @example
 * const bytes = nn.encodeIdx(new Float32Array([1.5, -2]), [2], 'f32');
 * // bytes: 00 00 0d 01  00 00 00 02  3f c0 00 00  c0 00 00 00
 * nn.parseIdx(bytes).data; // Float32Array [1.5, -2]
 */
export function encodeIdx(data: ArrayLike<number>, shape: readonly number[], dtype?: IdxDtype): Uint8Array {
  const dt: IdxDtype = dtype === undefined ? (inferDtype(data) ?? 'f64') : checkName('IDX dtype', dtype, DTYPES);
  if (!Array.isArray(shape) || shape.length < 1 || shape.length > 255) {
    throw new ShapeError(`encodeIdx: shape must list 1 to 255 dimension sizes, got ${JSON.stringify(shape)}`);
  }
  let count = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) {
      throw new ShapeError(`encodeIdx: dimension sizes must be integers in 0..2^32-1, got ${JSON.stringify(shape)}`);
    }
    count *= d;
  }
  if (count > IDX_MAX_ELEMENTS) {
    throw new ShapeError(`encodeIdx: shape [${shape.join(', ')}] has more than 2^31 - 1 elements`);
  }
  if (count !== data.length) {
    throw new ShapeError(`encodeIdx: shape [${shape.join(', ')}] holds ${count} elements but data has ${data.length}`);
  }
  const range = INT_RANGE[dt];
  if (range) {
    const [lo, hi] = range;
    for (let i = 0; i < count; i++) {
      const v = data[i]!;
      if (!Number.isInteger(v) || v < lo || v > hi) {
        throw new ValueError(`encodeIdx: data[${i}] = ${v} is not a ${dt} (integers ${lo}..${hi})`);
      }
    }
  }
  const header = 4 + 4 * shape.length;
  const size = SIZE_OF[dt];
  const out = new Uint8Array(header + count * size);
  const view = new DataView(out.buffer);
  out[2] = CODE_OF[dt];
  out[3] = shape.length;
  for (let i = 0; i < shape.length; i++) view.setUint32(4 + 4 * i, shape[i]!, false);
  switch (dt) {
    case 'u8':
      out.set(data, header);
      break;
    case 'i8':
      for (let i = 0; i < count; i++) view.setInt8(header + i, data[i]!);
      break;
    case 'i16':
      for (let i = 0; i < count; i++) view.setInt16(header + 2 * i, data[i]!, false);
      break;
    case 'i32':
      for (let i = 0; i < count; i++) view.setInt32(header + 4 * i, data[i]!, false);
      break;
    case 'f32':
      for (let i = 0; i < count; i++) view.setFloat32(header + 4 * i, data[i]!, false);
      break;
    case 'f64':
      for (let i = 0; i < count; i++) view.setFloat64(header + 8 * i, data[i]!, false);
      break;
  }
  return out;
}
