import { act_is_simd, f32_act, f32_act_row, f32_act_v } from './epilogue';

// GEMM kernels. Every C element is one f32 sum in a fixed order that depends only on k, never on the
// position of the element or on m and n, so results are bit-identical across tile paths:
//  - nn, tn: s = ((0 + a0·b0) + a1·b1) + ... in ascending p.
//  - nt: four lane sums s_l = Σ_{p≡l mod 4, p<k&~3} (ascending), then (s0+s2)+(s1+s3), then the k%4
//    tail products added in ascending p.
// Then + old C (accumulate≠0), + bias[j] (bias≠0), then the activation, applied to the finished tile in
// registers (linear/relu/leakyRelu) or to the row segment just stored, still in L1 (elu/sigmoid/tanh).
//
// The k loops are not unrolled on purpose: binaryen folds an unrolled step chain per accumulator, which
// makes every load of the unrolled steps live at once, and V8 then spills accumulators (measured: 4x8
// unrolled by 2 or 4 runs at 65-75% of the plain loop). A plain loop with pointer increments is what
// V8 compiles without spills.

// ---- epilogue on finished tiles ----

@inline function fin8(cp: usize, v0: v128, v1: v128, bp: usize, accumulate: i32, act: i32, alpha: f32): void {
  if (accumulate) {
    v0 = f32x4.add(v0, v128.load(cp));
    v1 = f32x4.add(v1, v128.load(cp, 16));
  }
  if (bp) {
    v0 = f32x4.add(v0, v128.load(bp));
    v1 = f32x4.add(v1, v128.load(bp, 16));
  }
  if (act_is_simd(act)) {
    v128.store(cp, f32_act_v(v0, act, alpha));
    v128.store(cp, f32_act_v(v1, act, alpha), 16);
  } else {
    v128.store(cp, v0);
    v128.store(cp, v1, 16);
    f32_act_row(cp, 8, act, alpha);
  }
}

@inline function fin4(cp: usize, v: v128, bp: usize, accumulate: i32, act: i32, alpha: f32): void {
  if (accumulate) v = f32x4.add(v, v128.load(cp));
  if (bp) v = f32x4.add(v, v128.load(bp));
  if (act_is_simd(act)) {
    v128.store(cp, f32_act_v(v, act, alpha));
  } else {
    v128.store(cp, v);
    f32_act_row(cp, 4, act, alpha);
  }
}

@inline function fin1(cp: usize, s: f32, bp: usize, accumulate: i32, act: i32, alpha: f32): void {
  if (accumulate) s += load<f32>(cp);
  if (bp) s += load<f32>(bp);
  store<f32>(cp, f32_act(s, act, alpha));
}

// ---- A·B tiles for nn and tn: A(i,p) at a + i·rsA + p·csA, B(p,j) at b + p·ldb + 4j ----
// 4x8 register tile, A broadcast with splat loads, two v128 of B per k step: the shape of XNNPACK's
// f32-gemm 4x8 wasmsimd "splat" microkernels. The 8-wide tiles read B in two segments: the first KC rows
// from a packed panel (contiguous, 32 bytes a row, as BLIS/XNNPACK pack B), the rest straight from B,
// so the accumulators stay in registers over the whole k and the order of the sum does not change.

/** Rows of B packed per 8-column panel: 32 KB of static memory (k ≤ 1024 covers most dense layers). */
const KC: i32 = 1024;
const PANEL: usize = memory.data(KC * 32, 16);

/** PANEL[p, 0..7] = B[p, j..j+7] for p < kp. Single-threaded use only (one static panel per instance). */
function pack8(b: usize, ldb: usize, kp: i32): void {
  let d = PANEL;
  const end = PANEL + (<usize>kp << 5);
  while (d < end) {
    v128.store(d, v128.load(b));
    v128.store(d, v128.load(b, 16), 16);
    b += ldb; d += 32;
  }
}

