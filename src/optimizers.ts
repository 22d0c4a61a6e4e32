import type { Kernels } from './backend/types';
import { checkName, describe, ValueError } from './errors';
import type { Schedule } from './schedules';

export type OptimizerName = 'sgd' | 'momentum' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop', 'adagrad'];

export interface OptimizerConfig {
  /** A positive number or a schedule from nn.schedules. */
  learningRate?: number | Schedule;
  /** Clip gradients so that their global L2 norm (over all parameters) is at most this. */
  clipNorm?: number;
}

function checkRate(what: string, v: unknown, lo: number, hi: number, inclusiveLo = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (inclusiveLo ? v < lo : v <= lo) || v >= hi) {
    throw new ValueError(`${what} must be a number in ${inclusiveLo ? '[' : '('}${lo}, ${hi}), got ${v}`);
  }
  return v;
}

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
    else if (!lr || typeof lr.at !== 'function') throw new ValueError(`${new.target.name} learningRate must be a positive number or a schedule, got ${describe(lr)}`);
    this.learningRate = lr;
    if (c.clipNorm !== undefined) checkRate(`${new.target.name} clipNorm`, c.clipNorm, 0, Infinity);
    this.clipNorm = c.clipNorm;
  }
  /** The learning rate for update number `step` (0-based). */
  rateAt(step: number): number {
    const lr = typeof this.learningRate === 'number' ? this.learningRate : this.learningRate.at(step);
    if (!(lr > 0) || !Number.isFinite(lr)) {
      throw new ValueError(`${this.name}: the learning rate at step ${step} is ${lr}; it must be positive and finite`);
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
    this.nesterov = !!c.nesterov;
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
  constructor(c: AdamConfig = {}) {
    super(c, 0.001);
    this.beta1 = checkRate('beta1', c.beta1 ?? 0.9, 0, 1, true);
    this.beta2 = checkRate('beta2', c.beta2 ?? 0.999, 0, 1, true);
    this.epsilon = checkRate('epsilon', c.epsilon ?? 1e-7, 0, Infinity);
  }
  apply(k: Kernels, w: number, g: number, s: readonly number[], n: number, lr: number, step: number): void {
    k.f32_adam(w, g, s[0], s[1], n, lr, this.beta1, this.beta2, this.epsilon, step);
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
    k.f32_adamw(w, g, s[0], s[1], n, lr, this.beta1, this.beta2, this.epsilon, step, this.weightDecay);
  }
  override getConfig() { return { ...super.getConfig(), weightDecay: this.weightDecay }; }
}

class RMSprop extends Optimizer {
  readonly name = 'rmsprop';
  readonly slots = 1;
  readonly slotNames = ['rms'];
  readonly rho: number;
  readonly epsilon: number;
  constructor(c: OptimizerConfig & { rho?: number; epsilon?: number } = {}) {
    super(c, 0.001);
    this.rho = checkRate('rho', c.rho ?? 0.9, 0, 1, true);
    this.epsilon = checkRate('epsilon', c.epsilon ?? 1e-7, 0, Infinity);
  }
  apply(k: Kernels, w: number, g: number, s: readonly number[], n: number, lr: number): void {
    k.f32_rmsprop(w, g, s[0], n, lr, this.rho, this.epsilon);
  }
  getConfig() { return { learningRate: this.learningRate, rho: this.rho, epsilon: this.epsilon }; }
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
export const optimizers = {
  /** Plain gradient descent: w −= lr·g. Default learningRate 0.01. */
  sgd: (c?: OptimizerConfig) => new SGD(c),
  /** Momentum (Nesterov with `nesterov: true`). Defaults: learningRate 0.01, momentum 0.9. */
  momentum: (c?: OptimizerConfig & { momentum?: number; nesterov?: boolean }) => new Momentum(c),
  /** Adam. Defaults: learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7. */
  adam: (c?: AdamConfig) => new Adam(c),
  /** AdamW, Adam with decoupled weight decay (default weightDecay 0.004). */
  adamw: (c?: AdamConfig & { weightDecay?: number }) => new AdamW(c),
  /** RMSprop. Defaults: learningRate 0.001, rho 0.9, epsilon 1e-7. */
  rmsprop: (c?: OptimizerConfig & { rho?: number; epsilon?: number }) => new RMSprop(c),
  /** Adagrad. Defaults: learningRate 0.001, initialAccumulatorValue 0.1, epsilon 1e-7. */
  adagrad: (c?: OptimizerConfig & { initialAccumulatorValue?: number; epsilon?: number }) => new Adagrad(c),
};

/** Resolves a compile() optimizer argument: an Optimizer, or a name for one with its defaults. */
export function toOptimizer(o: unknown): Optimizer {
  if (o instanceof Optimizer) return o;
  const name = checkName('optimizer', o, OPTIMIZER_NAMES);
  return optimizers[name]();
}
