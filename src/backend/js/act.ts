// The activations and exp: the readable twin of assembly/act/act.ts, one value at a time. Each f32 operation of
// the wasm code is the f64 operation rounded by Math.fround, which gives the f32 result exactly (+, −, ×, ÷ of
// f32 values are correctly rounded in f64 and rounded once more; products of f32 values are exact in f64);
// comparisons, selections, |x|, negation and powers of two are exact. So these give the wasm kernels' bits
// for every input (NaN stays NaN, whatever its payload). See act.ts for the derivation and the error bounds.
import { Act } from '../types';

const fround = Math.fround;

const LOG2E = fround(1.4426950216293335);
/** 1.5·2^23: x + MAGIC in f32 rounds x to an integer, ties to even. */
const MAGIC = 12582912;
const LN2_HI = 0.693145751953125;
const LN2_LO = fround(1.428606765330187e-6);
const Q0 = fround(0.4999999403953552);
const Q1 = fround(0.16666509211063385);
const Q2 = fround(0.04166853055357933);
const Q3 = fround(0.008370140567421913);
const Q4 = fround(0.0013811651151627302);
const TANH_SMALL = fround(0.7);
/** hardSigmoid's slope, TF.js's 0.2 as f32. */
export const HARD_SLOPE = fround(0.2);
const T0 = fround(-0.33333322405815125);
const T1 = fround(0.13332951068878174);
const T2 = fround(-0.053917620331048965);
const T3 = fround(0.021556083112955093);
const T4 = fround(-0.007853048853576183);
const T5 = fround(0.001873097149655223);

/** The f32 constants, for the test that they are what the wasm module uses. */
export const ACT_CONSTANTS = { LOG2E, MAGIC, LN2_HI, LN2_LO, Q0, Q1, Q2, Q3, Q4, TANH_SMALL, T0, T1, T2, T3, T4, T5 } as const;

/** n = round(x·log2 e), ties to even, in f32 as the wasm code has it. */
function roundN(x: number): number {
  return fround(fround(x * LOG2E) + MAGIC) - MAGIC;
}

/** r = x − n·ln2, ln2 in two parts. */
function reduce(x: number, n: number): number {
  return fround(fround(x - fround(n * LN2_HI)) - fround(n * LN2_LO));
}

/** e^r − 1 = r + r²·q(r). */
function expm1Poly(r: number): number {
  let q = fround(fround(Q4 * r) + Q3);
  q = fround(fround(q * r) + Q2);
  q = fround(fround(q * r) + Q1);
  q = fround(fround(q * r) + Q0);
  return fround(fround(q * fround(r * r)) + r);
}

/** e^x for an f32 x, rounded to f32. */
export function exp32(x: number): number {
  x = x < -104 ? -104 : x;
  x = 89 < x ? 89 : x;
  const n = roundN(x);
  const p = fround(expm1Poly(reduce(x, n)) + 1);
  const n1 = Math.floor(n / 2);
  return fround(fround(p * 2 ** n1) * 2 ** (n - n1));
}

/** e^x − 1 for an f32 x ≤ 0 (greater x count as 0). */
export function expm1Neg32(x: number): number {
  x = x < -24 ? -24 : x;
  x = 0 < x ? 0 : x;
  const n = roundN(x);
  const s = 2 ** n;
  return fround(fround(s * expm1Poly(reduce(x, n))) + fround(s - 1));
}

/** σ(x) = e/(1 + e) for x < 0, 1 − e/(1 + e) for x ≥ 0, e = exp(−|x|). */
export function sigmoid32(x: number): number {
  const e = exp32(-Math.abs(x));
  const q = fround(e / fround(1 + e));
  return x >= 0 ? fround(1 - q) : q;
}

/** tanh(x): |x| + |x|³·p(x²) below |x| = 0.7, 1 − 2e/(1 + e) above with e = exp(−2|x|); the sign of x put back. */
export function tanh32(x: number): number {
  const a = Math.abs(x);
  let y: number;
  if (a < TANH_SMALL) {
    const a2 = fround(a * a);
    let p = fround(fround(T5 * a2) + T4);
    p = fround(fround(p * a2) + T3);
    p = fround(fround(p * a2) + T2);
    p = fround(fround(p * a2) + T1);
    p = fround(fround(p * a2) + T0);
    y = fround(a + fround(fround(a * a2) * p));
  } else {
    let z = fround(a * -2);
    z = z < -24 ? -24 : z;
    const n = roundN(z);
    const e = fround(fround(expm1Poly(reduce(z, n)) + 1) * 2 ** n);
    y = fround(1 - fround(fround(e + e) / fround(e + 1)));
  }
  return x < 0 || Object.is(x, -0) ? -y : y;
}

/**
 * The activation on one f32 value (codes of `Act`; alpha, an f32 value, is the leakyRelu slope and the elu
 * scale). relu is max(x, 0), so NaN stays NaN; hardSigmoid is min(max(0.2·x + 0.5, 0), 1). Returns an f32 value.
 */
export function activation(x: number, act: number, alpha: number): number {
  switch (act) {
    case Act.Relu: return Math.max(x, 0);
    case Act.LeakyRelu: return x > 0 ? x : fround(x * alpha);
    case Act.Elu: return x > 0 ? x : fround(alpha * expm1Neg32(x));
    case Act.Sigmoid: return sigmoid32(x);
    case Act.Tanh: return tanh32(x);
    case Act.Relu6: return Math.min(Math.max(x, 0), 6);
    case Act.HardSigmoid: return Math.min(Math.max(fround(fround(x * HARD_SLOPE) + 0.5), 0), 1);
    default: return x;
  }
}
