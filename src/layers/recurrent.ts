// Recurrent layers over sequences [steps, features], as TF.js's (tfjs-layers src/layers/recurrent.ts): a time loop over
// a cell. LSTM: the input projection x·W of every step is one gemm; each step is one gemm with the recurrent kernel
// (h₋₁·R + x·W + b, strided in place) and one fused kernel for the gates and the state update (assembly/rnn). The
// backward pass runs the steps in reverse with a fused gate-gradient kernel and one gemm with Rᵀ per step, then the
// kernel, recurrent kernel and bias gradients and the input gradient are one gemm (or column sum) each over all steps.
// SimpleRNN: the same loop with h = act(h₋₁·R + x·W + b), the activation in the per-step gemm's epilogue, and one
// fused kernel per step for its gradient.
// Workspace, every buffer [rows, steps, ·] in input time order t: the gates (then their pre-activation gradients),
// the cell states, and the state h entering each step (zeros for the first), which makes Hᵀ·dZ the whole recurrent
// kernel gradient; then the running gradients of h and c, [rows, units].
import { activationSpec, type ActivationName, type ActivationSpec } from '../activations';
import { Act, type Kernels } from '../backend/types';
import { checkName, ShapeError, ValueError } from '../errors';
import { INITIALIZER_NAMES, type InitializerName } from '../initializers';
import { boolOption, optionsOf, show } from '../options';
import { checkPositiveInt, Layer, type LayerBinding, type LayerConfig, type ParamSpec } from './layer';
import { l2Factor, type Regularizer } from './regularizers';

/** The options nn.layers.lstm takes. */
export const LSTM_OPTIONS = ['units', 'activation', 'recurrentActivation', 'useBias', 'kernelInitializer', 'recurrentInitializer',
  'biasInitializer', 'unitForgetBias', 'kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer', 'activityRegularizer',
  'kernelConstraint', 'recurrentConstraint', 'biasConstraint', 'dropout', 'recurrentDropout', 'returnSequences', 'returnState',
  'goBackwards', 'stateful', 'unroll', 'implementation', 'inputShape', 'name'] as const;

/** The options nn.layers.simpleRNN takes. */
export const SIMPLE_RNN_OPTIONS = LSTM_OPTIONS.filter((k) => k !== 'recurrentActivation' && k !== 'unitForgetBias' && k !== 'implementation');

/**
 * The activations a recurrent layer takes for its candidate and output (`activation`) and its gates
 * (`recurrentActivation`): TF.js's names; `'hardSigmoid'` is max(0, min(1, 0.2·x + 0.5)).
 *
 * @example
 * nn.layers.lstm({ units: 8, activation: 'tanh', recurrentActivation: 'sigmoid' });
 */
export type RecurrentActivationName = Exclude<ActivationName, 'softmax' | 'leakyRelu'>;

/**
 * Options every recurrent layer takes (TF.js's RNN options).
 *
 * @example
 * nn.layers.lstm({ units: 16, returnSequences: true, goBackwards: true, inputShape: [20, 4] });
 */
export interface RecurrentConfig extends LayerConfig {
  /** Output the state h after every step ([steps, units]) rather than after the last one only ([units]). Default `false`. */
  returnSequences?: boolean;
  /**
   * TF.js's extra outputs (the final states). neurite's layers have one output, so `true` is refused with an error.
   * Default `false`.
   */
  returnState?: boolean;
  /**
   * Run over the steps from the last to the first. As in TF.js, the output sequence is in that order (its first
   * entry is the state after the last input step). Default `false`.
   */
  goBackwards?: boolean;
  /** TF.js's state kept between batches: not supported, `true` is refused. Default `false`. */
  stateful?: boolean;
  /** Accepted for TF.js's files and ignored, as TF.js ignores it (the loop is not unrolled). Default `false`. */
  unroll?: boolean;
}

/**
 * The cell options every recurrent layer takes, with TF.js 4.22's defaults.
 *
 * @example
 * nn.layers.simpleRNN({ units: 8, activation: 'relu', kernelInitializer: 'heNormal' });
 */
