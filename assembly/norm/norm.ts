// Dropout, elementwise multiply and batch normalization (channels = last axis). Elementwise loops go 16 floats
// per step, then 4, then scalar. Batch-norm kernels walk blocks of 8 channels, then 4, then single channels,
// rows inner, so each channel's f64 sums run over the rows in ascending order whatever block holds it: the js
// twin (src/backend/js/norm.ts) gets the same bits with plain per-channel loops.

@inline function bytes(count: i32): usize { return <usize>max(count, 0) << 2; }

// ---- dropout ----

// The counter-based hash: murmur3's 32-bit finalizer fmix32 (Appleby, MurmurHash3) applied to a Weyl sequence
// i·0x9E3779B9 + fmix32(seed), the construction of SplitMix-style generators (Steele, Lea, Flood 2014).
const GOLDEN: u32 = 0x9E3779B9;
const M1: u32 = 0x85EBCA6B;
const M2: u32 = 0xC2B2AE35;

@inline function fmix32(h: u32): u32 {
  h ^= h >>> 16;
  h *= M1;
  h ^= h >>> 13;
  h *= M2;
  h ^= h >>> 16;
  return h;
}

@inline function fmix32x4(h: v128): v128 {
  h = v128.xor(h, i32x4.shr_u(h, 16));
  h = i32x4.mul(h, i32x4.splat(<i32>M1));
  h = v128.xor(h, i32x4.shr_u(h, 13));
  h = i32x4.mul(h, i32x4.splat(<i32>M2));
  return v128.xor(h, i32x4.shr_u(h, 16));
}

// keep ⇔ hash/2³² ≥ rate ⇔ hash ≥ ⌈rate·2³²⌉ (exact in f64 for an f32 rate).
@inline function dropThreshold(rate: f32): u32 {
  if (!(rate > 0)) return 0;
  if (rate >= 1) return 0xFFFFFFFF;
  return <u32>Math.ceil(<f64>rate * 4294967296.0);
}

@inline function dropout4(x: usize, y: usize, mask: usize, h: v128, t: v128, s: v128): void {
  const xv = v128.load(x);
  const m = v128.and(i32x4.ge_u(fmix32x4(h), t), s);
  v128.store(mask, m);
  v128.store(y, f32x4.mul(xv, m));
}

export function f32_dropout(x: usize, y: usize, mask: usize, count: i32, rate: f32, seed: u32): void {
  const n = bytes(count);
  const t = dropThreshold(rate);
  const scale = <f32>(1.0 / (1.0 - <f64>rate));
  const k = fmix32(seed);
  const tv = i32x4.splat(<i32>t), sv = f32x4.splat(scale);
  const step = i32x4.splat(<i32>(GOLDEN << 2));
  let h = i32x4.add(i32x4.splat(<i32>k), i32x4(0, <i32>GOLDEN, <i32>(GOLDEN * 2), <i32>(GOLDEN * 3)));
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    dropout4(x + i, y + i, mask + i, h, tv, sv);
    h = i32x4.add(h, step);
    dropout4(x + i + 16, y + i + 16, mask + i + 16, h, tv, sv);
    h = i32x4.add(h, step);
    dropout4(x + i + 32, y + i + 32, mask + i + 32, h, tv, sv);
    h = i32x4.add(h, step);
    dropout4(x + i + 48, y + i + 48, mask + i + 48, h, tv, sv);
    h = i32x4.add(h, step);
  }
  for (; i + 16 <= n; i += 16) {
    dropout4(x + i, y + i, mask + i, h, tv, sv);
    h = i32x4.add(h, step);
  }
  for (; i < n; i += 4) {
    const xi = load<f32>(x + i);
    const m: f32 = fmix32(<u32>(i >> 2) * GOLDEN + k) >= t ? scale : 0;
    store<f32>(mask + i, m);
    store<f32>(y + i, xi * m);
  }
}

// ---- elementwise multiply ----

@inline function mul4(a: usize, b: usize, y: usize): void {
  v128.store(y, f32x4.mul(v128.load(a), v128.load(b)));
}

