// Per-image affine resampling of NHWC images, the kernel of the augmentation layers (randomFlip, randomRotation,
// randomTranslation, randomZoom, randomCrop, centerCrop) and of resizing a window. For image b, output pixel
// (ox, oy) reads the input at xin = t0·ox + t1·oy + t2, yin = t3·ox + t4·oy + t5 (t = the 6 f32 at
// transforms + 24·b: output → input, as TF's ImageProjectiveTransform takes its matrix), every product and sum an
// f32 operation in that order. A coordinate outside the image is first mapped by the fill mode: constant (0,
// unmapped: reads outside give fillValue), reflect (1: period 2·len, mirrored about the edge pixels, d c b a |
// a b c d | d c b a), wrap (2: period len) or nearest (3: the edge pixel), then clamped to [0, len − 1].
// Interpolation nearest (0) reads pixel (round half away from zero); bilinear (1) reads the four pixels around
// (x0 = floor(x), x1 = x0 + 1, likewise y) as v = (y1 − y)·((x1 − x)·v00 + (x − x0)·v01) + (y − y0)·((x1 − x)·v10 +
// (x − x0)·v11), a pixel outside the image reading fillValue (so at the last column x1 reads it with weight 0).
// Channels go four at a time in the f32x4 lanes with the same f32 operations as the tail's one at a time: the same
// bits on every path and in the js twin (src/backend/js/image.ts).

/** The coordinate c mapped into [0, len − 1] by fill mode `fill` (constant leaves it as it is). */
@inline function mapCoord(c: f32, len: i32, fill: i32): f32 {
  const n = <f32>len;
  if (fill === 1) {
    if (len <= 1) return 0;
    const p = n + n;
    if (c < 0) {
      c = c + p * Mathf.trunc(-c / p);
      c = c < -n ? c + p : -c - 1;
    } else if (c > n - 1) {
      c = c - p * Mathf.trunc(c / p);
      if (c >= n) c = p - c - 1;
    }
  } else if (fill === 2) {
    if (len <= 1) return 0;
    if (c < 0) c = c + n * (Mathf.trunc(-c / n) + 1);
    if (c > n - 1) c = c - n * Mathf.trunc(c / n);
  } else if (fill === 0) {
    return c;
  }
  return min(max(c, 0), n - 1);
}

/** Whether (iy, ix) is a pixel of an h × w image. */
@inline function inside(iy: f32, ix: f32, h: i32, w: i32): bool {
  return iy >= 0 && ix >= 0 && iy < <f32>h && ix < <f32>w;
}

/** The byte offset of pixel (iy, ix) of an image at xb (integral coordinates inside the image). */
@inline function at(xb: usize, iy: f32, ix: f32, w: i32, c: i32): usize {
  return xb + ((<usize>(<i32>iy) * <usize>w + <usize>(<i32>ix)) * <usize>c << 2);
}

export function f32_image_transform(x: usize, y: usize, n: i32, h: i32, w: i32, c: i32, outH: i32, outW: i32,
  transforms: usize, interpolation: i32, fill: i32, fillValue: f32): void {
  const c4 = c & ~3;
  const fv = f32x4.splat(fillValue);
  for (let b = 0; b < n; b++) {
    const t = transforms + (<usize>b * 24);
    const t0 = load<f32>(t), t1 = load<f32>(t, 4), t2 = load<f32>(t, 8);
    const t3 = load<f32>(t, 12), t4 = load<f32>(t, 16), t5 = load<f32>(t, 20);
    const xb = x + (<usize>b * <usize>h * <usize>w * <usize>c << 2);
    let yp = y + (<usize>b * <usize>outH * <usize>outW * <usize>c << 2);
    for (let oy = 0; oy < outH; oy++) {
      const fy = <f32>oy;
      for (let ox = 0; ox < outW; ox++) {
        const fx = <f32>ox;
        const cx = mapCoord(t0 * fx + t1 * fy + t2, w, fill);
        const cy = mapCoord(t3 * fx + t4 * fy + t5, h, fill);
        if (interpolation === 0) {
          const ix = roundAway(cx), iy = roundAway(cy);
          if (inside(iy, ix, h, w)) memory.copy(yp, at(xb, iy, ix, w, c), <usize>c << 2);
          else for (let q = 0; q < c; q++) store<f32>(yp + (<usize>q << 2), fillValue);
        } else {
          const x0 = Mathf.floor(cx), y0 = Mathf.floor(cy);
          const x1 = x0 + 1, y1 = y0 + 1;
          const wx0 = x1 - cx, wx1 = cx - x0, wy0 = y1 - cy, wy1 = cy - y0;
          const in00 = inside(y0, x0, h, w), in01 = inside(y0, x1, h, w);
          const in10 = inside(y1, x0, h, w), in11 = inside(y1, x1, h, w);
          const p00 = in00 ? at(xb, y0, x0, w, c) : 0, p01 = in01 ? at(xb, y0, x1, w, c) : 0;
          const p10 = in10 ? at(xb, y1, x0, w, c) : 0, p11 = in11 ? at(xb, y1, x1, w, c) : 0;
          const vx0 = f32x4.splat(wx0), vx1 = f32x4.splat(wx1), vy0 = f32x4.splat(wy0), vy1 = f32x4.splat(wy1);
          for (let q = 0; q < c4; q += 4) {
            const o = <usize>q << 2;
            const v00 = in00 ? v128.load(p00 + o) : fv, v01 = in01 ? v128.load(p01 + o) : fv;
            const v10 = in10 ? v128.load(p10 + o) : fv, v11 = in11 ? v128.load(p11 + o) : fv;
            const top = f32x4.add(f32x4.mul(vx0, v00), f32x4.mul(vx1, v01));
            const bottom = f32x4.add(f32x4.mul(vx0, v10), f32x4.mul(vx1, v11));
            v128.store(yp + o, f32x4.add(f32x4.mul(vy0, top), f32x4.mul(vy1, bottom)));
          }
          for (let q = c4; q < c; q++) {
            const o = <usize>q << 2;
            const v00 = in00 ? load<f32>(p00 + o) : fillValue, v01 = in01 ? load<f32>(p01 + o) : fillValue;
            const v10 = in10 ? load<f32>(p10 + o) : fillValue, v11 = in11 ? load<f32>(p11 + o) : fillValue;
            const top = wx0 * v00 + wx1 * v01;
            const bottom = wx0 * v10 + wx1 * v11;
            store<f32>(yp + o, wy0 * top + wy1 * bottom);
          }
        }
        yp += <usize>c << 2;
      }
    }
  }
}

