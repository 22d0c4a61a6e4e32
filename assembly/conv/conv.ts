// im2col / col2im for NHWC images, columns ordered (i·kw + j)·c + ch (TF.js kernel layout [kh, kw, inC, outC]).
// The unit of work is a window row: kw pixels of c channels, contiguous in x when the row lies inside the image
// and dilW = 1, so it is copied (im2col) or added (col2im) as one run of v128 ops. The kernel-row range [i0, i1)
// that falls inside the image is computed once per output row and the output-column range [oxA, oxB) whose
// windows lie inside horizontally once per call, so the interior needs no per-element bounds tests; padding is
// zero runs. Copying whole c-channel runs follows XNNPACK's NHWC indirection buffers (pointers to pixels), and
// the overlapping last vector of a run is the usual memcpy tail trick.

/** Copies n bytes (n a positive multiple of 4) with overlapping first/last vectors instead of scalar tails. */
@inline function copyRun(d: usize, s: usize, n: usize): void {
  if (n >= 32) {
    let k: usize = 0;
    for (; k + 64 <= n; k += 64) {
      const v0 = v128.load(s + k), v1 = v128.load(s + k, 16), v2 = v128.load(s + k, 32), v3 = v128.load(s + k, 48);
      v128.store(d + k, v0);
      v128.store(d + k, v1, 16);
      v128.store(d + k, v2, 32);
      v128.store(d + k, v3, 48);
    }
    for (; k + 16 <= n; k += 16) v128.store(d + k, v128.load(s + k));
    if (k < n) v128.store(d + n - 16, v128.load(s + n - 16));
  } else if (n >= 16) {
    const a = v128.load(s), b = v128.load(s + n - 16);
    v128.store(d, a);
    v128.store(d + n - 16, b);
  } else if (n >= 8) {
    const a = load<i64>(s), b = load<i64>(s + n - 8);
    store<i64>(d, a);
    store<i64>(d + n - 8, b);
  } else {
    store<f32>(d, load<f32>(s));
  }
}

/** Zeroes n bytes, same shape as copyRun. */
@inline function zeroRun(d: usize, n: usize): void {
  if (n >= 32) {
    const z = i64x2.splat(0);
    let k: usize = 0;
    for (; k + 64 <= n; k += 64) {
      v128.store(d + k, z);
      v128.store(d + k, z, 16);
      v128.store(d + k, z, 32);
      v128.store(d + k, z, 48);
    }
    for (; k + 16 <= n; k += 16) v128.store(d + k, z);
    if (k < n) v128.store(d + n - 16, z);
  } else if (n >= 16) {
    v128.store(d, i64x2.splat(0));
    v128.store(d + n - 16, i64x2.splat(0));
  } else if (n >= 8) {
    store<i64>(d, 0);
    store<i64>(d + n - 8, 0);
  } else {
    store<f32>(d, 0);
  }
}

/** d += s over n bytes; no overlapping vectors here, every element is added exactly once. */
@inline function addRun(d: usize, s: usize, n: usize): void {
  let k: usize = 0;
  for (; k + 32 <= n; k += 32) {
    const a0 = f32x4.add(v128.load(d + k), v128.load(s + k));
    const a1 = f32x4.add(v128.load(d + k, 16), v128.load(s + k, 16));
    v128.store(d + k, a0);
    v128.store(d + k, a1, 16);
  }
  if (k + 16 <= n) {
    v128.store(d + k, f32x4.add(v128.load(d + k), v128.load(s + k)));
    k += 16;
  }
  for (; k < n; k += 4) store<f32>(d + k, load<f32>(d + k) + load<f32>(s + k));
}

/** First i in [0, k) with o + i·d ≥ 0. */
@inline function firstIn(o: i32, d: i32, k: i32): i32 { return o >= 0 ? 0 : min((-o + d - 1) / d, k); }
/** One past the last i in [0, k) with o + i·d < size. */
@inline function endIn(o: i32, d: i32, k: i32, size: i32): i32 { return o >= size ? 0 : min((size - o + d - 1) / d, k); }

/** Bytes of a run below which im2col walks output columns innermost (per-run overhead dominates there). */
const SHORT_RUN: usize = 32;

