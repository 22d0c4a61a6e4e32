// Depthwise 2-D convolution over NHWC images: every input channel ch has its own mult filters, and output channel
// co = ch·mult + m sums kh×kw taps of channel ch alone: y[b, oy, ox, co] = Σ_(i,j) x[b, iy, ix, ch]·w[(i·kw + j)·C + co]
// with C = c·mult (TF.js's kernel layout [kh, kw, c, mult]), iy = oy·sh − padTop + i·dh, ix = ox·sw − padLeft + j·dw.
// Taps that fall in the padding are skipped. Not a matrix product: each output reads kh·kw inputs, so the kernel
// streams the image once with channels in the f32x4 lanes, as XNNPACK's NHWC depthwise micro-kernels do.
// With mult = 1 (the MobileNets), four output pixels of a row whose windows lie inside the image are computed at
// once (four independent sums per channel quad, one weight load per tap); border pixels take the taps that are
// inside. Channels past the last quad, and every channel when mult > 1, run one value at a time with the same f32
// operations in the same order, so the path never changes a result's bits. Each sum starts at 0, adds the taps in
// (i, j) order, then the bias, then the activation of assembly/act (the gemm epilogue's order).
import { act1, act_any_v } from '../act/act';

/** First i in [0, k) with o + i·d ≥ 0. */
@inline function tapFirst(o: i32, d: i32, k: i32): i32 { return o >= 0 ? 0 : min((-o + d - 1) / d, k); }
/** One past the last i in [0, k) with o + i·d < size. */
@inline function tapEnd(o: i32, d: i32, k: i32, size: i32): i32 { return o >= size ? 0 : min((size - o + d - 1) / d, k); }

/** y = act(Σ taps + bias) for one output pixel (its taps [i0, i1) × [j0, j1) inside the image); mult = 1. */
@inline function pixel1(xb: usize, w: usize, bias: usize, yp: usize, wd: i32, c: i32, kw: i32, dh: i32, dw: i32,
  iy0: i32, ix0: i32, i0: i32, i1: i32, j0: i32, j1: i32, act: i32, alpha: f32): void {
  const c4 = c & ~3;
  for (let q = 0; q < c4; q += 4) {
    const qo = <usize>q << 2;
    let acc = f32x4.splat(0);
    for (let i = i0; i < i1; i++) {
      const row = xb + ((<usize>(iy0 + i * dh) * wd + <usize>ix0) * c << 2) + qo;
      const wrow = w + (<usize>(i * kw) * c << 2) + qo;
      for (let j = j0; j < j1; j++) {
        acc = f32x4.add(acc, f32x4.mul(v128.load(row + (<usize>(j * dw) * c << 2)), v128.load(wrow + (<usize>j * c << 2))));
      }
    }
    if (bias) acc = f32x4.add(acc, v128.load(bias + qo));
    v128.store(yp + qo, act_any_v(acc, act, alpha));
  }
  for (let q = c4; q < c; q++) {
    const qo = <usize>q << 2;
    let s: f32 = 0;
    for (let i = i0; i < i1; i++) {
      const row = xb + ((<usize>(iy0 + i * dh) * wd + <usize>ix0) * c << 2) + qo;
      const wrow = w + (<usize>(i * kw) * c << 2) + qo;
      for (let j = j0; j < j1; j++) s += load<f32>(row + (<usize>(j * dw) * c << 2)) * load<f32>(wrow + (<usize>j * c << 2));
    }
    if (bias) s += load<f32>(bias + qo);
    store<f32>(yp + qo, act1(s, act, alpha));
  }
}

