// Bias, activations and softmax. Elementwise loops: 16 floats per step (4 × f32x4), then 4, then scalar.
// Activation codes follow src/backend/types.ts (Act): 0 linear, 1 relu, 2 leakyRelu, 3 elu, 4 sigmoid, 5 tanh, 6 relu6,
// 7 hardSigmoid.
import {
  ACT_ELU, ACT_HARD_SIGMOID, ACT_LEAKY_RELU, ACT_RELU, ACT_RELU6, ACT_SIGMOID, ACT_TANH, act1, act_grad1, act_grad_v, act_v, exp1, exp_v,
} from '../act/act';
import { f32_row_div, f32_row_exp_sum, f32_row_max } from './row';

export function f32_bias_add(x: usize, bias: usize, y: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    let c = 0;
    for (; c + 16 <= cols; c += 16) {
      const o = <usize>c << 2;
      const px = x + o, pb = bias + o, py = y + o;
      const a0 = f32x4.add(v128.load(px), v128.load(pb));
      const a1 = f32x4.add(v128.load(px, 16), v128.load(pb, 16));
      const a2 = f32x4.add(v128.load(px, 32), v128.load(pb, 32));
      const a3 = f32x4.add(v128.load(px, 48), v128.load(pb, 48));
      v128.store(py, a0);
      v128.store(py, a1, 16);
      v128.store(py, a2, 32);
      v128.store(py, a3, 48);
    }
    for (; c + 4 <= cols; c += 4) {
      const o = <usize>c << 2;
      v128.store(y + o, f32x4.add(v128.load(x + o), v128.load(bias + o)));
    }
    for (; c < cols; c++) {
      const o = <usize>c << 2;
      store<f32>(y + o, load<f32>(x + o) + load<f32>(bias + o));
    }
    x += rowBytes;
    y += rowBytes;
  }
}

// Each column's sum runs over rows in ascending order from 0; y[c] is added last when accumulating.
export function f32_col_sum(x: usize, y: usize, rows: i32, cols: i32, accumulate: i32): void {
  const stride = <usize>cols << 2;
  const zero = f32x4.splat(0);
  let c = 0;
  for (; c + 16 <= cols; c += 16) {
    let p = x + (<usize>c << 2);
    let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    for (let r = 0; r < rows; r++) {
      a0 = f32x4.add(a0, v128.load(p));
      a1 = f32x4.add(a1, v128.load(p, 16));
      a2 = f32x4.add(a2, v128.load(p, 32));
      a3 = f32x4.add(a3, v128.load(p, 48));
      p += stride;
    }
    const q = y + (<usize>c << 2);
    if (accumulate) {
      a0 = f32x4.add(a0, v128.load(q));
      a1 = f32x4.add(a1, v128.load(q, 16));
      a2 = f32x4.add(a2, v128.load(q, 32));
      a3 = f32x4.add(a3, v128.load(q, 48));
    }
    v128.store(q, a0);
    v128.store(q, a1, 16);
    v128.store(q, a2, 32);
    v128.store(q, a3, 48);
  }
  for (; c + 4 <= cols; c += 4) {
    let p = x + (<usize>c << 2);
    let a = zero;
    for (let r = 0; r < rows; r++) {
      a = f32x4.add(a, v128.load(p));
      p += stride;
    }
    const q = y + (<usize>c << 2);
    if (accumulate) a = f32x4.add(a, v128.load(q));
    v128.store(q, a);
  }
  for (; c < cols; c++) {
    let p = x + (<usize>c << 2);
    let a: f32 = 0;
    for (let r = 0; r < rows; r++) {
      a += load<f32>(p);
      p += stride;
    }
    const q = y + (<usize>c << 2);
    if (accumulate) a += load<f32>(q);
    store<f32>(q, a);
  }
}

// ---- forward activations (one definition each, in assembly/act) ----

function copy_f32(x: usize, y: usize, count: i32): void {
  if (x != y) memory.copy(y, x, <usize>count << 2);
}

// y = act(x): 16 values a step (four vectors, so the exp-based activations have four independent chains),
// then 4, then single values as lane 0 of the same vector code. `act` is a constant where this is inlined.
@inline
function act_loop(act: i32, x: usize, y: usize, count: i32, alpha: f32): void {
  let i = 0;
  for (; i + 16 <= count; i += 16) {
    const o = <usize>i << 2;
    const px = x + o, py = y + o;
    const a0 = act_v(v128.load(px), act, alpha);
    const a1 = act_v(v128.load(px, 16), act, alpha);
    const a2 = act_v(v128.load(px, 32), act, alpha);
    const a3 = act_v(v128.load(px, 48), act, alpha);
    v128.store(py, a0);
    v128.store(py, a1, 16);
    v128.store(py, a2, 32);
    v128.store(py, a3, 48);
  }
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, act_v(v128.load(x + o), act, alpha));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, act1(load<f32>(x + o), act, alpha));
  }
}

