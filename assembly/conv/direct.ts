import { fin1, fin8, gemm_apack, gemm_bpanel, gemm_tile, pack_b } from '../gemm/gemm';

// Direct convolution for stride 1, no dilation, no padding: the product im2col + f32_gemm_nn would compute, with
// A read from the image instead of from columns. Term p = (i·kw + j)·c + ch of a window lies at a fixed byte
// offset from the window's first pixel (a table of patch offsets, built once per call in the packed-A scratch,
// which this kernel does not otherwise use), and the same term of the next output pixel is c floats further on,
// so a 5-pixel x 8-filter tile runs gemm's 5x8 micro-kernel step (five splat loads, two loads of the packed B
// panel, ten multiply-adds) with A in place: no columns written, no A packed. Each output is the same f32 sum in
// the same order (p ascending), then + bias and the activation by fin8/fin1 as in the gemm epilogue: the bits of
// f32_im2col + f32_gemm_nn. (Reading A through the image is the "implicit gemm" of cuDNN; the offset table is a
// one-window form of XNNPACK's indirection buffer.) The last tile of an output row overlaps the one before it
// (ow ≥ 5), recomputing up to four pixels with the same bits instead of an edge path. The layer uses it for one
// input channel (pix = 4: constant splat offsets), where it measured faster than the product over columns; with
// more channels the product was as fast or faster.

function tile(a: usize, pix: usize, bp: usize, offs: usize, patch: i32, yp: usize, fb: usize,
  bias: usize, nb: i32, act: i32, alpha: f32): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  let c40 = c00, c41 = c00;
  const end = offs + (<usize>patch << 2);
  let op = offs;
  if (pix == 4) {
    while (op < end) {
      const s = a + <usize>load<u32>(op);
      const b0 = v128.load(bp), b1 = v128.load(bp, 16);
      let x = v128.load32_splat(s);
      c00 = f32x4.add(c00, f32x4.mul(x, b0)); c01 = f32x4.add(c01, f32x4.mul(x, b1));
      x = v128.load32_splat(s, 4);
      c10 = f32x4.add(c10, f32x4.mul(x, b0)); c11 = f32x4.add(c11, f32x4.mul(x, b1));
      x = v128.load32_splat(s, 8);
      c20 = f32x4.add(c20, f32x4.mul(x, b0)); c21 = f32x4.add(c21, f32x4.mul(x, b1));
      x = v128.load32_splat(s, 12);
      c30 = f32x4.add(c30, f32x4.mul(x, b0)); c31 = f32x4.add(c31, f32x4.mul(x, b1));
      x = v128.load32_splat(s, 16);
      c40 = f32x4.add(c40, f32x4.mul(x, b0)); c41 = f32x4.add(c41, f32x4.mul(x, b1));
      op += 4; bp += 32;
    }
  } else {
    const p2 = pix * 2, p3 = pix * 3, p4 = pix * 4;
    while (op < end) {
      const s = a + <usize>load<u32>(op);
      const b0 = v128.load(bp), b1 = v128.load(bp, 16);
      let x = v128.load32_splat(s);
      c00 = f32x4.add(c00, f32x4.mul(x, b0)); c01 = f32x4.add(c01, f32x4.mul(x, b1));
      x = v128.load32_splat(s + pix);
      c10 = f32x4.add(c10, f32x4.mul(x, b0)); c11 = f32x4.add(c11, f32x4.mul(x, b1));
      x = v128.load32_splat(s + p2);
      c20 = f32x4.add(c20, f32x4.mul(x, b0)); c21 = f32x4.add(c21, f32x4.mul(x, b1));
      x = v128.load32_splat(s + p3);
      c30 = f32x4.add(c30, f32x4.mul(x, b0)); c31 = f32x4.add(c31, f32x4.mul(x, b1));
      x = v128.load32_splat(s + p4);
      c40 = f32x4.add(c40, f32x4.mul(x, b0)); c41 = f32x4.add(c41, f32x4.mul(x, b1));
      op += 4; bp += 32;
    }
  }
  if (nb == 8) {
    fin8(yp, c00, c01, bias, 0, act, alpha);
    fin8(yp + fb, c10, c11, bias, 0, act, alpha);
    fin8(yp + 2 * fb, c20, c21, bias, 0, act, alpha);
    fin8(yp + 3 * fb, c30, c31, bias, 0, act, alpha);
    fin8(yp + 4 * fb, c40, c41, bias, 0, act, alpha);
    return;
  }
  const t = gemm_tile();
  v128.store(t, c00); v128.store(t, c01, 16); v128.store(t, c10, 32); v128.store(t, c11, 48);
  v128.store(t, c20, 64); v128.store(t, c21, 80); v128.store(t, c30, 96); v128.store(t, c31, 112);
  v128.store(t, c40, 128); v128.store(t, c41, 144);
  for (let r = 0; r < 5; r++) {
    for (let j = 0; j < nb; j++) {
      const o = <usize>j << 2;
      fin1(yp + <usize>r * fb + o, load<f32>(t + (<usize>r << 5) + o), bias ? bias + o : 0, 0, act, alpha);
    }
  }
}

