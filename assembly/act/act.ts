// The one definition of every activation, and of exp, on four lanes (f32x4). The scalar form of each is lane 0
// of the same code (act1, exp1), so the gemm epilogue, the elementwise kernels, their scalar tails, the softmax
// and the fused softmax losses all give the same bits for the same input; src/backend/js/act.ts runs the same
// f32 operations one value at a time. Codes follow Act in src/backend/types.ts.
//
// exp(x) = 2^n · e^r with n = round(x·log2 e) and r = x − n·ln2, ln2 split in a 15-bit head (n·LN2_HI is exact
// for |n| < 512) and a tail (Cody and Waite's reduction): |r| ≤ 0.35. e^r = 1 + r + r²·q(r), q of degree 4
// fitted here for the least maximum relative error of e^r on |r| ≤ 0.3536 (Lawson's iteration on a dense grid,
// then rounded to f32): 3.5e-9 before f32 rounding. n is rounded with the 1.5·2^23 trick (round to nearest even
// in f32 adds, and its integer read from the sum's low bits). 2^n is applied as 2^(n − ⌊n/2⌋)·2^⌊n/2⌋, two exact
// powers of two, so results that overflow become ∞ and results below 2^-126 round once, to the right subnormal.
// Inputs are first clamped to [−104, 89] (exp(−104) < 2^-150 rounds to 0, exp(89) > the f32 maximum), with
// pmin/pmax, which keep NaN. Only f32 +, −, ×, ÷ and exact operations: no FMA, nothing that depends on the
// engine. Accuracy against float64 (bench/act-ulp.ts measures it, test/act.test.ts checks a dense sweep; the
// README gives the figures): exp and expm1 on x ≤ 0 (elu) below 1 ulp, sigmoid below 2.4 ulp, tanh below 1.3 ulp.

export const ACT_LINEAR: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_LEAKY_RELU: i32 = 2;
export const ACT_ELU: i32 = 3;
export const ACT_SIGMOID: i32 = 4;
export const ACT_TANH: i32 = 5;
export const ACT_RELU6: i32 = 6;
export const ACT_HARD_SIGMOID: i32 = 7;

const LOG2E: f32 = 1.4426950216293335;
const MAGIC: f32 = 12582912.0; // 1.5·2^23: x + MAGIC rounds x to an integer held in the low mantissa bits
const MAGIC_BITS: i32 = 0x4b400000;
const LN2_HI: f32 = 0.693145751953125;
const LN2_LO: f32 = 1.428606765330187e-6;
const Q0: f32 = 0.4999999403953552;
const Q1: f32 = 0.16666509211063385;
const Q2: f32 = 0.04166853055357933;
const Q3: f32 = 0.008370140567421913;
const Q4: f32 = 0.0013811651151627302;
/** Below this |x|, tanh is an odd polynomial; above, 1 − 2e/(1 + e), e = exp(−2|x|). */
const TANH_SMALL: f32 = 0.699999988079071;
const T0: f32 = -0.33333322405815125;
const T1: f32 = 0.13332951068878174;
const T2: f32 = -0.053917620331048965;
const T3: f32 = 0.021556083112955093;
const T4: f32 = -0.007853048853576183;
const T5: f32 = 0.001873097149655223;

/** The integer n (as f32) nearest x·log2 e, ties to even, plus MAGIC: t − MAGIC is n, bits(t) − MAGIC_BITS too. */
@inline function round_n(x: v128): v128 {
  return f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), f32x4.splat(MAGIC));
}

/** r = x − n·ln2 with ln2 in two parts (the first product is exact). */
@inline function reduce(x: v128, nf: v128): v128 {
  return f32x4.sub(f32x4.sub(x, f32x4.mul(nf, f32x4.splat(LN2_HI))), f32x4.mul(nf, f32x4.splat(LN2_LO)));
}

/** e^r − 1 = r + r²·q(r) on |r| ≤ 0.3536 (Horner; the last step adds r, so small r keep their relative accuracy). */
@inline function expm1_poly(r: v128): v128 {
  let q = f32x4.add(f32x4.mul(f32x4.splat(Q4), r), f32x4.splat(Q3));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(Q2));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(Q1));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(Q0));
  return f32x4.add(f32x4.mul(q, f32x4.mul(r, r)), r);
}

/** 2^n for integer lanes −126 ≤ n ≤ 127, built from its exponent bits. */
@inline function pow2(n: v128): v128 {
  return i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23);
}

/** e^x on four lanes: NaN stays NaN, e^+∞ = +∞, e^−∞ = 0; subnormal results rounded once. */
@inline export function exp_v(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-104)), f32x4.splat(89));
  const t = round_n(x);
  const nf = f32x4.sub(t, f32x4.splat(MAGIC));
  const n = i32x4.sub(t, i32x4.splat(MAGIC_BITS));
  const p = f32x4.add(expm1_poly(reduce(x, nf)), f32x4.splat(1));
  const n1 = i32x4.shr_s(n, 1);
  return f32x4.mul(f32x4.mul(p, pow2(n1)), pow2(i32x4.sub(n, n1)));
}