/** Four output pixels of one row, every tap inside the image; mult = 1. xp: the first pixel's window corner. */
@inline function pixels4(xp: usize, w: usize, bias: usize, yp: usize, wd: i32, c: i32, kh: i32, kw: i32, sw: i32,
  dh: i32, dw: i32, act: i32, alpha: f32): void {
  const c4 = c & ~3;
  const step = <usize>(sw * c) << 2;
  const out = <usize>c << 2;
  for (let q = 0; q < c4; q += 4) {
    const qo = <usize>q << 2;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (let i = 0; i < kh; i++) {
      const row = xp + (<usize>(i * dh) * wd * c << 2) + qo;
      const wrow = w + (<usize>(i * kw) * c << 2) + qo;
      for (let j = 0; j < kw; j++) {
        const wv = v128.load(wrow + (<usize>j * c << 2));
        const p = row + (<usize>(j * dw) * c << 2);
        a0 = f32x4.add(a0, f32x4.mul(v128.load(p), wv));
        a1 = f32x4.add(a1, f32x4.mul(v128.load(p + step), wv));
        a2 = f32x4.add(a2, f32x4.mul(v128.load(p + 2 * step), wv));
        a3 = f32x4.add(a3, f32x4.mul(v128.load(p + 3 * step), wv));
      }
    }
    if (bias) {
      const bv = v128.load(bias + qo);
      a0 = f32x4.add(a0, bv);
      a1 = f32x4.add(a1, bv);
      a2 = f32x4.add(a2, bv);
      a3 = f32x4.add(a3, bv);
    }
    v128.store(yp + qo, act_any_v(a0, act, alpha));
    v128.store(yp + out + qo, act_any_v(a1, act, alpha));
    v128.store(yp + 2 * out + qo, act_any_v(a2, act, alpha));
    v128.store(yp + 3 * out + qo, act_any_v(a3, act, alpha));
  }
  for (let q = c4; q < c; q++) {
    const qo = <usize>q << 2;
    for (let t = 0; t < 4; t++) {
      let s: f32 = 0;
      for (let i = 0; i < kh; i++) {
        const row = xp + <usize>t * step + (<usize>(i * dh) * wd * c << 2) + qo;
        const wrow = w + (<usize>(i * kw) * c << 2) + qo;
        for (let j = 0; j < kw; j++) s += load<f32>(row + (<usize>(j * dw) * c << 2)) * load<f32>(wrow + (<usize>j * c << 2));
      }
      if (bias) s += load<f32>(bias + qo);
      store<f32>(yp + <usize>t * out + qo, act1(s, act, alpha));
    }
  }
}

/** One output pixel for mult > 1, one value at a time. */
@inline function pixelMult(xb: usize, w: usize, bias: usize, yp: usize, wd: i32, c: i32, mult: i32, kw: i32, dh: i32,
  dw: i32, iy0: i32, ix0: i32, i0: i32, i1: i32, j0: i32, j1: i32, act: i32, alpha: f32): void {
  const C = c * mult;
  for (let ch = 0; ch < c; ch++) {
    for (let m = 0; m < mult; m++) {
      const co = ch * mult + m;
      let s: f32 = 0;
      for (let i = i0; i < i1; i++) {
        const row = xb + ((<usize>(iy0 + i * dh) * wd + <usize>ix0) * c + <usize>ch << 2);
        const wrow = w + (<usize>(i * kw) * C + <usize>co << 2);
        for (let j = j0; j < j1; j++) s += load<f32>(row + (<usize>(j * dw) * c << 2)) * load<f32>(wrow + (<usize>j * C << 2));
      }
      if (bias) s += load<f32>(bias + (<usize>co << 2));
      store<f32>(yp + (<usize>co << 2), act1(s, act, alpha));
    }
  }
}

export function f32_depthwise_conv2d(x: usize, w: usize, bias: usize, y: usize, n: i32, h: i32, wd: i32, c: i32,
  mult: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  act: i32, alpha: f32): void {
  const C = c * mult;
  // output columns whose windows lie inside the image horizontally: [oxA, oxB)
  let oxA = 0;
  while (oxA < outW && oxA * sw - padLeft < 0) oxA++;
  let oxB = outW;
  while (oxB > oxA && (oxB - 1) * sw - padLeft + (kw - 1) * dw >= wd) oxB--;
  for (let b = 0; b < n; b++) {
    const xb = x + (<usize>b * h * wd * c << 2);
    const yb = y + (<usize>b * outH * outW * C << 2);
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * sh - padTop;
      const i0 = tapFirst(iy0, dh, kh), i1 = tapEnd(iy0, dh, kh, h);
      const inside = i0 == 0 && i1 == kh;
      let ox = 0;
      while (ox < outW) {
        const ix0 = ox * sw - padLeft;
        const yp = yb + ((<usize>oy * outW + <usize>ox) * C << 2);
        if (mult == 1 && inside && ox >= oxA && ox + 4 <= oxB) {
          pixels4(xb + ((<usize>iy0 * wd + <usize>ix0) * c << 2), w, bias, yp, wd, c, kh, kw, sw, dh, dw, act, alpha);
          ox += 4;
          continue;
        }
        const j0 = tapFirst(ix0, dw, kw), j1 = tapEnd(ix0, dw, kw, wd);
        if (mult == 1) pixel1(xb, w, bias, yp, wd, c, kw, dh, dw, iy0, ix0, i0, i1, j0, j1, act, alpha);
        else pixelMult(xb, w, bias, yp, wd, c, mult, kw, dh, dw, iy0, ix0, i0, i1, j0, j1, act, alpha);
        ox++;
      }
    }
  }
}

