import { activationConfig, activationSpec, type ActivationName, type ActivationSpec } from '../activations';
import { Act, type Kernels } from '../backend/types';
import { ShapeError } from '../errors';
import { INITIALIZER_NAMES, type InitializerName } from '../initializers';
import { checkName } from '../errors';
import { boolOption, optionsOf } from '../options';
import { checkPositiveInt, Layer, type LayerBinding, type LayerConfig, type ParamSpec } from './layer';
import { l2Factor, type Regularizer } from './regularizers';

/** The options nn.layers.dense takes. */
export const DENSE_OPTIONS = ['units', 'activation', 'alpha', 'useBias', 'kernelInitializer', 'biasInitializer',
  'kernelRegularizer', 'inputShape', 'name'] as const;
/** The options nn.layers.activation takes. */
export const ACTIVATION_OPTIONS = ['activation', 'alpha', 'inputShape', 'name'] as const;

/**
 * Options of {@link layers}.dense.
 *
 * @example
 * nn.layers.dense({ units: 64, activation: 'relu', kernelInitializer: 'heNormal', inputShape: [20] });
 */
export interface DenseConfig extends LayerConfig {
  /** Number of outputs (neurons): a positive integer. Required. */
  units: number;
  /** Activation applied to x·kernel + bias. Default `'linear'` (none). */
  activation?: ActivationName;
  /** Whether the layer adds a bias vector. Default `true`. */
  useBias?: boolean;
  /** How the kernel `[inputDim, units]` is initialized. Default `'glorotUniform'`. */
  kernelInitializer?: InitializerName;
  /** How the bias is initialized. Default `'zeros'`. */
  biasInitializer?: InitializerName;
  /** A weight penalty on the kernel, e.g. `nn.regularizers.l2({ l2: 1e-4 })`. Default: none. */
  kernelRegularizer?: Regularizer;
  /** Slope for leakyRelu (default 0.2) or scale for elu (default 1); the other activations do not use it. */
  alpha?: number;
}

/**
 * Options of {@link layers}.activation.
 *
 * @example
 * nn.layers.activation({ activation: 'leakyRelu', alpha: 0.1 });
 */
export interface ActivationConfig extends LayerConfig {
  /** The activation function to apply. Required. */
  activation: ActivationName;
  /** Slope for leakyRelu (default 0.2) or scale for elu (default 1); the other activations do not use it. */
  alpha?: number;
}

/**
 * A fully connected layer: y = activation(x·kernel + bias), kernel [inputDim, units] as in TF.js.
 *
 * @example
 * nn.layers.dense({ units: 128, activation: 'relu', inputShape: [784] });
 */
export class Dense extends Layer {
  /** Always 'Dense'. */
  readonly className = 'Dense';
  /** Number of outputs. */
  readonly units: number;
  /** @internal */
  readonly act: ActivationSpec;
  /** Whether the layer has a bias. */
  readonly useBias: boolean;
  /** The kernel's initializer. */
  readonly kernelInitializer: InitializerName;
  /** The bias's initializer. */
  readonly biasInitializer: InitializerName;
  /** The kernel's L2 factor (loss += l2·Σw²); 0 without a regularizer. */
  readonly l2: number;
  private inDim = 0;

  constructor(config: DenseConfig) {
    const c = optionsOf<DenseConfig>('dense', config);
    super(c, 'dense');
    this.units = checkPositiveInt(this.name, 'units', c.units);
    this.act = activationSpec(c.activation, c.alpha, `layer '${this.name}'`);
    this.useBias = boolOption(`layer '${this.name}': useBias`, c.useBias, true);
    this.kernelInitializer = checkName('initializer', c.kernelInitializer ?? 'glorotUniform', INITIALIZER_NAMES);
    this.biasInitializer = checkName('initializer', c.biasInitializer ?? 'zeros', INITIALIZER_NAMES);
    this.l2 = l2Factor(this.name, c.kernelRegularizer);
  }

  protected computeOutputShape(inShape: number[]): number[] {
    if (inShape.length !== 1) {
      throw new ShapeError(`layer '${this.name}' (Dense) expects 1-D samples, got input shape [${inShape.join(', ')}]`);
    }
    this.inDim = inShape[0];
    return [this.units];
  }

  override params(): ParamSpec[] {
    const p: ParamSpec[] = [{ name: 'kernel', shape: [this.inDim, this.units], initializer: this.kernelInitializer, l2: this.l2 }];
    if (this.useBias) p.push({ name: 'bias', shape: [this.units], initializer: this.biasInitializer, l2: 0 });
    return p;
  }

  override get softmaxOutput(): boolean { return this.act.softmax; }

  forward(k: Kernels, b: LayerBinding, rows: number, _training: boolean): void {
    const bias = this.useBias ? b.params[1] : 0;
    k.f32_gemm_nn(b.x, b.params[0], bias, b.y, rows, this.units, this.inDim, 0, this.act.code, this.act.alpha);
  }

  backward(k: Kernels, b: LayerBinding, rows: number): void {
    const n = rows * this.units;
    if (this.act.code !== Act.Linear) k.f32_activation_grad(b.y, b.dy, b.dy, n, this.act.code, this.act.alpha);
    k.f32_gemm_tn(b.x, b.dy, 0, b.grads[0], this.inDim, this.units, rows, 0, Act.Linear, 0);
    if (this.useBias) k.f32_col_sum(b.dy, b.grads[1], rows, this.units, 0);
    if (b.dx !== 0) k.f32_gemm_nt(b.dy, b.params[0], 0, b.dx, rows, this.inDim, this.units, 0, Act.Linear, 0);
  }

  getConfig(): Record<string, unknown> {
    return {
      units: this.units, ...activationConfig(this.act), useBias: this.useBias,
      kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer,
      ...(this.l2 > 0 ? { kernelRegularizer: { l2: this.l2 } } : {}),
      ...(this.inputShape ? { batchInputShape: [null, ...this.inputShape] } : {}),
    };
  }
}

/**
 * Applies an activation function on its own.
 *
 * @example
 * nn.layers.activation({ activation: 'softmax' });
 */
export class Activation extends Layer {
  /** Always 'Activation'. */
  readonly className = 'Activation';
  /** @internal */
  readonly act: ActivationSpec;
  private size = 0;
  constructor(config: ActivationConfig) {
    const c = optionsOf<ActivationConfig>('activation', config);
    super(c, 'activation');
    this.act = activationSpec(c.activation, c.alpha, `layer '${this.name}'`);
  }
  protected computeOutputShape(inShape: number[]): number[] {
    this.size = inShape.reduce((a, b) => a * b, 1);
    return inShape;
  }
  override get softmaxOutput(): boolean { return this.act.softmax; }
  // a softmax is the plan's to apply (see Layer.softmaxOutput): the layer passes values and gradients through
  forward(k: Kernels, b: LayerBinding, rows: number, _training: boolean): void {
    if (this.act.softmax) k.f32_copy(b.x, b.y, rows * this.size);
    else k.f32_activation(b.x, b.y, rows * this.size, this.act.code, this.act.alpha);
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    if (b.dx === 0) return;
    const n = rows * this.size;
    if (this.act.softmax) k.f32_copy(b.dy, b.dx, n);
    else k.f32_activation_grad(b.y, b.dy, b.dx, n, this.act.code, this.act.alpha);
  }
  getConfig(): Record<string, unknown> {
    return { ...activationConfig(this.act), ...(this.inputShape ? { batchInputShape: [null, ...this.inputShape] } : {}) };
  }
}
