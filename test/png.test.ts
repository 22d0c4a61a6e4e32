import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../src/errors';
import { decodePng, isPng, pngDataBytes } from '../src/io/png';
import { encodePng, type PngSpec } from './image-helpers';
import { FH, FW, expected8 } from './png-fixtures';

const inflate = (b: Uint8Array, maxOutputLength: number) => inflateSync(b, { maxOutputLength });
const decode = (bytes: Uint8Array, name = 'test.png') => decodePng(bytes, inflate, name);

/** Deterministic sample values below 2^depth. */
function samples(n: number, depth: number, seed = 1): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 9) % (1 << depth);
  });
}
const SPP = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as const;
const to8 = (v: number, depth: number) => (depth === 16 ? Math.round(v / 257) : depth === 8 ? v : (v * 255) / ((1 << depth) - 1));

describe('decodePng: files written by ImageMagick', () => {
  // Made with ImageMagick 6.9.11 from test/png-fixtures.ts rawInput(name), 13x11, e.g.
  //   convert -size 13x11 -depth 8 rgb:rgb8.raw -define png:color-type=2 -interlace PNG -strip rgb8-adam7.png
  //   convert -size 13x11 -depth 16 rgba:rgba16.raw -define png:color-type=6 -define png:bit-depth=16 -strip rgba16.png
  //   convert -size 13x11 -depth 8 gray:gray1.raw -define png:color-type=0 -define png:bit-depth=1 -interlace PNG -strip gray1-adam7.png
  //   convert -size 13x11 -depth 8 rgb:pal8.raw -define png:color-type=3 -define png:bit-depth=8 -interlace PNG -strip pal8-adam7.png
  // ImageMagick filters rows adaptively, so the files use several filter types.
  const cases: [file: string, formula: string, colorType: number, depth: number, interlace: number, channels: number][] = [
    ['rgb8-adam7.png', 'rgb8', 2, 8, 1, 3],
    ['rgba16.png', 'rgba16', 6, 16, 0, 4],
    ['gray16-adam7.png', 'gray16', 0, 16, 1, 1],
    ['gray1-adam7.png', 'gray1', 0, 1, 1, 1],
    ['gray2.png', 'gray2', 0, 2, 0, 1],
    ['gray4-adam7.png', 'gray4', 0, 4, 1, 1],
    ['ga8.png', 'ga8', 4, 8, 0, 2],
    ['pal4.png', 'pal4', 3, 4, 0, 3],
    ['pal8-adam7.png', 'pal8', 3, 8, 1, 3],
  ];
  it.each(cases)('%s', (file, formula, colorType, depth, interlace, channels) => {
    const bytes = readFileSync(join(__dirname, 'fixtures', 'png', file));
    expect([bytes[24], bytes[25], bytes[28]]).toEqual([depth, colorType, interlace]); // the IHDR says what we test
    const px = decode(bytes, file);
    expect([px.width, px.height, px.channels]).toEqual([FW, FH, channels]);
    let wrong = 0;
    for (let y = 0; y < FH; y++) {
      for (let x = 0; x < FW; x++) {
        for (let k = 0; k < channels; k++) {
          if (px.data[(y * FW + x) * channels + k] !== expected8(formula, x, y, k)) wrong++;
        }
      }
    }
    expect(wrong).toBe(0);
  });
});

