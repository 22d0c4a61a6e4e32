// Losses taken element by element and averaged over every element of the batch (TF.js Layers: the mean over
// the last axis, then over the batch; for equal row lengths that is the mean over all rows·cols elements).
// Each returns that mean as f64 and writes d(mean)/d(pred) into grad when grad ≠ 0 (grad may equal pred).
// Every element is taken in f64 from its f32 inputs; the sum runs in f64 in ascending element order, which the
// js twin (src/backend/js/loss.ts) mirrors. Gradients at a kink take the subgradient 0 (sign(0) = 0).
import { act1, ACT_TANH } from '../act/act';

const EPS: f64 = <f64><f32>1e-7;
const LN2: f64 = 0.6931471805599453;

@inline function sign(d: f64): f64 {
  return d > 0 ? 1 : d < 0 ? -1 : 0;
}

export function f32_mae(pred: usize, target: usize, grad: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols, nf = <f64>n;
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const d = <f64>load<f32>(pred + o) - <f64>load<f32>(target + o);
    sum += Math.abs(d);
    if (grad) store<f32>(grad + o, <f32>(sign(d) / nf));
  }
  return sum / nf;
}

// 0.5·min(|d|, δ)² + δ·(|d| − min(|d|, δ)); gradient d where |d| ≤ δ, δ·sign(d) beyond.
export function f32_huber(pred: usize, target: usize, grad: usize, rows: i32, cols: i32, delta: f64): f64 {
  const n = rows * cols, nf = <f64>n;
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const d = <f64>load<f32>(pred + o) - <f64>load<f32>(target + o);
    const a = Math.abs(d);
    const q = Math.min(a, delta);
    sum += 0.5 * q * q + delta * (a - q);
    if (grad) store<f32>(grad + o, <f32>((a <= delta ? d : delta * sign(d)) / nf));
  }
  return sum / nf;
}

// log cosh d = |d| + log1p(e^(−2|d|)) − log 2 (no overflow); gradient tanh(d) with d = f32(p − t) and the one
// f32 tanh of assembly/act, so that both backends write the same bits.
export function f32_logcosh(pred: usize, target: usize, grad: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols, nf = <f64>n;
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(pred + o), t = load<f32>(target + o);
    const a = Math.abs(<f64>p - <f64>t);
    sum += a + Math.log1p(Math.exp(-2 * a)) - LN2;
    if (grad) store<f32>(grad + o, <f32>(<f64>act1(p - t, ACT_TANH, 0) / nf));
  }
  return sum / nf;
}

// max(0, 1 − t·p); gradient −t where 1 − t·p > 0.
export function f32_hinge(pred: usize, target: usize, grad: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols, nf = <f64>n;
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const t = <f64>load<f32>(target + o);
    const z = 1 - t * <f64>load<f32>(pred + o);
    if (z > 0) sum += z;
    if (grad) store<f32>(grad + o, <f32>(z > 0 ? -t / nf : 0));
  }
  return sum / nf;
}

// max(0, 1 − t·p)²; gradient −2t·(1 − t·p) where 1 − t·p > 0.
export function f32_squared_hinge(pred: usize, target: usize, grad: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols, nf = <f64>n;
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const t = <f64>load<f32>(target + o);
    const z = 1 - t * <f64>load<f32>(pred + o);
    if (z > 0) sum += z * z;
    if (grad) store<f32>(grad + o, <f32>(z > 0 ? -2 * t * z / nf : 0));
  }
  return sum / nf;
}

// p − t·log(p + ε); gradient 1 − t/(p + ε).
export function f32_poisson(pred: usize, target: usize, grad: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols, nf = <f64>n;
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const p = <f64>load<f32>(pred + o), t = <f64>load<f32>(target + o);
    const pe = p + EPS;
    sum += p - t * Math.log(pe);
    if (grad) store<f32>(grad + o, <f32>((1 - t / pe) / nf));
  }
  return sum / nf;
}

// 100·|t − p| / max(|t|, ε); gradient 100·sign(p − t) / max(|t|, ε).
export function f32_mape(pred: usize, target: usize, grad: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols, nf = <f64>n;
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const t = <f64>load<f32>(target + o);
    const d = <f64>load<f32>(pred + o) - t;
    const s = Math.max(Math.abs(t), EPS);
    sum += 100 * Math.abs(d) / s;
    if (grad) store<f32>(grad + o, <f32>(100 * sign(d) / s / nf));
  }
  return sum / nf;
}

// (log1p(max(p, ε)) − log1p(max(t, ε)))²; gradient 2·(that difference)/(1 + p) where p ≥ ε, 0 where clipped.
export function f32_msle(pred: usize, target: usize, grad: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols, nf = <f64>n;
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const p = <f64>load<f32>(pred + o);
    const pc = Math.max(p, EPS);
    const e = Math.log1p(pc) - Math.log1p(Math.max(<f64>load<f32>(target + o), EPS));
    sum += e * e;
    if (grad) store<f32>(grad + o, <f32>(p >= EPS ? 2 * e / (1 + pc) / nf : 0));
  }
  return sum / nf;
}
