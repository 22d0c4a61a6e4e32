// PNG decoder (ISO/IEC 15948, the W3C PNG specification): every colour type and bit depth, palettes,
// tRNS transparency and Adam7 interlacing. The zlib inflate step is passed in (node:zlib in Node), so
// this module itself imports nothing platform-specific. Output is 8 bits per sample; 16-bit samples are
// rounded to 8 bits. The image's size is checked from IHDR before anything is inflated, and the inflater is
// given the exact number of bytes that size needs, so a small file cannot inflate to gigabytes.
import { FormatError } from '../errors';
import type { Pixels } from './resize';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Largest image decoded, in pixels (the same 100 megapixels that jpeg-js allows by default). */
export const MAX_PIXELS = 100_000_000;

/** Allowed bit depths per colour type. */
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
/** Samples per pixel per colour type: gray, -, RGB, palette index, gray+alpha, -, RGBA. */
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7 passes: x start, y start, x step, y step. */
const ADAM7 = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
] as const;

/** True if the bytes start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

/**
 * Inflates zlib data, producing at most `maxOutputLength` bytes: throws (without producing more) when the data
 * inflates to more. node:zlib's `inflateSync(data, { maxOutputLength })` is one.
 */
export type Inflate = (data: Uint8Array, maxOutputLength: number) => Uint8Array;

/** The number of bytes of filtered image data (filter byte + row, per row of every pass) an image needs. */
export function pngDataBytes(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  let n = 0;
  for (const [x0, y0, dx, dy] of interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const)) {
    const pw = Math.ceil((width - x0) / dx);
    const ph = Math.ceil((height - y0) / dy);
    if (pw > 0 && ph > 0) n += ph * (Math.ceil((pw * bitsPerPixel) / 8) + 1);
  }
  return n;
}

/**
 * Decodes a PNG file into 8-bit pixels: gray (1 channel), gray+alpha (2), RGB (3) or RGBA (4), as the
 * file stores them; a palette becomes RGB, or RGBA when tRNS gives any entry transparency, and a tRNS
 * colour key adds an alpha channel. Throws FormatError naming `name` for anything malformed.
 */