function ab_4x8(a: usize, rsA: usize, csA: usize, b: usize, ldb: usize, k: i32, b2: usize, ldb2: usize, k2: i32,
  c: usize, ldc: usize, bp: usize, accumulate: i32, act: i32, alpha: f32): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  let a0 = a, a1 = a + rsA, a2 = a1 + rsA, a3 = a2 + rsA;
  let end = b + <usize>k * ldb;
  while (b < end) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load32_splat(a0);
    c00 = f32x4.add(c00, f32x4.mul(x, b0)); c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(a1);
    c10 = f32x4.add(c10, f32x4.mul(x, b0)); c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(a2);
    c20 = f32x4.add(c20, f32x4.mul(x, b0)); c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(a3);
    c30 = f32x4.add(c30, f32x4.mul(x, b0)); c31 = f32x4.add(c31, f32x4.mul(x, b1));
    b += ldb; a0 += csA; a1 += csA; a2 += csA; a3 += csA;
  }
  end = b2 + <usize>k2 * ldb2;
  while (b2 < end) {
    const b0 = v128.load(b2), b1 = v128.load(b2, 16);
    let x = v128.load32_splat(a0);
    c00 = f32x4.add(c00, f32x4.mul(x, b0)); c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(a1);
    c10 = f32x4.add(c10, f32x4.mul(x, b0)); c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(a2);
    c20 = f32x4.add(c20, f32x4.mul(x, b0)); c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(a3);
    c30 = f32x4.add(c30, f32x4.mul(x, b0)); c31 = f32x4.add(c31, f32x4.mul(x, b1));
    b2 += ldb2; a0 += csA; a1 += csA; a2 += csA; a3 += csA;
  }
  fin8(c, c00, c01, bp, accumulate, act, alpha);
  fin8(c + ldc, c10, c11, bp, accumulate, act, alpha);
  fin8(c + 2 * ldc, c20, c21, bp, accumulate, act, alpha);
  fin8(c + 3 * ldc, c30, c31, bp, accumulate, act, alpha);
}

function ab_1x8(a: usize, csA: usize, b: usize, ldb: usize, k: i32, b2: usize, ldb2: usize, k2: i32, c: usize,
  bp: usize, accumulate: i32, act: i32, alpha: f32): void {
  let c0 = f32x4.splat(0), c1 = c0;
  let end = b + <usize>k * ldb;
  while (b < end) {
    const x = v128.load32_splat(a);
    c0 = f32x4.add(c0, f32x4.mul(x, v128.load(b)));
    c1 = f32x4.add(c1, f32x4.mul(x, v128.load(b, 16)));
    a += csA; b += ldb;
  }
  end = b2 + <usize>k2 * ldb2;
  while (b2 < end) {
    const x = v128.load32_splat(a);
    c0 = f32x4.add(c0, f32x4.mul(x, v128.load(b2)));
    c1 = f32x4.add(c1, f32x4.mul(x, v128.load(b2, 16)));
    a += csA; b2 += ldb2;
  }
  fin8(c, c0, c1, bp, accumulate, act, alpha);
}

function ab_4x4(a: usize, rsA: usize, csA: usize, b: usize, ldb: usize, k: i32, c: usize, ldc: usize,
  bp: usize, accumulate: i32, act: i32, alpha: f32): void {
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
  let a0 = a, a1 = a + rsA, a2 = a1 + rsA, a3 = a2 + rsA;
  const end = b + <usize>k * ldb;
  while (b < end) {
    const y = v128.load(b);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(a0), y));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(a1), y));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(a2), y));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(a3), y));
    b += ldb; a0 += csA; a1 += csA; a2 += csA; a3 += csA;
  }
  fin4(c, c0, bp, accumulate, act, alpha);
  fin4(c + ldc, c1, bp, accumulate, act, alpha);
  fin4(c + 2 * ldc, c2, bp, accumulate, act, alpha);
  fin4(c + 3 * ldc, c3, bp, accumulate, act, alpha);
}

function ab_1x4(a: usize, csA: usize, b: usize, ldb: usize, k: i32, c: usize,
  bp: usize, accumulate: i32, act: i32, alpha: f32): void {
  let c0 = f32x4.splat(0);
  const end = b + <usize>k * ldb;
  while (b < end) {
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(a), v128.load(b)));
    a += csA; b += ldb;
  }
  fin4(c, c0, bp, accumulate, act, alpha);
}

