import { act1, act_any_v } from '../act/act';

// GEMM kernels nn (A·B), nt (A·Bᵀ) and tn (Aᵀ·B). Every C element is one f32 sum in one fixed order for
// all three layouts and every tile path: s = ((0 + a0·b0) + a1·b1) + ... in ascending p; then + old C
// (accumulate≠0), + bias[j] (bias≠0), then the activation, applied in registers by the one definition in
// assembly/act (act_any_v; act1, its lane 0, for single values). So results do not depend on m, n, the layout or
// the path taken, they equal f32_activation's on the same sums, and the js twin (src/backend/js/gemm.ts)
// gives the same bits.
//
// The structure is BLIS/XNNPACK's: A is packed into panels of 5 rows (k x 5, row-interleaved), B into
// panels of 8 columns (k x 8), both zero-padded at the edges, and one 5x8 micro-kernel (10 v128
// accumulators, B as two v128 per k step, A broadcast with splat loads) runs over every tile. Packing
// makes the three layouts one kernel: only the packers differ. A block of A (at most ABYTES packed)
// stays in L2 while each B panel (at most 32 KB for k ≤ 1024) is reused from L1 by every row panel.
// k > KL1 (KC with accumulate) is split into chunks whose partial sums go through C as f32 (exact), so the order
// is unchanged.
//
// One-to-three-row products of nn/tn (one-sample inference) skip packing and stream B in place.

/** Rows of B per packed panel (k chunk). */
const KC: i32 = 4096;
/**
 * k chunk without accumulate: a packed (or in-place) 8-column panel of B of 1024 steps is 32 KB, so it stays in
 * L1 while every row panel of the block reads it. The dW products of convolutions (k = the batch's pixels, tens of
 * thousands) measured 1.16-1.36x faster than with 4096-step chunks (shapes at bench/cnn-profile.ts) and the rest
 * unchanged; the partial sums pass through C as f32, so the bits are the same.
 */
const KL1: i32 = 1024;
/** Bytes of packed A per block. */
const ABYTES: i32 = 640 * 1024;
/** Bytes of one instance's scratch: the packed B panel, the packed A block and a 5x8 edge tile. */
const SCRATCH: i32 = KC * 32 + ABYTES + 160;

// The scratch lives where the host puts it (set_scratch), not in static data: every thread runs its own
// instance over one shared memory, and each instance's globals point at that thread's own scratch.
let BPANEL: usize = 0;
let APACK: usize = 0;
/** Scratch 5x8 tile for edge tiles (row stride 32 bytes). */
let TILE: usize = 0;

/** Points this instance's gemm scratch at `ptr` (64-byte aligned, gemm_scratch_bytes() long). */
export function gemm_set_scratch(ptr: usize): void {
  BPANEL = ptr;
  APACK = ptr + <usize>KC * 32;
  TILE = APACK + <usize>ABYTES;
}

/** This instance's packed-B panel (KC steps of 8 floats) and 5x8 edge tile, for kernels built on pack_b. */
export function gemm_bpanel(): usize { return BPANEL; }
export function gemm_tile(): usize { return TILE; }
/** This instance's packed-A block (ABYTES), free for other kernels between products. */
export function gemm_apack(): usize { return APACK; }

/** Bytes that gemm_set_scratch needs. */
export function gemm_scratch_bytes(): i32 { return SCRATCH; }

// ---- epilogue on finished tiles ----

@inline export function fin8(cp: usize, v0: v128, v1: v128, bp: usize, accumulate: i32, act: i32, alpha: f32): void {
  if (accumulate) {
    v0 = f32x4.add(v0, v128.load(cp));
    v1 = f32x4.add(v1, v128.load(cp, 16));
  }
  if (bp) {
    v0 = f32x4.add(v0, v128.load(bp));
    v1 = f32x4.add(v1, v128.load(bp, 16));
  }
  v128.store(cp, act_any_v(v0, act, alpha));
  v128.store(cp, act_any_v(v1, act, alpha), 16);
}

@inline function fin4(cp: usize, v: v128, bp: usize, accumulate: i32, act: i32, alpha: f32): void {
  if (accumulate) v = f32x4.add(v, v128.load(cp));
  if (bp) v = f32x4.add(v, v128.load(bp));
  v128.store(cp, act_any_v(v, act, alpha));
}