export interface RecurrentCellConfig extends RecurrentConfig {
  /** Size of the state h (and of an LSTM's cell state c): a positive integer. Required. */
  units: number;
  /** Activation of the new state (an LSTM's candidate and cell output). Default `'tanh'`. */
  activation?: RecurrentActivationName;
  /** Whether the layer has a bias. Default `true`. */
  useBias?: boolean;
  /** Initializer of `kernel` [features, gates·units]. Default `'glorotNormal'`, as TF.js (Keras: glorotUniform). */
  kernelInitializer?: InitializerName;
  /** Initializer of `recurrent_kernel` [units, gates·units]. Default `'orthogonal'`. */
  recurrentInitializer?: InitializerName;
  /** Initializer of `bias` [gates·units]. Default `'zeros'`. */
  biasInitializer?: InitializerName;
  /** An L2 penalty on the kernel, e.g. `nn.regularizers.l2({ l2: 1e-4 })`. Default: none. */
  kernelRegularizer?: Regularizer;
  /** An L2 penalty on the recurrent kernel. Default: none. */
  recurrentRegularizer?: Regularizer;
  /** An L2 penalty on the bias. Default: none. */
  biasRegularizer?: Regularizer;
  /** TF.js's penalty on the output: not supported, anything but undefined or null is refused. Default: none. */
  activityRegularizer?: null;
  /** TF.js's constraint on the kernel: not supported. Default: none. */
  kernelConstraint?: null;
  /** TF.js's constraint on the recurrent kernel: not supported. Default: none. */
  recurrentConstraint?: null;
  /** TF.js's constraint on the bias: not supported. Default: none. */
  biasConstraint?: null;
  /** Dropout on the inputs while training: not supported yet, a value above 0 is refused. Default `0`. */
  dropout?: number;
  /** Dropout on the recurrent state while training: not supported yet, a value above 0 is refused. Default `0`. */
  recurrentDropout?: number;
}

/**
 * Options of {@link layers}.simpleRNN, with TF.js 4.22's defaults.
 *
 * @example
 * nn.layers.simpleRNN({ units: 16, returnSequences: true, inputShape: [20, 4] });
 */
export type SimpleRNNConfig = RecurrentCellConfig;

/**
 * Options of {@link layers}.lstm, with TF.js 4.22's defaults.
 *
 * @example
 * nn.layers.lstm({ units: 32, returnSequences: true, inputShape: [50, 8] });
 */
export interface LSTMConfig extends RecurrentCellConfig {
  /** Activation of the input, forget and output gates. Default `'hardSigmoid'`, as TF.js (Keras uses 'sigmoid'). */
  recurrentActivation?: RecurrentActivationName;
  /**
   * Initialize the forget gate's bias to ones (the other gates' with biasInitializer). Default `false`: TF.js 4.22
   * leaves it unset, which is false (Keras's default is true).
   */
  unitForgetBias?: boolean;
  /** TF.js's choice of how to compute (1 or 2); the results are the same, so it is kept for the file only. Default: none. */
  implementation?: number;
}

const align = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** A recurrent activation by name: any of activationSpec's except softmax and leakyRelu (TF.js has no such string). */
function recurrentActivation(layer: string, what: string, name: unknown, fallback: RecurrentActivationName): ActivationSpec {
  const spec = activationSpec(name ?? fallback, undefined, `layer '${layer}': ${what}`);
  if (spec.softmax || spec.name === 'leakyRelu') {
    throw new ValueError(`layer '${layer}': ${what} '${spec.name}' is not supported in a recurrent layer`);
  }
  return spec;
}

