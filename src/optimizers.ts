import type { Kernels } from './backend/types';
import { checkName, ValueError } from './errors';
import { boolOption, optionsOf, show } from './options';
import type { Schedule } from './schedules';

export type OptimizerName = 'sgd' | 'momentum' | 'adam' | 'adamw' | 'adamax' | 'adadelta' | 'rmsprop' | 'adagrad';
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

export interface OptimizerConfig {
  /** A positive number or a schedule from nn.schedules. */
  learningRate?: number | Schedule;
  /** Clip gradients so that their global L2 norm (over all parameters) is at most this. */
  clipNorm?: number;
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
 */
export abstract class Optimizer {
  abstract readonly name: OptimizerName;
  /** How many state blocks, each as large as the parameter block. */
  abstract readonly slots: number;
  /** Names of the state blocks (TF.js-style suffixes for saved optimizer weights). */
  abstract readonly slotNames: readonly string[];
  readonly learningRate: number | Schedule;
  readonly clipNorm: number | undefined;
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
  /** The learning rate for update number `step` (0-based). */
  rateAt(step: number): number {
    const lr: unknown = typeof this.learningRate === 'number' ? this.learningRate : this.learningRate.at(step);
    if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr) || !Number.isFinite(Math.fround(lr))) {
      throw new ValueError(`${this.name}: the learning rate at step ${step} is ${show(lr)}; it must be a positive number that float32 can hold`);
    }
    return lr;
  }
  /** Initial value of the state blocks. */
  initialState(): number { return 0; }
  /** One update; `step` counts updates from 1. */
  abstract apply(k: Kernels, w: number, g: number, state: readonly number[], count: number, lr: number, step: number): void;
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
  constructor(c: OptimizerConfig & { momentum?: number; nesterov?: boolean } = {}) {
    super(c, 0.01);
    this.momentum = checkRate('momentum', c.momentum ?? 0.9, 0, 1, true);
    this.nesterov = boolOption('nesterov', c.nesterov, false);
  }
  apply(k: Kernels, w: number, g: number, s: readonly number[], n: number, lr: number): void {
    k.f32_momentum(w, g, s[0], n, lr, this.momentum, this.nesterov ? 1 : 0);
  }
  getConfig() { return { learningRate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov }; }
}

interface AdamConfig extends OptimizerConfig { beta1?: number; beta2?: number; epsilon?: number }

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
  constructor(c: AdamConfig & { weightDecay?: number } = {}) {
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
  constructor(c: OptimizerConfig & { rho?: number; epsilon?: number } = {}) {
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
  constructor(c: OptimizerConfig & { rho?: number; momentum?: number; epsilon?: number; centered?: boolean } = {}) {
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
  constructor(c: OptimizerConfig & { initialAccumulatorValue?: number; epsilon?: number } = {}) {
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

/**
 * Optimizer factories in TF.js style; `model.compile({ optimizer: 'adam' })` uses the defaults.
 *
 * @example
 * model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy' });
 */
const opts = <T extends object>(name: OptimizerName, c: unknown) => optionsOf<T>(name, c, OPTIMIZER_OPTIONS[name]) as T;

export const optimizers = {
  /** Plain gradient descent, as tf.train.sgd: w −= lr·g. Default learningRate 0.01. */
  sgd: (c?: OptimizerConfig) => new SGD(opts('sgd', c)),
  /**
   * Momentum as tf.train.momentum: a = μ·a + g, w −= lr·a (Nesterov with `nesterov: true`: w −= lr·(g + μ·a)).
   * Defaults: learningRate 0.01, momentum 0.9.
   */
  momentum: (c?: OptimizerConfig & { momentum?: number; nesterov?: boolean }) => new Momentum(opts('momentum', c)),
  /**
   * Adam as tf.train.adam (ε added to √v̂, the bias-corrected second moment). Defaults: learningRate 0.001,
   * beta1 0.9, beta2 0.999, epsilon 1e-7.
   */
  adam: (c?: AdamConfig) => new Adam(opts('adam', c)),
  /** AdamW: the Adam above plus decoupled weight decay w −= lr·wd·w before each step (default weightDecay 0.004). */
  adamw: (c?: AdamConfig & { weightDecay?: number }) => new AdamW(opts('adamw', c)),
  /** Adamax as tf.train.adamax (Adam with an infinity norm). Defaults: learningRate 0.002, beta1 0.9, beta2 0.999, epsilon 1e-7. */
  adamax: (c?: AdamConfig) => new Adamax(opts('adamax', c)),
  /** Adadelta as tf.train.adadelta. Defaults: learningRate 0.001, rho 0.95, epsilon 1e-7. */
  adadelta: (c?: OptimizerConfig & { rho?: number; epsilon?: number }) => new Adadelta(opts('adadelta', c)),
  /**
   * RMSprop as tf.train.rmsprop (ε inside the square root; `rho` is TF.js's `decay`). Defaults: learningRate 0.001,
   * rho 0.9, momentum 0, epsilon 1e-7, centered false. Centered adds ε to s − q² where TF.js subtracts it.
   */
  rmsprop: (c?: OptimizerConfig & { rho?: number; momentum?: number; epsilon?: number; centered?: boolean }) => new RMSprop(opts('rmsprop', c)),
  /** Adagrad as tf.train.adagrad. Defaults: learningRate 0.001, initialAccumulatorValue 0.1, epsilon 1e-7. */
  adagrad: (c?: OptimizerConfig & { initialAccumulatorValue?: number; epsilon?: number }) => new Adagrad(opts('adagrad', c)),
};

/** Resolves a compile() optimizer argument: an Optimizer, or a name for one with its defaults. */
export function toOptimizer(o: unknown): Optimizer {
  if (o instanceof Optimizer) return o;
  const name = checkName('optimizer', o, OPTIMIZER_NAMES);
  return optimizers[name]();
}
