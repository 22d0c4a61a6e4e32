import { ValueError } from './errors';

/**
 * Seeded pseudo-random numbers: sfc32 seeded through splitmix32. Integer arithmetic only for the stream
 * itself, so the same seed gives the same numbers in every JavaScript engine.
 *
 * @example
 * const rng = new nn.Rng(42);
 * rng.next();      // a number in [0, 1), the same for seed 42 everywhere
 * rng.int(10);     // an integer in [0, 10)
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = NaN;

  /**
   * A generator for `seed` (any number; integers up to 2^53 use all their bits).
   *
   * @example
   * new nn.Rng(7).normal();
   */
  constructor(seed: number) {
    let s = (seed >>> 0) ^ Math.floor(seed / 4294967296);
    const mix = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Marsaglia polar method). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare;
      this.spare = NaN;
      return v;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return u * f;
  }

  /** Standard normal truncated to [−2, 2] by redrawing, as Keras' truncated normal. */
  truncatedNormal(): number {
    for (;;) {
      const x = this.normal();
      if (x >= -2 && x <= 2) return x;
    }
  }

  /** Fisher–Yates shuffle of a[start, start+n) in place. */
  shuffle(a: Int32Array, start = 0, n = a.length - start): void {
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[start + i];
      a[start + i] = a[start + j];
      a[start + j] = t;
    }
  }

  /** The generator's full state, to resume the same stream later (see setState). */
  getState(): number[] {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0, this.spare];
  }
  /**
   * Resumes the stream getState returned: four 32-bit unsigned integers and a spare normal (NaN for none);
   * ValueError for anything else.
   *
   * @example
   * const saved = rng.getState();
   * const a = rng.next();
   * rng.setState(saved);
   * rng.next() === a;   // true
   */
  setState(s: readonly number[]): void {
    if (!Array.isArray(s) || s.length !== 5 || !s.slice(0, 4).every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32)) {
      throw new ValueError('Rng state must be four 32-bit unsigned integers and a spare normal');
    }
    [this.a, this.b, this.c, this.d] = s.map((v) => v | 0);
    this.spare = typeof s[4] === 'number' ? s[4] : NaN;
  }

  /** A derived generator with an independent stream (for shuffling, dropout, ...). */
  fork(): Rng {
    return new Rng(this.u32() * 4294967296 + this.u32());
  }
}
