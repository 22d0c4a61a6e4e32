// The ReLU layer of Keras with its three options: f(x) = x > θ ? min(x, maxValue) : −(s·(θ − x)), with θ the
// threshold and s the negative slope (Keras's relu: x·[x > θ] clipped to maxValue, minus s·relu(θ − x)); s = 0 gives
// 0 below θ (never s·(θ − x), which is NaN for x = −∞). NaN stays NaN (an x that is NaN is never > θ). The gradient, from the input x, is dy where
// θ < x ≤ maxValue (TF's clipByValue passes the bound itself), s·dy where x ≤ θ (0 for s = 0), else 0. Each value is
// one f32 operation after another, the same on four lanes and on one, and in src/backend/js/relu.ts.

export function f32_relu_clipped(x: usize, y: usize, count: i32, maxValue: f32, slope: f32, threshold: f32): void {
  const vm = f32x4.splat(maxValue), vs = f32x4.splat(slope), vt = f32x4.splat(threshold), z = f32x4.splat(0);
  const neg = slope != 0;
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    const below = neg ? f32x4.sub(z, f32x4.mul(vs, f32x4.sub(vt, v))) : v128.bitselect(v, z, f32x4.ne(v, v));
    v128.store(y + o, v128.bitselect(f32x4.min(v, vm), below, f32x4.gt(v, vt)));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, v > threshold ? min(v, maxValue) : neg ? 0 - slope * (threshold - v) : v != v ? v : 0);
  }
}

export function f32_relu_clipped_grad(x: usize, dy: usize, dx: usize, count: i32, maxValue: f32, slope: f32, threshold: f32): void {
  const vm = f32x4.splat(maxValue), vs = f32x4.splat(slope), vt = f32x4.splat(threshold), z = f32x4.splat(0);
  const neg = slope != 0;
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o), d = v128.load(dy + o);
    const below = neg ? f32x4.mul(vs, d) : z;
    v128.store(dx + o, v128.bitselect(v128.and(d, f32x4.le(v, vm)), below, f32x4.gt(v, vt)));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o), d = load<f32>(dy + o);
    store<f32>(dx + o, v > threshold ? (v <= maxValue ? d : 0) : neg ? slope * d : 0);
  }
}