export function f32_im2col(x: usize, cols: usize, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, strideH: i32,
  strideW: i32, dilH: i32, dilW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): void {
  const pix = <usize>c << 2;
  const run = <usize>(kw * c) << 2;
  const rowK = <usize>kh * run;
  const rowBytes = <usize>w * pix;
  const stepH = <usize>dilH * rowBytes;
  const stepW = <usize>dilW * pix;
  const stepX = <usize>strideW * pix;
  let oxA = firstIn(-padLeft, strideW, outW);
  let oxB = max(endIn((kw - 1) * dilW - padLeft, strideW, outW, w), oxA);
  if (dilW != 1) oxA = oxB = outW;
  const blocked = run < SHORT_RUN && oxA < oxB;
  for (let b = 0; b < n; b++) {
    const img = x + <usize>(b * h) * rowBytes;
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * strideH - padTop;
      const i0 = firstIn(iy0, dilH, kh);
      const i1 = max(endIn(iy0, dilH, kh, h), i0);
      const head = <usize>i0 * run, tail = <usize>(kh - i1) * run;
      const rowSrc = img + <usize>(iy0 + i0 * dilH) * rowBytes;
      const rowD = cols + <usize>((b * outH + oy) * outW) * rowK;
      if (blocked) {
        if (head | tail) {
          for (let ox = oxA; ox < oxB; ox++) {
            const d = rowD + <usize>ox * rowK;
            if (head) zeroRun(d, head);
            if (tail) zeroRun(d + rowK - tail, tail);
          }
        }
        let si = rowSrc + <usize>(oxA * strideW - padLeft) * pix;
        let di = rowD + <usize>oxA * rowK + head;
        for (let i = i0; i < i1; i++, si += stepH, di += run) {
          let s = si, d = di;
          for (let ox = oxA; ox < oxB; ox++, s += stepX, d += rowK) copyRun(d, s, run);
        }
      }
      for (let ox = 0; ox < outW; ox++) {
        const inner = ox >= oxA && ox < oxB;
        if (inner && blocked) {
          ox = oxB - 1;
          continue;
        }
        const ix0 = ox * strideW - padLeft;
        let d = rowD + <usize>ox * rowK;
        if (head) zeroRun(d, head);
        d += head;
        if (inner) {
          let s = rowSrc + <usize>ix0 * pix;
          for (let i = i0; i < i1; i++, s += stepH, d += run) copyRun(d, s, run);
        } else {
          const j0 = firstIn(ix0, dilW, kw);
          const j1 = max(endIn(ix0, dilW, kw, w), j0);
          const left = <usize>j0 * pix, right = <usize>(kw - j1) * pix;
          let s = rowSrc + <usize>(ix0 + j0 * dilW) * pix;
          for (let i = i0; i < i1; i++, s += stepH) {
            if (left) zeroRun(d, left);
            d += left;
            let sj = s;
            for (let j = j0; j < j1; j++, sj += stepW, d += pix) copyRun(d, sj, pix);
            if (right) zeroRun(d, right);
            d += right;
          }
        }
        if (tail) zeroRun(d, tail);
      }
    }
  }
}

// col2im walks output columns in ascending order with the kernel rows innermost: every dx element then receives
// its terms in ascending cols row (within one output row each dx element is reached from one kernel row only).
export function f32_col2im(cols: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, strideH: i32,
  strideW: i32, dilH: i32, dilW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): void {
  const pix = <usize>c << 2;
  const run = <usize>(kw * c) << 2;
  const rowK = <usize>kh * run;
  const rowBytes = <usize>w * pix;
  const stepH = <usize>dilH * rowBytes;
  const stepW = <usize>dilW * pix;
  let oxA = firstIn(-padLeft, strideW, outW);
  let oxB = max(endIn((kw - 1) * dilW - padLeft, strideW, outW, w), oxA);
  if (dilW != 1) oxA = oxB = outW;
  memory.fill(dx, 0, <usize>(n * h) * rowBytes);
  for (let b = 0; b < n; b++) {
    const img = dx + <usize>(b * h) * rowBytes;
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * strideH - padTop;
      const i0 = firstIn(iy0, dilH, kh);
      const i1 = max(endIn(iy0, dilH, kh, h), i0);
      const rowDst = img + <usize>(iy0 + i0 * dilH) * rowBytes;
      const rowS = cols + <usize>((b * outH + oy) * outW) * rowK + <usize>i0 * run;
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * strideW - padLeft;
        let s = rowS + <usize>ox * rowK;
        if (ox >= oxA && ox < oxB) {
          let p = rowDst + <usize>ix0 * pix;
          for (let i = i0; i < i1; i++, p += stepH, s += run) addRun(p, s, run);
        } else {
          const j0 = firstIn(ix0, dilW, kw);
          const j1 = max(endIn(ix0, dilW, kw, w), j0);
          let p = rowDst + <usize>(ix0 + j0 * dilW) * pix;
          s += <usize>j0 * pix;
          for (let i = i0; i < i1; i++, p += stepH, s += run) {
            let pj = p, sj = s;
            for (let j = j0; j < j1; j++, pj += stepW, sj += pix) addRun(pj, sj, pix);
          }
        }
      }
    }
  }
}
