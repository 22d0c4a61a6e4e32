// 2-D pooling over NHWC images, vectorized across channels: a window is walked once per group of 8 (then 4)
// channels with the running max / sum in registers, as XNNPACK's channel-wise maxpool and avgpool microkernels
// do, then single channels. Windows are clipped to the image, so padding never takes part.
// Max pooling keeps the exact scalar rule "replace only if strictly greater": f32x4.pmax(m, v) is m < v ? v : m
// (f32x4.max would let a later NaN win), and the same m < v mask moves the element index in an i32x4 with
// v128.bitselect.

@inline function lanes(e: i32): v128 { return i32x4.add(i32x4.splat(e), i32x4(0, 1, 2, 3)); }

export function f32_maxpool2d(x: usize, y: usize, argmax: usize, n: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32,
  strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): void {
  const four = i32x4.splat(4);
  const cs = i32x4.splat(c);
  const pix = <usize>c << 2;
  let o: usize = 0;
  for (let b = 0; b < n; b++) {
    // argmax holds indices within the image; xb is the image's first element
    const xb = x + (<usize>(b * h * w * c) << 2);
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * strideH - padTop;
      const y0 = max(iy0, 0), y1 = min(iy0 + ph, h);
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * strideW - padLeft;
        const x0 = max(ix0, 0), x1 = min(ix0 + pw, w);
        const first = (y0 * w + x0) * c;
        const yp = y + o, ap = argmax + o;
        let ch = 0;
        for (; ch + 8 <= c; ch += 8) {
          const p0 = xb + (<usize>(first + ch) << 2);
          let m0 = v128.load(p0), m1 = v128.load(p0, 16);
          let a0 = lanes(first + ch), a1 = i32x4.add(a0, four);
          for (let iy = y0; iy < y1; iy++) {
            const e = (iy * w + x0) * c + ch;
            let p = xb + (<usize>e << 2);
            let i0 = lanes(e);
            for (let ix = x0; ix < x1; ix++, p += pix, i0 = i32x4.add(i0, cs)) {
              const v0 = v128.load(p), v1 = v128.load(p, 16);
              const g0 = f32x4.lt(m0, v0), g1 = f32x4.lt(m1, v1);
              m0 = f32x4.pmax(m0, v0);
              m1 = f32x4.pmax(m1, v1);
              a0 = v128.bitselect(i0, a0, g0);
              a1 = v128.bitselect(i32x4.add(i0, four), a1, g1);
            }
          }
          const q = <usize>ch << 2;
          v128.store(yp + q, m0);
          v128.store(yp + q, m1, 16);
          v128.store(ap + q, a0);
          v128.store(ap + q, a1, 16);
        }
        for (; ch + 4 <= c; ch += 4) {
          let m0 = v128.load(xb + (<usize>(first + ch) << 2));
          let a0 = lanes(first + ch);
          for (let iy = y0; iy < y1; iy++) {
            const e = (iy * w + x0) * c + ch;
            let p = xb + (<usize>e << 2);
            let i0 = lanes(e);
            for (let ix = x0; ix < x1; ix++, p += pix, i0 = i32x4.add(i0, cs)) {
              const v0 = v128.load(p);
              const g0 = f32x4.lt(m0, v0);
              m0 = f32x4.pmax(m0, v0);
              a0 = v128.bitselect(i0, a0, g0);
            }
          }
          const q = <usize>ch << 2;
          v128.store(yp + q, m0);
          v128.store(ap + q, a0);
        }
        for (; ch < c; ch++) {
          let m = load<f32>(xb + (<usize>(first + ch) << 2));
          let a = first + ch;
          for (let iy = y0; iy < y1; iy++) {
            let e = (iy * w + x0) * c + ch;
            for (let ix = x0; ix < x1; ix++, e += c) {
              const v = load<f32>(xb + (<usize>e << 2));
              const g = v > m;
              m = select<f32>(v, m, g);
              a = select<i32>(e, a, g);
            }
          }
          const q = <usize>ch << 2;
          store<f32>(yp + q, m);
          store<i32>(ap + q, a);
        }
        o += pix;
      }
    }
  }
}