// The gradients. dx = 0, then for each output pixel (b, oy, ox) ascending and each tap (i, j) inside the image
// ascending: dx[b, iy, ix, ch] += dy[b, oy, ox, co]·w[(i·kw + j)·C + co], for co = ch·mult + m, m ascending (one f32
// multiply and one f32 add each). dw = 0, then for the same pixels and taps: dw[(i·kw + j)·C + co] +=
// x[b, iy, ix, ch]·dy[b, oy, ox, co]. So every element is a sum from 0 in a fixed order, whatever the lanes.

export function f32_depthwise_conv2d_dx(dy: usize, w: usize, dx: usize, n: i32, h: i32, wd: i32, c: i32, mult: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): void {
  const C = c * mult;
  memory.fill(dx, 0, <usize>n * h * wd * c << 2);
  const c4 = mult == 1 ? c & ~3 : 0;
  for (let b = 0; b < n; b++) {
    const xb = dx + (<usize>b * h * wd * c << 2);
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * sh - padTop;
      const i0 = tapFirst(iy0, dh, kh), i1 = tapEnd(iy0, dh, kh, h);
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * sw - padLeft;
        const j0 = tapFirst(ix0, dw, kw), j1 = tapEnd(ix0, dw, kw, wd);
        const dp = dy + (((<usize>b * outH + <usize>oy) * outW + <usize>ox) * C << 2);
        for (let i = i0; i < i1; i++) {
          for (let j = j0; j < j1; j++) {
            const xp = xb + ((<usize>(iy0 + i * dh) * wd + <usize>(ix0 + j * dw)) * c << 2);
            const wp = w + (<usize>(i * kw + j) * C << 2);
            for (let q = 0; q < c4; q += 4) {
              const qo = <usize>q << 2;
              v128.store(xp + qo, f32x4.add(v128.load(xp + qo), f32x4.mul(v128.load(dp + qo), v128.load(wp + qo))));
            }
            for (let ch = c4; ch < c; ch++) {
              let s = load<f32>(xp + (<usize>ch << 2));
              for (let m = 0; m < mult; m++) {
                const co = <usize>(ch * mult + m) << 2;
                s += load<f32>(dp + co) * load<f32>(wp + co);
              }
              store<f32>(xp + (<usize>ch << 2), s);
            }
          }
        }
      }
    }
  }
}

export function f32_depthwise_conv2d_dw(x: usize, dy: usize, dwt: usize, n: i32, h: i32, wd: i32, c: i32, mult: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): void {
  const C = c * mult;
  memory.fill(dwt, 0, <usize>kh * kw * C << 2);
  const C4 = mult == 1 ? C & ~3 : 0;
  for (let b = 0; b < n; b++) {
    const xb = x + (<usize>b * h * wd * c << 2);
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * sh - padTop;
      const i0 = tapFirst(iy0, dh, kh), i1 = tapEnd(iy0, dh, kh, h);
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * sw - padLeft;
        const j0 = tapFirst(ix0, dw, kw), j1 = tapEnd(ix0, dw, kw, wd);
        const dp = dy + (((<usize>b * outH + <usize>oy) * outW + <usize>ox) * C << 2);
        for (let i = i0; i < i1; i++) {
          for (let j = j0; j < j1; j++) {
            const xp = xb + ((<usize>(iy0 + i * dh) * wd + <usize>(ix0 + j * dw)) * c << 2);
            const gp = dwt + (<usize>(i * kw + j) * C << 2);
            for (let q = 0; q < C4; q += 4) {
              const qo = <usize>q << 2;
              v128.store(gp + qo, f32x4.add(v128.load(gp + qo), f32x4.mul(v128.load(xp + qo), v128.load(dp + qo))));
            }
            for (let co = C4; co < C; co++) {
              const o = <usize>co << 2;
              store<f32>(gp + o, load<f32>(gp + o) + load<f32>(xp + (<usize>(co / mult) << 2)) * load<f32>(dp + o));
            }
          }
        }
      }
    }
  }
}
