// Losses: each returns the mean over rows (Keras semantics) as f64 and writes d(loss)/d(input) when
// grad ≠ 0 (grad may equal the input). Sums run in f64 in a fixed order, mirrored by the js twin.
import { f32_row_exp_sum, f32_row_max } from '../unary/row';

export {
  f32_count_argmax_match, f32_count_argmax_label, f32_count_binary_match,
} from './metrics';

// Keras' epsilon and the clip range [ε, 1 − ε] as f32 values (1 − ε rounds to 0.99999988).
const EPS: f32 = 1e-7;
const ONE_MINUS_EPS: f32 = 1 - EPS;

// Lanes: element i goes to lane i & 3; lanes are combined as (0 + 1) + (2 + 3). The squares are exact in f64.
export function f32_mse(pred: usize, target: usize, grad: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols;
  const scale = <f32>(2.0 / <f64>n);
  const vs = f32x4.splat(scale);
  let a01 = f64x2.splat(0), a23 = f64x2.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    const pp = pred + o, pt = target + o;
    const d0 = f32x4.sub(v128.load(pp), v128.load(pt));
    const d1 = f32x4.sub(v128.load(pp, 16), v128.load(pt, 16));
    const d2 = f32x4.sub(v128.load(pp, 32), v128.load(pt, 32));
    const d3 = f32x4.sub(v128.load(pp, 48), v128.load(pt, 48));
    if (grad) {
      const pg = grad + o;
      v128.store(pg, f32x4.mul(d0, vs));
      v128.store(pg, f32x4.mul(d1, vs), 16);
      v128.store(pg, f32x4.mul(d2, vs), 32);
      v128.store(pg, f32x4.mul(d3, vs), 48);
    }
    let l = f64x2.promote_low_f32x4(d0), h = f64x2.promote_low_f32x4(f32x4.shuffle(d0, d0, 2, 3, 2, 3));
    a01 = f64x2.add(a01, f64x2.mul(l, l));
    a23 = f64x2.add(a23, f64x2.mul(h, h));
    l = f64x2.promote_low_f32x4(d1); h = f64x2.promote_low_f32x4(f32x4.shuffle(d1, d1, 2, 3, 2, 3));
    a01 = f64x2.add(a01, f64x2.mul(l, l));
    a23 = f64x2.add(a23, f64x2.mul(h, h));
    l = f64x2.promote_low_f32x4(d2); h = f64x2.promote_low_f32x4(f32x4.shuffle(d2, d2, 2, 3, 2, 3));
    a01 = f64x2.add(a01, f64x2.mul(l, l));
    a23 = f64x2.add(a23, f64x2.mul(h, h));
    l = f64x2.promote_low_f32x4(d3); h = f64x2.promote_low_f32x4(f32x4.shuffle(d3, d3, 2, 3, 2, 3));
    a01 = f64x2.add(a01, f64x2.mul(l, l));
    a23 = f64x2.add(a23, f64x2.mul(h, h));
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const d = f32x4.sub(v128.load(pred + o), v128.load(target + o));
    if (grad) v128.store(grad + o, f32x4.mul(d, vs));
    const l = f64x2.promote_low_f32x4(d), h = f64x2.promote_low_f32x4(f32x4.shuffle(d, d, 2, 3, 2, 3));
    a01 = f64x2.add(a01, f64x2.mul(l, l));
    a23 = f64x2.add(a23, f64x2.mul(h, h));
  }
  let s0 = f64x2.extract_lane(a01, 0), s1 = f64x2.extract_lane(a01, 1);
  let s2 = f64x2.extract_lane(a23, 0);
  const s3 = f64x2.extract_lane(a23, 1);
  // at most 3 left: lanes 0, 1, 2
  for (let lane = 0; i < n; i++, lane++) {
    const o = <usize>i << 2;
    const d = load<f32>(pred + o) - load<f32>(target + o);
    if (grad) store<f32>(grad + o, d * scale);
    const q = <f64>d * <f64>d;
    if (lane == 0) s0 += q;
    else if (lane == 1) s1 += q;
    else s2 += q;
  }
  return ((s0 + s1) + (s2 + s3)) / <f64>n;
}

