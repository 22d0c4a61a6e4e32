// Row helpers shared by softmax and the fused softmax losses.
import { exp1, exp_v } from '../act/act';

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
 * y[i] = exp(x[i] − m) for i < n (x[i] − m in f32, then exp_v of assembly/act; lane 0 of it for the tail); y may
 * equal x. Returns Σ y[i] summed in f64, i ascending.
 */
@inline
export function f32_row_exp_sum(x: usize, y: usize, n: i32, m: f32): f64 {
  const vm = f32x4.splat(m);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, exp_v(f32x4.sub(v128.load(x + o), vm)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, exp1(load<f32>(x + o) - m));
  }
  let s: f64 = 0;
  for (i = 0; i < n; i++) s += <f64>load<f32>(y + (<usize>i << 2));
  return s;
}
