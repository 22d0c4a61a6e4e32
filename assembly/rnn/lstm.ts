// One LSTM time step for a batch, fused: the gate activations, the state update and the output (forward), and
// their gradients (backward). The layer computes the gate pre-activations z = x·W (all steps in one gemm) + h·R + b
// (one gemm per step); the gates are in TF.js's LSTMCell order (tfjs-layers src/layers/recurrent.ts, as Keras):
// z[0, u) input i, [u, 2u) forget f, [2u, 3u) candidate g, [3u, 4u) output o. The arithmetic is TF.js's, op by op:
// i = σr(z_i), f = σr(z_f), g = act(z_g), o = σr(z_o), c = f·c₋₁ + i·g, h = o·act(c), each product and sum one f32
// operation; activations and their derivatives (from outputs) are the one definition in assembly/act. Units run in
// the f32x4 lanes, then single values (lane 0 of the same code, so lanes and tail give the same bits).
import { act1, act_any_v, act_grad1, act_grad_v } from '../act/act';

/** The scale of elu, the one activation here with a parameter (TF.js's 'elu' string). */
const ALPHA: f32 = 1;

/**
 * Forward step. z: rows of 4u pre-activations (row stride zStride), overwritten with the activated gates i, f, g, o
 * (kept for the backward step); cPrev: the previous cell state (stride cStride), or 0 for zeros; c: the new cell
 * state (stride cStride); h: the output (stride hStride).
 */
export function f32_lstm_step(z: usize, cPrev: usize, c: usize, h: usize, rows: i32, units: i32, zStride: i32, cStride: i32,
  hStride: i32, act: i32, recAct: i32): void {
  const u = <usize>units << 2;
  for (let r = 0; r < rows; r++) {
    const pz = z + <usize>r * (<usize>zStride << 2);
    const pp = cPrev == 0 ? 0 : cPrev + <usize>r * (<usize>cStride << 2);
    const pc = c + <usize>r * (<usize>cStride << 2);
    const ph = h + <usize>r * (<usize>hStride << 2);
    let j = 0;
    for (; j + 4 <= units; j += 4) {
      const o = <usize>j << 2;
      const ig = act_any_v(v128.load(pz + o), recAct, ALPHA);
      const fg = act_any_v(v128.load(pz + u + o), recAct, ALPHA);
      const gg = act_any_v(v128.load(pz + 2 * u + o), act, ALPHA);
      const og = act_any_v(v128.load(pz + 3 * u + o), recAct, ALPHA);
      const cp = pp == 0 ? f32x4.splat(0) : v128.load(pp + o);
      const cs = f32x4.add(f32x4.mul(fg, cp), f32x4.mul(ig, gg));
      v128.store(pz + o, ig);
      v128.store(pz + u + o, fg);
      v128.store(pz + 2 * u + o, gg);
      v128.store(pz + 3 * u + o, og);
      v128.store(pc + o, cs);
      v128.store(ph + o, f32x4.mul(og, act_any_v(cs, act, ALPHA)));
    }
    for (; j < units; j++) {
      const o = <usize>j << 2;
      const ig = act1(load<f32>(pz + o), recAct, ALPHA);
      const fg = act1(load<f32>(pz + u + o), recAct, ALPHA);
      const gg = act1(load<f32>(pz + 2 * u + o), act, ALPHA);
      const og = act1(load<f32>(pz + 3 * u + o), recAct, ALPHA);
      const cp: f32 = pp == 0 ? 0 : load<f32>(pp + o);
      const cs = fg * cp + ig * gg;
      store<f32>(pz + o, ig);
      store<f32>(pz + u + o, fg);
      store<f32>(pz + 2 * u + o, gg);
      store<f32>(pz + 3 * u + o, og);
      store<f32>(pc + o, cs);
      store<f32>(ph + o, og * act1(cs, act, ALPHA));
    }
  }
}