export function f32_mul(a: usize, b: usize, y: usize, count: i32): void {
  const n = bytes(count);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    const a0 = v128.load(a + i), a1 = v128.load(a + i, 16), a2 = v128.load(a + i, 32), a3 = v128.load(a + i, 48);
    const b0 = v128.load(b + i), b1 = v128.load(b + i, 16), b2 = v128.load(b + i, 32), b3 = v128.load(b + i, 48);
    v128.store(y + i, f32x4.mul(a0, b0));
    v128.store(y + i, f32x4.mul(a1, b1), 16);
    v128.store(y + i, f32x4.mul(a2, b2), 32);
    v128.store(y + i, f32x4.mul(a3, b3), 48);
  }
  for (; i + 16 <= n; i += 16) mul4(a + i, b + i, y + i);
  for (; i < n; i += 4) store<f32>(y + i, load<f32>(a + i) * load<f32>(b + i));
}

// ---- batch normalization ----

// The f64 sums walk one block of channels down all the rows (one accumulator per channel, rows ascending). The
// elementwise passes go through ROW_CHUNK rows at a time, every channel block within the chunk, so the strided
// visits of a chunk hit the cache (cache blocking, as in BLAS-style loop tiling).
const ROW_CHUNK = 32;

// f32 lanes 0-1 / 2-3 widened to f64x2, and two f64x2 narrowed back into one f32x4 (round to nearest).
@inline function lo64(v: v128): v128 { return f64x2.promote_low_f32x4(v); }
@inline function hi64(v: v128): v128 { return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)); }
@inline function to32(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

// 1/√(var + ε) in f64 (the sqrt and the division are correctly rounded, as Math.sqrt and / are in js).
@inline function invstd2(v: v128, eps: v128): v128 {
  return f64x2.div(f64x2.splat(1), f64x2.sqrt(f64x2.add(v, eps)));
}

// 4 channels of invstd: read as stored (training) or f32(1/√(var + ε)) from the moving variance (inference).
@inline function invstd4(p: usize, eps: v128, fromVar: bool): v128 {
  const v = v128.load(p);
  return fromVar ? to32(invstd2(lo64(v), eps), invstd2(hi64(v), eps)) : v;
}

@inline function invstd1(p: usize, eps: f64, fromVar: bool): f32 {
  const v = load<f32>(p);
  return fromVar ? <f32>(1 / Math.sqrt(<f64>v + eps)) : v;
}

// momentum·old + (1 − momentum)·value in f64, then rounded to f32 (old is f32, value f64).
@inline function ema4(p: usize, lo: v128, hi: v128, mom: v128, rest: v128): void {
  const old = v128.load(p);
  v128.store(p, to32(
    f64x2.add(f64x2.mul(mom, lo64(old)), f64x2.mul(rest, lo)),
    f64x2.add(f64x2.mul(mom, hi64(old)), f64x2.mul(rest, hi))));
}

// y = (x − m)·a + β over `rows` rows of one block of 8, 4 or 1 channels (f32 ops).
@inline function affine8(x: usize, y: usize, rows: i32, stride: usize,
  m0: v128, a0: v128, b0: v128, m1: v128, a1: v128, b1: v128): void {
  for (let r = 0; r < rows; r++) {
    const x0 = v128.load(x), x1 = v128.load(x, 16);
    v128.store(y, f32x4.add(f32x4.mul(f32x4.sub(x0, m0), a0), b0));
    v128.store(y, f32x4.add(f32x4.mul(f32x4.sub(x1, m1), a1), b1), 16);
    x += stride;
    y += stride;
  }
}

@inline function affine4(x: usize, y: usize, rows: i32, stride: usize, m: v128, a: v128, b: v128): void {
  for (let r = 0; r < rows; r++) {
    v128.store(y, f32x4.add(f32x4.mul(f32x4.sub(v128.load(x), m), a), b));
    x += stride;
    y += stride;
  }
}

@inline function affine1(x: usize, y: usize, rows: i32, stride: usize, m: f32, a: f32, b: f32): void {
  for (let r = 0; r < rows; r++) {
    store<f32>(y, (load<f32>(x) - m) * a + b);
    x += stride;
    y += stride;
  }
}

// y = (x − mean)·a + β with a = γ·invstd, invstd taken from `s` (see invstd4).
@inline function normalize(x: usize, y: usize, gamma: usize, beta: usize, mean: usize, s: usize, rows: i32, c: i32,
  epsilon: f32, fromVar: bool): void {
  const stride = <usize>c << 2;
  const ev = f64x2.splat(<f64>epsilon);
  for (let r0 = 0; r0 < rows; r0 += ROW_CHUNK) {
    const nr = min(ROW_CHUNK, rows - r0);
    const px = x + <usize>r0 * stride, py = y + <usize>r0 * stride;
    let ch = 0;
    for (; ch + 8 <= c; ch += 8) {
      const o = <usize>ch << 2;
      const a0 = f32x4.mul(v128.load(gamma + o), invstd4(s + o, ev, fromVar));
      const a1 = f32x4.mul(v128.load(gamma + o + 16), invstd4(s + o + 16, ev, fromVar));
      affine8(px + o, py + o, nr, stride, v128.load(mean + o), a0, v128.load(beta + o),
        v128.load(mean + o, 16), a1, v128.load(beta + o, 16));
    }
    for (; ch + 4 <= c; ch += 4) {
      const o = <usize>ch << 2;
      const a0 = f32x4.mul(v128.load(gamma + o), invstd4(s + o, ev, fromVar));
      affine4(px + o, py + o, nr, stride, v128.load(mean + o), a0, v128.load(beta + o));
    }
    for (; ch < c; ch++) {
      const o = <usize>ch << 2;
      const a = load<f32>(gamma + o) * invstd1(s + o, <f64>epsilon, fromVar);
      affine1(px + o, py + o, nr, stride, load<f32>(mean + o), a, load<f32>(beta + o));
    }
  }
}

export function f32_batchnorm_train(x: usize, y: usize, gamma: usize, beta: usize, mean: usize, invstd: usize,
  movingMean: usize, movingVar: usize, rows: i32, c: i32, momentum: f32, epsilon: f32): void {
  const stride = <usize>c << 2;
  const nr: f64 = <f64>rows;
  const nv = f64x2.splat(nr), ev = f64x2.splat(<f64>epsilon);
  const mom = f64x2.splat(<f64>momentum), rest = f64x2.splat(1 - <f64>momentum);
  const z = f64x2.splat(0);
  let ch = 0;
  for (; ch + 8 <= c; ch += 8) {
    const o = <usize>ch << 2;
    let s0 = z, s1 = z, s2 = z, s3 = z;
    let p = x + o;
    for (let r = 0; r < rows; r++) {
      const v0 = v128.load(p), v1 = v128.load(p, 16);
      s0 = f64x2.add(s0, lo64(v0));
      s1 = f64x2.add(s1, hi64(v0));
      s2 = f64x2.add(s2, lo64(v1));
      s3 = f64x2.add(s3, hi64(v1));
      p += stride;
    }
    const u0 = f64x2.div(s0, nv), u1 = f64x2.div(s1, nv), u2 = f64x2.div(s2, nv), u3 = f64x2.div(s3, nv);
    s0 = z; s1 = z; s2 = z; s3 = z;
    p = x + o;
    for (let r = 0; r < rows; r++) {
      const v0 = v128.load(p), v1 = v128.load(p, 16);
      const d0 = f64x2.sub(lo64(v0), u0), d1 = f64x2.sub(hi64(v0), u1);
      const d2 = f64x2.sub(lo64(v1), u2), d3 = f64x2.sub(hi64(v1), u3);
      s0 = f64x2.add(s0, f64x2.mul(d0, d0));
      s1 = f64x2.add(s1, f64x2.mul(d1, d1));
      s2 = f64x2.add(s2, f64x2.mul(d2, d2));
      s3 = f64x2.add(s3, f64x2.mul(d3, d3));
      p += stride;
    }
    const w0 = f64x2.div(s0, nv), w1 = f64x2.div(s1, nv), w2 = f64x2.div(s2, nv), w3 = f64x2.div(s3, nv);
    v128.store(mean + o, to32(u0, u1));
    v128.store(mean + o, to32(u2, u3), 16);
    v128.store(invstd + o, to32(invstd2(w0, ev), invstd2(w1, ev)));
    v128.store(invstd + o, to32(invstd2(w2, ev), invstd2(w3, ev)), 16);
    ema4(movingMean + o, u0, u1, mom, rest);
    ema4(movingMean + o + 16, u2, u3, mom, rest);
    ema4(movingVar + o, w0, w1, mom, rest);
    ema4(movingVar + o + 16, w2, w3, mom, rest);
  }
  for (; ch + 4 <= c; ch += 4) {
    const o = <usize>ch << 2;
    let s0 = z, s1 = z;
    let p = x + o;
    for (let r = 0; r < rows; r++) {
      const v0 = v128.load(p);
      s0 = f64x2.add(s0, lo64(v0));
      s1 = f64x2.add(s1, hi64(v0));
      p += stride;
    }
    const u0 = f64x2.div(s0, nv), u1 = f64x2.div(s1, nv);
    s0 = z; s1 = z;
    p = x + o;
    for (let r = 0; r < rows; r++) {
      const v0 = v128.load(p);
      const d0 = f64x2.sub(lo64(v0), u0), d1 = f64x2.sub(hi64(v0), u1);
      s0 = f64x2.add(s0, f64x2.mul(d0, d0));
      s1 = f64x2.add(s1, f64x2.mul(d1, d1));
      p += stride;
    }
    const w0 = f64x2.div(s0, nv), w1 = f64x2.div(s1, nv);
    v128.store(mean + o, to32(u0, u1));
    v128.store(invstd + o, to32(invstd2(w0, ev), invstd2(w1, ev)));
    ema4(movingMean + o, u0, u1, mom, rest);
    ema4(movingVar + o, w0, w1, mom, rest);
  }
  const momd = <f64>momentum, restd = 1 - <f64>momentum;
  for (; ch < c; ch++) {
    const o = <usize>ch << 2;
    let s: f64 = 0;
    let p = x + o;
    for (let r = 0; r < rows; r++) {
      s += <f64>load<f32>(p);
      p += stride;
    }
    const u = s / nr;
    s = 0;
    p = x + o;
    for (let r = 0; r < rows; r++) {
      const d = <f64>load<f32>(p) - u;
      s += d * d;
      p += stride;
    }
    const w = s / nr;
    store<f32>(mean + o, <f32>u);
    store<f32>(invstd + o, <f32>(1 / Math.sqrt(w + <f64>epsilon)));
    store<f32>(movingMean + o, <f32>(momd * <f64>load<f32>(movingMean + o) + restd * u));
    store<f32>(movingVar + o, <f32>(momd * <f64>load<f32>(movingVar + o) + restd * w));
  }
  normalize(x, y, gamma, beta, mean, invstd, rows, c, epsilon, false);
}

export function f32_batchnorm_infer(x: usize, y: usize, gamma: usize, beta: usize, movingMean: usize,
  movingVar: usize, rows: i32, c: i32, epsilon: f32): void {
  normalize(x, y, gamma, beta, movingMean, movingVar, rows, c, epsilon, true);
}

// dx = k·((dy − a) − x̂·b), x̂ = (x − m)·s, over `rows` rows of one block of 8, 4 or 1 channels (f32 ops).
@inline function xhat4(x: usize, m: v128, s: v128): v128 { return f32x4.mul(f32x4.sub(v128.load(x), m), s); }

@inline function dx4(dy: usize, xh: v128, a: v128, b: v128, k: v128): v128 {
  return f32x4.mul(k, f32x4.sub(f32x4.sub(v128.load(dy), a), f32x4.mul(xh, b)));
}

@inline function bngrad8(x: usize, dy: usize, dx: usize, rows: i32, stride: usize, m0: v128, s0: v128, a0: v128,
  b0: v128, k0: v128, m1: v128, s1: v128, a1: v128, b1: v128, k1: v128): void {
  for (let r = 0; r < rows; r++) {
    const h0 = xhat4(x, m0, s0), h1 = xhat4(x + 16, m1, s1);
    const d0 = dx4(dy, h0, a0, b0, k0), d1 = dx4(dy + 16, h1, a1, b1, k1);
    v128.store(dx, d0);
    v128.store(dx, d1, 16);
    x += stride;
    dy += stride;
    dx += stride;
  }
}

@inline function bngrad4(x: usize, dy: usize, dx: usize, rows: i32, stride: usize,
  m: v128, s: v128, a: v128, b: v128, k: v128): void {
  for (let r = 0; r < rows; r++) {
    v128.store(dx, dx4(dy, xhat4(x, m, s), a, b, k));
    x += stride;
    dy += stride;
    dx += stride;
  }
}

@inline function bngrad1(x: usize, dy: usize, dx: usize, rows: i32, stride: usize,
  m: f32, s: f32, a: f32, b: f32, k: f32): void {
  for (let r = 0; r < rows; r++) {
    const xh = (load<f32>(x) - m) * s;
    store<f32>(dx, k * ((load<f32>(dy) - a) - xh * b));
    x += stride;
    dy += stride;
    dx += stride;
  }
}

export function f32_batchnorm_grad(x: usize, dy: usize, dx: usize, gamma: usize, mean: usize, invstd: usize,
  dgamma: usize, dbeta: usize, rows: i32, c: i32): void {
  const stride = <usize>c << 2;
  const z = f64x2.splat(0);
  let ch = 0;
  for (; ch + 8 <= c; ch += 8) {
    const o = <usize>ch << 2;
    const m0 = v128.load(mean + o), m1 = v128.load(mean + o, 16);
    const s0 = v128.load(invstd + o), s1 = v128.load(invstd + o, 16);
    let b0 = z, b1 = z, b2 = z, b3 = z, g0 = z, g1 = z, g2 = z, g3 = z;
    let px = x + o, pd = dy + o;
    for (let r = 0; r < rows; r++) {
      const d0 = v128.load(pd), d1 = v128.load(pd, 16);
      const h0 = xhat4(px, m0, s0), h1 = xhat4(px + 16, m1, s1);
      const e0 = lo64(d0), e1 = hi64(d0), e2 = lo64(d1), e3 = hi64(d1);
      b0 = f64x2.add(b0, e0);
      b1 = f64x2.add(b1, e1);
      b2 = f64x2.add(b2, e2);
      b3 = f64x2.add(b3, e3);
      g0 = f64x2.add(g0, f64x2.mul(e0, lo64(h0)));
      g1 = f64x2.add(g1, f64x2.mul(e1, hi64(h0)));
      g2 = f64x2.add(g2, f64x2.mul(e2, lo64(h1)));
      g3 = f64x2.add(g3, f64x2.mul(e3, hi64(h1)));
      px += stride;
      pd += stride;
    }
    v128.store(dbeta + o, to32(b0, b1));
    v128.store(dbeta + o, to32(b2, b3), 16);
    v128.store(dgamma + o, to32(g0, g1));
    v128.store(dgamma + o, to32(g2, g3), 16);
  }
  for (; ch + 4 <= c; ch += 4) {
    const o = <usize>ch << 2;
    const m0 = v128.load(mean + o), s0 = v128.load(invstd + o);
    let b0 = z, b1 = z, g0 = z, g1 = z;
    let px = x + o, pd = dy + o;
    for (let r = 0; r < rows; r++) {
      const d0 = v128.load(pd);
      const h0 = xhat4(px, m0, s0);
      const e0 = lo64(d0), e1 = hi64(d0);
      b0 = f64x2.add(b0, e0);
      b1 = f64x2.add(b1, e1);
      g0 = f64x2.add(g0, f64x2.mul(e0, lo64(h0)));
      g1 = f64x2.add(g1, f64x2.mul(e1, hi64(h0)));
      px += stride;
      pd += stride;
    }
    v128.store(dbeta + o, to32(b0, b1));
    v128.store(dgamma + o, to32(g0, g1));
  }
  for (; ch < c; ch++) {
    const o = <usize>ch << 2;
    const m = load<f32>(mean + o), s = load<f32>(invstd + o);
    let sb: f64 = 0, sg: f64 = 0;
    let px = x + o, pd = dy + o;
    for (let r = 0; r < rows; r++) {
      const d = <f64>load<f32>(pd);
      sb += d;
      sg += d * <f64>((load<f32>(px) - m) * s);
      px += stride;
      pd += stride;
    }
    store<f32>(dbeta + o, <f32>sb);
    store<f32>(dgamma + o, <f32>sg);
  }
  // a = dbeta/rows, b = dgamma/rows, k = γ·invstd per channel (f32), then dx chunk by chunk.
  const fr = <f32>rows, frv = f32x4.splat(fr);
  for (let r0 = 0; r0 < rows; r0 += ROW_CHUNK) {
    const nr = min(ROW_CHUNK, rows - r0);
    const off = <usize>r0 * stride;
    const px = x + off, pd = dy + off, pq = dx + off;
    ch = 0;
    for (; ch + 8 <= c; ch += 8) {
      const o = <usize>ch << 2;
      const s0 = v128.load(invstd + o), s1 = v128.load(invstd + o, 16);
      bngrad8(px + o, pd + o, pq + o, nr, stride,
        v128.load(mean + o), s0, f32x4.div(v128.load(dbeta + o), frv), f32x4.div(v128.load(dgamma + o), frv),
        f32x4.mul(v128.load(gamma + o), s0),
        v128.load(mean + o, 16), s1, f32x4.div(v128.load(dbeta + o, 16), frv),
        f32x4.div(v128.load(dgamma + o, 16), frv), f32x4.mul(v128.load(gamma + o, 16), s1));
    }
    for (; ch + 4 <= c; ch += 4) {
      const o = <usize>ch << 2;
      const s0 = v128.load(invstd + o);
      bngrad4(px + o, pd + o, pq + o, nr, stride,
        v128.load(mean + o), s0, f32x4.div(v128.load(dbeta + o), frv), f32x4.div(v128.load(dgamma + o), frv),
        f32x4.mul(v128.load(gamma + o), s0));
    }
    for (; ch < c; ch++) {
      const o = <usize>ch << 2;
      const s = load<f32>(invstd + o);
      bngrad1(px + o, pd + o, pq + o, nr, stride, load<f32>(mean + o), s, load<f32>(dbeta + o) / fr,
        load<f32>(dgamma + o) / fr, load<f32>(gamma + o) * s);
    }
  }
}

// ---- layer normalization (each row of `cols` values normalized on its own) ----
// Row sums are f64, over the row's values in ascending order (scalar, so the js twin's plain loop gives the same
// bits); the per-value steps are f32 operations. A γ or β pointer of 0 means no scale or no shift.

export function f32_layernorm(x: usize, y: usize, gamma: usize, beta: usize, mean: usize, invstd: usize, rows: i32,
  cols: i32, epsilon: f32): void {
  const stride = <usize>cols << 2;
  const nc = <f64>cols;
  for (let r = 0; r < rows; r++) {
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) s += <f64>load<f32>(x + (<usize>j << 2));
    const u = s / nc;
    s = 0;
    for (let j = 0; j < cols; j++) {
      const d = <f64>load<f32>(x + (<usize>j << 2)) - u;
      s += d * d;
    }
    const m = <f32>u;
    const is = <f32>(1 / Math.sqrt(s / nc + <f64>epsilon));
    store<f32>(mean + (<usize>r << 2), m);
    store<f32>(invstd + (<usize>r << 2), is);
    const mv = f32x4.splat(m), sv = f32x4.splat(is);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      let v = f32x4.mul(f32x4.sub(v128.load(x + o), mv), sv);
      if (gamma) v = f32x4.mul(v, v128.load(gamma + o));
      if (beta) v = f32x4.add(v, v128.load(beta + o));
      v128.store(y + o, v);
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      let v = (load<f32>(x + o) - m) * is;
      if (gamma) v *= load<f32>(gamma + o);
      if (beta) v += load<f32>(beta + o);
      store<f32>(y + o, v);
    }
    x += stride;
    y += stride;
  }
}