// Gradient of the clipped loss: zero where p lies outside [ε, 1 − ε] (the clip is active), as TF's
// clip_by_value gradient gives; inside, ((1 − t)/(1 − p) − t/p)/n.
export function f32_bce(pred: usize, target: usize, grad: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols;
  const nf = <f64>n;
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(pred + o);
    const t = <f64>load<f32>(target + o);
    const pc = <f64>Mathf.min(Mathf.max(p, EPS), ONE_MINUS_EPS);
    sum -= t * Math.log(pc) + (1 - t) * Math.log(1 - pc);
    if (grad) {
      const g = p < EPS || p > ONE_MINUS_EPS ? 0 : ((1 - t) / (1 - pc) - t / pc) / nf;
      store<f32>(grad + o, <f32>g);
    }
  }
  return sum / nf;
}

/**
 * Categorical cross-entropy of one row, Keras/TF.js style: q = p / Σp, clipped to [ε, 1 − ε], loss
 * −Σ t·log q. The gradient goes through the normalisation; clipped entries contribute none:
 * with a_j = −t_j/q_j (0 where clipped) and T = Σ t over unclipped entries, dL/dp_j = (a_j + T)/Σp.
 * `label` ≥ 0 means a one-hot target with a 1 at `label` (target is then ignored).
 */
@inline
function cce_row(pred: usize, target: usize, label: i32, grad: usize, cols: i32, invRows: f64): f64 {
  let s: f64 = 0;
  for (let c = 0; c < cols; c++) s += <f64>load<f32>(pred + (<usize>c << 2));
  s = Math.max(s, 1e-30);
  const lo = <f64>EPS, hi = <f64>ONE_MINUS_EPS;
  let loss: f64 = 0;
  let tu: f64 = 0;
  if (label >= 0) {
    const q = <f64>load<f32>(pred + (<usize>label << 2)) / s;
    loss = -Math.log(Math.min(Math.max(q, lo), hi));
    if (grad) {
      const inside = q >= lo && q <= hi;
      tu = inside ? 1 : 0;
      const k = invRows / s;
      for (let c = 0; c < cols; c++) {
        const a = c == label && inside ? -(1 / q) : 0;
        store<f32>(grad + (<usize>c << 2), <f32>((a + tu) * k));
      }
    }
    return loss;
  }
  for (let c = 0; c < cols; c++) {
    const o = <usize>c << 2;
    const t = <f64>load<f32>(target + o);
    const q = <f64>load<f32>(pred + o) / s;
    loss -= t * Math.log(Math.min(Math.max(q, lo), hi));
    if (q >= lo && q <= hi) tu += t;
  }
  if (grad) {
    const k = invRows / s;
    for (let c = 0; c < cols; c++) {
      const o = <usize>c << 2;
      const t = <f64>load<f32>(target + o);
      const q = <f64>load<f32>(pred + o) / s;
      const a = q >= lo && q <= hi ? -(t / q) : 0;
      store<f32>(grad + o, <f32>((a + tu) * k));
    }
  }
  return loss;
}

export function f32_cce(pred: usize, target: usize, grad: usize, rows: i32, cols: i32): f64 {
  const rowBytes = <usize>cols << 2;
  const invRows = 1 / <f64>rows;
  let sum: f64 = 0;
  for (let r = 0; r < rows; r++) {
    sum += cce_row(pred, target, -1, grad, cols, invRows);
    pred += rowBytes;
    target += rowBytes;
    if (grad) grad += rowBytes;
  }
  return sum / <f64>rows;
}