function ab_4x1(a: usize, rsA: usize, csA: usize, b: usize, ldb: usize, k: i32, c: usize, ldc: usize,
  bp: usize, accumulate: i32, act: i32, alpha: f32): void {
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
  let a0 = a, a1 = a + rsA, a2 = a1 + rsA, a3 = a2 + rsA;
  const end = b + <usize>k * ldb;
  while (b < end) {
    const y = load<f32>(b);
    s0 += load<f32>(a0) * y;
    s1 += load<f32>(a1) * y;
    s2 += load<f32>(a2) * y;
    s3 += load<f32>(a3) * y;
    b += ldb; a0 += csA; a1 += csA; a2 += csA; a3 += csA;
  }
  fin1(c, s0, bp, accumulate, act, alpha);
  fin1(c + ldc, s1, bp, accumulate, act, alpha);
  fin1(c + 2 * ldc, s2, bp, accumulate, act, alpha);
  fin1(c + 3 * ldc, s3, bp, accumulate, act, alpha);
}

function ab_1x1(a: usize, csA: usize, b: usize, ldb: usize, k: i32, c: usize,
  bp: usize, accumulate: i32, act: i32, alpha: f32): void {
  let s: f32 = 0;
  const end = b + <usize>k * ldb;
  while (b < end) {
    s += load<f32>(a) * load<f32>(b);
    a += csA; b += ldb;
  }
  fin1(c, s, bp, accumulate, act, alpha);
}

// Column panels outside, row blocks inside: a panel of B (k x 8) is reused by every row block while the
// four rows of A stream past it.
function gemm_ab(a: usize, rsA: usize, csA: usize, b: usize, bias: usize, c: usize, m: i32, n: i32, k: i32,
  accumulate: i32, act: i32, alpha: f32): void {
  const ldb = <usize>n << 2, ldc = ldb, rs4 = rsA << 2, lc4 = ldc << 2;
  const m4 = m & ~3;
  let j = 0;
  // Pack when the panel is read more than once; the rows past KC are read in place.
  const kp = m > 4 ? min(k, KC) : 0, k2 = k - kp, skip = <usize>kp * ldb;
  for (; j + 8 <= n; j += 8) {
    const jo = <usize>j << 2, bp = bias ? bias + jo : 0;
    if (kp) pack8(b + jo, ldb, kp);
    let ai = a, ci = c + jo, i = 0;
    for (; i < m4; i += 4, ai += rs4, ci += lc4) {
      ab_4x8(ai, rsA, csA, PANEL, 32, kp, b + jo + skip, ldb, k2, ci, ldc, bp, accumulate, act, alpha);
    }
    for (; i < m; i++, ai += rsA, ci += ldc) {
      ab_1x8(ai, csA, PANEL, 32, kp, b + jo + skip, ldb, k2, ci, bp, accumulate, act, alpha);
    }
  }
  if (j + 4 <= n) {
    const jo = <usize>j << 2, bp = bias ? bias + jo : 0;
    let ai = a, ci = c + jo, i = 0;
    for (; i < m4; i += 4, ai += rs4, ci += lc4) ab_4x4(ai, rsA, csA, b + jo, ldb, k, ci, ldc, bp, accumulate, act, alpha);
    for (; i < m; i++, ai += rsA, ci += ldc) ab_1x4(ai, csA, b + jo, ldb, k, ci, bp, accumulate, act, alpha);
    j += 4;
  }
  for (; j < n; j++) {
    const jo = <usize>j << 2, bp = bias ? bias + jo : 0;
    let ai = a, ci = c + jo, i = 0;
    for (; i < m4; i += 4, ai += rs4, ci += lc4) ab_4x1(ai, rsA, csA, b + jo, ldb, k, ci, ldc, bp, accumulate, act, alpha);
    for (; i < m; i++, ai += rsA, ci += ldc) ab_1x1(ai, csA, b + jo, ldb, k, ci, bp, accumulate, act, alpha);
  }
}

