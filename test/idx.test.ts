import { describe, expect, it } from 'vitest';
import { FormatError, ShapeError, UnknownNameError, ValueError } from '../src/errors';
import { encodeIdx, parseIdx, type IdxDtype } from '../src/io/idx';

/** Header bytes: magic, type code, ndim, big-endian u32 dims. */
function header(code: number, dims: number[]): number[] {
  const out = [0, 0, code, dims.length];
  for (const d of dims) out.push((d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255);
  return out;
}
const bytesOf = (...parts: number[][]) => new Uint8Array(parts.flat());

function expectFormatError(fn: () => unknown, ...parts: (string | RegExp)[]): FormatError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FormatError);
  const msg = (err as Error).message;
  for (const p of parts) {
    if (typeof p === 'string') expect(msg).toContain(p);
    else expect(msg).toMatch(p);
  }
  return err as FormatError;
}

describe('parseIdx / encodeIdx round trips', () => {
  const samples: Record<IdxDtype, number[]> = {
    u8: [0, 1, 127, 128, 254, 255],
    i8: [-128, -1, 0, 1, 64, 127],
    i16: [-32768, -256, -1, 0, 255, 32767],
    i32: [-2147483648, -65536, -1, 0, 16777217, 2147483647],
    f32: [0, -0, 1.5, -3.25, 3.4028234663852886e38, Math.fround(1e-45)],
    f64: [0, -0, Math.PI, -1e300, 5e-324, Number.MAX_VALUE],
  };
  for (const dtype of Object.keys(samples) as IdxDtype[]) {
    it(`${dtype}: 1-D, 2-D, 3-D and empty`, () => {
      const values = samples[dtype];
      for (const shape of [[6], [2, 3], [3, 1, 2], [1, 1, 1, 1, 6]]) {
        const bytes = encodeIdx(values, shape, dtype);
        expect(bytes.length).toBe(4 + 4 * shape.length + values.length * ({ u8: 1, i8: 1, i16: 2, i32: 4, f32: 4, f64: 8 }[dtype]));
        const t = parseIdx(bytes);
        expect(t.dtype).toBe(dtype);
        expect(t.shape).toEqual(shape);
        expect(Array.from(t.data)).toEqual(values);
        expect(Object.is(t.data[1], values[1])).toBe(true); // keeps -0
      }
      const empty = parseIdx(encodeIdx([], [0, 28, 28], dtype));
      expect(empty.shape).toEqual([0, 28, 28]);
      expect(empty.data.length).toBe(0);
    });
  }

  it('returns the typed array matching each dtype', () => {
    const kinds: [IdxDtype, unknown][] = [
      ['u8', Uint8Array], ['i8', Int8Array], ['i16', Int16Array],
      ['i32', Int32Array], ['f32', Float32Array], ['f64', Float64Array],
    ];
    for (const [dtype, ctor] of kinds) expect(parseIdx(encodeIdx([1, 2], [2], dtype)).data).toBeInstanceOf(ctor);
  });

  it('infers dtype from typed arrays and defaults to f64 for plain arrays', () => {
    expect(parseIdx(encodeIdx(new Int16Array([1, -2]), [2])).dtype).toBe('i16');
    expect(parseIdx(encodeIdx(new Uint8Array([1, 2]), [2])).dtype).toBe('u8');
    expect(parseIdx(encodeIdx(new Float32Array([0.1]), [1])).data[0]).toBe(Math.fround(0.1));
    const f = parseIdx(encodeIdx([0.1, 2], [2]));
    expect(f.dtype).toBe('f64');
    expect(f.data[0]).toBe(0.1);
  });

  it('rounds to f32 when encoding f32', () => {
    const t = parseIdx(encodeIdx([0.1, 1 / 3], [2], 'f32'));
    expect(Array.from(t.data)).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
  });

  it('round trips a large u8 set (MNIST-sized rows)', () => {
    const data = new Uint8Array(100 * 784);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 255;
    const t = parseIdx(encodeIdx(data, [100, 28, 28]));
    expect(t.shape).toEqual([100, 28, 28]);
    expect(t.data).toEqual(data);
  });
});