describe('decodePng: round trips through a reference encoder', () => {
  const specs: [string, Partial<PngSpec>][] = [];
  for (const f of [0, 1, 2, 3, 4]) specs.push([`RGB 8-bit, filter ${f}`, { colorType: 2, depth: 8, filter: f }]);
  for (const [ct, d] of [[0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [2, 16], [4, 8], [4, 16], [6, 8], [6, 16]] as const) {
    specs.push([`type ${ct} depth ${d}, filters cycling`, { colorType: ct, depth: d, filter: 'cycle' }]);
    specs.push([`type ${ct} depth ${d}, Adam7`, { colorType: ct, depth: d, filter: 'cycle', interlace: true }]);
  }
  it.each(specs)('%s', (_name, partial) => {
    for (const [w, h] of [[1, 1], [3, 2], [9, 10], [17, 5]]) {
      const spec = { width: w, height: h, filter: 0, ...partial } as PngSpec;
      const n = w * h * SPP[spec.colorType];
      spec.samples = samples(n, spec.depth, w * 31 + h);
      const px = decode(encodePng(spec));
      expect([px.width, px.height, px.channels]).toEqual([w, h, SPP[spec.colorType]]);
      expect(Array.from(px.data)).toEqual(Array.from(spec.samples, (v) => to8(v, spec.depth)));
    }
  });

  it('palettes of 1, 2, 4 and 8 bits, with and without tRNS alpha', () => {
    const palette = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]];
    for (const depth of [1, 2, 4, 8] as const) {
      const entries = Math.min(4, 1 << depth);
      const idx = samples(10 * 7, depth, depth).map((v) => v % entries);
      for (const trns of [undefined, [0, 128]]) {
        const px = decode(encodePng({
          width: 10, height: 7, colorType: 3, depth, samples: idx, palette: palette.slice(0, entries), trns,
          filter: 'cycle', interlace: depth === 4,
        }));
        expect(px.channels).toBe(trns ? 4 : 3);
        const want = idx.flatMap((i) => [...palette[i]!, ...(trns ? [trns[i] ?? 255] : [])]);
        expect(Array.from(px.data)).toEqual(want);
      }
    }
  });

  it('tRNS colour keys add alpha to gray and RGB', () => {
    const gray = decode(encodePng({ width: 4, height: 1, colorType: 0, depth: 8, samples: [5, 9, 5, 200], trns: [0, 5] }));
    expect(gray.channels).toBe(2);
    expect(Array.from(gray.data)).toEqual([5, 0, 9, 255, 5, 0, 200, 255]);
    const g2 = decode(encodePng({ width: 4, height: 1, colorType: 0, depth: 2, samples: [0, 1, 2, 3], trns: [0, 2] }));
    expect(Array.from(g2.data)).toEqual([0, 255, 85, 255, 170, 0, 255, 255]);
    const rgb = decode(encodePng({
      width: 2, height: 1, colorType: 2, depth: 16, samples: [1000, 2000, 3000, 1000, 2000, 3001],
      trns: [1000 >> 8, 1000 & 255, 2000 >> 8, 2000 & 255, 3000 >> 8, 3000 & 255],
    }));
    expect(rgb.channels).toBe(4);
    expect(Array.from(rgb.data)).toEqual([4, 8, 12, 0, 4, 8, 12, 255]);
  });

  it('reads image data split over several IDAT chunks and skips ancillary chunks', () => {
    const spec: PngSpec = {
      width: 6, height: 5, colorType: 6, depth: 8, samples: samples(120, 8), filter: 'cycle', idatChunks: 4,
      extra: [['tEXt', new TextEncoder().encode('Comment\0hello')], ['gAMA', Uint8Array.of(0, 0, 177, 143)]],
    };
    expect(Array.from(decode(encodePng(spec)).data)).toEqual(spec.samples);
  });
});