export function f32_gemm_nn(a: usize, b: usize, bias: usize, c: usize, m: i32, n: i32, k: i32, accumulate: i32, act: i32, alpha: f32): void {
  gemm_ab(a, <usize>k << 2, 4, b, bias, c, m, n, k, accumulate, act, alpha);
}

export function f32_gemm_tn(a: usize, b: usize, bias: usize, c: usize, m: i32, n: i32, k: i32, accumulate: i32, act: i32, alpha: f32): void {
  gemm_ab(a, 4, <usize>m << 2, b, bias, c, m, n, k, accumulate, act, alpha);
}

// ---- A·Bᵀ tiles for nt: rows of A and rows of B are both contiguous along k (ld = 4k bytes) ----
// Vectorised along k: 2 rows of A x 4 rows of B = 8 lane accumulators, reduced with a 4x4 transpose-add
// (the horizontal-sum trick of XNNPACK's f32-gemm "ld128" and SSE dot-product kernels).

/** [Σa, Σb, Σc, Σd] with each Σ = (l0 + l2) + (l1 + l3). */
@inline function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(f32x4.shuffle(a, b, 0, 4, 1, 5), f32x4.shuffle(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(f32x4.shuffle(c, d, 0, 4, 1, 5), f32x4.shuffle(c, d, 2, 6, 3, 7));
  return f32x4.add(f32x4.shuffle(ab, cd, 0, 1, 4, 5), f32x4.shuffle(ab, cd, 2, 3, 6, 7));
}

/** (l0 + l2) + (l1 + l3), the same order as hsum4. */
@inline function hsum1(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 2)) + (f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 3));
}

/** [B(j,p), B(j+1,p), B(j+2,p), B(j+3,p)] for the k tail. */
@inline function col4(b: usize, ld: usize): v128 {
  let v = f32x4.splat(load<f32>(b));
  v = f32x4.replace_lane(v, 1, load<f32>(b + ld));
  v = f32x4.replace_lane(v, 2, load<f32>(b + 2 * ld));
  return f32x4.replace_lane(v, 3, load<f32>(b + 3 * ld));
}

function abt_2x4(a: usize, b: usize, ld: usize, k: i32, c: usize, ldc: usize,
  bp: usize, accumulate: i32, act: i32, alpha: f32): void {
  let s00 = f32x4.splat(0), s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00, s13 = s00;
  let a0 = a, a1 = a + ld, b0 = b, b1 = b + ld, b2 = b1 + ld, b3 = b2 + ld;
  const end = a + (<usize>(k & ~3) << 2);
  while (a0 < end) {
    const x0 = v128.load(a0), x1 = v128.load(a1);
    let y = v128.load(b0);
    s00 = f32x4.add(s00, f32x4.mul(x0, y)); s10 = f32x4.add(s10, f32x4.mul(x1, y));
    y = v128.load(b1);
    s01 = f32x4.add(s01, f32x4.mul(x0, y)); s11 = f32x4.add(s11, f32x4.mul(x1, y));
    y = v128.load(b2);
    s02 = f32x4.add(s02, f32x4.mul(x0, y)); s12 = f32x4.add(s12, f32x4.mul(x1, y));
    y = v128.load(b3);
    s03 = f32x4.add(s03, f32x4.mul(x0, y)); s13 = f32x4.add(s13, f32x4.mul(x1, y));
    a0 += 16; a1 += 16; b0 += 16; b1 += 16; b2 += 16; b3 += 16;
  }
  let r0 = hsum4(s00, s01, s02, s03), r1 = hsum4(s10, s11, s12, s13);
  const tail = a + (<usize>k << 2);
  while (a0 < tail) {
    const y = col4(b0, ld);
    r0 = f32x4.add(r0, f32x4.mul(v128.load32_splat(a0), y));
    r1 = f32x4.add(r1, f32x4.mul(v128.load32_splat(a1), y));
    a0 += 4; a1 += 4; b0 += 4;
  }
  fin4(c, r0, bp, accumulate, act, alpha);
  fin4(c + ldc, r1, bp, accumulate, act, alpha);
}