/**
 * Backward step. z: the gates f32_lstm_step kept (stride zStride), overwritten with the gradients of their
 * pre-activations; cPrev (or 0 for zeros) and c: the step's cell states (stride cStride); dh: the gradient of the
 * step's output h, [rows, units]; dc: the gradient of its cell state c from the later steps, [rows, units],
 * overwritten with the gradient of cPrev. With a = act(c): dc' = dc + act'(a)·(dh·o), then dz_i = σr'(i)·(dc'·g),
 * dz_f = σr'(f)·(dc'·c₋₁), dz_g = act'(g)·(dc'·i), dz_o = σr'(o)·(dh·a) and dc ← dc'·f.
 */
export function f32_lstm_step_grad(z: usize, cPrev: usize, c: usize, dh: usize, dc: usize, rows: i32, units: i32, zStride: i32,
  cStride: i32, act: i32, recAct: i32): void {
  const u = <usize>units << 2;
  for (let r = 0; r < rows; r++) {
    const pz = z + <usize>r * (<usize>zStride << 2);
    const pp = cPrev == 0 ? 0 : cPrev + <usize>r * (<usize>cStride << 2);
    const pc = c + <usize>r * (<usize>cStride << 2);
    const pdh = dh + <usize>r * u, pdc = dc + <usize>r * u;
    let j = 0;
    for (; j + 4 <= units; j += 4) {
      const o = <usize>j << 2;
      const ig = v128.load(pz + o), fg = v128.load(pz + u + o), gg = v128.load(pz + 2 * u + o), og = v128.load(pz + 3 * u + o);
      const cp = pp == 0 ? f32x4.splat(0) : v128.load(pp + o);
      const a = act_any_v(v128.load(pc + o), act, ALPHA);
      const d = v128.load(pdh + o);
      const dcs = f32x4.add(v128.load(pdc + o), act_grad_v(act, a, f32x4.mul(d, og), ALPHA));
      v128.store(pz + o, act_grad_v(recAct, ig, f32x4.mul(dcs, gg), ALPHA));
      v128.store(pz + u + o, act_grad_v(recAct, fg, f32x4.mul(dcs, cp), ALPHA));
      v128.store(pz + 2 * u + o, act_grad_v(act, gg, f32x4.mul(dcs, ig), ALPHA));
      v128.store(pz + 3 * u + o, act_grad_v(recAct, og, f32x4.mul(d, a), ALPHA));
      v128.store(pdc + o, f32x4.mul(dcs, fg));
    }
    for (; j < units; j++) {
      const o = <usize>j << 2;
      const ig = load<f32>(pz + o), fg = load<f32>(pz + u + o), gg = load<f32>(pz + 2 * u + o), og = load<f32>(pz + 3 * u + o);
      const cp: f32 = pp == 0 ? 0 : load<f32>(pp + o);
      const a = act1(load<f32>(pc + o), act, ALPHA);
      const d = load<f32>(pdh + o);
      const dcs = load<f32>(pdc + o) + act_grad1(act, a, d * og, ALPHA);
      store<f32>(pz + o, act_grad1(recAct, ig, dcs * gg, ALPHA));
      store<f32>(pz + u + o, act_grad1(recAct, fg, dcs * cp, ALPHA));
      store<f32>(pz + 2 * u + o, act_grad1(act, gg, dcs * ig, ALPHA));
      store<f32>(pz + 3 * u + o, act_grad1(recAct, og, d * a, ALPHA));
      store<f32>(pdc + o, dcs * fg);
    }
  }
}

/**
 * A simple RNN step's gradient (its forward step is a gemm with the activation in the epilogue): h holds the step's
 * outputs (row stride hStride) and is overwritten with dz = dh·act'(h), from the output as f32_activation_grad; dh
 * is [rows, units].
 */
export function f32_rnn_step_grad(h: usize, dh: usize, rows: i32, units: i32, hStride: i32, act: i32): void {
  for (let r = 0; r < rows; r++) {
    const ph = h + <usize>r * (<usize>hStride << 2);
    const pd = dh + <usize>r * (<usize>units << 2);
    let j = 0;
    for (; j + 4 <= units; j += 4) {
      const o = <usize>j << 2;
      v128.store(ph + o, act_grad_v(act, v128.load(ph + o), v128.load(pd + o), ALPHA));
    }
    for (; j < units; j++) {
      const o = <usize>j << 2;
      store<f32>(ph + o, act_grad1(act, load<f32>(ph + o), load<f32>(pd + o), ALPHA));
    }
  }
}