describe('parseIdx decodes hand-written big-endian bytes', () => {
  it('u8 as a zero-copy view', () => {
    const buf = new Uint8Array(64);
    const file = bytesOf(header(0x08, [2, 3]), [1, 2, 3, 4, 5, 6]);
    buf.set(file, 10);
    const slice = buf.subarray(10, 10 + file.length); // non-zero byteOffset
    const t = parseIdx(slice);
    expect(t).toMatchObject({ dtype: 'u8', shape: [2, 3] });
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(t.data.buffer).toBe(buf.buffer);
    expect(t.data.byteOffset).toBe(10 + 12);
  });

  it('i8', () => {
    const t = parseIdx(bytesOf(header(0x09, [3]), [0xff, 0x80, 0x7f]));
    expect(t.dtype).toBe('i8');
    expect(Array.from(t.data)).toEqual([-1, -128, 127]);
  });

  it('i16', () => {
    const t = parseIdx(bytesOf(header(0x0b, [3]), [0x01, 0x02, 0xff, 0xfe, 0x80, 0x00]));
    expect(t.dtype).toBe('i16');
    expect(Array.from(t.data)).toEqual([0x0102, -2, -32768]);
  });

  it('i32', () => {
    const t = parseIdx(bytesOf(header(0x0c, [2]), [0x01, 0x02, 0x03, 0x04, 0xff, 0xff, 0xff, 0xfe]));
    expect(t.dtype).toBe('i32');
    expect(Array.from(t.data)).toEqual([0x01020304, -2]);
  });

  it('f32', () => {
    // 0x3fc00000 = 1.5, 0xc0490fdb = -π (f32), 0x7f800000 = +Inf
    const t = parseIdx(bytesOf(header(0x0d, [3]), [0x3f, 0xc0, 0, 0, 0xc0, 0x49, 0x0f, 0xdb, 0x7f, 0x80, 0, 0]));
    expect(t.dtype).toBe('f32');
    expect(Array.from(t.data)).toEqual([1.5, Math.fround(-Math.PI), Infinity]);
  });

  it('f64', () => {
    // 0x3ff0000000000000 = 1, 0xc000000000000000 = -2
    const t = parseIdx(bytesOf(header(0x0e, [2]), [0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0]));
    expect(t.dtype).toBe('f64');
    expect(Array.from(t.data)).toEqual([1, -2]);
  });

  it('big-endian dimension sizes above 2^16 and 2^24', () => {
    const t = parseIdx(encodeIdx(new Uint8Array(70000), [70000]));
    expect(t.shape).toEqual([70000]);
    expect(Array.from(t.data.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    const raw = bytesOf(header(0x08, [0x01000001, 0]));
    expect(Array.from(raw.subarray(4, 8))).toEqual([1, 0, 0, 1]);
    expect(parseIdx(raw).shape).toEqual([16777217, 0]);
    // a size 0 anywhere makes an empty set, even after sizes whose product alone would be absurd
    expect(parseIdx(encodeIdx([], [65536, 65536, 0], 'f64')).shape).toEqual([65536, 65536, 0]);
  });

  it('encodeIdx writes the exact bytes', () => {
    expect(Array.from(encodeIdx(new Float32Array([1.5, -2]), [2], 'f32'))).toEqual([
      0, 0, 0x0d, 1, 0, 0, 0, 2, 0x3f, 0xc0, 0, 0, 0xc0, 0, 0, 0,
    ]);
    expect(Array.from(encodeIdx([258, -2], [1, 2], 'i16'))).toEqual([
      0, 0, 0x0b, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe,
    ]);
  });
});

describe('parseIdx rejects malformed input with FormatError', () => {
  it('too short for the header', () => {
    for (const n of [0, 1, 3]) expectFormatError(() => parseIdx(new Uint8Array(n), 'x.idx'), 'x.idx', 'too short', `got ${n}`);
    expectFormatError(() => parseIdx(bytesOf([0, 0, 8, 3], [0, 0, 0, 1]), 'x.idx'), 'too short', '3 dimension sizes', '16 bytes', 'got 8');
  });

  it('bad magic', () => {
    expectFormatError(() => parseIdx(bytesOf([1, 0, 8, 1, 0, 0, 0, 0])), 'IDX data', 'bad magic', '0x01 0x00');
    expectFormatError(() => parseIdx(bytesOf([0, 7, 8, 1, 0, 0, 0, 0]), 'f'), 'bad magic', '0x00 0x07');
  });

  it('gzip-compressed input gets a hint', () => {
    expectFormatError(() => parseIdx(bytesOf([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), 'a.gz'), 'bad magic', 'gzip');
  });

  it('unknown type code', () => {
    for (const code of [0x00, 0x07, 0x0a, 0x0f, 0xff]) {
      expectFormatError(
        () => parseIdx(bytesOf(header(code, [1]), [0, 0, 0, 0, 0, 0, 0, 0]), 'f.idx'),
        'f.idx', 'unknown IDX type code', '0x' + code.toString(16).padStart(2, '0'),
      );
    }
  });

  it('zero dimensions count', () => {
    expectFormatError(() => parseIdx(bytesOf([0, 0, 8, 0], [42]), 'z'), 'z:', 'zero dimensions');
    expectFormatError(() => parseIdx(bytesOf([0, 0, 8, 0]), 'z'), 'zero dimensions');
  });

  it('truncated data: expected vs actual bytes', () => {
    const good = encodeIdx(new Float32Array(6), [2, 3]);
    expectFormatError(() => parseIdx(good.subarray(0, good.length - 1), 'cut.idx'),
      'cut.idx', 'data length', 'expected 24 bytes', 'got 23', 'truncated');
    expectFormatError(() => parseIdx(good.subarray(0, 12), 'cut.idx'), 'expected 24 bytes', 'got 0');
  });

  it('trailing bytes: expected vs actual bytes', () => {
    const t = bytesOf(header(0x08, [2]), [1, 2, 3]);
    expectFormatError(() => parseIdx(t, 'long.idx'), 'long.idx', 'expected 2 bytes', 'got 3', 'trailing');
  });

  it('a dimension of 0 with data present', () => {
    expectFormatError(() => parseIdx(bytesOf(header(0x08, [0, 28]), [1, 2, 3])), '[0, 28]', 'expected 0 bytes', 'got 3');
  });

  it('absurd element counts (overflow beyond 2^31) without allocating', () => {
    expectFormatError(() => parseIdx(bytesOf(header(0x08, [0xffffffff])), 'big'), 'big', 'absurd', '2^31');
    expectFormatError(() => parseIdx(bytesOf(header(0x0e, [65536, 65536, 65536]))), 'absurd', '[65536, 65536, 65536]');
    // 2^31 exactly is one too many
    expectFormatError(() => parseIdx(bytesOf(header(0x08, [2, 1 << 30]))), 'absurd');
    // a legal but huge count on a tiny input is a length mismatch, not an allocation
    expectFormatError(() => parseIdx(bytesOf(header(0x0e, [60000, 28, 28])), 'huge'), 'expected 376320000 bytes', 'got 0');
    // 255 dimensions of 2 overflow long before the end
    expectFormatError(() => parseIdx(bytesOf(header(0x08, new Array(255).fill(2)))), 'absurd');
  });

  it('non-Uint8Array input', () => {
    expectFormatError(() => parseIdx([0, 0, 8, 1] as unknown as Uint8Array, 'arr'), 'arr', 'Uint8Array', 'Array');
    expectFormatError(() => parseIdx(null as unknown as Uint8Array), 'Uint8Array', 'null');
  });
});

describe('encodeIdx validates its arguments', () => {
  it('shape mismatch and bad shapes', () => {
    expect(() => encodeIdx([1, 2, 3], [2, 2], 'u8')).toThrow(ShapeError);
    expect(() => encodeIdx([1, 2, 3], [2, 2], 'u8')).toThrow(/4 elements but data has 3/);
    expect(() => encodeIdx([], [], 'u8')).toThrow(ShapeError);
    expect(() => encodeIdx([1], [1.5], 'u8')).toThrow(ShapeError);
    expect(() => encodeIdx([1], [-1], 'u8')).toThrow(ShapeError);
    expect(() => encodeIdx([1], new Array(256).fill(1), 'u8')).toThrow(ShapeError);
    expect(() => encodeIdx([], [65536, 65536, 0], 'u8')).not.toThrow();
    expect(() => encodeIdx([1], [65536, 65536], 'u8')).toThrow(/2\^31/);
  });

  it('unknown dtype', () => {
    expect(() => encodeIdx([1], [1], 'u16' as IdxDtype)).toThrow(UnknownNameError);
    expect(() => encodeIdx([1], [1], 'u16' as IdxDtype)).toThrow(/u8, i8, i16, i32, f32, f64/);
  });

  it('integer types need integers in range', () => {
    expect(() => encodeIdx([256], [1], 'u8')).toThrow(ValueError);
    expect(() => encodeIdx([0, -1], [2], 'u8')).toThrow(/data\[1\] = -1/);
    expect(() => encodeIdx([128], [1], 'i8')).toThrow(ValueError);
    expect(() => encodeIdx([40000], [1], 'i16')).toThrow(ValueError);
    expect(() => encodeIdx([2 ** 31], [1], 'i32')).toThrow(ValueError);
    expect(() => encodeIdx([0.5], [1], 'i32')).toThrow(ValueError);
    expect(() => encodeIdx([NaN], [1], 'u8')).toThrow(ValueError);
    expect(Number.isNaN(parseIdx(encodeIdx([NaN], [1], 'f32')).data[0])).toBe(true);
  });
});