export function f32_activation(x: usize, y: usize, count: i32, act: i32, alpha: f32): void {
  switch (act) {
    case ACT_RELU: act_loop(ACT_RELU, x, y, count, alpha); break;
    case ACT_LEAKY_RELU: act_loop(ACT_LEAKY_RELU, x, y, count, alpha); break;
    case ACT_ELU: act_loop(ACT_ELU, x, y, count, alpha); break;
    case ACT_SIGMOID: act_loop(ACT_SIGMOID, x, y, count, alpha); break;
    case ACT_TANH: act_loop(ACT_TANH, x, y, count, alpha); break;
    case ACT_RELU6: act_loop(ACT_RELU6, x, y, count, alpha); break;
    case ACT_HARD_SIGMOID: act_loop(ACT_HARD_SIGMOID, x, y, count, alpha); break;
    default: copy_f32(x, y, count);
  }
}

/** y[i] = e^x[i] (assembly/act: exp_v, lane 0 of it for the tail); y may equal x. */
export function f32_exp(x: usize, y: usize, count: i32): void {
  let i = 0;
  for (; i + 16 <= count; i += 16) {
    const o = <usize>i << 2;
    const px = x + o, py = y + o;
    const a0 = exp_v(v128.load(px));
    const a1 = exp_v(v128.load(px, 16));
    const a2 = exp_v(v128.load(px, 32));
    const a3 = exp_v(v128.load(px, 48));
    v128.store(py, a0);
    v128.store(py, a1, 16);
    v128.store(py, a2, 32);
    v128.store(py, a3, 48);
  }
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, exp_v(v128.load(x + o)));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, exp1(load<f32>(x + o)));
  }
}

// ---- activation gradients, from the output y (assembly/act: act_grad_v, act_grad1) ----
// One loop (16 values a step, then 4, then single values) for every activation; `act` is a constant where
// grad_loop is inlined below, so each case keeps only its own arithmetic.

@inline
function grad_loop(act: i32, y: usize, dy: usize, dx: usize, count: i32, alpha: f32): void {
  let i = 0;
  for (; i + 16 <= count; i += 16) {
    const o = <usize>i << 2;
    const py = y + o, pd = dy + o, px = dx + o;
    const a0 = act_grad_v(act, v128.load(py), v128.load(pd), alpha);
    const a1 = act_grad_v(act, v128.load(py, 16), v128.load(pd, 16), alpha);
    const a2 = act_grad_v(act, v128.load(py, 32), v128.load(pd, 32), alpha);
    const a3 = act_grad_v(act, v128.load(py, 48), v128.load(pd, 48), alpha);
    v128.store(px, a0);
    v128.store(px, a1, 16);
    v128.store(px, a2, 32);
    v128.store(px, a3, 48);
  }
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, act_grad_v(act, v128.load(y + o), v128.load(dy + o), alpha));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, act_grad1(act, load<f32>(y + o), load<f32>(dy + o), alpha));
  }
}

export function f32_activation_grad(y: usize, dy: usize, dx: usize, count: i32, act: i32, alpha: f32): void {
  switch (act) {
    case 1: grad_loop(1, y, dy, dx, count, alpha); break;
    case 2: grad_loop(2, y, dy, dx, count, alpha); break;
    case 3: grad_loop(3, y, dy, dx, count, alpha); break;
    case 4: grad_loop(4, y, dy, dx, count, alpha); break;
    case 5: grad_loop(5, y, dy, dx, count, alpha); break;
    case 6: grad_loop(6, y, dy, dx, count, alpha); break;
    case 7: grad_loop(7, y, dy, dx, count, alpha); break;
    default: copy_f32(dy, dx, count);
  }
}

// ---- softmax ----

export function f32_softmax(x: usize, y: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const m = f32_row_max(x, cols);
    const s = f32_row_exp_sum(x, y, cols, m);
    f32_row_div(y, cols, <f32>s);
    x += rowBytes;
    y += rowBytes;
  }
}

// dx = y·(dy − s) with s = Σ dy·y summed in f64, c ascending.
export function f32_softmax_grad(y: usize, dy: usize, dx: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    let d: f64 = 0;
    for (let c = 0; c < cols; c++) {
      const o = <usize>c << 2;
      d += <f64>load<f32>(dy + o) * <f64>load<f32>(y + o);
    }
    const s = <f32>d;
    const vs = f32x4.splat(s);
    let c = 0;
    for (; c + 16 <= cols; c += 16) {
      const o = <usize>c << 2;
      const py = y + o, pd = dy + o, px = dx + o;
      const a0 = f32x4.mul(v128.load(py), f32x4.sub(v128.load(pd), vs));
      const a1 = f32x4.mul(v128.load(py, 16), f32x4.sub(v128.load(pd, 16), vs));
      const a2 = f32x4.mul(v128.load(py, 32), f32x4.sub(v128.load(pd, 32), vs));
      const a3 = f32x4.mul(v128.load(py, 48), f32x4.sub(v128.load(pd, 48), vs));
      v128.store(px, a0);
      v128.store(px, a1, 16);
      v128.store(px, a2, 32);
      v128.store(px, a3, 48);
    }
    for (; c + 4 <= cols; c += 4) {
      const o = <usize>c << 2;
      v128.store(dx + o, f32x4.mul(v128.load(y + o), f32x4.sub(v128.load(dy + o), vs)));
    }
    for (; c < cols; c++) {
      const o = <usize>c << 2;
      store<f32>(dx + o, load<f32>(y + o) * (load<f32>(dy + o) - s));
    }
    y += rowBytes;
    dy += rowBytes;
    dx += rowBytes;
  }
}