export function f32_conv2d_direct(x: usize, w: usize, bias: usize, y: usize, n: i32, h: i32, wd: i32, c: i32,
  kh: i32, kw: i32, filters: i32, act: i32, alpha: f32): void {
  const oh = h - kh + 1, ow = wd - kw + 1;
  if (n <= 0 || oh <= 0 || ow < 5 || kh * kw * c > 4096) return;
  const pix = <usize>c << 2, rowBytes = <usize>wd * pix, fb = <usize>filters << 2;
  const q = kw * c, patch = kh * q;
  const panel = gemm_bpanel(), offs = gemm_apack();
  // byte offset of term p = (i·kw + j)·c + ch from the window's first pixel
  for (let i = 0, p = 0; i < kh; i++) {
    for (let t = 0; t < q; t++, p++) store<u32>(offs + (<usize>p << 2), <u32>(<usize>i * rowBytes + (<usize>t << 2)));
  }
  for (let j0 = 0; j0 < filters; j0 += 8) {
    const nb = min(8, filters - j0), jo = <usize>j0 << 2;
    pack_b(w + jo, fb, 4, nb, patch);
    for (let b = 0; b < n; b++) {
      const img = x + <usize>(b * h) * rowBytes;
      for (let oy = 0; oy < oh; oy++) {
        const row = img + <usize>oy * rowBytes, yrow = y + <usize>((b * oh + oy) * ow) * fb + jo;
        for (let ox = 0; ox < ow; ox += 5) {
          const o = min(ox, ow - 5);
          tile(row + <usize>o * pix, pix, panel, offs, patch, yrow + <usize>o * fb, fb, bias ? bias + jo : 0, nb, act, alpha);
        }
      }
    }
  }
}

// The kernel gradient of the same convolution, dw[t, f] = Σ_p x[window p + term t]·dy[p, f] over the output
// pixels p = (b, oy, ox) ascending: what f32_im2col + f32_gemm_tn (accumulate 0, no bias, linear) computes, in the
// same order, without the columns. A tile is 5 terms x 8 filters; each step is one output pixel: the five terms'
// values are splat-loaded from the image at the terms' offsets (a table, as above), B is the pixel's row of dy,
// read in place. Partial sums live in a scratch block of 5-term x 8-filter tiles and pass through it as f32
// (exact) from one image to the next, so every image's dy rows and the image stay in L1 while all the tiles run.

/** tile_dw for five adjacent terms (a kernel row of 5 with one channel, or 5 channels of one tap). */
function tile_dw5(s0: usize, dy: usize, fb: usize, acc: usize, oh: i32, ow: i32, rowBytes: usize, pix: usize): void {
  let c00 = v128.load(acc), c01 = v128.load(acc, 16), c10 = v128.load(acc, 32), c11 = v128.load(acc, 48);
  let c20 = v128.load(acc, 64), c21 = v128.load(acc, 80), c30 = v128.load(acc, 96), c31 = v128.load(acc, 112);
  let c40 = v128.load(acc, 128), c41 = v128.load(acc, 144);
  let bp = dy;
  const last = dy + <usize>(oh * ow) * fb, step = <usize>ow * fb;
  while (bp < last) {
    let s = s0;
    const end = bp + step;
    while (bp < end) {
      const b0 = v128.load(bp), b1 = v128.load(bp, 16);
      let v = v128.load32_splat(s);
      c00 = f32x4.add(c00, f32x4.mul(v, b0)); c01 = f32x4.add(c01, f32x4.mul(v, b1));
      v = v128.load32_splat(s, 4);
      c10 = f32x4.add(c10, f32x4.mul(v, b0)); c11 = f32x4.add(c11, f32x4.mul(v, b1));
      v = v128.load32_splat(s, 8);
      c20 = f32x4.add(c20, f32x4.mul(v, b0)); c21 = f32x4.add(c21, f32x4.mul(v, b1));
      v = v128.load32_splat(s, 12);
      c30 = f32x4.add(c30, f32x4.mul(v, b0)); c31 = f32x4.add(c31, f32x4.mul(v, b1));
      v = v128.load32_splat(s, 16);
      c40 = f32x4.add(c40, f32x4.mul(v, b0)); c41 = f32x4.add(c41, f32x4.mul(v, b1));
      s += pix; bp += fb;
    }
    s0 += rowBytes;
  }
  if (oh < 0) { store<f32>(s0, 0, 4); store<f32>(s0, 0, 8); store<f32>(s0, 0, 12); store<f32>(s0, 0, 16); }
  v128.store(acc, c00); v128.store(acc, c01, 16); v128.store(acc, c10, 32); v128.store(acc, c11, 48);
  v128.store(acc, c20, 64); v128.store(acc, c21, 80); v128.store(acc, c30, 96); v128.store(acc, c31, 112);
  v128.store(acc, c40, 128); v128.store(acc, c41, 144);
}