/** The checks and config every recurrent layer shares. */
abstract class Recurrent extends Layer {
  /** Whether the output is the whole sequence of states. */
  readonly returnSequences: boolean;
  /** Whether the steps run from the last to the first. */
  readonly goBackwards: boolean;
  /** The unroll option as given (no effect). */
  readonly unroll: boolean;
  /** Size of the state. */
  readonly units: number;
  /** @internal */
  readonly act: ActivationSpec;
  /** Whether the layer has a bias. */
  readonly useBias: boolean;
  /** Initializer of kernel. */
  readonly kernelInitializer: InitializerName;
  /** Initializer of recurrent_kernel. */
  readonly recurrentInitializer: InitializerName;
  /** Initializer of bias. */
  readonly biasInitializer: InitializerName;
  /** L2 factors of kernel, recurrent_kernel and bias (0: none). */
  readonly l2: readonly [number, number, number];
  /** Steps per sample, features per step, once built. */
  protected steps = 0;
  protected features = 0;

  constructor(c: Partial<RecurrentCellConfig> & Record<string, unknown>, prefix: string) {
    super(c, prefix);
    const where = `layer '${this.name}'`;
    this.units = checkPositiveInt(this.name, 'units', c.units);
    this.act = recurrentActivation(this.name, 'activation', c.activation, 'tanh');
    this.useBias = boolOption(`${where}: useBias`, c.useBias, true);
    this.kernelInitializer = checkName('initializer', c.kernelInitializer ?? 'glorotNormal', INITIALIZER_NAMES);
    this.recurrentInitializer = checkName('initializer', c.recurrentInitializer ?? 'orthogonal', INITIALIZER_NAMES);
    this.biasInitializer = checkName('initializer', c.biasInitializer ?? 'zeros', INITIALIZER_NAMES);
    this.l2 = [l2Factor(this.name, c.kernelRegularizer), l2Factor(this.name, c.recurrentRegularizer, 'recurrentRegularizer'),
      l2Factor(this.name, c.biasRegularizer, 'biasRegularizer')];
    this.returnSequences = boolOption(`${where}: returnSequences`, c.returnSequences, false);
    this.goBackwards = boolOption(`${where}: goBackwards`, c.goBackwards, false);
    this.unroll = boolOption(`${where}: unroll`, c.unroll, false);
    if (boolOption(`${where}: returnState`, c.returnState, false)) {
      throw new ValueError(`${where}: returnState is not supported yet (neurite's layers have one output, so the final states ` +
        'cannot be separate outputs); use returnSequences: true and take the last step, or the layer\'s output, which is the final state h');
    }
    if (boolOption(`${where}: stateful`, c.stateful, false)) {
      throw new ValueError(`${where}: stateful is not supported (every batch starts from zero states)`);
    }
    for (const k of ['activityRegularizer', 'kernelConstraint', 'recurrentConstraint', 'biasConstraint']) {
      if (c[k] !== undefined && c[k] !== null) throw new ValueError(`${where}: ${k} is not supported, got ${show(c[k])}`);
    }
    for (const k of ['dropout', 'recurrentDropout']) {
      const v = c[k];
      if (v === undefined || v === null || v === 0) continue;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`${where}: ${k} must be a number, got ${show(v)}`);
      throw new ValueError(`${where}: ${k} ${v} is not supported yet (recurrent layers have no dropout in neurite); ` +
        'use 0, or a dropout layer before or after the recurrent layer');
    }
  }

  protected computeOutputShape(inShape: number[]): number[] {
    if (inShape.length !== 2) {
      throw new ShapeError(`layer '${this.name}' (${this.className}) expects sequences [steps, features], got input shape [${inShape.join(', ')}]`);
    }
    [this.steps, this.features] = inShape;
    return this.returnSequences ? [this.steps, this.units] : [this.units];
  }

  /** The input time index of processing step s. */
  protected timeOf(s: number): number {
    return this.goBackwards ? this.steps - 1 - s : s;
  }

  /** kernel [features, gates·units], recurrent_kernel [units, gates·units], bias [gates·units] (initialized in parts). */
  protected cellParams(gates: number, biasParts?: ParamSpec['parts']): ParamSpec[] {
    const g = gates * this.units;
    const p: ParamSpec[] = [
      { name: 'kernel', shape: [this.features, g], initializer: this.kernelInitializer, l2: this.l2[0] },
      { name: 'recurrent_kernel', shape: [this.units, g], initializer: this.recurrentInitializer, l2: this.l2[1] },
    ];
    if (this.useBias) p.push({ name: 'bias', shape: [g], initializer: this.biasInitializer, l2: this.l2[2], ...(biasParts ? { parts: biasParts } : {}) });
    return p;
  }

  /** The cell options and the RNN options, in TF.js's names. */
  protected rnnConfig(): Record<string, unknown> {
    const reg = (i: number) => (this.l2[i] > 0 ? { l2: this.l2[i] } : undefined);
    return {
      units: this.units, activation: this.act.name, useBias: this.useBias, kernelInitializer: this.kernelInitializer,
      recurrentInitializer: this.recurrentInitializer, biasInitializer: this.biasInitializer,
      ...(reg(0) ? { kernelRegularizer: reg(0) } : {}), ...(reg(1) ? { recurrentRegularizer: reg(1) } : {}),
      ...(reg(2) ? { biasRegularizer: reg(2) } : {}), dropout: 0, recurrentDropout: 0,
      returnSequences: this.returnSequences, returnState: false, goBackwards: this.goBackwards, stateful: false, unroll: this.unroll,
      ...(this.inputShape ? { batchInputShape: [null, ...this.inputShape] } : {}),
    };
  }
}