describe('decodePng: malformed files', () => {
  const good = () => encodePng({ width: 3, height: 3, colorType: 2, depth: 8, samples: samples(27, 8) });
  const withIhdr = (patch: (ihdr: Uint8Array) => void) => {
    const b = good();
    patch(b.subarray(16, 29));
    return b;
  };
  it('names the file and the problem', () => {
    expect(isPng(good())).toBe(true);
    expect(isPng(Uint8Array.of(0xff, 0xd8, 0xff))).toBe(false);
    const cases: [Uint8Array, RegExp][] = [
      [Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), /bad signature/],
      [good().subarray(0, 50), /runs past the end of the file/],
      [withIhdr((h) => { h[9] = 5; }), /colour type 5 with bit depth 8/],
      [withIhdr((h) => { h[8] = 4; }), /colour type 2 with bit depth 4/],
      [withIhdr((h) => { h[12] = 2; }), /unknown interlace method 2/],
      [withIhdr((h) => { h[3] = 0; }), /image size 0x3/],
      [withIhdr((h) => { h[0] = 0x7f; }), /megapixels/],
      [withIhdr((h) => { h[9] = 3; }), /palette image without PLTE/],
      [encodePng({ width: 3, height: 3, colorType: 0, depth: 8, samples: samples(9, 8), extra: [['ABCD', new Uint8Array(2)]] }), /unknown critical chunk ABCD/],
      [encodePng({ width: 2, height: 1, colorType: 3, depth: 8, samples: [0, 3], palette: [[1, 2, 3], [4, 5, 6]] }), /palette index 3 with 2 entries/],
    ];
    for (const [bytes, why] of cases) {
      let err: unknown;
      try {
        decode(bytes, 'dir/bad.png');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FormatError);
      expect((err as Error).message).toMatch(/^dir\/bad\.png: /);
      expect((err as Error).message).toMatch(why);
    }
  });

  it('refuses unknown filters, short and corrupt image data', () => {
    const z = (rows: number[]) => deflateSync(Uint8Array.from(rows));
    // a 2x1 gray PNG whose IDAT holds the given zlib bytes
    const build = (zlib: Uint8Array) => {
      const base = encodePng({ width: 2, height: 1, colorType: 0, depth: 8, samples: [0, 0] });
      // base = signature (8) + IHDR (25) + IDAT (12 + n) + IEND (12): replace the IDAT
      const ihdrEnd = 8 + 25;
      const idat = new Uint8Array(12 + zlib.length);
      new DataView(idat.buffer).setUint32(0, zlib.length);
      idat.set([73, 68, 65, 84], 4);
      idat.set(zlib, 8);
      return Buffer.concat([base.subarray(0, ihdrEnd), idat, base.subarray(base.length - 12)]);
    };
    expect(Array.from(decode(build(z([0, 1, 2]))).data)).toEqual([1, 2]);
    expect(() => decode(build(z([7, 1, 2])))).toThrow(/unknown filter type 7/);
    expect(() => decode(build(z([0, 1])))).toThrow(/image data is shorter than the image/);
    expect(() => decode(build(Uint8Array.of(1, 2, 3, 4, 5)))).toThrow(/image data does not inflate/);
  });

  it('checks the size from IHDR before inflating, and inflates no more than that size needs (a zlib bomb)', () => {
    // a 10x10 RGB PNG whose IDAT inflates to 20 MB of zeros (a 20 KB file)
    const base = encodePng({ width: 10, height: 10, colorType: 2, depth: 8, samples: samples(300, 8) });
    const bomb = deflateSync(new Uint8Array(20e6));
    expect(bomb.length).toBeLessThan(25_000);
    const idat = new Uint8Array(12 + bomb.length);
    new DataView(idat.buffer).setUint32(0, bomb.length);
    idat.set([73, 68, 65, 84], 4);
    idat.set(bomb, 8);
    const file = Buffer.concat([base.subarray(0, 33), idat, base.subarray(base.length - 12)]);
    const asked: number[] = [];
    const spy = (b: Uint8Array, max: number) => { asked.push(max); return inflate(b, max); };
    expect(() => decodePng(file, spy, 'bomb.png')).toThrow(/^bomb\.png: .*image data inflates to more than the 310 bytes a 10x10 image needs/);
    expect(asked).toEqual([10 * (1 + 30)]); // one filter byte and 30 bytes per row
    // an inflater that ignores the bound is caught after the fact
    expect(() => decodePng(file, (b) => inflateSync(b), 'bomb.png')).toThrow(/inflates to more than the 310 bytes/);
    // an absurd IHDR is refused before the inflater is called at all
    const huge = Buffer.from(base);
    new DataView(huge.buffer, huge.byteOffset).setUint32(16, 2 ** 31 - 1);
    asked.length = 0;
    expect(() => decodePng(huge, spy, 'huge.png')).toThrow(/megapixels/);
    expect(asked).toEqual([]);
  });

  it('the bound is exact for every pass layout: interlaced and packed images decode with it', () => {
    for (const [width, height, colorType, depth, interlace] of [[13, 11, 0, 1, true], [7, 5, 6, 16, true], [9, 3, 3, 4, false], [1, 1, 0, 8, true]] as const) {
      const spp = SPP[colorType];
      const spec: PngSpec = { width, height, colorType, depth, interlace, samples: samples(width * height * spp, colorType === 3 ? 2 : depth),
        ...(colorType === 3 ? { palette: [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]] } : {}) };
      const asked: number[] = [];
      decodePng(encodePng(spec), (b, max) => { asked.push(max); const out = inflateSync(b); expect(out.length).toBe(max); return out; }, 'x.png');
      expect(asked).toEqual([pngDataBytes(width, height, spp * depth, interlace)]);
    }
  });
});
