import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../src/errors';
import { resizePixels, type Pixels } from '../src/io/resize';

const luma = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;

function solid(width: number, height: number, px: number[]): Pixels {
  const data = new Uint8Array(width * height * px.length);
  for (let i = 0; i < data.length; i++) data[i] = px[i % px.length]!;
  return { width, height, data, channels: px.length as Pixels['channels'] };
}

function expectAll(a: Float32Array, per: number[], digits = 6) {
  expect(a.length % per.length).toBe(0);
  for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(per[i % per.length]!, digits);
}

describe('resizePixels', () => {
  it('keeps an image of the same size exactly (RGB and gray)', () => {
    const data = Uint8Array.from({ length: 3 * 2 * 3 }, (_, i) => (i * 41) % 256);
    const rgb = resizePixels({ width: 3, height: 2, data, channels: 3 });
    expect(Array.from(rgb)).toEqual(Array.from(data, (v) => Math.fround(v / 255)));
    const gray = resizePixels({ width: 3, height: 2, data, channels: 3 }, { channels: 1 });
    expect(gray.length).toBe(6);
    for (let p = 0; p < 6; p++) {
      expect(gray[p]).toBeCloseTo(luma(data[3 * p]!, data[3 * p + 1]!, data[3 * p + 2]!) / 255, 6);
    }
  });

  it('keeps a solid colour solid when growing and shrinking, in RGB and BT.601 gray', () => {
    const src = solid(7, 5, [200, 120, 30, 255]);
    for (const size of [[3, 4], [9, 11], [1, 1], [5, 7]] as [number, number][]) {
      const rgb = resizePixels(src, { size, channels: 3 });
      expect(rgb.length).toBe(size[0] * size[1] * 3);
      expectAll(rgb, [200 / 255, 120 / 255, 30 / 255]);
      const gray = resizePixels(src, { size, channels: 1 });
      expect(gray.length).toBe(size[0] * size[1]);
      expectAll(gray, [luma(200, 120, 30) / 255]); // 133.66 / 255
    }
    expect(luma(200, 120, 30) / 255).toBeCloseTo(0.52415686, 6);
  });

  it('interpolates between pixel centres and clamps at the edges (1-D cases by hand)', () => {
    const row = (vals: number[]): Pixels => ({ width: vals.length, height: 1, data: vals, channels: 1 });
    // 2 -> 4: source x = (x + 0.5) / 2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1)
    expectAll(resizePixels(row([0, 255]), { size: [1, 4], channels: 1 }), [0, 0.25, 0.75, 1]);
    // 4 -> 2: source x = 0.5 and 2.5, the means of the pairs
    const down = resizePixels(row([10, 30, 100, 200]), { size: [1, 2], channels: 1 });
    expect(down[0]).toBeCloseTo(20 / 255, 7);
    expect(down[1]).toBeCloseTo(150 / 255, 7);
    // 3 -> 1: the centre pixel only
    expect(resizePixels(row([10, 77, 200]), { size: [1, 1], channels: 1 })[0]).toBeCloseTo(77 / 255, 7);
  });

  it('mixes four neighbours with weights (1-fx)(1-fy), fx(1-fy), (1-fx)fy, fx fy', () => {
    const src: Pixels = { width: 2, height: 2, data: [0, 100, 200, 255], channels: 1 };
    const out = resizePixels(src, { size: [4, 4], channels: 1 });
    // output (1, 1) reads source (0.25, 0.25); output (2, 1) reads (x 0.25, y 0.75)
    expect(out[1 * 4 + 1]).toBeCloseTo((0.5625 * 0 + 0.1875 * 100 + 0.1875 * 200 + 0.0625 * 255) / 255, 6);
    expect(out[2 * 4 + 1]).toBeCloseTo((0.1875 * 0 + 0.0625 * 100 + 0.5625 * 200 + 0.1875 * 255) / 255, 6);
    expect(out[0]).toBe(0);
    expect(out[15]).toBe(1);
  });

  it('reproduces a linear ramp exactly away from the clamped border', () => {
    const w = 13, h = 9;
    const f = (x: number, y: number) => 7 + 11 * x + 9 * y; // at most 7 + 132 + 72 = 211
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.fill(f(x, y), 3 * (y * w + x), 3 * (y * w + x) + 3);
    for (const [dh, dw] of [[5, 6], [20, 31]]) {
      const out = resizePixels({ width: w, height: h, data, channels: 3 }, { size: [dh, dw] });
      let checked = 0;
      for (let y = 0; y < dh; y++) {
        for (let x = 0; x < dw; x++) {
          const sx = (x + 0.5) * (w / dw) - 0.5;
          const sy = (y + 0.5) * (h / dh) - 0.5;
          if (sx < 0 || sy < 0 || sx > w - 1 || sy > h - 1) continue;
          for (let k = 0; k < 3; k++) expect(out[3 * (y * dw + x) + k]).toBeCloseTo(f(sx, sy) / 255, 5);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(dh * dw / 2);
    }
  });

  it('composites alpha over black and repeats gray into RGB', () => {
    expectAll(resizePixels(solid(2, 2, [200, 100, 50, 128]), { size: [3, 3] }), [
      (200 * 128) / 255 / 255, (100 * 128) / 255 / 255, (50 * 128) / 255 / 255,
    ]);
    expectAll(resizePixels(solid(2, 2, [200, 100, 50, 0]), { channels: 1 }), [0]);
    expectAll(resizePixels(solid(3, 1, [90, 51]), { channels: 3 }), [(90 * 51) / 255 / 255]);
    expectAll(resizePixels(solid(3, 1, [90]), { channels: 3 }), [90 / 255]);
    expectAll(resizePixels(solid(3, 1, [90]), { channels: 1 }), [90 / 255]);
    // a transparent pixel next to an opaque one adds no colour of its own: only its (zero) weight
    const edge: Pixels = { width: 2, height: 1, channels: 4, data: [255, 255, 255, 0, 0, 0, 255, 255] };
    const mid = resizePixels(edge, { size: [1, 3], channels: 3 });
    expect(Array.from(mid.subarray(3, 6)).map((v) => +v.toFixed(6))).toEqual([0, 0, 0.5]) // blue at half weight, no white;
  });

  it('writes into out at an offset and leaves the rest alone', () => {
    const out = new Float32Array(2 + 2 * 2 * 3 + 2).fill(-1);
    const ret = resizePixels(solid(4, 4, [255, 0, 51]), { size: [2, 2] }, out, 2);
    expect(ret).toBe(out);
    expect(Array.from(out.subarray(0, 2))).toEqual([-1, -1]);
    expect(Array.from(out.subarray(14))).toEqual([-1, -1]);
    expectAll(out.subarray(2, 14), [1, 0, 0.2]);
  });

  it('refuses bad sources, sizes, channels and outputs', () => {
    const ok = solid(2, 2, [1, 2, 3]);
    expect(() => resizePixels({ ...ok, width: 0 })).toThrow(ShapeError);
    expect(() => resizePixels({ ...ok, height: 1.5 })).toThrow(/positive integer width and height/);
    expect(() => resizePixels({ ...ok, channels: 5 as 4 })).toThrow(ValueError);
    expect(() => resizePixels({ ...ok, data: new Uint8Array(11) })).toThrow(/needs 12 bytes, got 11/);
    expect(() => resizePixels(ok, { size: [0, 3] })).toThrow(/size must be \[height, width\]/);
    expect(() => resizePixels(ok, { size: [3] as unknown as [number, number] })).toThrow(ValueError);
    expect(() => resizePixels(ok, { channels: 4 as 3 })).toThrow(/channels must be 1 \(grayscale\) or 3 \(RGB\), got 4/);
    expect(() => resizePixels(ok, { size: [2, 2] }, new Float32Array(11))).toThrow(/12 do not fit at offset 0/);
    expect(() => resizePixels(ok, { size: [2, 2] }, new Float32Array(12), 1)).toThrow(ShapeError);
  });
});