@inline export function fin1(cp: usize, s: f32, bp: usize, accumulate: i32, act: i32, alpha: f32): void {
  if (accumulate) s += load<f32>(cp);
  if (bp) s += load<f32>(bp);
  store<f32>(cp, act1(s, act, alpha));
}

// ---- the 5x8 micro-kernel over packed panels ----
// ap: k steps of 5 floats, `as` bytes apart (20 when packed); bp: k steps of 8 floats, `bs` bytes apart (32
// when packed). A and B can also be read in place where a step's floats are already adjacent (A of tn, B of
// nn and tn): see gemm_packed. Accumulators start at zero, or at the partial sums in C when a previous k chunk
// left them there (init≠0). Two pointer increments per step, and the five splat loads use constant offsets
// from one pointer (reading A of nn in place through five row pointers measured slower on the large shapes).
// Exported for bench/peak.ts, which times it alone on panels in L1; assembly/index.ts does not export it.

export function ukr_5x8(ap: usize, as: usize, bp: usize, bs: usize, kc: i32, c: usize, ldc: usize, init: i32): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  let c40 = c00, c41 = c00;
  if (init) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ldc); c11 = v128.load(c + ldc, 16);
    c20 = v128.load(c + 2 * ldc); c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc); c31 = v128.load(c + 3 * ldc, 16);
    c40 = v128.load(c + 4 * ldc); c41 = v128.load(c + 4 * ldc, 16);
  }
  const end = bp + <usize>kc * bs;
  while (bp < end) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let x = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(x, b0)); c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(x, b0)); c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(x, b0)); c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(x, b0)); c31 = f32x4.add(c31, f32x4.mul(x, b1));
    x = v128.load32_splat(ap, 16);
    c40 = f32x4.add(c40, f32x4.mul(x, b0)); c41 = f32x4.add(c41, f32x4.mul(x, b1));
    ap += as; bp += bs;
  }
  // V8 computes memory base + offset for a splat load's constant offset inside the loop unless the same
  // offset is also used outside it; this never-taken branch (kc > 0 always) uses offsets 4, 8 and 12 so the
  // three sums are made once before the loop: 3 fewer instructions in a 36-instruction step.
  if (kc < 0) { store<f32>(ap, 0, 4); store<f32>(ap, 0, 8); store<f32>(ap, 0, 12); }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
  v128.store(c + 4 * ldc, c40); v128.store(c + 4 * ldc, c41, 16);
}

/**
 * A full 5x8 tile: raw sums into C (or into TILE when the old C is still needed), then the epilogue
 * over the five row segments while they are in L1.
 */
function tile_5x8(ap: usize, as: usize, bp: usize, bs: usize, kc: i32, c: usize, ldc: usize, init: i32, fin: i32,
  bias: usize, accumulate: i32, act: i32, alpha: f32): void {
  const d = accumulate ? TILE : c, ldd: usize = accumulate ? 32 : ldc;
  ukr_5x8(ap, as, bp, bs, kc, d, ldd, init);
  if (!fin || (!accumulate && !bias && act == 0)) return;
  for (let r = 0; r < 5; r++) {
    const s = d + <usize>r * ldd;
    fin8(c + <usize>r * ldc, v128.load(s), v128.load(s, 16), bias, accumulate, act, alpha);
  }
}

/** An mr x nb corner of a tile (mr ≤ 5, nb ≤ 8): the full kernel on TILE, then the valid part to C. */
function edge_tile(ap: usize, as: usize, bp: usize, bs: usize, kc: i32, c: usize, ldc: usize, mr: i32, nb: i32,
  init: i32, fin: i32, bias: usize, accumulate: i32, act: i32, alpha: f32): void {
  for (let o: usize = 0; o < 160; o += 16) v128.store(TILE + o, f32x4.splat(0));
  if (init) {
    for (let r = 0; r < mr; r++) memory.copy(TILE + (<usize>r << 5), c + <usize>r * ldc, <usize>nb << 2);
  }
  ukr_5x8(ap, as, bp, bs, kc, TILE, 32, init);
  for (let r = 0; r < mr; r++) {
    const t = TILE + (<usize>r << 5), cr = c + <usize>r * ldc;
    if (fin) {
      for (let j = 0; j < nb; j++) {
        const o = <usize>j << 2;
        fin1(cr + o, load<f32>(t + o), bias ? bias + o : 0, accumulate, act, alpha);
      }
    } else {
      memory.copy(cr, t, <usize>nb << 2);
    }
  }
}