/** Rounds half away from zero (C's roundf, which TF's nearest sampling uses). */
@inline function roundAway(v: f32): f32 {
  return v < 0 ? -Mathf.floor(-v + 0.5) : Mathf.floor(v + 0.5);
}

/**
 * The adjoint of f32_image_transform in x: dx = 0, then for each output pixel in order, each read pixel inside the
 * image gets dy times its weight (bilinear: gy0 = dy·wy0 and gy1 = dy·wy1 first, then dx00 += gy0·wx0, dx01 +=
 * gy0·wx1, dx10 += gy1·wx0, dx11 += gy1·wx1; nearest: dx += dy). Reads of fillValue have no gradient.
 */
export function f32_image_transform_dx(dy: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, outH: i32, outW: i32,
  transforms: usize, interpolation: i32, fill: i32): void {
  memory.fill(dx, 0, <usize>n * <usize>h * <usize>w * <usize>c << 2);
  const c4 = c & ~3;
  for (let b = 0; b < n; b++) {
    const t = transforms + (<usize>b * 24);
    const t0 = load<f32>(t), t1 = load<f32>(t, 4), t2 = load<f32>(t, 8);
    const t3 = load<f32>(t, 12), t4 = load<f32>(t, 16), t5 = load<f32>(t, 20);
    const xb = dx + (<usize>b * <usize>h * <usize>w * <usize>c << 2);
    let gp = dy + (<usize>b * <usize>outH * <usize>outW * <usize>c << 2);
    for (let oy = 0; oy < outH; oy++) {
      const fy = <f32>oy;
      for (let ox = 0; ox < outW; ox++) {
        const fx = <f32>ox;
        const cx = mapCoord(t0 * fx + t1 * fy + t2, w, fill);
        const cy = mapCoord(t3 * fx + t4 * fy + t5, h, fill);
        if (interpolation === 0) {
          const ix = roundAway(cx), iy = roundAway(cy);
          if (inside(iy, ix, h, w)) {
            const p = at(xb, iy, ix, w, c);
            for (let q = 0; q < c4; q += 4) {
              const o = <usize>q << 2;
              v128.store(p + o, f32x4.add(v128.load(p + o), v128.load(gp + o)));
            }
            for (let q = c4; q < c; q++) {
              const o = <usize>q << 2;
              store<f32>(p + o, load<f32>(p + o) + load<f32>(gp + o));
            }
          }
        } else {
          const x0 = Mathf.floor(cx), y0 = Mathf.floor(cy);
          const x1 = x0 + 1, y1 = y0 + 1;
          const wx0 = x1 - cx, wx1 = cx - x0, wy0 = y1 - cy, wy1 = cy - y0;
          const in00 = inside(y0, x0, h, w), in01 = inside(y0, x1, h, w);
          const in10 = inside(y1, x0, h, w), in11 = inside(y1, x1, h, w);
          const p00 = in00 ? at(xb, y0, x0, w, c) : 0, p01 = in01 ? at(xb, y0, x1, w, c) : 0;
          const p10 = in10 ? at(xb, y1, x0, w, c) : 0, p11 = in11 ? at(xb, y1, x1, w, c) : 0;
          const vx0 = f32x4.splat(wx0), vx1 = f32x4.splat(wx1), vy0 = f32x4.splat(wy0), vy1 = f32x4.splat(wy1);
          for (let q = 0; q < c4; q += 4) {
            const o = <usize>q << 2;
            const g = v128.load(gp + o);
            const g0 = f32x4.mul(g, vy0), g1 = f32x4.mul(g, vy1);
            if (in00) v128.store(p00 + o, f32x4.add(v128.load(p00 + o), f32x4.mul(g0, vx0)));
            if (in01) v128.store(p01 + o, f32x4.add(v128.load(p01 + o), f32x4.mul(g0, vx1)));
            if (in10) v128.store(p10 + o, f32x4.add(v128.load(p10 + o), f32x4.mul(g1, vx0)));
            if (in11) v128.store(p11 + o, f32x4.add(v128.load(p11 + o), f32x4.mul(g1, vx1)));
          }
          for (let q = c4; q < c; q++) {
            const o = <usize>q << 2;
            const g = load<f32>(gp + o);
            const g0 = g * wy0, g1 = g * wy1;
            if (in00) store<f32>(p00 + o, load<f32>(p00 + o) + g0 * wx0);
            if (in01) store<f32>(p01 + o, load<f32>(p01 + o) + g0 * wx1);
            if (in10) store<f32>(p10 + o, load<f32>(p10 + o) + g1 * wx0);
            if (in11) store<f32>(p11 + o, load<f32>(p11 + o) + g1 * wx1);
          }
        }
        gp += <usize>c << 2;
      }
    }
  }
}
