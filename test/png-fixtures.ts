// The pixels of test/fixtures/png/*.png, which ImageMagick 6.9 wrote (lossless) from these formulas; see
// png.test.ts for the commands. W x H = 13 x 11, so every Adam7 pass is non-empty.
export const FW = 13;
export const FH = 11;

/** 12 colours with alphas, for the palette fixtures. */
export const TABLE: [number, number, number, number][] = Array.from({ length: 12 }, (_, i) => [
  (i * 53 + 17) % 256, (i * 97 + 5) % 256, (i * 31 + 200) % 256, i % 4 === 0 ? 0 : i % 4 === 1 ? 255 : 60 * i % 256,
]);

/** Fixture name -> [channels of the raw input, bits per sample, sample value at (x, y, k)]. */
export const FORMULAS: Record<string, [number, 8 | 16, (x: number, y: number, k: number) => number]> = {
  rgb8: [3, 8, (x, y, k) => (x * 19 + y * 23 + k * 71 + ((x * y) % 7) * 9) % 256],
  rgba16: [4, 16, (x, y, k) => (x * 4099 + y * 2053 + k * 16411 + x * y * 131) % 65536],
  gray16: [1, 16, (x, y) => (x * 5003 + y * 911 + x * y * 77) % 65536],
  gray1: [1, 8, (x, y) => ((x + (y >> 1)) % 3 === 0 ? 255 : 0)],
  gray2: [1, 8, (x, y) => ((x + 2 * y) % 4) * 85],
  gray4: [1, 8, (x, y) => ((x * 3 + y) % 16) * 17],
  ga8: [2, 8, (x, y, k) => (k === 0 ? (x * 17 + y * 5) % 256 : (x * 29 + y * 41) % 256)],
  pal4: [3, 8, (x, y, k) => TABLE[(x + y * 5) % 12]![k]!],
  pal8: [3, 8, (x, y, k) => TABLE[(x * 7 + y) % 12]![k]!],
};

/** The raw input bytes for ImageMagick (16-bit samples little-endian, as its raw formats read them). */
export function rawInput(name: string): Uint8Array {
  const [c, bits, f] = FORMULAS[name]!;
  const bytes = bits / 8;
  const out = new Uint8Array(FW * FH * c * bytes);
  for (let y = 0; y < FH; y++) {
    for (let x = 0; x < FW; x++) {
      for (let k = 0; k < c; k++) {
        const v = f(x, y, k);
        const i = ((y * FW + x) * c + k) * bytes;
        if (bytes === 2) {
          out[i] = v & 255;
          out[i + 1] = v >> 8;
        } else out[i] = v;
      }
    }
  }
  return out;
}

/** The expected decoded value (8 bits; 16-bit samples rounded as v / 257). */
export function expected8(name: string, x: number, y: number, k: number): number {
  const [, bits, f] = FORMULAS[name]!;
  return bits === 16 ? Math.round(f(x, y, k) / 257) : f(x, y, k);
}