function tile_dw(x: usize, offs: usize, dy: usize, fb: usize, acc: usize, oh: i32, ow: i32, rowBytes: usize,
  pix: usize): void {
  let c00 = v128.load(acc), c01 = v128.load(acc, 16), c10 = v128.load(acc, 32), c11 = v128.load(acc, 48);
  let c20 = v128.load(acc, 64), c21 = v128.load(acc, 80), c30 = v128.load(acc, 96), c31 = v128.load(acc, 112);
  let c40 = v128.load(acc, 128), c41 = v128.load(acc, 144);
  const o0 = <usize>load<u32>(offs), o1 = <usize>load<u32>(offs, 4), o2 = <usize>load<u32>(offs, 8);
  const o3 = <usize>load<u32>(offs, 12), o4 = <usize>load<u32>(offs, 16);
  if (o1 == o0 + 4 && o2 == o0 + 8 && o3 == o0 + 12 && o4 == o0 + 16) {
    tile_dw5(x + o0, dy, fb, acc, oh, ow, rowBytes, pix);
    return;
  }
  let bp = dy;
  for (let oy = 0; oy < oh; oy++) {
    let s = x + <usize>oy * rowBytes;
    const end = bp + <usize>ow * fb;
    while (bp < end) {
      const b0 = v128.load(bp), b1 = v128.load(bp, 16);
      let v = v128.load32_splat(s + o0);
      c00 = f32x4.add(c00, f32x4.mul(v, b0)); c01 = f32x4.add(c01, f32x4.mul(v, b1));
      v = v128.load32_splat(s + o1);
      c10 = f32x4.add(c10, f32x4.mul(v, b0)); c11 = f32x4.add(c11, f32x4.mul(v, b1));
      v = v128.load32_splat(s + o2);
      c20 = f32x4.add(c20, f32x4.mul(v, b0)); c21 = f32x4.add(c21, f32x4.mul(v, b1));
      v = v128.load32_splat(s + o3);
      c30 = f32x4.add(c30, f32x4.mul(v, b0)); c31 = f32x4.add(c31, f32x4.mul(v, b1));
      v = v128.load32_splat(s + o4);
      c40 = f32x4.add(c40, f32x4.mul(v, b0)); c41 = f32x4.add(c41, f32x4.mul(v, b1));
      s += pix; bp += fb;
    }
  }
  v128.store(acc, c00); v128.store(acc, c01, 16); v128.store(acc, c10, 32); v128.store(acc, c11, 48);
  v128.store(acc, c20, 64); v128.store(acc, c21, 80); v128.store(acc, c30, 96); v128.store(acc, c31, 112);
  v128.store(acc, c40, 128); v128.store(acc, c41, 144);
}

export function f32_conv2d_direct_dw(x: usize, dy: usize, dw: usize, n: i32, h: i32, wd: i32, c: i32, kh: i32,
  kw: i32, filters: i32): void {
  const oh = h - kh + 1, ow = wd - kw + 1;
  const q = kw * c, patch = kh * q;
  if (n <= 0 || oh <= 0 || ow <= 0 || patch > 4096) return;
  const pix = <usize>c << 2, rowBytes = <usize>wd * pix, fb = <usize>filters << 2;
  const panels = (patch + 4) / 5;
  // term offsets, the last panel padded with term 0's offset (its rows are computed and dropped)
  const offs = gemm_apack(), acc = offs + <usize>(panels * 5) * 4;
  for (let i = 0, p = 0; i < kh; i++) {
    for (let t = 0; t < q; t++, p++) store<u32>(offs + (<usize>p << 2), <u32>(<usize>i * rowBytes + (<usize>t << 2)));
  }
  for (let p = patch; p < panels * 5; p++) store<u32>(offs + (<usize>p << 2), 0);
  // dy rows are read 8 floats at a time: a last panel of fewer filters goes through a zero-padded copy
  const tile = gemm_tile();
  for (let j0 = 0; j0 < filters; j0 += 8) {
    const nb = min(8, filters - j0), jo = <usize>j0 << 2;
    memory.fill(acc, 0, <usize>panels * 160);
    for (let b = 0; b < n; b++) {
      const img = x + <usize>(b * h) * rowBytes, rows = dy + <usize>(b * oh * ow) * fb + jo;
      if (nb == 8) {
        for (let t = 0; t < panels; t++) tile_dw(img, offs + <usize>t * 20, rows, fb, acc + <usize>t * 160, oh, ow, rowBytes, pix);
      } else {
        // one pixel at a time through an 8-float row: the panel's steps are pixels, so run each pixel as a
        // 1x1 "image" (same order: pixels ascending)
        for (let p = 0; p < oh * ow; p++) {
          memory.fill(tile, 0, 32);
          memory.copy(tile, rows + <usize>p * fb, <usize>nb << 2);
          const px = img + <usize>(p / ow) * rowBytes + <usize>(p % ow) * pix;
          for (let t = 0; t < panels; t++) tile_dw(px, offs + <usize>t * 20, tile, 32, acc + <usize>t * 160, 1, 1, rowBytes, pix);
        }
      }
    }
    for (let t = 0; t < patch; t++) memory.copy(dw + <usize>t * fb + jo, acc + <usize>(t / 5) * 160 + <usize>(t % 5) * 32, <usize>nb << 2);
  }
}