// ---- packing. A(i,p) at a + i·rsA + p·csA, B(p,j) at b + p·rsB + j·csB (byte strides) ----

/** 4x4 transpose: [v0 v1 v2 v3] as rows → stores the columns at d, d+ds, d+2ds, d+3ds. */
@inline function transpose4_store(v0: v128, v1: v128, v2: v128, v3: v128, d: usize, ds: usize): void {
  const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5), t1 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(v2, v3, 0, 4, 1, 5), t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
  v128.store(d, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(d + ds, i32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(d + 2 * ds, i32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(d + 3 * ds, i32x4.shuffle(t1, t3, 2, 3, 6, 7));
}

/** Packs rows [0, mb) of A (k steps kc) into panels of 5 rows at APACK; missing rows are zero. */
function pack_a(a: usize, rsA: usize, csA: usize, mb: i32, kc: i32): void {
  const panel = <usize>kc * 20;
  let d = APACK;
  for (let i = 0; i < mb; i += 5, d += panel, a += rsA * 5) {
    if (i + 5 <= mb && csA == 4) {
      // nn, nt: five rows contiguous along p; rows 0-3 by 4x4 transposes, row 4 by single floats.
      const a1 = a + rsA, a2 = a1 + rsA, a3 = a2 + rsA, a4 = a3 + rsA;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const o = <usize>p << 2, q = d + <usize>p * 20;
        transpose4_store(v128.load(a + o), v128.load(a1 + o), v128.load(a2 + o), v128.load(a3 + o), q, 20);
        store<f32>(q, load<f32>(a4 + o), 16); store<f32>(q, load<f32>(a4 + o, 4), 36);
        store<f32>(q, load<f32>(a4 + o, 8), 56); store<f32>(q, load<f32>(a4 + o, 12), 76);
      }
      for (; p < kc; p++) {
        const o = <usize>p << 2, q = d + <usize>p * 20;
        store<f32>(q, load<f32>(a + o)); store<f32>(q, load<f32>(a1 + o), 4);
        store<f32>(q, load<f32>(a2 + o), 8); store<f32>(q, load<f32>(a3 + o), 12);
        store<f32>(q, load<f32>(a4 + o), 16);
      }
    } else if (i + 5 <= mb && rsA == 4) {
      // tn: the five rows are adjacent in each column.
      let s = a, q = d;
      const end = d + panel;
      while (q < end) {
        v128.store(q, v128.load(s));
        store<f32>(q, load<f32>(s, 16), 16);
        s += csA; q += 20;
      }
    } else {
      const mr = min(5, mb - i);
      for (let p = 0; p < kc; p++) {
        const q = d + <usize>p * 20, s = a + <usize>p * csA;
        for (let r = 0; r < 5; r++) store<f32>(q + (<usize>r << 2), r < mr ? load<f32>(s + <usize>r * rsA) : 0);
      }
    }
  }
}

/** Packs columns [0, nb) (nb ≤ 8) of B (k steps kc) into BPANEL; missing columns are zero. */
export function pack_b(b: usize, rsB: usize, csB: usize, nb: i32, kc: i32): void {
  if (nb == 8 && csB == 4) {
    // nn, tn: eight contiguous floats per row of B.
    let d = BPANEL;
    const end = BPANEL + (<usize>kc << 5);
    while (d < end) {
      v128.store(d, v128.load(b));
      v128.store(d, v128.load(b, 16), 16);
      b += rsB; d += 32;
    }
  } else if (nb == 8 && rsB == 4) {
    // nt: eight rows of the stored matrix, each contiguous along p: two 4x4 transposes per 4 steps.
    const b1 = b + csB, b2 = b1 + csB, b3 = b2 + csB, b4 = b3 + csB, b5 = b4 + csB, b6 = b5 + csB, b7 = b6 + csB;
    let p = 0;
    for (; p + 4 <= kc; p += 4) {
      const o = <usize>p << 2, d = BPANEL + (<usize>p << 5);
      transpose4_store(v128.load(b + o), v128.load(b1 + o), v128.load(b2 + o), v128.load(b3 + o), d, 32);
      transpose4_store(v128.load(b4 + o), v128.load(b5 + o), v128.load(b6 + o), v128.load(b7 + o), d + 16, 32);
    }
    for (; p < kc; p++) {
      const o = <usize>p << 2, d = BPANEL + (<usize>p << 5);
      store<f32>(d, load<f32>(b + o)); store<f32>(d, load<f32>(b1 + o), 4);
      store<f32>(d, load<f32>(b2 + o), 8); store<f32>(d, load<f32>(b3 + o), 12);
      store<f32>(d, load<f32>(b4 + o), 16); store<f32>(d, load<f32>(b5 + o), 20);
      store<f32>(d, load<f32>(b6 + o), 24); store<f32>(d, load<f32>(b7 + o), 28);
    }
  } else {
    for (let p = 0; p < kc; p++) {
      const d = BPANEL + (<usize>p << 5), s = b + <usize>p * rsB;
      for (let j = 0; j < 8; j++) store<f32>(d + (<usize>j << 2), j < nb ? load<f32>(s + <usize>j * csB) : 0);
    }
  }
}

// ---- drivers ----

/** Plain loops in the same order, for the one case the chunked path cannot take (k > KC with accumulate). */
function gemm_scalar(a: usize, rsA: usize, csA: usize, b: usize, rsB: usize, csB: usize, bias: usize, c: usize,
  ldc: usize, m: i32, n: i32, k: i32, accumulate: i32, act: i32, alpha: f32): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s: f32 = 0;
      for (let p = 0; p < k; p++) s += load<f32>(a + <usize>i * rsA + <usize>p * csA) * load<f32>(b + <usize>p * rsB + <usize>j * csB);
      fin1(c + <usize>i * ldc + (<usize>j << 2), s, bias ? bias + (<usize>j << 2) : 0, accumulate, act, alpha);
    }
  }
}