export function f32_sparse_cce(pred: usize, labels: usize, grad: usize, rows: i32, cols: i32): f64 {
  const rowBytes = <usize>cols << 2;
  const invRows = 1 / <f64>rows;
  let sum: f64 = 0;
  for (let r = 0; r < rows; r++) {
    sum += cce_row(pred, 0, load<i32>(labels + (<usize>r << 2)), grad, cols, invRows);
    pred += rowBytes;
    if (grad) grad += rowBytes;
  }
  return sum / <f64>rows;
}

// probs = e / Σe (f32 division); grad = (Σt·probs − t)·(1/rows) with t = target row, or probs·(1/rows)
// when target = 0 (the caller fixes the label entry).
@inline
function softmax_finish(probs: usize, target: usize, ts: f32, grad: usize, cols: i32, s: f32, inv: f32): void {
  const vs = f32x4.splat(s), vi = f32x4.splat(inv), vt = f32x4.splat(ts);
  let c = 0;
  for (; c + 4 <= cols; c += 4) {
    const o = <usize>c << 2;
    const p = f32x4.div(v128.load(probs + o), vs);
    v128.store(probs + o, p);
    if (grad) {
      const d = target ? f32x4.sub(f32x4.mul(vt, p), v128.load(target + o)) : p;
      v128.store(grad + o, f32x4.mul(d, vi));
    }
  }
  for (; c < cols; c++) {
    const o = <usize>c << 2;
    const p = load<f32>(probs + o) / s;
    store<f32>(probs + o, p);
    if (grad) store<f32>(grad + o, (target ? ts * p - load<f32>(target + o) : p) * inv);
  }
}

// From logits z with m = max z and d = z − m (f32): e = exp(d) (assembly/act), S = Σe (f64), log-sum-exp =
// m + log S, so the row loss Σ t·(lse − z) is (Σt)·log S − Σ t·d: never the log of a tiny probability. Its
// gradient is Σt·probs − t, which is probs − t for target rows that sum to 1. Σt and Σ t·d are taken before
// the exps are written, as probs may equal logits.
// Inspired by the log-sum-exp form of TF's softmax_cross_entropy_with_logits.
export function f32_softmax_cce(logits: usize, target: usize, probs: usize, grad: usize, rows: i32, cols: i32): f64 {
  const rowBytes = <usize>cols << 2;
  const inv = <f32>(1 / <f64>rows);
  let sum: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const m = f32_row_max(logits, cols);
    let ts: f64 = 0, td: f64 = 0;
    for (let c = 0; c < cols; c++) {
      const o = <usize>c << 2;
      const t = <f64>load<f32>(target + o);
      ts += t;
      td += t * <f64>(load<f32>(logits + o) - m);
    }
    const s = f32_row_exp_sum(logits, probs, cols, m);
    sum += ts * Math.log(s) - td;
    softmax_finish(probs, target, <f32>ts, grad, cols, <f32>s, inv);
    logits += rowBytes;
    target += rowBytes;
    probs += rowBytes;
    if (grad) grad += rowBytes;
  }
  return sum / <f64>rows;
}

export function f32_softmax_sparse_cce(logits: usize, labels: usize, probs: usize, grad: usize, rows: i32, cols: i32): f64 {
  const rowBytes = <usize>cols << 2;
  const inv = <f32>(1 / <f64>rows);
  let sum: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const label = load<i32>(labels + (<usize>r << 2));
    const m = f32_row_max(logits, cols);
    const dl = load<f32>(logits + (<usize>label << 2)) - m;
    const s = f32_row_exp_sum(logits, probs, cols, m);
    sum += Math.log(s) - <f64>dl;
    const sf = <f32>s;
    const pl = load<f32>(probs + (<usize>label << 2)) / sf;
    softmax_finish(probs, 0, 1, grad, cols, sf, inv);
    if (grad) store<f32>(grad + (<usize>label << 2), (pl - 1) * inv);
    logits += rowBytes;
    probs += rowBytes;
    if (grad) grad += rowBytes;
  }
  return sum / <f64>rows;
}
