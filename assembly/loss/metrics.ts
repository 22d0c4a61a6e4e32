// Metrics: i32 counts, so that batches add up exactly.

// First maximum wins: only a strictly greater value moves the index (NaN never does).
@inline
function argmax(p: usize, cols: i32): i32 {
  let best = load<f32>(p);
  let k = 0;
  for (let c = 1; c < cols; c++) {
    const v = load<f32>(p + (<usize>c << 2));
    if (v > best) {
      best = v;
      k = c;
    }
  }
  return k;
}

export function f32_count_argmax_match(pred: usize, target: usize, rows: i32, cols: i32): i32 {
  const rowBytes = <usize>cols << 2;
  let n = 0;
  for (let r = 0; r < rows; r++) {
    n += i32(argmax(pred, cols) == argmax(target, cols));
    pred += rowBytes;
    target += rowBytes;
  }
  return n;
}

export function f32_count_argmax_label(pred: usize, labels: usize, rows: i32, cols: i32): i32 {
  const rowBytes = <usize>cols << 2;
  let n = 0;
  for (let r = 0; r < rows; r++) {
    n += i32(argmax(pred, cols) == load<i32>(labels + (<usize>r << 2)));
    pred += rowBytes;
  }
  return n;
}

// The equality masks are −1 per matching lane, so subtracting them counts matches.
export function f32_count_binary_match(pred: usize, target: usize, count: i32, threshold: f32): i32 {
  const vth = f32x4.splat(threshold), half = f32x4.splat(0.5);
  let acc = i32x4.splat(0);
  let i = 0;
  for (; i + 16 <= count; i += 16) {
    const o = <usize>i << 2;
    const pp = pred + o, pt = target + o;
    acc = i32x4.sub(acc, i32x4.eq(f32x4.gt(v128.load(pp), vth), f32x4.gt(v128.load(pt), half)));
    acc = i32x4.sub(acc, i32x4.eq(f32x4.gt(v128.load(pp, 16), vth), f32x4.gt(v128.load(pt, 16), half)));
    acc = i32x4.sub(acc, i32x4.eq(f32x4.gt(v128.load(pp, 32), vth), f32x4.gt(v128.load(pt, 32), half)));
    acc = i32x4.sub(acc, i32x4.eq(f32x4.gt(v128.load(pp, 48), vth), f32x4.gt(v128.load(pt, 48), half)));
  }
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    acc = i32x4.sub(acc, i32x4.eq(f32x4.gt(v128.load(pred + o), vth), f32x4.gt(v128.load(target + o), half)));
  }
  let n = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) +
    i32x4.extract_lane(acc, 3);
  for (; i < count; i++) {
    const o = <usize>i << 2;
    n += i32((load<f32>(pred + o) > threshold) == (load<f32>(target + o) > <f32>0.5));
  }
  return n;
}