export function decodePng(bytes: Uint8Array, inflate: Inflate, name: string): Pixels {
  const fail = (why: string): never => {
    throw new FormatError(`${name}: not a valid PNG file (${why})`);
  };
  if (!isPng(bytes)) fail('bad signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  let width = 0, height = 0, depth = 0, type = -1, interlaced = false;
  let palette: Uint8Array | undefined;
  let trns: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let pos = 8;
  while (pos + 8 <= bytes.length) {
    const len = view.getUint32(pos);
    const kind = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!, bytes[pos + 6]!, bytes[pos + 7]!);
    const ancillary = (bytes[pos + 4]! & 0x20) !== 0; // lower-case first letter
    const start = pos + 8;
    if (start + len + 4 > bytes.length) fail(`chunk ${kind} runs past the end of the file`);
    const body = bytes.subarray(start, start + len);
    pos = start + len + 4; // skip the CRC; IDAT data is checked by zlib's Adler-32
    if (kind === 'IHDR') {
      if (len !== 13) fail('IHDR must be 13 bytes');
      width = view.getUint32(start);
      height = view.getUint32(start + 4);
      depth = body[8]!;
      type = body[9]!;
      if (body[10] !== 0 || body[11] !== 0) fail('unknown compression or filter method');
      if (body[12]! > 1) fail(`unknown interlace method ${body[12]}`);
      interlaced = body[12] === 1;
    } else if (type < 0) {
      fail('the first chunk must be IHDR');
    } else if (kind === 'PLTE') {
      if (len % 3 !== 0 || len === 0 || len > 768) fail(`PLTE has ${len} bytes`);
      palette = body;
    } else if (kind === 'tRNS') {
      trns = body;
    } else if (kind === 'IDAT') {
      idat.push(body);
    } else if (kind === 'IEND') {
      break;
    } else if (!ancillary) {
      fail(`unknown critical chunk ${kind}`);
    }
  }
  if (type < 0) fail('no IHDR chunk');
  if (width === 0 || height === 0) fail(`image size ${width}x${height}`);
  if (width * height > MAX_PIXELS) {
    throw new FormatError(`${name}: ${width}x${height} pixels is more than the ${MAX_PIXELS / 1e6} megapixels neurite decodes`);
  }
  if (!(type in DEPTHS) || !DEPTHS[type]!.includes(depth)) fail(`colour type ${type} with bit depth ${depth}`);
  if (type === 3 && !palette) fail('palette image without PLTE');
  if (idat.length === 0) fail('no IDAT chunk');

  let compressed: Uint8Array;
  if (idat.length === 1) compressed = idat[0]!;
  else {
    compressed = new Uint8Array(idat.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of idat) {
      compressed.set(c, o);
      o += c.length;
    }
  }
  const samples = SAMPLES[type]!;
  const bitsPerPixel = samples * depth;
  const needed = pngDataBytes(width, height, bitsPerPixel, interlaced);
  let raw: Uint8Array;
  try {
    raw = inflate(compressed, needed);
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      return fail(`image data inflates to more than the ${needed} bytes a ${width}x${height} image needs`);
    }
    return fail(`image data does not inflate: ${(e as Error).message}`);
  }
  if (raw.length > needed) fail(`image data inflates to more than the ${needed} bytes a ${width}x${height} image needs`);

  const bpp = Math.max(1, bitsPerPixel >> 3); // filter distance in bytes

  // Output layout. tRNS adds alpha to gray, RGB and palette images.
  let alphaOf: Uint8Array | undefined; // palette index -> alpha
  let keyGray = -1, keyR = -1, keyG = -1, keyB = -1;
  if (trns && type === 3) {
    alphaOf = new Uint8Array(256).fill(255);
    alphaOf.set(trns.subarray(0, 256));
  } else if (trns && type === 0 && trns.length >= 2) {
    keyGray = (trns[0]! << 8) | trns[1]!;
  } else if (trns && type === 2 && trns.length >= 6) {
    keyR = (trns[0]! << 8) | trns[1]!;
    keyG = (trns[2]! << 8) | trns[3]!;
    keyB = (trns[4]! << 8) | trns[5]!;
  }
  const channels = (
    type === 0 ? (keyGray >= 0 ? 2 : 1)
      : type === 2 ? (keyR >= 0 ? 4 : 3)
        : type === 3 ? (alphaOf?.some((a) => a !== 255) ? 4 : 3)
          : samples
  ) as Pixels['channels'];
  const out = new Uint8Array(width * height * channels);
  const maxSample = (1 << depth) - 1;
  const to8 = depth === 16 ? (v: number) => Math.round(v / 257) : depth === 8 ? (v: number) => v : (v: number) => (v * 255) / maxSample;
  const paletteEntries = palette ? palette.length / 3 : 0;

  let offset = 0;
  const passes = interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const);
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil((width - x0) / dx);
    const ph = Math.ceil((height - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    const stride = Math.ceil((pw * bitsPerPixel) / 8);
    if (offset + ph * (stride + 1) > raw.length) fail('image data is shorter than the image');
    let prev = new Uint8Array(stride);
    let cur = new Uint8Array(stride);
    for (let y = 0; y < ph; y++) {
      const filter = raw[offset]!;
      cur.set(raw.subarray(offset + 1, offset + 1 + stride));
      offset += stride + 1;
      if (!unfilter(filter, cur, prev, bpp)) fail(`unknown filter type ${filter}`);
      const rowOut = (y0 + y * dy) * width;
      if (depth === 8 && dx === 1 && channels === samples && type !== 3) {
        out.set(cur.subarray(0, width * samples), rowOut * channels); // the common case: bytes as stored
        [prev, cur] = [cur, prev];
        continue;
      }
      for (let x = 0; x < pw; x++) {
        const o = (rowOut + x0 + x * dx) * channels;
        if (depth < 8) {
          const bit = x * depth;
          const v = (cur[bit >> 3]! >> (8 - depth - (bit & 7))) & maxSample;
          if (type === 3) {
            if (v >= paletteEntries) fail(`palette index ${v} with ${paletteEntries} entries`);
            writePalette(out, o, palette!, alphaOf, channels, v);
          } else {
            out[o] = to8(v);
            if (channels === 2) out[o + 1] = v === keyGray ? 0 : 255;
          }
        } else if (depth === 8) {
          const i = x * samples;
          if (type === 3) {
            const v = cur[i]!;
            if (v >= paletteEntries) fail(`palette index ${v} with ${paletteEntries} entries`);
            writePalette(out, o, palette!, alphaOf, channels, v);
          } else {
            for (let k = 0; k < samples; k++) out[o + k] = cur[i + k]!;
            if (keyGray >= 0) out[o + 1] = cur[i] === keyGray ? 0 : 255;
            else if (keyR >= 0) out[o + 3] = cur[i] === keyR && cur[i + 1] === keyG && cur[i + 2] === keyB ? 0 : 255;
          }
        } else {
          const i = x * samples * 2;
          const s = (k: number) => (cur[i + 2 * k]! << 8) | cur[i + 2 * k + 1]!;
          for (let k = 0; k < samples; k++) out[o + k] = to8(s(k));
          if (keyGray >= 0) out[o + 1] = s(0) === keyGray ? 0 : 255;
          else if (keyR >= 0) out[o + 3] = s(0) === keyR && s(1) === keyG && s(2) === keyB ? 0 : 255;
        }
      }
      [prev, cur] = [cur, prev];
    }
  }
  return { width, height, data: out, channels };
}

function writePalette(
  out: Uint8Array, o: number, palette: Uint8Array, alphaOf: Uint8Array | undefined, channels: number, v: number,
): void {
  out[o] = palette[3 * v]!;
  out[o + 1] = palette[3 * v + 1]!;
  out[o + 2] = palette[3 * v + 2]!;
  if (channels === 4) out[o + 3] = alphaOf![v]!;
}

/** Reverses one row's filter in place (prev is the previous unfiltered row, zeros for the first). */
function unfilter(filter: number, cur: Uint8Array, prev: Uint8Array, bpp: number): boolean {
  const n = cur.length;
  switch (filter) {
    case 0:
      return true;
    case 1: // Sub
      for (let i = bpp; i < n; i++) cur[i] = (cur[i]! + cur[i - bpp]!) & 255;
      return true;
    case 2: // Up
      for (let i = 0; i < n; i++) cur[i] = (cur[i]! + prev[i]!) & 255;
      return true;
    case 3: // Average
      for (let i = 0; i < n; i++) cur[i] = (cur[i]! + (((i >= bpp ? cur[i - bpp]! : 0) + prev[i]!) >> 1)) & 255;
      return true;
    case 4: // Paeth
      for (let i = 0; i < n; i++) {
        const a = i >= bpp ? cur[i - bpp]! : 0;
        const b = prev[i]!;
        const c = i >= bpp ? prev[i - bpp]! : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        cur[i] = (cur[i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
      }
      return true;
    default:
      return false;
  }
}
