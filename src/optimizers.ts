import type { Kernels } from './backend/types';
import { checkName, ValueError } from './errors';
import { boolOption, optionsOf, show } from './options';
import type { Schedule } from './schedules';

/**
 * An optimizer's name, as compile takes it (`optimizer: 'adam'`) and as Optimizer.name reports it.
 *
 * @example
 * const name: nn.OptimizerName = 'rmsprop';
 * model.compile({ optimizer: name, loss: 'mse' });
 */
export type OptimizerName = 'sgd' | 'momentum' | 'adam' | 'adamw' | 'adamax' | 'adadelta' | 'rmsprop' | 'adagrad';
/**
 * Every optimizer name compile takes, in the order of nn.optimizers.
 *
 * @example
 * nn.OPTIMIZER_NAMES.includes('adam');   // true
 */
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['sgd', 'momentum', 'adam', 'adamw', 'adamax', 'adadelta', 'rmsprop', 'adagrad'];

const f32 = Math.fround;

/**
 * β^t as TF.js keeps it: a float32 scalar that starts at β and is multiplied by β (in float32) after every step.
 * The last value is cached, so a training loop pays one multiply per step.
 */
class PowerF32 {
  private t = 1;
  private value: number;
  constructor(private readonly base: number) { this.value = f32(base); }
  at(t: number): number {
    if (t < this.t) { this.t = 1; this.value = f32(this.base); }
    for (; this.t < t; this.t++) this.value = f32(this.value * f32(this.base));
    return this.value;
  }
}

/**
 * The options every optimizer takes. A value out of range is a ValueError naming the optimizer and option.
 *
 * @example
 * nn.optimizers.sgd({ learningRate: 0.1, clipNorm: 1 });
 */
export interface OptimizerConfig {
  /**
   * The step size: a number > 0 that float32 can hold, or a schedule from nn.schedules (a function of the
   * optimizer step). Default per optimizer: 0.01 for sgd and momentum, 0.002 for adamax, 0.001 for the others.
   */
  learningRate?: number | Schedule;
  /**
   * Clip gradients so that their global L2 norm (over all parameters together) is at most this, a number > 0;
   * default none (no clipping).
   */
  clipNorm?: number;
}

/**
 * The options of nn.optimizers.momentum.
 *
 * @example
 * nn.optimizers.momentum({ learningRate: 0.01, momentum: 0.9, nesterov: true });
 */
export interface MomentumConfig extends OptimizerConfig {
  /** μ, the fraction of the previous update kept, in [0, 1); default 0.9. */
  momentum?: number;
  /** Nesterov's update w −= lr·(g + μ·a) instead of w −= lr·a; default false. */
  nesterov?: boolean;
}

/**
 * The options of nn.optimizers.adam and adamax (and, with weightDecay, adamw).
 *
 * @example
 * nn.optimizers.adam({ learningRate: 3e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
 */
export interface AdamConfig extends OptimizerConfig {
  /** Decay of the first-moment (mean) estimate, in [0, 1); default 0.9. */
  beta1?: number;
  /** Decay of the second-moment estimate (adamax: of the infinity norm), in [0, 1); default 0.999. */
  beta2?: number;
  /** Added to the denominator for stability, > 0; default 1e-7 (as TF.js). */
  epsilon?: number;
}

/**
 * The options of nn.optimizers.adamw.
 *
 * @example
 * nn.optimizers.adamw({ learningRate: 1e-3, weightDecay: 0.01 });
 */
export interface AdamWConfig extends AdamConfig {
  /** Decoupled weight decay wd in w −= lr·wd·w before each Adam step, ≥ 0; default 0.004. */
  weightDecay?: number;
}

/**
 * The options of nn.optimizers.adadelta.
 *
 * @example
 * nn.optimizers.adadelta({ learningRate: 1, rho: 0.95 });
 */
export interface AdadeltaConfig extends OptimizerConfig {
  /** Decay of the running averages of squared gradients and updates, in [0, 1); default 0.95. */
  rho?: number;
  /** Added inside the square roots, > 0; default 1e-7. */
  epsilon?: number;
}

