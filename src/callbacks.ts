import { ValueError } from './errors';
import { boolOption, closest, intOption, numberOption, optionsOf, show } from './options';

/**
 * Per-epoch or per-batch numbers by name: 'loss', 'accuracy' (with metrics: ['accuracy']), and at epoch ends
 * 'val_loss', 'val_accuracy' (with validation data). evaluate returns one too.
 *
 * @example
 * const logs: nn.Logs = model.evaluate(x, y);   // { loss: 0.12, accuracy: 0.97 }
 */
export type Logs = Record<string, number>;

/**
 * What `fit` calls back; every hook is optional, and fit awaits a hook that returns a promise. onBatchEnd may
 * return 'stop' to end training, and any hook may set `model.stopTraining = true`. A key that looks like a hook
 * but is not one (`onEpochEnds`) is a ValueError naming the closest hook. Epochs and batches count from 0.
 *
 * @example
 * await model.fit(x, y, { epochs: 5, callbacks: {
 *   onEpochEnd(epoch, logs) { console.log(`epoch ${epoch + 1}: loss ${logs.loss.toFixed(4)}`); },
 *   onBatchEnd(batch, logs) { if (logs.loss < 0.01) return 'stop'; },
 * } });
 */
export interface CallbackHooks {
  /** Before the first epoch. */
  onTrainBegin?(logs?: Logs): unknown;
  /** After the last epoch (also after a stop); `logs` is an empty object. */
  onTrainEnd?(logs?: Logs): unknown;
  /** Before each epoch; `epoch` counts from initialEpoch. */
  onEpochBegin?(epoch: number, logs?: Logs): unknown;
  /** After each epoch, with its mean loss (and accuracy) over the epoch and the validation figures. */
  onEpochEnd?(epoch: number, logs: Logs): unknown;
  /** Before each batch; `batch` counts from 0 within the epoch, and logs hold `batch` and `size` (its samples). */
  onBatchBegin?(batch: number, logs?: Logs): unknown;
  /** After each batch, with logs `{ batch, size, loss }` (and `accuracy`) of that batch; return 'stop' to end training after it. */
  onBatchEnd?(batch: number, logs: Logs): unknown;
}

/** The slice of a model that callbacks may use. */
export interface TrainingTarget {
  stopTraining: boolean;
  getWeightsFlat(): Float32Array;
  setWeightsFlat(w: Float32Array): void;
}

/**
 * A callback that needs the model it trains (earlyStopping, ...): fit calls setModel before training. Extend it
 * for a hook that reads or changes the model.
 *
 * @example
 * class StopAtLoss extends nn.Callback {
 *   onEpochEnd(_epoch: number, logs: nn.Logs) { if (logs.loss < 0.05) this.model.stopTraining = true; }
 * }
 * await model.fit(x, y, { epochs: 100, callbacks: new StopAtLoss() });
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface Callback extends CallbackHooks {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export abstract class Callback {
  /** The model being trained (set by fit through setModel). */
  protected model!: TrainingTarget;
  /** Called by fit before training with the model it trains. */
  setModel(m: TrainingTarget): void { this.model = m; }
}

/**
 * The options of nn.callbacks.earlyStopping; every field is optional. A bad value is a ValueError.
 *
 * @example
 * nn.callbacks.earlyStopping({ monitor: 'val_accuracy', patience: 5, minDelta: 1e-3, restoreBestWeights: true });
 */
export interface EarlyStoppingConfig {
  /**
   * Log key to watch; default 'val_loss' (which needs validationSplit or validationData). A key the epoch logs
   * lack is a ValueError at the first epoch's end.
   */
  monitor?: string;
  /** Epochs without improvement before stopping, an integer ≥ 0; default 0 (stop at the first epoch that does not improve). */
  patience?: number;
  /** Smallest change of the monitored value that counts as an improvement (its absolute value is used); default 0. */
  minDelta?: number;
  /** 'min', 'max', or 'auto' (max for keys containing 'acc', min otherwise); default 'auto'. */
  mode?: 'auto' | 'min' | 'max';
  /** Put back the weights of the best epoch when training stops; default false. */
  restoreBestWeights?: boolean;
}

/** The options nn.callbacks.earlyStopping takes. */
export const EARLY_STOPPING_OPTIONS = ['monitor', 'patience', 'minDelta', 'mode', 'restoreBestWeights'] as const;

/**
 * The callback made by nn.callbacks.earlyStopping: it sets model.stopTraining when the monitored value has not
 * improved for more than `patience` epochs.
 *
 * @example
 * const stop = nn.callbacks.earlyStopping({ patience: 2 });
 * await model.fit(x, y, { epochs: 100, validationSplit: 0.2, callbacks: stop });
 * stop.stoppedEpoch;   // the epoch it stopped at, or -1
 */
export class EarlyStopping extends Callback {
  /** The log key watched. */
  readonly monitor: string;
  /** Epochs without improvement allowed. */
  readonly patience: number;
  /** The smallest change that counts (≥ 0). */
  readonly minDelta: number;
  /** 1 when lower is better, −1 when higher is. @internal */
  readonly sign: number;
  /** Whether the best epoch's weights are put back when it stops training. */
  readonly restoreBestWeights: boolean;
  private best = Infinity;
  private wait = 0;
  private bestWeights: Float32Array | undefined;
  /** The epoch at whose end it stopped training in the last fit, or -1 if it did not. */
  stoppedEpoch = -1;

  /**
   * Checks the options (see EarlyStoppingConfig); nn.callbacks.earlyStopping(config) is the same.
   *
   * @example
   * new nn.EarlyStopping({ monitor: 'loss', patience: 3 });
   */
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
  /** Resets its state for a new fit. */
  override onTrainBegin(): void {
    this.best = Infinity;
    this.wait = 0;
    this.bestWeights = undefined;
    this.stoppedEpoch = -1;
  }
  /** Compares the monitored value with the best so far; stops training after `patience` epochs without improvement. */
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
    if (this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }
  /** Puts back the best weights when restoreBestWeights is on and it stopped the training. */
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
 * Stops training when a monitored log value stops improving, as tf.callbacks.earlyStopping. See
 * EarlyStoppingConfig for the options.
 *
 * @example
 * await model.fit(x, y, { epochs: 50, validationSplit: 0.1,
 *   callbacks: nn.callbacks.earlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true }) });
 */
export function earlyStopping(config?: EarlyStoppingConfig): EarlyStopping {
  return new EarlyStopping(config);
}

/** The callback factories fit's worker rebuilds by name. */
export const callbacks = { earlyStopping };
