// Activation epilogue shared by the GEMM kernels (and free for any kernel that ends in an activation).
// Codes follow Act in src/backend/types.ts: 0 linear, 1 relu, 2 leakyRelu, 3 elu, 4 sigmoid, 5 tanh.
// relu is max(x, 0) (NaN propagates, as f32x4.max and Math.max do); elu uses expm1 for accuracy near 0.

export const ACT_LINEAR: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_LEAKY_RELU: i32 = 2;
export const ACT_ELU: i32 = 3;
export const ACT_SIGMOID: i32 = 4;
export const ACT_TANH: i32 = 5;

/** y = act(x) for one value; the scalar definition every SIMD path must agree with. */
export function f32_act(x: f32, act: i32, alpha: f32): f32 {
  switch (act) {
    case ACT_RELU: return Mathf.max(x, 0);
    case ACT_LEAKY_RELU: return x > 0 ? x : alpha * x;
    case ACT_ELU: return x > 0 ? x : alpha * Mathf.expm1(x);
    case ACT_SIGMOID: return 1 / (1 + Mathf.exp(-x));
    case ACT_TANH: return Mathf.tanh(x);
    default: return x;
  }
}

/** True when act has a SIMD form (linear, relu, leakyRelu) that f32_act_v applies in registers. */
@inline export function act_is_simd(act: i32): bool {
  return <u32>act <= <u32>ACT_LEAKY_RELU;
}

/** act on four lanes for linear, relu and leakyRelu; any other code returns v unchanged. */
@inline export function f32_act_v(v: v128, act: i32, alpha: f32): v128 {
  if (act == ACT_RELU) return f32x4.max(v, f32x4.splat(0));
  if (act == ACT_LEAKY_RELU) {
    return v128.bitselect(v, f32x4.mul(v, f32x4.splat(alpha)), f32x4.gt(v, f32x4.splat(0)));
  }
  return v;
}

/** x[i] = act(x[i]) for i < count, in place: SIMD for linear/relu/leakyRelu, scalar otherwise. */
export function f32_act_row(x: usize, count: i32, act: i32, alpha: f32): void {
  if (act == ACT_LINEAR) return;
  let i = 0;
  if (act_is_simd(act)) {
    for (; i + 8 <= count; i += 8) {
      const p = x + (<usize>i << 2);
      v128.store(p, f32_act_v(v128.load(p), act, alpha));
      v128.store(p, f32_act_v(v128.load(p, 16), act, alpha), 16);
    }
    for (; i + 4 <= count; i += 4) {
      const p = x + (<usize>i << 2);
      v128.store(p, f32_act_v(v128.load(p), act, alpha));
    }
  }
  for (; i < count; i++) {
    const p = x + (<usize>i << 2);
    store<f32>(p, f32_act(load<f32>(p), act, alpha));
  }
}