/**
 * The options of nn.optimizers.rmsprop.
 *
 * @example
 * nn.optimizers.rmsprop({ learningRate: 1e-3, rho: 0.9, momentum: 0.9, centered: true });
 */
export interface RMSpropConfig extends OptimizerConfig {
  /** Decay of the running average of squared gradients (TF.js's `decay`), in [0, 1); default 0.9. */
  rho?: number;
  /** Momentum applied to the scaled update, in [0, 1); default 0 (none). */
  momentum?: number;
  /** Added inside the square root, > 0; default 1e-7. */
  epsilon?: number;
  /** Divide by the gradient's estimated variance (s − q² + ε) instead of its second moment; default false. */
  centered?: boolean;
}

/**
 * The options of nn.optimizers.adagrad.
 *
 * @example
 * nn.optimizers.adagrad({ learningRate: 0.05, initialAccumulatorValue: 0.1 });
 */
export interface AdagradConfig extends OptimizerConfig {
  /** The starting value of the squared-gradient accumulator, ≥ 0; default 0.1. */
  initialAccumulatorValue?: number;
  /** Added inside the square root, > 0; default 1e-7. */
  epsilon?: number;
}

/** A number in (lo, hi), or [lo, hi) with inclusiveLo, that float32 holds (the kernels take float32 arguments). */
function checkRate(what: string, v: unknown, lo: number, hi: number, inclusiveLo = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (inclusiveLo ? v < lo : v <= lo) || v >= hi ||
    !Number.isFinite(Math.fround(v)) || (!inclusiveLo && lo === 0 && Math.fround(v) === 0)) {
    throw new ValueError(`${what} must be a number in ${inclusiveLo ? '[' : '('}${lo}, ${hi})${typeof v === 'number' && Number.isFinite(v) && v > lo && v < hi ? ' that float32 can hold' : ''}, got ${show(v)}`);
  }
  return v;
}

/** Each optimizer factory's options. */
export const OPTIMIZER_OPTIONS: Record<OptimizerName, readonly string[]> = {
  sgd: ['learningRate', 'clipNorm'],
  momentum: ['learningRate', 'clipNorm', 'momentum', 'nesterov'],
  adam: ['learningRate', 'clipNorm', 'beta1', 'beta2', 'epsilon'],
  adamw: ['learningRate', 'clipNorm', 'beta1', 'beta2', 'epsilon', 'weightDecay'],
  adamax: ['learningRate', 'clipNorm', 'beta1', 'beta2', 'epsilon'],
  adadelta: ['learningRate', 'clipNorm', 'rho', 'epsilon'],
  rmsprop: ['learningRate', 'clipNorm', 'rho', 'momentum', 'epsilon', 'centered'],
  adagrad: ['learningRate', 'clipNorm', 'initialAccumulatorValue', 'epsilon'],
};

/**
 * Updates a flat block of parameters from a block of gradients of the same layout, keeping its state
 * (moments, accumulators) in `slots` blocks of the same size. Optimizers see only flat pairs, never layers.
 * Made by the nn.optimizers factories (the subclasses are not exported).
 *
 * @example
 * const opt: nn.Optimizer = nn.optimizers.rmsprop({ learningRate: 1e-3 });
 * opt.name;          // 'rmsprop'
 * opt.getConfig();   // { learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false }
 * model.compile({ optimizer: opt, loss: 'mse' });
 */