export function f32_maxpool2d_grad(dy: usize, argmax: usize, dx: usize, n: i32, outSize: i32, inSize: i32): void {
  memory.fill(dx, 0, <usize>n * inSize << 2);
  const out = <usize>outSize << 2, img = <usize>inSize << 2;
  for (let b = 0; b < n; b++, dy += out, argmax += out, dx += img) {
    for (let k: usize = 0; k < out; k += 4) {
      const p = dx + (<usize>load<i32>(argmax + k) << 2);
      store<f32>(p, load<f32>(p) + load<f32>(dy + k));
    }
  }
}

export function f32_avgpool2d(x: usize, y: usize, n: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32,
  strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): void {
  let o: usize = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * strideH - padTop;
      const y0 = max(iy0, 0), y1 = min(iy0 + ph, h);
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * strideW - padLeft;
        const x0 = max(ix0, 0), x1 = min(ix0 + pw, w);
        const cnt = <f32>((y1 - y0) * (x1 - x0));
        const cv = f32x4.splat(cnt);
        const yp = y + o;
        let ch = 0;
        for (; ch + 8 <= c; ch += 8) {
          let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
          for (let iy = y0; iy < y1; iy++) {
            let p = x + (<usize>(((b * h + iy) * w + x0) * c + ch) << 2);
            for (let ix = x0; ix < x1; ix++, p += <usize>c << 2) {
              s0 = f32x4.add(s0, v128.load(p));
              s1 = f32x4.add(s1, v128.load(p, 16));
            }
          }
          const q = <usize>ch << 2;
          v128.store(yp + q, f32x4.div(s0, cv));
          v128.store(yp + q, f32x4.div(s1, cv), 16);
        }
        for (; ch + 4 <= c; ch += 4) {
          let s0 = f32x4.splat(0);
          for (let iy = y0; iy < y1; iy++) {
            let p = x + (<usize>(((b * h + iy) * w + x0) * c + ch) << 2);
            for (let ix = x0; ix < x1; ix++, p += <usize>c << 2) s0 = f32x4.add(s0, v128.load(p));
          }
          v128.store(yp + (<usize>ch << 2), f32x4.div(s0, cv));
        }
        for (; ch < c; ch++) {
          let s: f32 = 0;
          for (let iy = y0; iy < y1; iy++) {
            let p = x + (<usize>(((b * h + iy) * w + x0) * c + ch) << 2);
            for (let ix = x0; ix < x1; ix++, p += <usize>c << 2) s += load<f32>(p);
          }
          store<f32>(yp + (<usize>ch << 2), s / cnt);
        }
        o += <usize>c << 2;
      }
    }
  }
}

export function f32_avgpool2d_grad(dy: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32,
  strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): void {
  memory.fill(dx, 0, <usize>(n * h * w * c) << 2);
  let o: usize = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * strideH - padTop;
      const y0 = max(iy0, 0), y1 = min(iy0 + ph, h);
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * strideW - padLeft;
        const x0 = max(ix0, 0), x1 = min(ix0 + pw, w);
        const cnt = <f32>((y1 - y0) * (x1 - x0));
        const cv = f32x4.splat(cnt);
        const gp = dy + o;
        let ch = 0;
        for (; ch + 8 <= c; ch += 8) {
          const q = <usize>ch << 2;
          const g0 = f32x4.div(v128.load(gp + q), cv), g1 = f32x4.div(v128.load(gp + q, 16), cv);
          for (let iy = y0; iy < y1; iy++) {
            let p = dx + (<usize>(((b * h + iy) * w + x0) * c + ch) << 2);
            for (let ix = x0; ix < x1; ix++, p += <usize>c << 2) {
              v128.store(p, f32x4.add(v128.load(p), g0));
              v128.store(p, f32x4.add(v128.load(p, 16), g1), 16);
            }
          }
        }
        for (; ch + 4 <= c; ch += 4) {
          const g0 = f32x4.div(v128.load(gp + (<usize>ch << 2)), cv);
          for (let iy = y0; iy < y1; iy++) {
            let p = dx + (<usize>(((b * h + iy) * w + x0) * c + ch) << 2);
            for (let ix = x0; ix < x1; ix++, p += <usize>c << 2) v128.store(p, f32x4.add(v128.load(p), g0));
          }
        }
        for (; ch < c; ch++) {
          const g = load<f32>(gp + (<usize>ch << 2)) / cnt;
          for (let iy = y0; iy < y1; iy++) {
            let p = dx + (<usize>(((b * h + iy) * w + x0) * c + ch) << 2);
            for (let ix = x0; ix < x1; ix++, p += <usize>c << 2) store<f32>(p, load<f32>(p) + g);
          }
        }
        o += <usize>c << 2;
      }
    }
  }
}

