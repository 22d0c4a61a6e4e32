// Row helpers shared by softmax and the fused softmax losses.

/** max over x[0..n) (n ≥ 1); max is exact, so the lane order does not change the result. */
@inline
export function f32_row_max(x: usize, n: i32): f32 {
  let m = load<f32>(x);
  let i = 0;
  if (n >= 4) {
    let v = v128.load(x);
    for (i = 4; i + 4 <= n; i += 4) v = f32x4.max(v, v128.load(x + (<usize>i << 2)));
    m = Mathf.max(
      Mathf.max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
      Mathf.max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
  }
  for (; i < n; i++) m = Mathf.max(m, load<f32>(x + (<usize>i << 2)));
  return m;
}

/** y[i] = y[i] / s (f32 division). */
@inline
export function f32_row_div(y: usize, n: i32, s: f32): void {
  const vs = f32x4.splat(s);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = y + (<usize>i << 2);
    v128.store(p, f32x4.div(v128.load(p), vs));
    v128.store(p, f32x4.div(v128.load(p, 16), vs), 16);
    v128.store(p, f32x4.div(v128.load(p, 32), vs), 32);
    v128.store(p, f32x4.div(v128.load(p, 48), vs), 48);
  }
  for (; i + 4 <= n; i += 4) {
    const p = y + (<usize>i << 2);
    v128.store(p, f32x4.div(v128.load(p), vs));
  }
  for (; i < n; i++) {
    const p = y + (<usize>i << 2);
    store<f32>(p, load<f32>(p) / s);
  }
}

/**
 * y[i] = exp(x[i] − m) for i < n; returns Σ exp(x[i] − m) summed in f64 before rounding, i ascending. exp is
 * evaluated in f64 and rounded once to f32 for y (AssemblyScript's musl-derived exp): accurate, and the same
 * bits as the js twin's Math.exp in practice. A SIMD exp (polynomial, as in XNNPACK's vexp kernels) is
 * future work.
 */
@inline
export function f32_row_exp_sum(x: usize, y: usize, n: i32, m: f32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const e = Math.exp(<f64>(load<f32>(x + o) - m));
    store<f32>(y + o, <f32>e);
    s += e;
  }
  return s;
}
