import { Callback, type Logs } from '../callbacks';
import { ValueError } from '../errors';
import { boolOption, intOption, optionsOf, show } from '../options';
import type { IOHandler, SaveOptions, SaveTarget } from './artifacts';

/**
 * The options of nn.callbacks.modelCheckpoint; `path` is required. A bad value is a ValueError.
 *
 * @example
 * nn.callbacks.modelCheckpoint({ path: 'file://./ckpt/epoch-{epoch}', everyEpochs: 5, includeOptimizer: false });
 */
export interface ModelCheckpointConfig {
  /**
   * Where to save: a URL or handler as for model.save. In a URL, `{epoch}` becomes the 1-based epoch number
   * ('file://ckpt/epoch-{epoch}'). A function gets (epoch, logs) and returns the target.
   */
  path: SaveTarget | ((epoch: number, logs: Logs) => SaveTarget);
  /** Save every this many epochs, a safe integer ≥ 1 (default 1: after every epoch). */
  everyEpochs?: number;
  /** Only save when `monitor` improved on the best value seen so far (default false). */
  saveBestOnly?: boolean;
  /** Log key compared by saveBestOnly (default 'val_loss', which needs validationSplit or validationData). */
  monitor?: string;
  /** Whether lower or higher `monitor` is better: 'min', 'max', or 'auto' (max for keys containing 'acc'); default 'auto'. */
  mode?: 'auto' | 'min' | 'max';
  /** Store the optimizer state and training position too, so that training can resume exactly (default true). */
  includeOptimizer?: boolean;
}

/** The slice of a model a checkpoint needs. */
interface Savable {
  save(target: SaveTarget, options?: SaveOptions): Promise<unknown>;
}

class ModelCheckpoint extends Callback {
  readonly everyEpochs: number;
  readonly saveBestOnly: boolean;
  readonly monitor: string;
  readonly includeOptimizer: boolean;
  private readonly sign: number;
  private readonly path: ModelCheckpointConfig['path'];
  private best = Infinity;
  /** Epochs (0-based) saved so far, in order. */
  readonly saved: number[] = [];

  constructor(config: ModelCheckpointConfig) {
    super();
    const c = optionsOf<ModelCheckpointConfig>('modelCheckpoint', config ?? null,
      ['path', 'everyEpochs', 'saveBestOnly', 'monitor', 'mode', 'includeOptimizer']);
    const p = c.path;
    if (typeof p !== 'string' && typeof p !== 'function' && !(p && typeof (p as IOHandler).save === 'function')) {
      throw new ValueError(`modelCheckpoint path must be a URL, a save handler or a function, got ${show(p)}`);
    }
    this.path = p;
    this.everyEpochs = intOption('modelCheckpoint everyEpochs', c.everyEpochs ?? 1, 1);
    this.saveBestOnly = boolOption('modelCheckpoint saveBestOnly', c.saveBestOnly, false);
    const monitor = c.monitor ?? 'val_loss';
    if (typeof monitor !== 'string' || monitor.length === 0) throw new ValueError(`modelCheckpoint monitor must be a log key such as 'val_loss', got ${show(monitor)}`);
    this.monitor = monitor;
    const mode = c.mode ?? 'auto';
    if (!['auto', 'min', 'max'].includes(mode)) throw new ValueError(`modelCheckpoint mode must be 'auto', 'min' or 'max', got ${show(mode)}`);
    this.sign = mode === 'max' || (mode === 'auto' && /acc/.test(this.monitor)) ? -1 : 1;
    this.includeOptimizer = boolOption('modelCheckpoint includeOptimizer', c.includeOptimizer, true);
  }

  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if ((epoch + 1) % this.everyEpochs !== 0) return;
    if (this.saveBestOnly) {
      const v = logs[this.monitor];
      if (v === undefined) {
        throw new ValueError(`modelCheckpoint monitors '${this.monitor}' but the epoch logs have only: ${Object.keys(logs).join(', ')}` +
          (this.monitor.startsWith('val_') ? ' (pass validationSplit or validationData to fit)' : ''));
      }
      if (!(this.sign * v < this.best)) return;
      this.best = this.sign * v;
    }
    const p = this.path;
    const target = typeof p === 'function' ? p(epoch, logs) : typeof p === 'string' ? p.replaceAll('{epoch}', String(epoch + 1)) : p;
    await (this.model as unknown as Savable).save(target, { includeOptimizer: this.includeOptimizer });
    this.saved.push(epoch);
  }
}

/**
 * Saves the model during fit: every `everyEpochs` epochs, or only when `monitor` improves (saveBestOnly). By default
 * with the optimizer state, so nn.loadModel of a checkpoint continues training exactly where it was saved.
 *
 * @example
 * await model.fit(x, y, { epochs: 20, validationSplit: 0.1,
 *   callbacks: nn.callbacks.modelCheckpoint({ path: 'file://./ckpt', saveBestOnly: true, monitor: 'val_loss' }) });
 * const resumed = await nn.loadModel('file://./ckpt');
 */
export function modelCheckpoint(c: ModelCheckpointConfig): Callback {
  return new ModelCheckpoint(c);
}