function gemm_packed(a: usize, rsA: usize, csA: usize, b: usize, rsB: usize, csB: usize, bias: usize, c: usize,
  ldc: usize, m: i32, n: i32, k: i32, accumulate: i32, act: i32, alpha: f32): void {
  if (k > KC && accumulate) {
    gemm_scalar(a, rsA, csA, b, rsB, csB, bias, c, ldc, m, n, k, accumulate, act, alpha);
    return;
  }
  let p0 = 0;
  const kcMax = accumulate ? KC : KL1;
  do {
    const kc = min(kcMax, k - p0), init = p0 > 0 ? 1 : 0, fin = p0 + kc >= k ? 1 : 0;
    // Rows of A per block: as many 5-row panels as fit in ABYTES; with one column panel, the packed A is read
    // once, right after packing, so blocks of 8 KB keep it in L1 instead of passing it through the outer caches.
    // A of tn has a step's five floats adjacent (csA apart per step): with one or two column panels its packed
    // copy would be read once or twice, so full panels are read in place, only a last partial panel is packed,
    // and one block covers every row (B is packed once).
    const aInPlace = rsA == 4 && n <= 16;
    const mc = aInPlace ? m : max(5, ((n <= 8 ? 8192 : ABYTES) / max(1, kc * 20)) * 5);
    for (let i0 = 0; i0 < m; i0 += mc) {
      const mb = min(mc, m - i0), panel = <usize>kc * 20, ab = a + <usize>i0 * rsA + <usize>p0 * csA;
      const full = mb - mb % 5;
      if (!aInPlace) pack_a(ab, rsA, csA, mb, kc);
      else if (full < mb) pack_a(ab + <usize>full * rsA, rsA, csA, mb - full, kc);
      // B of nn and tn has a step's eight floats adjacent (rsB apart per step): read in place when few row
      // panels would share the packed copy, or when B's rows are 8 floats, already the packed layout. Up to five
      // panels (a small batch, a thread's small chunk) still gain when B's rows are at most 1 KB apart and a
      // panel spans at most 512 KB (measured 6-16 % faster); with longer rows or spans, in place loses.
      const bInPlace = csB == 4 && (mb <= 10 || rsB == 32 || (mb <= 25 && rsB <= 1024 && <usize>kc * rsB <= 524288));
      for (let j0 = 0; j0 < n; j0 += 8) {
        const nb = min(8, n - j0), jo = <usize>j0 << 2, bp = bias ? bias + jo : 0;
        let bpan = BPANEL, bs: usize = 32;
        if (bInPlace && nb == 8) {
          bpan = b + <usize>p0 * rsB + <usize>j0 * csB;
          bs = rsB;
        } else {
          pack_b(b + <usize>p0 * rsB + <usize>j0 * csB, rsB, csB, nb, kc);
        }
        let ap = APACK, ci = c + <usize>i0 * ldc + jo;
        for (let i = 0; i < mb; i += 5, ap += panel, ci += ldc * 5) {
          const mr = min(5, mb - i);
          let pa = ap, as: usize = 20;
          if (aInPlace) {
            if (mr == 5) { pa = ab + <usize>i * rsA; as = csA; } else pa = APACK;
          }
          if (mr == 5 && nb == 8) tile_5x8(pa, as, bpan, bs, kc, ci, ldc, init, fin, bp, accumulate, act, alpha);
          else edge_tile(pa, as, bpan, bs, kc, ci, ldc, mr, nb, init, fin, bp, accumulate, act, alpha);
        }
      }
    }
    p0 += kc;
  } while (p0 < k);
}

