import { ValueError } from './errors';
import { boolOption, numberOption, optionsOf } from './options';

/**
 * A learning rate as a function of the optimizer's step (0 for the first update), from nn.schedules; pass it
 * as an optimizer's learningRate. Saved with the model (includeOptimizer) and rebuilt on load.
 *
 * @example
 * const lr = nn.schedules.stepDecay({ initialLearningRate: 0.1, dropEvery: 100 });
 * lr.at(0);     // 0.1
 * lr.at(250);   // 0.025
 */
export interface Schedule {
  /** The factory that made it: 'stepDecay', 'exponentialDecay' or 'cosineDecay'. */
  readonly kind: string;
  /** The learning rate at optimizer step `step` (an integer ≥ 0). */
  at(step: number): number;
  /** The factory's arguments, so the schedule can be saved and rebuilt with fromScheduleConfig. */
  readonly config?: Record<string, unknown>;
}

function positive(what: string, v: unknown): number {
  return numberOption(what, v, { min: 0, minOpen: true });
}

/**
 * Step decay: lr = initialLearningRate · factor^floor(step / dropEvery). ValueError unless every number is
 * finite and > 0 (or for an unknown key).
 *
 * @example
 * nn.optimizers.sgd({ learningRate: nn.schedules.stepDecay({ initialLearningRate: 0.1, dropEvery: 1000, factor: 0.5 }) });
 */
export function stepDecay(config: {
  /** The learning rate for steps 0 … dropEvery − 1, > 0. Required. */
  initialLearningRate: number;
  /** Steps (optimizer updates, not epochs) between drops, > 0. Required. */
  dropEvery: number;
  /** What each drop multiplies the rate by, > 0; default 0.5. */
  factor?: number;
}): Schedule {
  const c = optionsOf<typeof config>('stepDecay', config, ['initialLearningRate', 'dropEvery', 'factor']);
  const lr = positive('stepDecay initialLearningRate', c.initialLearningRate);
  const every = positive('stepDecay dropEvery', c.dropEvery);
  const factor = positive('stepDecay factor', c.factor ?? 0.5);
  return { kind: 'stepDecay', config: { initialLearningRate: lr, dropEvery: every, factor },
    at: (s) => lr * Math.pow(factor, Math.floor(s / every)) };
}

/**
 * Exponential decay (Keras ExponentialDecay): lr = initial · decayRate^(step / decaySteps), floored exponent
 * when `staircase`. ValueError unless the numbers are finite and > 0.
 *
 * @example
 * nn.schedules.exponentialDecay({ initialLearningRate: 1e-2, decaySteps: 1000, decayRate: 0.9 });
 */
export function exponentialDecay(config: {
  /** The learning rate at step 0, > 0. Required. */
  initialLearningRate: number;
  /** Steps over which the rate is multiplied by decayRate once, > 0. Required. */
  decaySteps: number;
  /** The factor per decaySteps steps, > 0 (below 1 to decay). Required. */
  decayRate: number;
  /** Decay in whole steps of decaySteps (floor of step / decaySteps) instead of smoothly; default false. */
  staircase?: boolean;
}): Schedule {
  const c = optionsOf<typeof config>('exponentialDecay', config, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase']);
  const lr = positive('exponentialDecay initialLearningRate', c.initialLearningRate);
  const steps = positive('exponentialDecay decaySteps', c.decaySteps);
  const rate = positive('exponentialDecay decayRate', c.decayRate);
  const staircase = boolOption('exponentialDecay staircase', c.staircase, false);
  return {
    kind: 'exponentialDecay',
    config: { initialLearningRate: lr, decaySteps: steps, decayRate: rate, staircase },
    at: (s) => lr * Math.pow(rate, staircase ? Math.floor(s / steps) : s / steps),
  };
}

/**
 * Cosine decay (Keras CosineDecay): from initialLearningRate down to alpha·initialLearningRate over decaySteps,
 * then constant: lr = initial · ((1 − alpha) · (1 + cos(π · min(step, decaySteps) / decaySteps)) / 2 + alpha).
 *
 * @example
 * nn.schedules.cosineDecay({ initialLearningRate: 1e-3, decaySteps: 5000, alpha: 0.1 });
 */
export function cosineDecay(config: {
  /** The learning rate at step 0, > 0. Required. */
  initialLearningRate: number;
  /** Steps from the initial to the final rate, > 0. Required. */
  decaySteps: number;
  /** The final rate as a fraction of the initial one, in [0, 1]; default 0. */
  alpha?: number;
}): Schedule {
  const c = optionsOf<typeof config>('cosineDecay', config, ['initialLearningRate', 'decaySteps', 'alpha']);
  const lr = positive('cosineDecay initialLearningRate', c.initialLearningRate);
  const steps = positive('cosineDecay decaySteps', c.decaySteps);
  const alpha = numberOption('cosineDecay alpha', c.alpha ?? 0, { min: 0, max: 1 });
  return {
    kind: 'cosineDecay',
    config: { initialLearningRate: lr, decaySteps: steps, alpha },
    at: (s) => {
      const p = Math.min(s, steps) / steps;
      return lr * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * p)) + alpha);
    },
  };
}

/** Rebuilds a schedule from its kind and config (as saved with a model). */
export function fromScheduleConfig(kind: string, config: Record<string, unknown>): Schedule {
  switch (kind) {
    case 'stepDecay': return stepDecay(config as Parameters<typeof stepDecay>[0]);
    case 'exponentialDecay': return exponentialDecay(config as Parameters<typeof exponentialDecay>[0]);
    case 'cosineDecay': return cosineDecay(config as Parameters<typeof cosineDecay>[0]);
    default: throw new ValueError(`unknown learning-rate schedule ${JSON.stringify(kind)}; valid: stepDecay, exponentialDecay, cosineDecay`);
  }
}
