import { ValueError } from './errors';
import { boolOption, closest, intOption, numberOption, optionsOf, show } from './options';

/** Per-epoch or per-batch numbers: 'loss', 'accuracy', 'val_loss', 'val_accuracy', ... */
export type Logs = Record<string, number>;

/** What `fit` calls back; every hook is optional. onBatchEnd may return 'stop' to end training. */
export interface CallbackHooks {
  onTrainBegin?(logs?: Logs): unknown;
  onTrainEnd?(logs?: Logs): unknown;
  onEpochBegin?(epoch: number, logs?: Logs): unknown;
  onEpochEnd?(epoch: number, logs: Logs): unknown;
  onBatchBegin?(batch: number, logs?: Logs): unknown;
  onBatchEnd?(batch: number, logs: Logs): unknown;
}

/** The slice of a model that callbacks may use. */
export interface TrainingTarget {
  stopTraining: boolean;
  getWeightsFlat(): Float32Array;
  setWeightsFlat(w: Float32Array): void;
}

/** A callback that needs the model it trains (earlyStopping, ...). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface Callback extends CallbackHooks {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export abstract class Callback {
  protected model!: TrainingTarget;
  setModel(m: TrainingTarget): void { this.model = m; }
}

export interface EarlyStoppingConfig {
  /** Log key to watch; default 'val_loss'. */
  monitor?: string;
  /** Epochs without improvement before stopping; default 0. */
  patience?: number;
  /** Smallest change that counts as an improvement; default 0. */
  minDelta?: number;
  /** 'min', 'max', or 'auto' (max for accuracy-like keys); default 'auto'. */
  mode?: 'auto' | 'min' | 'max';
  /** Put back the weights of the best epoch when training stops; default false. */
  restoreBestWeights?: boolean;
}

/** The options nn.callbacks.earlyStopping takes. */
export const EARLY_STOPPING_OPTIONS = ['monitor', 'patience', 'minDelta', 'mode', 'restoreBestWeights'] as const;

/** The callback made by nn.callbacks.earlyStopping. */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly minDelta: number;
  readonly sign: number;
  readonly restoreBestWeights: boolean;
  private best = Infinity;
  private wait = 0;
  private bestWeights: Float32Array | undefined;
  stoppedEpoch = -1;

  constructor(config?: EarlyStoppingConfig) {
    super();
    const c = optionsOf<EarlyStoppingConfig>('earlyStopping', config, EARLY_STOPPING_OPTIONS);
    const monitor = c.monitor ?? 'val_loss';
    if (typeof monitor !== 'string' || monitor.length === 0) throw new ValueError(`earlyStopping monitor must be a log key such as 'val_loss', got ${show(monitor)}`);
    this.monitor = monitor;
    this.patience = intOption('earlyStopping patience', c.patience ?? 0, 0);
    this.minDelta = Math.abs(numberOption('earlyStopping minDelta', c.minDelta ?? 0));
    const mode = c.mode ?? 'auto';
    if (!['auto', 'min', 'max'].includes(mode)) throw new ValueError(`earlyStopping mode must be 'auto', 'min' or 'max', got ${show(mode)}`);
    const max = mode === 'max' || (mode === 'auto' && /acc/.test(this.monitor));
    this.sign = max ? -1 : 1;
    this.restoreBestWeights = boolOption('earlyStopping restoreBestWeights', c.restoreBestWeights, false);
  }
  /** Its settings, resolved (mode is 'min' or 'max'). */
  getConfig(): Required<EarlyStoppingConfig> {
    return { monitor: this.monitor, patience: this.patience, minDelta: this.minDelta, mode: this.sign < 0 ? 'max' : 'min',
      restoreBestWeights: this.restoreBestWeights };
  }
  override onTrainBegin(): void {
    this.best = Infinity;
    this.wait = 0;
    this.bestWeights = undefined;
    this.stoppedEpoch = -1;
  }
  override onEpochEnd(epoch: number, logs: Logs): void {
    const v = logs[this.monitor];
    if (v === undefined) {
      throw new ValueError(`earlyStopping monitors '${this.monitor}' but the epoch logs have only: ${Object.keys(logs).join(', ')}` +
        (this.monitor.startsWith('val_') ? ' (pass validationSplit or validationData to fit)' : ''));
    }
    const score = this.sign * v;
    if (score < this.best - this.minDelta) {
      this.best = score;
      this.wait = 0;
      if (this.restoreBestWeights) this.bestWeights = this.model.getWeightsFlat();
      return;
    }
    this.wait++;
    if (this.wait > this.patience) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }
  override onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights && this.stoppedEpoch >= 0) this.model.setWeightsFlat(this.bestWeights);
  }
}

/** The hooks fit calls, by name. */
export const HOOK_NAMES = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'] as const;

/**
 * fit's `callbacks` option as a list: undefined, one item or an array of them, each a Callback (nn.callbacks) or
 * an object of hooks. Refuses anything else by position (null, a number, a function, ...), a hook that is not a
 * function, and a key that looks like a hook but is not one (`onEpochEnds`), naming the closest hook.
 */
export function callbackList(v: unknown, what = 'callbacks'): (CallbackHooks | Callback)[] {
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((h, i) => {
    const at = Array.isArray(v) ? `${what}[${i}]` : what;
    if (h instanceof Callback) return h;
    if (h === null || typeof h !== 'object' || Array.isArray(h) || ArrayBuffer.isView(h)) {
      throw new ValueError(`${at} must be an object of hooks such as { onEpochEnd(epoch, logs) {...} } or a callback from nn.callbacks, got ${show(h)}`);
    }
    for (const key of Object.keys(h)) {
      const value = (h as Record<string, unknown>)[key];
      if ((HOOK_NAMES as readonly string[]).includes(key)) {
        if (value !== undefined && typeof value !== 'function') throw new ValueError(`${at}.${key} must be a function, got ${show(value)}`);
      } else if (/^on[A-Z]/.test(key)) {
        const near = closest(key, HOOK_NAMES);
        throw new ValueError(`${at}: ${key} is not a hook fit calls${near ? `; did you mean ${near}?` : ''} The hooks are: ${HOOK_NAMES.join(', ')}`);
      }
    }
    return h as CallbackHooks;
  });
}

/**
 * Callback factories in TF.js style.
 *
 * @example
 * await model.fit(x, y, { epochs: 50, validationSplit: 0.1,
 *   callbacks: nn.callbacks.earlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true }) });
 */
export const callbacks = {
  earlyStopping: (c?: EarlyStoppingConfig) => new EarlyStopping(c),
};