/**
 * Rows of C one at a time, B read in place (rows of B contiguous, ldb bytes apart): for m < 4, where packing B
 * would not pay. When a row of A is contiguous (nn), its terms go in aligned blocks of four, and a block of four
 * zeros is skipped without reading B's four rows (an MNIST image is about 4/5 zeros, mostly in long runs; a ReLU
 * layer's output about half). The skipped terms are ±0 products, and adding ±0 to a sum that starts at +0 leaves
 * it unchanged (round to nearest never makes a -0 sum), so the bits are those of the sum over every term, for
 * finite B (a model's weights always are); src/backend/js/gemm.ts skips the same blocks, so the backends agree
 * even for infinite or NaN B. Columns go 16 at a time, then 4, then one by one (each column's sum in the same
 * order in all three, so the same bits).
 */
function gemm_rows(a: usize, rsA: usize, csA: usize, b: usize, ldb: usize, bias: usize, c: usize, ldc: usize,
  m: i32, n: i32, k: i32, accumulate: i32, act: i32, alpha: f32): void {
  // terms [0, k4) in blocks of four (none when A's row is strided), then the rest one by one
  const k4 = csA == 4 ? k & ~3 : 0, ldb4 = ldb << 2;
  for (let i = 0; i < m; i++, a += rsA, c += ldc) {
    const aTail = a + (<usize>k4 << 2), aEnd = a + <usize>k * csA, tail = <usize>k4 * ldb;
    let j = 0;
    for (; j + 16 <= n; j += 16) {
      const jo = <usize>j << 2;
      let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
      let bp = b + jo;
      for (let ap = a; ap < aTail; ap += 16, bp += ldb4) {
        if (!v128.any_true(f32x4.ne(v128.load(ap), f32x4.splat(0)))) continue;
        let bq = bp;
        for (let t: usize = 0; t < 16; t += 4, bq += ldb) {
          const x = v128.load32_splat(ap + t);
          s0 = f32x4.add(s0, f32x4.mul(x, v128.load(bq)));
          s1 = f32x4.add(s1, f32x4.mul(x, v128.load(bq, 16)));
          s2 = f32x4.add(s2, f32x4.mul(x, v128.load(bq, 32)));
          s3 = f32x4.add(s3, f32x4.mul(x, v128.load(bq, 48)));
        }
      }
      bp = b + jo + tail;
      for (let ap = aTail; ap < aEnd; ap += csA, bp += ldb) {
        const x = v128.load32_splat(ap);
        s0 = f32x4.add(s0, f32x4.mul(x, v128.load(bp)));
        s1 = f32x4.add(s1, f32x4.mul(x, v128.load(bp, 16)));
        s2 = f32x4.add(s2, f32x4.mul(x, v128.load(bp, 32)));
        s3 = f32x4.add(s3, f32x4.mul(x, v128.load(bp, 48)));
      }
      const bj = bias ? bias + jo : 0;
      fin8(c + jo, s0, s1, bj, accumulate, act, alpha);
      fin8(c + jo + 32, s2, s3, bj ? bj + 32 : 0, accumulate, act, alpha);
    }
    for (; j + 4 <= n; j += 4) {
      const jo = <usize>j << 2;
      let s0 = f32x4.splat(0);
      let bp = b + jo;
      for (let ap = a; ap < aTail; ap += 16, bp += ldb4) {
        if (!v128.any_true(f32x4.ne(v128.load(ap), f32x4.splat(0)))) continue;
        let bq = bp;
        for (let t: usize = 0; t < 16; t += 4, bq += ldb) s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(ap + t), v128.load(bq)));
      }
      bp = b + jo + tail;
      for (let ap = aTail; ap < aEnd; ap += csA, bp += ldb) s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(ap), v128.load(bp)));
      fin4(c + jo, s0, bias ? bias + jo : 0, accumulate, act, alpha);
    }
    for (; j < n; j++) {
      const jo = <usize>j << 2;
      let s: f32 = 0;
      let bp = b + jo;
      for (let ap = a; ap < aTail; ap += 16, bp += ldb4) {
        if (!v128.any_true(f32x4.ne(v128.load(ap), f32x4.splat(0)))) continue;
        let bq = bp;
        for (let t: usize = 0; t < 16; t += 4, bq += ldb) s += load<f32>(ap + t) * load<f32>(bq);
      }
      bp = b + jo + tail;
      for (let ap = aTail; ap < aEnd; ap += csA, bp += ldb) s += load<f32>(ap) * load<f32>(bp);
      fin1(c + jo, s, bias ? bias + jo : 0, accumulate, act, alpha);
    }
  }
}

