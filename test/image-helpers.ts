// Test helpers: a small PNG encoder (any colour type, bit depth, filter, Adam7), drawn shape images and a
// fixture folder of them written as PNG and JPEG.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { Rng } from '../src/random';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 255]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  v.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

export interface PngSpec {
  width: number;
  height: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
  colorType: 0 | 2 | 3 | 4 | 6;
  depth: 1 | 2 | 4 | 8 | 16;
  /** Raw sample values (palette indices for type 3), row-major, samples per pixel interleaved. */
  samples: ArrayLike<number>;
  palette?: number[][];
  trns?: number[];
  /** Filter type for every row (0..4), or 'cycle' to use 0,1,2,3,4,0,... row by row. */
  filter?: number | 'cycle';
  interlace?: boolean;
  /** Split the zlib stream over this many IDAT chunks. */
  idatChunks?: number;
  /** Extra chunks inserted after IHDR. */
  extra?: [string, Uint8Array][];
}

const SPP = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as const;
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

/** Encodes samples as a PNG file. */
export function encodePng(s: PngSpec): Uint8Array {
  const spp = SPP[s.colorType];
  const bitsPP = spp * s.depth;
  const bpp = Math.max(1, bitsPP >> 3);
  const rows: number[] = [];
  let rowIndex = 0;
  for (const [x0, y0, dx, dy] of s.interlace ? ADAM7 : [[0, 0, 1, 1]]) {
    const pw = Math.ceil((s.width - x0!) / dx!);
    const ph = Math.ceil((s.height - y0!) / dy!);
    if (pw <= 0 || ph <= 0) continue;
    const stride = Math.ceil((pw * bitsPP) / 8);
    let prev = new Uint8Array(stride);
    for (let y = 0; y < ph; y++) {
      const line = new Uint8Array(stride);
      for (let x = 0; x < pw; x++) {
        const src = ((y0! + y * dy!) * s.width + x0! + x * dx!) * spp;
        for (let k = 0; k < spp; k++) {
          const v = s.samples[src + k]!;
          if (s.depth === 16) {
            line[(x * spp + k) * 2] = v >> 8;
            line[(x * spp + k) * 2 + 1] = v & 255;
          } else if (s.depth === 8) line[x * spp + k] = v;
          else {
            const bit = (x * spp + k) * s.depth;
            line[bit >> 3] |= v << (8 - s.depth - (bit & 7));
          }
        }
      }
      const f = s.filter === 'cycle' ? rowIndex % 5 : s.filter ?? 0;
      rowIndex++;
      rows.push(f);
      for (let i = 0; i < stride; i++) {
        const a = i >= bpp ? line[i - bpp]! : 0;
        const b = prev[i]!;
        const c = i >= bpp ? prev[i - bpp]! : 0;
        let pred = 0;
        if (f === 1) pred = a;
        else if (f === 2) pred = b;
        else if (f === 3) pred = Math.floor((a + b) / 2);
        else if (f === 4) {
          const p = a + b - c;
          const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
        rows.push((line[i]! - pred) & 255);
      }
      prev = line;
    }
  }
  const z = deflateSync(Uint8Array.from(rows));
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, s.width);
  v.setUint32(4, s.height);
  ihdr.set([s.depth, s.colorType, 0, 0, s.interlace ? 1 : 0], 8);
  const parts: Uint8Array[] = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  for (const [t, b] of s.extra ?? []) parts.push(chunk(t, b));
  if (s.palette) parts.push(chunk('PLTE', Uint8Array.from(s.palette.flat())));
  if (s.trns) parts.push(chunk('tRNS', Uint8Array.from(s.trns)));
  const n = s.idatChunks ?? 1;
  const step = Math.ceil(z.length / n);
  for (let i = 0; i < n; i++) parts.push(chunk('IDAT', z.subarray(i * step, (i + 1) * step)));
  parts.push(chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}

/** Encodes 8-bit RGB (3 channels) or RGBA (4) pixels as an 8-bit PNG with Paeth-filtered rows. */
export function rgbPng(width: number, height: number, data: Uint8Array, channels: 3 | 4 = 3): Uint8Array {
  return encodePng({ width, height, colorType: channels === 3 ? 2 : 6, depth: 8, samples: data, filter: 4 });
}

/** Encodes 8-bit RGB pixels as a JPEG (jpeg-js, which takes RGBA). */
export function rgbJpeg(width: number, height: number, rgb: Uint8Array, quality = 90): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    rgba.set(rgb.subarray(3 * p, 3 * p + 3), 4 * p);
    rgba[4 * p + 3] = 255;
  }
  return jpeg.encode({ width, height, data: rgba }, quality).data;
}

/** A solid-colour RGB image. */
export function solidRgb(width: number, height: number, rgb: [number, number, number]): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) out.set(rgb, 3 * p);
  return out;
}

/**
 * An RGB image of one shape on a random dark background: a bright filled circle or square of random
 * size, position and colour.
 */
export function shapeImage(kind: 'circle' | 'square', size: number, rng: Rng): Uint8Array {
  const img = new Uint8Array(size * size * 3);
  const bg = [rng.int(80), rng.int(80), rng.int(80)];
  for (let i = 0; i < img.length; i++) img[i] = Math.max(0, Math.min(255, bg[i % 3]! + rng.int(30) - 15));
  const fg = [150 + rng.int(106), 150 + rng.int(106), 150 + rng.int(106)];
  const r = size * (0.22 + 0.12 * rng.next());
  const cx = r + rng.next() * (size - 2 * r);
  const cy = r + rng.next() * (size - 2 * r);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x + 0.5 - cx, dy = y + 0.5 - cy;
      const inside = kind === 'circle' ? dx * dx + dy * dy <= r * r : Math.abs(dx) <= r * 0.9 && Math.abs(dy) <= r * 0.9;
      if (inside) img.set(fg, 3 * (y * size + x));
    }
  }
  return img;
}

/**
 * Writes dir/circles and dir/squares with `perClass` drawn images each; every third image is a JPEG, the
 * rest PNG. Returns the file names per class, in the order written.
 */
export async function writeShapes(dir: string, perClass = 16, size = 24, seed = 7): Promise<Record<string, string[]>> {
  const rng = new Rng(seed);
  const names: Record<string, string[]> = {};
  for (const kind of ['circle', 'square'] as const) {
    const folder = join(dir, kind + 's');
    await mkdir(folder, { recursive: true });
    names[kind + 's'] = [];
    for (let i = 0; i < perClass; i++) {
      const img = shapeImage(kind, size, rng);
      const file = i % 3 === 2 ? `${kind}-${i}.jpg` : `${kind}-${i}.png`;
      await writeFile(join(folder, file), file.endsWith('.jpg') ? rgbJpeg(size, size, img) : rgbPng(size, size, img));
      names[kind + 's']!.push(file);
    }
  }
  return names;
}