function abt_1x4(a: usize, b: usize, ld: usize, k: i32, c: usize,
  bp: usize, accumulate: i32, act: i32, alpha: f32): void {
  let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
  let b0 = b, b1 = b + ld, b2 = b1 + ld, b3 = b2 + ld;
  const end = a + (<usize>(k & ~3) << 2);
  while (a < end) {
    const x = v128.load(a);
    s0 = f32x4.add(s0, f32x4.mul(x, v128.load(b0)));
    s1 = f32x4.add(s1, f32x4.mul(x, v128.load(b1)));
    s2 = f32x4.add(s2, f32x4.mul(x, v128.load(b2)));
    s3 = f32x4.add(s3, f32x4.mul(x, v128.load(b3)));
    a += 16; b0 += 16; b1 += 16; b2 += 16; b3 += 16;
  }
  let r = hsum4(s0, s1, s2, s3);
  const tail = end + (<usize>(k & 3) << 2);
  while (a < tail) {
    r = f32x4.add(r, f32x4.mul(v128.load32_splat(a), col4(b0, ld)));
    a += 4; b0 += 4;
  }
  fin4(c, r, bp, accumulate, act, alpha);
}

function abt_2x1(a: usize, b: usize, ld: usize, k: i32, c: usize, ldc: usize,
  bp: usize, accumulate: i32, act: i32, alpha: f32): void {
  let s0 = f32x4.splat(0), s1 = s0;
  let a0 = a, a1 = a + ld;
  const end = a + (<usize>(k & ~3) << 2);
  while (a0 < end) {
    const y = v128.load(b);
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a0), y));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(a1), y));
    a0 += 16; a1 += 16; b += 16;
  }
  let r0 = hsum1(s0), r1 = hsum1(s1);
  const tail = a + (<usize>k << 2);
  while (a0 < tail) {
    const y = load<f32>(b);
    r0 += load<f32>(a0) * y;
    r1 += load<f32>(a1) * y;
    a0 += 4; a1 += 4; b += 4;
  }
  fin1(c, r0, bp, accumulate, act, alpha);
  fin1(c + ldc, r1, bp, accumulate, act, alpha);
}

function abt_1x1(a: usize, b: usize, k: i32, c: usize, bp: usize, accumulate: i32, act: i32, alpha: f32): void {
  let s = f32x4.splat(0);
  const end = a + (<usize>(k & ~3) << 2);
  while (a < end) {
    s = f32x4.add(s, f32x4.mul(v128.load(a), v128.load(b)));
    a += 16; b += 16;
  }
  let r = hsum1(s);
  const tail = end + (<usize>(k & 3) << 2);
  while (a < tail) {
    r += load<f32>(a) * load<f32>(b);
    a += 4; b += 4;
  }
  fin1(c, r, bp, accumulate, act, alpha);
}

export function f32_gemm_nt(a: usize, b: usize, bias: usize, c: usize, m: i32, n: i32, k: i32, accumulate: i32, act: i32, alpha: f32): void {
  const ld = <usize>k << 2, ldc = <usize>n << 2, ld2 = ld << 1, ld4 = ld << 2, lc2 = ldc << 1;
  const m2 = m & ~1;
  let j = 0, bj = b;
  for (; j + 4 <= n; j += 4, bj += ld4) {
    const jo = <usize>j << 2, bp = bias ? bias + jo : 0;
    let ai = a, ci = c + jo, i = 0;
    for (; i < m2; i += 2, ai += ld2, ci += lc2) abt_2x4(ai, bj, ld, k, ci, ldc, bp, accumulate, act, alpha);
    if (i < m) abt_1x4(ai, bj, ld, k, ci, bp, accumulate, act, alpha);
  }
  for (; j < n; j++, bj += ld) {
    const jo = <usize>j << 2, bp = bias ? bias + jo : 0;
    let ai = a, ci = c + jo, i = 0;
    for (; i < m2; i += 2, ai += ld2, ci += lc2) abt_2x1(ai, bj, ld, k, ci, ldc, bp, accumulate, act, alpha);
    if (i < m) abt_1x1(ai, bj, k, ci, bp, accumulate, act, alpha);
  }
}