/**
 * C = A·B over strides in elements: A(i,p) at a + 4·(i·rsA + p·csA), B(p,j) at b + 4·(p·rsB + j·csB),
 * C(i,j) at c + 4·(i·ldc + j). The three layouts below are its special cases; a block of rows of C (what one
 * thread computes) is a call with a, c moved to its first row and m its row count, giving the same bits.
 */
export function f32_gemm_strided(a: usize, rsA: i32, csA: i32, b: usize, rsB: i32, csB: i32, bias: usize, c: usize,
  ldc: i32, m: i32, n: i32, k: i32, accumulate: i32, act: i32, alpha: f32): void {
  if (m <= 0 || n <= 0) return;
  const rA = <usize>rsA << 2, cA = <usize>csA << 2, rB = <usize>rsB << 2, cB = <usize>csB << 2, lc = <usize>ldc << 2;
  if (m < 4 && csB == 1) gemm_rows(a, rA, cA, b, rB, bias, c, lc, m, n, k, accumulate, act, alpha);
  else gemm_packed(a, rA, cA, b, rB, cB, bias, c, lc, m, n, k, accumulate, act, alpha);
}

/** C[m,n] = A[m,k]·B[k,n]. */
export function f32_gemm_nn(a: usize, b: usize, bias: usize, c: usize, m: i32, n: i32, k: i32, accumulate: i32, act: i32, alpha: f32): void {
  f32_gemm_strided(a, k, 1, b, n, 1, bias, c, n, m, n, k, accumulate, act, alpha);
}

/** C[m,n] = A[k,m]ᵀ·B[k,n]. */
export function f32_gemm_tn(a: usize, b: usize, bias: usize, c: usize, m: i32, n: i32, k: i32, accumulate: i32, act: i32, alpha: f32): void {
  f32_gemm_strided(a, 1, m, b, n, 1, bias, c, n, m, n, k, accumulate, act, alpha);
}

/** C[m,n] = A[m,k]·B[n,k]ᵀ. */
export function f32_gemm_nt(a: usize, b: usize, bias: usize, c: usize, m: i32, n: i32, k: i32, accumulate: i32, act: i32, alpha: f32): void {
  f32_gemm_strided(a, k, 1, b, 1, k, bias, c, n, m, n, k, accumulate, act, alpha);
}