/**
 * Long short-term memory over sequences [steps, features], as TF.js's LSTM: gates in the order input, forget,
 * candidate, output along the last axis of `kernel` [features, 4·units], `recurrent_kernel` [units, 4·units] and
 * `bias` [4·units]; per step z = x·W + h₋₁·R + b, i = σr(z_i), f = σr(z_f), c = f·c₋₁ + i·act(z_c), o = σr(z_o),
 * h = o·act(c), from zero states. Output: the last h ([units]) or every h ([steps, units]).
 *
 * @example
 * const model = nn.sequential({ layers: [
 *   nn.layers.lstm({ units: 16, inputShape: [30, 3] }),
 *   nn.layers.dense({ units: 1 }) ] });
 */
export class LSTM extends Recurrent {
  /** Always 'LSTM'. */
  readonly className = 'LSTM';
  /** @internal */
  readonly recurrentAct: ActivationSpec;
  /** Whether the forget gate's bias starts at ones. */
  readonly unitForgetBias: boolean;
  /** The implementation option as given. */
  readonly implementation: number | undefined;

  constructor(config: LSTMConfig) {
    const c = optionsOf<LSTMConfig>('lstm', config);
    super(c as Partial<RecurrentConfig> & Record<string, unknown>, 'lstm');
    this.recurrentAct = recurrentActivation(this.name, 'recurrentActivation', c.recurrentActivation, 'hardSigmoid');
    this.unitForgetBias = boolOption(`layer '${this.name}': unitForgetBias`, c.unitForgetBias ?? undefined, false);
    const impl = c.implementation ?? undefined;
    if (impl !== undefined && impl !== 1 && impl !== 2) {
      throw new ValueError(`layer '${this.name}': implementation must be 1 or 2, got ${show(impl)}`);
    }
    this.implementation = impl;
  }

  override params(): ParamSpec[] {
    const u = this.units;
    return this.cellParams(4, this.unitForgetBias ? [{ initializer: this.biasInitializer, size: u }, { initializer: 'ones', size: u },
      { initializer: this.biasInitializer, size: 2 * u }] : undefined);
  }

  /** Byte offsets in the workspace: gates Z, cell states C, entering states H, running gradients DH and DC. */
  private layout(rows: number) {
    const n = rows * this.steps * this.units;
    const z = 0, c = z + align(4 * n * 4), h = c + align(n * 4), dh = h + align(n * 4), dc = dh + align(rows * this.units * 4);
    return { z, c, h, dh, dc, end: dc + align(rows * this.units * 4) };
  }

  override workspaceBytes(rows: number): number {
    return this.layout(rows).end;
  }