export function f32_layernorm_grad(x: usize, dy: usize, dx: usize, gamma: usize, mean: usize, invstd: usize,
  dgamma: usize, dbeta: usize, rows: i32, cols: i32): void {
  const stride = <usize>cols << 2;
  const nc = <f64>cols;
  if (dgamma) memory.fill(dgamma, 0, stride);
  if (dbeta) memory.fill(dbeta, 0, stride);
  for (let r = 0; r < rows; r++) {
    const m = load<f32>(mean + (<usize>r << 2)), is = load<f32>(invstd + (<usize>r << 2));
    let sa: f64 = 0, sb: f64 = 0;
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 2;
      const xh = (load<f32>(x + o) - m) * is;
      const d = load<f32>(dy + o);
      const g = gamma ? d * load<f32>(gamma + o) : d;
      sa += <f64>g;
      sb += <f64>g * <f64>xh;
      if (dgamma) store<f32>(dgamma + o, load<f32>(dgamma + o) + d * xh);
      if (dbeta) store<f32>(dbeta + o, load<f32>(dbeta + o) + d);
    }
    if (dx) {
      const a = <f32>(sa / nc), b = <f32>(sb / nc);
      for (let j = 0; j < cols; j++) {
        const o = <usize>j << 2;
        const xh = (load<f32>(x + o) - m) * is;
        const d = load<f32>(dy + o);
        const g = gamma ? d * load<f32>(gamma + o) : d;
        store<f32>(dx + o, is * ((g - a) - xh * b));
      }
      dx += stride;
    }
    x += stride;
    dy += stride;
  }
}