/**
 * e^x − 1 for x ≤ 0 (greater x are taken as 0; elu and tanh need no more): 2^n·(e^r − 1) + (2^n − 1), so for
 * |x| < 0.35 (n = 0) it is the polynomial r + r²·q(r) itself, with no 1 − 1 cancellation. x < −24 gives −1.
 */
@inline export function expm1_neg_v(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-24)), f32x4.splat(0));
  const t = round_n(x);
  const nf = f32x4.sub(t, f32x4.splat(MAGIC));
  const s = pow2(i32x4.sub(t, i32x4.splat(MAGIC_BITS)));
  return f32x4.add(f32x4.mul(s, expm1_poly(reduce(x, nf))), f32x4.sub(s, f32x4.splat(1)));
}

/**
 * σ(x) with e = exp(−|x|) ≤ 1 and q = e/(1 + e): σ = q for x < 0 and 1 − q for x ≥ 0. No exp overflows, the
 * small values keep their relative accuracy down to the subnormals, 1 − q is 1 exactly where σ rounds to 1,
 * and σ(−x) = 1 − σ(x) holds bit for bit.
 */
@inline export function sigmoid_v(x: v128): v128 {
  const e = exp_v(f32x4.neg(f32x4.abs(x)));
  const q = f32x4.div(e, f32x4.add(f32x4.splat(1), e));
  return v128.bitselect(f32x4.sub(f32x4.splat(1), q), q, f32x4.ge(x, f32x4.splat(0)));
}

/**
 * tanh on |x| with the sign of x put back (tanh(−x) = −tanh(x) bit for bit). Below |x| = 0.7, the odd polynomial
 * |x| + |x|³·p(x²), p of degree 5 fitted here for the least maximum relative error on [0, 0.707] (7.8e-10 before
 * f32 rounding); it is |x| itself for |x| < 2^-12. Above, 1 − 2e/(1 + e) with e = exp(−2|x|) (the reduction and
 * polynomial of exp_v; −2|x| clamped at −24, where tanh is 1): exactly 1 where tanh rounds to 1. NaN stays NaN.
 */
@inline export function tanh_v(x: v128): v128 {
  const one = f32x4.splat(1);
  const a = f32x4.abs(x);
  const z = f32x4.pmax(f32x4.mul(a, f32x4.splat(-2)), f32x4.splat(-24));
  const t = round_n(z);
  const nf = f32x4.sub(t, f32x4.splat(MAGIC));
  const s = pow2(i32x4.sub(t, i32x4.splat(MAGIC_BITS)));
  const e = f32x4.mul(f32x4.add(expm1_poly(reduce(z, nf)), one), s);
  const big = f32x4.sub(one, f32x4.div(f32x4.add(e, e), f32x4.add(e, one)));
  const a2 = f32x4.mul(a, a);
  let p = f32x4.add(f32x4.mul(f32x4.splat(T5), a2), f32x4.splat(T4));
  p = f32x4.add(f32x4.mul(p, a2), f32x4.splat(T3));
  p = f32x4.add(f32x4.mul(p, a2), f32x4.splat(T2));
  p = f32x4.add(f32x4.mul(p, a2), f32x4.splat(T1));
  p = f32x4.add(f32x4.mul(p, a2), f32x4.splat(T0));
  const small = f32x4.add(a, f32x4.mul(f32x4.mul(a, a2), p));
  const y = v128.bitselect(small, big, f32x4.lt(a, f32x4.splat(TANH_SMALL)));
  return v128.or(y, v128.and(x, i32x4.splat(0x80000000)));
}

/** elu: x for x > 0, alpha·(e^x − 1) otherwise (NaN stays NaN). */
@inline export function elu_v(x: v128, alpha: f32): v128 {
  return v128.bitselect(x, f32x4.mul(f32x4.splat(alpha), expm1_neg_v(x)), f32x4.gt(x, f32x4.splat(0)));
}

/**
 * linear, relu (max(x, 0), NaN stays NaN), leakyRelu (x > 0 ? x : alpha·x), relu6 (min(max(x, 0), 6), NaN stays
 * NaN) and hardSigmoid (min(max(0.2·x + 0.5, 0), 1) in f32 operations, as TF.js's K.hardSigmoid; NaN stays NaN) on
 * four lanes; other codes: v.
 */