  forward(k: Kernels, b: LayerBinding, rows: number, _training: boolean): void {
    const T = this.steps, U = this.units, G = 4 * U, D = this.features;
    const w = this.layout(rows);
    const Z = b.ws + w.z, C = b.ws + w.c, H = b.ws + w.h;
    const bias = this.useBias ? b.params[2] : 0;
    const act = this.act.code, rec = this.recurrentAct.code;
    k.f32_gemm_nn(b.x, b.params[0], 0, Z, rows * T, G, D, 0, Act.Linear, 0);
    k.f32_fill(H, rows * T * U, 0);
    for (let s = 0; s < T; s++) {
      const t = this.timeOf(s);
      const zt = Z + t * G * 4;
      // z_t += h₋₁·R + b (h₋₁ is zero at the first step)
      k.f32_gemm_strided(H + t * U * 4, T * U, 1, b.params[1], G, 1, bias, zt, T * G, rows, G, U, 1, Act.Linear, 0);
      const cPrev = s === 0 ? 0 : C + this.timeOf(s - 1) * U * 4;
      const last = s === T - 1;
      // h goes where the next step reads it, or (the last step) to the output
      const h = !last ? H + this.timeOf(s + 1) * U * 4 : this.returnSequences ? b.y + s * U * 4 : b.y;
      const hStride = !last || this.returnSequences ? T * U : U;
      k.f32_lstm_step(zt, cPrev, C + t * U * 4, h, rows, U, T * G, T * U, hStride, act, rec);
      if (!last && this.returnSequences) k.f32_copy_strided(h, T * U, b.y + s * U * 4, T * U, rows, U);
    }
  }

  backward(k: Kernels, b: LayerBinding, rows: number): void {
    const T = this.steps, U = this.units, G = 4 * U, D = this.features;
    const w = this.layout(rows);
    const Z = b.ws + w.z, C = b.ws + w.c, H = b.ws + w.h, DH = b.ws + w.dh, DC = b.ws + w.dc;
    const act = this.act.code, rec = this.recurrentAct.code;
    const seq = this.returnSequences;
    if (seq) k.f32_copy_strided(b.dy + (T - 1) * U * 4, T * U, DH, U, rows, U);
    else k.f32_copy(b.dy, DH, rows * U);
    k.f32_fill(DC, rows * U, 0);
    for (let s = T - 1; s >= 0; s--) {
      const t = this.timeOf(s);
      const zt = Z + t * G * 4;
      const cPrev = s === 0 ? 0 : C + this.timeOf(s - 1) * U * 4;
      k.f32_lstm_step_grad(zt, cPrev, C + t * U * 4, DH, DC, rows, U, T * G, T * U, act, rec);
      if (s === 0) break;
      // the gradient of h₋₁: dz_t·Rᵀ, plus the output's gradient at step s − 1
      if (seq) k.f32_copy_strided(b.dy + (s - 1) * U * 4, T * U, DH, U, rows, U);
      k.f32_gemm_strided(zt, T * G, 1, b.params[1], 1, G, 0, DH, U, rows, U, G, seq ? 1 : 0, Act.Linear, 0);
    }
    // every step's pre-activation gradients are in Z: one product each for the weights and the input
    k.f32_gemm_tn(b.x, Z, 0, b.grads[0], D, G, rows * T, 0, Act.Linear, 0);
    k.f32_gemm_tn(H, Z, 0, b.grads[1], U, G, rows * T, 0, Act.Linear, 0);
    if (this.useBias) k.f32_col_sum(Z, b.grads[2], rows * T, G, 0);
    if (b.dx !== 0) k.f32_gemm_nt(Z, b.params[0], 0, b.dx, rows * T, D, G, 0, Act.Linear, 0);
  }

  getConfig(): Record<string, unknown> {
    const { activation, ...rest } = this.rnnConfig();
    return { units: this.units, activation, recurrentActivation: this.recurrentAct.name, ...rest, unitForgetBias: this.unitForgetBias,
      ...(this.implementation !== undefined ? { implementation: this.implementation } : {}) };
  }
}

/**
 * A fully connected recurrent layer over sequences [steps, features], as TF.js's SimpleRNN: per step
 * h = act(x·W + b + h₋₁·R) from a zero state, with `kernel` [features, units], `recurrent_kernel` [units, units] and
 * `bias` [units]. Output: the last h ([units]) or every h ([steps, units]).
 *
 * @example
 * const model = nn.sequential({ layers: [
 *   nn.layers.simpleRNN({ units: 8, inputShape: [10, 2] }),
 *   nn.layers.dense({ units: 1 }) ] });
 */