export function f32_global_avgpool(x: usize, y: usize, n: i32, hw: i32, c: i32): void {
  const cv = f32x4.splat(<f32>hw);
  const pix = <usize>c << 2;
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>(b * hw) * pix, yb = y + <usize>b * pix;
    let ch = 0;
    for (; ch + 16 <= c; ch += 16) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let p = xb + (<usize>ch << 2);
      for (let k = 0; k < hw; k++, p += pix) {
        s0 = f32x4.add(s0, v128.load(p));
        s1 = f32x4.add(s1, v128.load(p, 16));
        s2 = f32x4.add(s2, v128.load(p, 32));
        s3 = f32x4.add(s3, v128.load(p, 48));
      }
      const q = yb + (<usize>ch << 2);
      v128.store(q, f32x4.div(s0, cv));
      v128.store(q, f32x4.div(s1, cv), 16);
      v128.store(q, f32x4.div(s2, cv), 32);
      v128.store(q, f32x4.div(s3, cv), 48);
    }
    for (; ch + 4 <= c; ch += 4) {
      let s0 = f32x4.splat(0);
      let p = xb + (<usize>ch << 2);
      for (let k = 0; k < hw; k++, p += pix) s0 = f32x4.add(s0, v128.load(p));
      v128.store(yb + (<usize>ch << 2), f32x4.div(s0, cv));
    }
    for (; ch < c; ch++) {
      let s: f32 = 0;
      let p = xb + (<usize>ch << 2);
      for (let k = 0; k < hw; k++, p += pix) s += load<f32>(p);
      store<f32>(yb + (<usize>ch << 2), s / <f32>hw);
    }
  }
}

export function f32_global_avgpool_grad(dy: usize, dx: usize, n: i32, hw: i32, c: i32): void {
  const cv = f32x4.splat(<f32>hw);
  const pix = <usize>c << 2;
  for (let b = 0; b < n; b++) {
    const gb = dy + <usize>b * pix, db = dx + <usize>(b * hw) * pix;
    let ch = 0;
    for (; ch + 8 <= c; ch += 8) {
      const q = <usize>ch << 2;
      const g0 = f32x4.div(v128.load(gb + q), cv), g1 = f32x4.div(v128.load(gb + q, 16), cv);
      let p = db + q;
      for (let k = 0; k < hw; k++, p += pix) {
        v128.store(p, g0);
        v128.store(p, g1, 16);
      }
    }
    for (; ch + 4 <= c; ch += 4) {
      const q = <usize>ch << 2;
      const g0 = f32x4.div(v128.load(gb + q), cv);
      let p = db + q;
      for (let k = 0; k < hw; k++, p += pix) v128.store(p, g0);
    }
    for (; ch < c; ch++) {
      const q = <usize>ch << 2;
      const g = load<f32>(gb + q) / <f32>hw;
      let p = db + q;
      for (let k = 0; k < hw; k++, p += pix) store<f32>(p, g);
    }
  }
}
