// Losses taken row by row (one sample per row) and averaged over the rows, as TF.js Layers does. Each returns
// that mean as f64 and writes d(mean)/d(pred) into grad when grad ≠ 0 (grad may equal pred: every row's
// sums are taken before its gradient is written). Sums run in f64, c ascending, then over rows ascending;
// the js twin (src/backend/js/loss.ts) mirrors them.

const EPS: f64 = <f64><f32>1e-7;

// Row loss max(0, 1 + neg − pos) with pos = Σ t·p and neg = max (1 − t)·p. Where the loss is positive the
// gradient is −t_j, plus (1 − t_j) at every j whose (1 − t_j)·p_j equals the max (ties all take it, as
// TF.js's max gradient gives).
export function f32_categorical_hinge(pred: usize, target: usize, grad: usize, rows: i32, cols: i32): f64 {
  const rowBytes = <usize>cols << 2;
  const rf = <f64>rows;
  let sum: f64 = 0;
  for (let r = 0; r < rows; r++) {
    let pos: f64 = 0, neg: f64 = -Infinity;
    for (let c = 0; c < cols; c++) {
      const o = <usize>c << 2;
      const p = <f64>load<f32>(pred + o), t = <f64>load<f32>(target + o);
      pos += t * p;
      const m = (1 - t) * p;
      if (m > neg) neg = m;
    }
    const z = 1 + neg - pos;
    if (z > 0) sum += z;
    if (grad) {
      for (let c = 0; c < cols; c++) {
        const o = <usize>c << 2;
        const p = <f64>load<f32>(pred + o), t = <f64>load<f32>(target + o);
        const g = z > 0 ? -t + ((1 - t) * p == neg ? 1 - t : 0) : 0;
        store<f32>(grad + o, <f32>(g / rf));
      }
    }
    pred += rowBytes;
    target += rowBytes;
    if (grad) grad += rowBytes;
  }
  return sum / rf;
}

// Row loss Σ t·log(clip(t, ε, 1) / clip(p, ε, 1)); gradient −t/p where ε ≤ p ≤ 1, 0 where p is clipped.
export function f32_kld(pred: usize, target: usize, grad: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols;
  const rf = <f64>rows;
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const p = <f64>load<f32>(pred + o), t = <f64>load<f32>(target + o);
    const pc = Math.min(Math.max(p, EPS), 1);
    sum += t * Math.log(Math.min(Math.max(t, EPS), 1) / pc);
    if (grad) store<f32>(grad + o, <f32>(p >= EPS && p <= 1 ? -t / pc / rf : 0));
  }
  return sum / rf;
}

// Row loss −Σ t·p / (‖t‖·‖p‖) with ‖x‖ = sqrt(max(Σx², ε)); gradient
// (−t_j + (Σ t·p)·p_j/‖p‖² [Σp² ≥ ε]) / (‖t‖·‖p‖).
export function f32_cosine_proximity(pred: usize, target: usize, grad: usize, rows: i32, cols: i32): f64 {
  const rowBytes = <usize>cols << 2;
  const rf = <f64>rows;
  let sum: f64 = 0;
  for (let r = 0; r < rows; r++) {
    let tt: f64 = 0, pp: f64 = 0, tp: f64 = 0;
    for (let c = 0; c < cols; c++) {
      const o = <usize>c << 2;
      const p = <f64>load<f32>(pred + o), t = <f64>load<f32>(target + o);
      tt += t * t;
      pp += p * p;
      tp += t * p;
    }
    const np2 = Math.max(pp, EPS);
    const k = 1 / (Math.sqrt(Math.max(tt, EPS)) * Math.sqrt(np2));
    sum -= tp * k;
    if (grad) {
      const b = pp >= EPS ? tp / np2 : 0;
      for (let c = 0; c < cols; c++) {
        const o = <usize>c << 2;
        const p = <f64>load<f32>(pred + o), t = <f64>load<f32>(target + o);
        store<f32>(grad + o, <f32>((b * p - t) * k / rf));
      }
    }
    pred += rowBytes;
    target += rowBytes;
    if (grad) grad += rowBytes;
  }
  return sum / rf;
}