export class SimpleRNN extends Recurrent {
  /** Always 'SimpleRNN'. */
  readonly className = 'SimpleRNN';

  constructor(config: SimpleRNNConfig) {
    const c = optionsOf<SimpleRNNConfig>('simpleRNN', config);
    super(c as Partial<RecurrentCellConfig> & Record<string, unknown>, 'simple_rnn');
  }

  override params(): ParamSpec[] {
    return this.cellParams(1);
  }

  /** Byte offsets in the workspace: Z (x·W + b, then each step's h, then its pre-activation gradient), the states H
   * entering each step, and the running gradient DH. */
  private layout(rows: number) {
    const n = rows * this.steps * this.units;
    const z = 0, h = align(n * 4), dh = h + align(n * 4);
    return { z, h, dh, end: dh + align(rows * this.units * 4) };
  }

  override workspaceBytes(rows: number): number {
    return this.layout(rows).end;
  }

  forward(k: Kernels, b: LayerBinding, rows: number, _training: boolean): void {
    const T = this.steps, U = this.units, D = this.features;
    const w = this.layout(rows);
    const Z = b.ws + w.z, H = b.ws + w.h;
    const act = this.act.code, alpha = this.act.alpha;
    k.f32_gemm_nn(b.x, b.params[0], this.useBias ? b.params[2] : 0, Z, rows * T, U, D, 0, Act.Linear, 0);
    k.f32_fill(H, rows * T * U, 0);
    for (let s = 0; s < T; s++) {
      const t = this.timeOf(s);
      const zt = Z + t * U * 4;
      // h = act(h₋₁·R + (x·W + b)), in place of x·W + b
      k.f32_gemm_strided(H + t * U * 4, T * U, 1, b.params[1], U, 1, 0, zt, T * U, rows, U, U, 1, act, alpha);
      if (s < T - 1) k.f32_copy_strided(zt, T * U, H + this.timeOf(s + 1) * U * 4, T * U, rows, U);
      if (this.returnSequences) k.f32_copy_strided(zt, T * U, b.y + s * U * 4, T * U, rows, U);
      else if (s === T - 1) k.f32_copy_strided(zt, T * U, b.y, U, rows, U);
    }
  }

  backward(k: Kernels, b: LayerBinding, rows: number): void {
    const T = this.steps, U = this.units, D = this.features;
    const w = this.layout(rows);
    const Z = b.ws + w.z, H = b.ws + w.h, DH = b.ws + w.dh;
    const seq = this.returnSequences;
    if (seq) k.f32_copy_strided(b.dy + (T - 1) * U * 4, T * U, DH, U, rows, U);
    else k.f32_copy(b.dy, DH, rows * U);
    for (let s = T - 1; s >= 0; s--) {
      const zt = Z + this.timeOf(s) * U * 4;
      k.f32_rnn_step_grad(zt, DH, rows, U, T * U, this.act.code);
      if (s === 0) break;
      if (seq) k.f32_copy_strided(b.dy + (s - 1) * U * 4, T * U, DH, U, rows, U);
      k.f32_gemm_strided(zt, T * U, 1, b.params[1], 1, U, 0, DH, U, rows, U, U, seq ? 1 : 0, Act.Linear, 0);
    }
    k.f32_gemm_tn(b.x, Z, 0, b.grads[0], D, U, rows * T, 0, Act.Linear, 0);
    k.f32_gemm_tn(H, Z, 0, b.grads[1], U, U, rows * T, 0, Act.Linear, 0);
    if (this.useBias) k.f32_col_sum(Z, b.grads[2], rows * T, U, 0);
    if (b.dx !== 0) k.f32_gemm_nt(Z, b.params[0], 0, b.dx, rows * T, D, U, 0, Act.Linear, 0);
  }

  getConfig(): Record<string, unknown> {
    return this.rnnConfig();
  }
}
