// Utilities for the training loop: gradient norms, scaling, filling, batch gathering, finiteness checks.
// Same loop shape as the optimizers: 16-float blocks (4 v128), then 4-float steps, then scalars.

@inline function bytes(count: i32): usize { return <usize>max(count, 0) << 2; }

/**
 * Σ x² in f32 with a fixed order (the js twin repeats it exactly): four f32x4 accumulators over blocks of 16
 * floats (acc_j takes floats 16b+4j..16b+4j+3), further whole quads into acc0, then
 * acc = (acc0 + acc1) + (acc2 + acc3), s = ((acc[0] + acc[1]) + acc[2]) + acc[3], then the scalar tail in order.
 */
export function f32_sum_squares(x: usize, count: i32): f64 {
  const n = bytes(count);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    const v0 = v128.load(x + i), v1 = v128.load(x + i, 16), v2 = v128.load(x + i, 32), v3 = v128.load(x + i, 48);
    a0 = f32x4.add(a0, f32x4.mul(v0, v0));
    a1 = f32x4.add(a1, f32x4.mul(v1, v1));
    a2 = f32x4.add(a2, f32x4.mul(v2, v2));
    a3 = f32x4.add(a3, f32x4.mul(v3, v3));
  }
  for (; i + 16 <= n; i += 16) {
    const v = v128.load(x + i);
    a0 = f32x4.add(a0, f32x4.mul(v, v));
  }
  const a = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
  let s: f32 = f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1);
  s += f32x4.extract_lane(a, 2);
  s += f32x4.extract_lane(a, 3);
  for (; i < n; i += 4) {
    const xi = load<f32>(x + i);
    s += xi * xi;
  }
  return <f64>s;
}

export function f32_scale(x: usize, count: i32, s: f32): void {
  const n = bytes(count);
  const sv = f32x4.splat(s);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    v128.store(x + i, f32x4.mul(v128.load(x + i), sv));
    v128.store(x + i, f32x4.mul(v128.load(x + i, 16), sv), 16);
    v128.store(x + i, f32x4.mul(v128.load(x + i, 32), sv), 32);
    v128.store(x + i, f32x4.mul(v128.load(x + i, 48), sv), 48);
  }
  for (; i + 16 <= n; i += 16) v128.store(x + i, f32x4.mul(v128.load(x + i), sv));
  for (; i < n; i += 4) store<f32>(x + i, load<f32>(x + i) * s);
}

export function f32_fill(x: usize, count: i32, value: f32): void {
  const n = bytes(count);
  const v = f32x4.splat(value);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    v128.store(x + i, v);
    v128.store(x + i, v, 16);
    v128.store(x + i, v, 32);
    v128.store(x + i, v, 48);
  }
  for (; i + 16 <= n; i += 16) v128.store(x + i, v);
  for (; i < n; i += 4) store<f32>(x + i, value);
}

export function f32_copy(src: usize, dst: usize, count: i32): void { memory.copy(dst, src, bytes(count)); }

export function f32_gather_rows(src: usize, idx: usize, start: i32, dst: usize, rows: i32, cols: i32): void {
  const rowBytes = bytes(cols);
  const ip = idx + (<usize>start << 2);
  for (let r = 0; r < rows; r++) {
    const k = <usize>load<i32>(ip + (<usize>r << 2));
    memory.copy(dst + <usize>r * rowBytes, src + k * rowBytes, rowBytes);
  }
}

export function i32_gather(src: usize, idx: usize, start: i32, dst: usize, rows: i32): void {
  const ip = idx + (<usize>start << 2);
  for (let r = 0; r < rows; r++) {
    const k = <usize>load<i32>(ip + (<usize>r << 2));
    store<i32>(dst + (<usize>r << 2), load<i32>(src + (k << 2)));
  }
}

// x − x is 0 for every finite x and NaN for NaN and ±Inf; the lane masks are AND-ed over the whole array.
export function f32_all_finite(x: usize, count: i32): i32 {
  const n = bytes(count);
  const zero = f32x4.splat(0);
  let ok = i32x4.splat(-1);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    const v0 = v128.load(x + i), v1 = v128.load(x + i, 16), v2 = v128.load(x + i, 32), v3 = v128.load(x + i, 48);
    const m01 = v128.and(f32x4.eq(f32x4.sub(v0, v0), zero), f32x4.eq(f32x4.sub(v1, v1), zero));
    const m23 = v128.and(f32x4.eq(f32x4.sub(v2, v2), zero), f32x4.eq(f32x4.sub(v3, v3), zero));
    ok = v128.and(ok, v128.and(m01, m23));
  }
  for (; i + 16 <= n; i += 16) {
    const v = v128.load(x + i);
    ok = v128.and(ok, f32x4.eq(f32x4.sub(v, v), zero));
  }
  let fin = i32(i32x4.all_true(ok));
  for (; i < n; i += 4) {
    const xi = load<f32>(x + i);
    fin &= i32(xi - xi == 0);
  }
  return fin;
}

/** First byte offset above the module's static data; the JS allocator starts here (aligned up to 16). */
export function heap_base(): usize { return __heap_base; }