export abstract class Optimizer {
  /** Which optimizer this is: 'sgd', 'adam', ... */
  abstract readonly name: OptimizerName;
  /** How many state blocks, each as large as the parameter block. @internal */
  abstract readonly slots: number;
  /** Names of the state blocks (TF.js-style suffixes for saved optimizer weights). @internal */
  abstract readonly slotNames: readonly string[];
  /** The learning rate as given (a number or a schedule), or the optimizer's default. */
  readonly learningRate: number | Schedule;
  /** The global-norm clip as given, or undefined for none. */
  readonly clipNorm: number | undefined;
  /** @internal */
  constructor(c: OptimizerConfig, defaultLr: number) {
    const lr = c.learningRate ?? defaultLr;
    if (typeof lr === 'number') checkRate(`${new.target.name} learningRate`, lr, 0, Infinity);
    else if (!lr || typeof lr !== 'object' || typeof lr.at !== 'function') {
      throw new ValueError(`${new.target.name} learningRate must be a positive number or a schedule from nn.schedules, got ${show(lr)}`);
    }
    this.learningRate = lr;
    if (c.clipNorm !== undefined) checkRate(`${new.target.name} clipNorm`, c.clipNorm, 0, Infinity);
    this.clipNorm = c.clipNorm;
  }
  /** The learning rate for update number `step` (0-based). @internal */
  rateAt(step: number): number {
    const lr: unknown = typeof this.learningRate === 'number' ? this.learningRate : this.learningRate.at(step);
    if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr) || !Number.isFinite(Math.fround(lr))) {
      throw new ValueError(`${this.name}: the learning rate at step ${step} is ${show(lr)}; it must be a positive number that float32 can hold`);
    }
    return lr;
  }
  /** Initial value of the state blocks. @internal */
  initialState(): number { return 0; }
  /** One update; `step` counts updates from 1. @internal */
  abstract apply(k: Kernels, w: number, g: number, state: readonly number[], count: number, lr: number, step: number): void;
  /**
   * The settings in use, defaults filled in, as saved with a model: e.g. `{ learningRate: 0.001, beta1: 0.9,
   * beta2: 0.999, epsilon: 1e-7 }` for adam.
   *
   * @example
   * nn.optimizers.momentum().getConfig();   // { learningRate: 0.01, momentum: 0.9, nesterov: false }
   */
  abstract getConfig(): Record<string, unknown>;
}

class SGD extends Optimizer {
  readonly name = 'sgd';
  readonly slots = 0;
  readonly slotNames = [];
  constructor(c: OptimizerConfig = {}) { super(c, 0.01); }
  apply(k: Kernels, w: number, g: number, _s: readonly number[], n: number, lr: number): void { k.f32_sgd(w, g, n, lr); }
  getConfig() { return { learningRate: this.learningRate }; }
}

class Momentum extends Optimizer {
  readonly name = 'momentum';
  readonly slots = 1;
  readonly slotNames = ['momentum'];
  readonly momentum: number;
  readonly nesterov: boolean;
  constructor(c: MomentumConfig = {}) {
    super(c, 0.01);
    this.momentum = checkRate('momentum', c.momentum ?? 0.9, 0, 1, true);
    this.nesterov = boolOption('nesterov', c.nesterov, false);
  }
  apply(k: Kernels, w: number, g: number, s: readonly number[], n: number, lr: number): void {
    k.f32_momentum(w, g, s[0], n, lr, this.momentum, this.nesterov ? 1 : 0);
  }
  getConfig() { return { learningRate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov }; }
}