@inline export function act_simple_v(v: v128, act: i32, alpha: f32): v128 {
  if (act == ACT_RELU) return f32x4.max(v, f32x4.splat(0));
  if (act == ACT_RELU6) return f32x4.min(f32x4.max(v, f32x4.splat(0)), f32x4.splat(6));
  if (act == ACT_HARD_SIGMOID) {
    const y = f32x4.add(f32x4.mul(v, f32x4.splat(0.2)), f32x4.splat(0.5));
    return f32x4.min(f32x4.max(y, f32x4.splat(0)), f32x4.splat(1));
  }
  if (act == ACT_LEAKY_RELU) return v128.bitselect(v, f32x4.mul(v, f32x4.splat(alpha)), f32x4.gt(v, f32x4.splat(0)));
  return v;
}

/** act on four lanes. Where act is a constant (the elementwise loops), everything but its own case folds away. */
@inline export function act_v(v: v128, act: i32, alpha: f32): v128 {
  switch (act) {
    case ACT_ELU: return elu_v(v, alpha);
    case ACT_SIGMOID: return sigmoid_v(v);
    case ACT_TANH: return tanh_v(v);
    default: return act_simple_v(v, act, alpha);
  }
}

/** elu, sigmoid or tanh on four lanes, as one shared copy of the code (a call) for the gemm epilogues. */
export function act_exp_v(v: v128, act: i32, alpha: f32): v128 {
  return act_v(v, act, alpha);
}

/** act_v for an act known only at run time: the cheap ones inline, the exp-based ones through act_exp_v. */
@inline export function act_any_v(v: v128, act: i32, alpha: f32): v128 {
  return act <= ACT_LEAKY_RELU || act >= ACT_RELU6 ? act_simple_v(v, act, alpha) : act_exp_v(v, act, alpha);
}

/** act on one value: lane 0 of act_v, so a scalar tail gives the bits a vector lane would. */
export function act1(x: f32, act: i32, alpha: f32): f32 {
  return f32x4.extract_lane(act_v(f32x4.splat(x), act, alpha), 0);
}

/** e^x on one value: lane 0 of exp_v. */
export function exp1(x: f32): f32 {
  return f32x4.extract_lane(exp_v(f32x4.splat(x)), 0);
}

// ---- derivatives, from the output y ----
// relu: dy where y > 0, else +0 (an and with the comparison mask: no multiply, no NaN from 0·∞)
// leakyRelu: y > 0 ? dy : dy·α · elu: y > 0 ? dy : dy·(y + α), as f'(x) = α·eˣ = y + α for x ≤ 0
// sigmoid: dy·(y·(1 − y)) · tanh: dy·(1 − y·y) · relu6: dy where 0 < y < 6, else +0 (0 at the clip, where the
// output cannot tell x = 6 from x > 6) · hardSigmoid: dy·0.2 where 0 < y < 1, else +0 · linear: dy

/** dy·act'(x) on four lanes, from the output y = act(x). Where act is a constant, only its own case remains. */
@inline export function act_grad_v(act: i32, y: v128, dy: v128, alpha: f32): v128 {
  const z = f32x4.splat(0);
  if (act == ACT_RELU) return v128.and(dy, f32x4.gt(y, z));
  if (act == ACT_LEAKY_RELU) return v128.bitselect(dy, f32x4.mul(dy, f32x4.splat(alpha)), f32x4.gt(y, z));
  if (act == ACT_ELU) return v128.bitselect(dy, f32x4.mul(dy, f32x4.add(y, f32x4.splat(alpha))), f32x4.gt(y, z));
  if (act == ACT_SIGMOID) return f32x4.mul(dy, f32x4.mul(y, f32x4.sub(f32x4.splat(1), y)));
  if (act == ACT_TANH) return f32x4.mul(dy, f32x4.sub(f32x4.splat(1), f32x4.mul(y, y)));
  if (act == ACT_RELU6) return v128.and(dy, v128.and(f32x4.gt(y, z), f32x4.lt(y, f32x4.splat(6))));
  if (act == ACT_HARD_SIGMOID) {
    return v128.and(f32x4.mul(dy, f32x4.splat(0.2)), v128.and(f32x4.gt(y, z), f32x4.lt(y, f32x4.splat(1))));
  }
  return dy;
}

/** act_grad_v on one value, the same operations (so a scalar tail gives a lane's bits). */
@inline export function act_grad1(act: i32, y: f32, dy: f32, alpha: f32): f32 {
  if (act == ACT_RELU) return y > 0 ? dy : 0;
  if (act == ACT_LEAKY_RELU) return y > 0 ? dy : dy * alpha;
  if (act == ACT_ELU) return y > 0 ? dy : dy * (y + alpha);
  if (act == ACT_SIGMOID) return dy * (y * (1 - y));
  if (act == ACT_TANH) return dy * (1 - y * y);
  if (act == ACT_RELU6) return y > 0 && y < 6 ? dy : 0;
  if (act == ACT_HARD_SIGMOID) return y > 0 && y < 1 ? dy * <f32>0.2 : 0;
  return dy;
}