class Adam extends Optimizer {
  readonly name: OptimizerName = 'adam';
  readonly slots = 2;
  readonly slotNames = ['m', 'v'];
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private readonly pow1: PowerF32;
  private readonly pow2: PowerF32;
  constructor(c: AdamConfig = {}, defaultLr = 0.001) {
    super(c, defaultLr);
    this.beta1 = checkRate('beta1', c.beta1 ?? 0.9, 0, 1, true);
    this.beta2 = checkRate('beta2', c.beta2 ?? 0.999, 0, 1, true);
    this.epsilon = checkRate('epsilon', c.epsilon ?? 1e-7, 0, Infinity);
    this.pow1 = new PowerF32(this.beta1);
    this.pow2 = new PowerF32(this.beta2);
  }
  /** The bias corrections 1 − β1^t and 1 − β2^t of step t, in float32 as TF.js computes them. */
  protected corrections(t: number): [number, number] {
    return [f32(1 - this.pow1.at(t)), f32(1 - this.pow2.at(t))];
  }
  apply(k: Kernels, w: number, g: number, s: readonly number[], n: number, lr: number, step: number): void {
    const [c1, c2] = this.corrections(step);
    k.f32_adam(w, g, s[0], s[1], n, lr, this.beta1, 1 - this.beta1, this.beta2, 1 - this.beta2, this.epsilon, c1, c2);
  }
  getConfig(): Record<string, unknown> {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

class AdamW extends Adam {
  override readonly name = 'adamw';
  readonly weightDecay: number;
  constructor(c: AdamWConfig = {}) {
    super(c);
    this.weightDecay = checkRate('weightDecay', c.weightDecay ?? 0.004, 0, Infinity, true);
  }
  override apply(k: Kernels, w: number, g: number, s: readonly number[], n: number, lr: number, step: number): void {
    const [c1, c2] = this.corrections(step);
    k.f32_adamw(w, g, s[0], s[1], n, lr, this.beta1, 1 - this.beta1, this.beta2, 1 - this.beta2, this.epsilon, c1, c2,
      this.weightDecay);
  }
  override getConfig() { return { ...super.getConfig(), weightDecay: this.weightDecay }; }
}

/** Adamax keeps Adam's settings and moments (v holds the weighted infinity norm); only its step differs. */
class Adamax extends Adam {
  override readonly name = 'adamax';
  constructor(c: AdamConfig = {}) { super(c, 0.002); }
  override apply(k: Kernels, w: number, g: number, s: readonly number[], n: number, lr: number, step: number): void {
    // TF.js: (−lr) / (1 − β1^t), one float32 division of two float32 scalars
    const size = f32(-f32(lr) / this.corrections(step)[0]);
    k.f32_adamax(w, g, s[0], s[1], n, size, this.beta1, 1 - this.beta1, this.beta2, this.epsilon);
  }
}

class Adadelta extends Optimizer {
  readonly name = 'adadelta';
  readonly slots = 2;
  readonly slotNames = ['accum_grad', 'accum_var'];
  readonly rho: number;
  readonly epsilon: number;
  constructor(c: AdadeltaConfig = {}) {
    super(c, 0.001);
    this.rho = checkRate('rho', c.rho ?? 0.95, 0, 1, true);
    this.epsilon = checkRate('epsilon', c.epsilon ?? 1e-7, 0, Infinity);
  }
  apply(k: Kernels, w: number, g: number, s: readonly number[], n: number, lr: number): void {
    k.f32_adadelta(w, g, s[0], s[1], n, lr, this.rho, 1 - this.rho, this.epsilon);
  }
  getConfig() { return { learningRate: this.learningRate, rho: this.rho, epsilon: this.epsilon }; }
}

class RMSprop extends Optimizer {
  readonly name = 'rmsprop';
  readonly slots: number;
  readonly slotNames: readonly string[];
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  constructor(c: RMSpropConfig = {}) {
    super(c, 0.001);
    this.rho = checkRate('rho', c.rho ?? 0.9, 0, 1, true);
    this.momentum = checkRate('momentum', c.momentum ?? 0, 0, 1, true);
    this.epsilon = checkRate('epsilon', c.epsilon ?? 1e-7, 0, Infinity);
    this.centered = boolOption('centered', c.centered, false);
    this.slotNames = this.centered ? ['rms', 'momentum', 'mg'] : ['rms', 'momentum'];
    this.slots = this.slotNames.length;
  }
  apply(k: Kernels, w: number, g: number, s: readonly number[], n: number, lr: number): void {
    k.f32_rmsprop(w, g, s[0], s[1], this.centered ? s[2] : 0, n, lr, this.rho, 1 - this.rho, this.momentum, this.epsilon,
      this.centered ? 1 : 0);
  }
  getConfig() {
    return { learningRate: this.learningRate, rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}

class Adagrad extends Optimizer {
  readonly name = 'adagrad';
  readonly slots = 1;
  readonly slotNames = ['accumulator'];
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  constructor(c: AdagradConfig = {}) {
    super(c, 0.001);
    this.initialAccumulatorValue = checkRate('initialAccumulatorValue', c.initialAccumulatorValue ?? 0.1, 0, Infinity, true);
    this.epsilon = checkRate('epsilon', c.epsilon ?? 1e-7, 0, Infinity);
  }
  override initialState(): number { return this.initialAccumulatorValue; }
  apply(k: Kernels, w: number, g: number, s: readonly number[], n: number, lr: number): void {
    k.f32_adagrad(w, g, s[0], n, lr, this.epsilon);
  }
  getConfig() {
    return { learningRate: this.learningRate, initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}

const opts = <T extends object>(name: OptimizerName, c: unknown) => optionsOf<T>(name, c, OPTIMIZER_OPTIONS[name]) as T;

/**
 * Optimizer factories in TF.js style; `model.compile({ optimizer: 'adam' })` uses the defaults. Each checks its
 * options when called: an unknown key, or a value of the wrong type or range, is a ValueError.
 *
 * @example
 * model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy' });
 */
export const optimizers = {
  /**
   * Plain gradient descent, as tf.train.sgd: w −= lr·g. Default learningRate 0.01.
   *
   * @example
   * nn.optimizers.sgd({ learningRate: 0.1 });
   */
  sgd: (c?: OptimizerConfig): Optimizer => new SGD(opts('sgd', c)),
  /**
   * Momentum as tf.train.momentum: a = μ·a + g, w −= lr·a (Nesterov with `nesterov: true`: w −= lr·(g + μ·a)).
   * Defaults: learningRate 0.01, momentum 0.9.
   *
   * @example
   * nn.optimizers.momentum({ learningRate: 0.05, momentum: 0.9 });
   */
  momentum: (c?: MomentumConfig): Optimizer => new Momentum(opts('momentum', c)),
  /**
   * Adam as tf.train.adam (ε added to √v̂, the bias-corrected second moment). Defaults: learningRate 0.001,
   * beta1 0.9, beta2 0.999, epsilon 1e-7.
   *
   * @example
   * nn.optimizers.adam({ learningRate: 1e-3 });
   */
  adam: (c?: AdamConfig): Optimizer => new Adam(opts('adam', c)),
  /**
   * AdamW: the Adam above plus decoupled weight decay w −= lr·wd·w before each step (default weightDecay 0.004).
   *
   * @example
   * nn.optimizers.adamw({ learningRate: 1e-3, weightDecay: 0.01 });
   */
  adamw: (c?: AdamWConfig): Optimizer => new AdamW(opts('adamw', c)),
  /**
   * Adamax as tf.train.adamax (Adam with an infinity norm). Defaults: learningRate 0.002, beta1 0.9, beta2 0.999,
   * epsilon 1e-7.
   *
   * @example
   * nn.optimizers.adamax({ learningRate: 0.002 });
   */
  adamax: (c?: AdamConfig): Optimizer => new Adamax(opts('adamax', c)),
  /**
   * Adadelta as tf.train.adadelta. Defaults: learningRate 0.001, rho 0.95, epsilon 1e-7.
   *
   * @example
   * nn.optimizers.adadelta({ learningRate: 1 });
   */
  adadelta: (c?: AdadeltaConfig): Optimizer => new Adadelta(opts('adadelta', c)),
  /**
   * RMSprop as tf.train.rmsprop (ε inside the square root; `rho` is TF.js's `decay`). Defaults: learningRate 0.001,
   * rho 0.9, momentum 0, epsilon 1e-7, centered false. Centered adds ε to s − q² where TF.js subtracts it.
   *
   * @example
   * nn.optimizers.rmsprop({ learningRate: 1e-3, centered: true });
   */
  rmsprop: (c?: RMSpropConfig): Optimizer => new RMSprop(opts('rmsprop', c)),
  /**
   * Adagrad as tf.train.adagrad. Defaults: learningRate 0.001, initialAccumulatorValue 0.1, epsilon 1e-7.
   *
   * @example
   * nn.optimizers.adagrad({ learningRate: 0.05 });
   */
  adagrad: (c?: AdagradConfig): Optimizer => new Adagrad(opts('adagrad', c)),
};

/** Resolves a compile() optimizer argument: an Optimizer, or a name for one with its defaults. */
export function toOptimizer(o: unknown): Optimizer {
  if (o instanceof Optimizer) return o;
  const name = checkName('optimizer', o, OPTIMIZER_NAMES);
  return optimizers[name]();
}
