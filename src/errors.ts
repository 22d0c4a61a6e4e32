/**
 * Every error neurite throws on bad input is a NeuriteError; subclasses say which kind.
 *
 * @example
 * try { model.predict([[1, 2, 3]]); } catch (e) { if (e instanceof nn.ShapeError) console.log(e.message); }
 */
export class NeuriteError extends Error {
  // Set per class as a literal, so the name holds whatever a bundler does to class names.
  /** The class's name ('NeuriteError', 'ShapeError', ...), kept in every build, minified or not. */
  override name = 'NeuriteError';
}
/**
 * Shapes that do not fit: input width vs inputShape, x vs y rows, weights vs layer.
 *
 * @example
 * model.predict([[1, 2, 3]]);   // ShapeError when the model takes inputShape [2]
 */
export class ShapeError extends NeuriteError {
  /** 'ShapeError'. */
  override name = 'ShapeError';
}
/**
 * A value of the wrong type or out of its allowed range: non-finite inputs, labels outside the classes,
 * batchSize ≤ 0, an option key a function does not take (the message names the closest valid key).
 *
 * @example
 * await model.fit(x, y, { epoch: 5 });   // ValueError: ... did you mean epochs?
 */
export class ValueError extends NeuriteError {
  /** 'ValueError'. */
  override name = 'ValueError';
}
/**
 * An unknown name (activation, loss, optimizer, initializer, backend); the message lists the valid ones.
 *
 * @example
 * nn.layers.dense({ units: 4, activation: 'rleu' });   // UnknownNameError: unknown activation "rleu"; valid activations are: ...
 */
export class UnknownNameError extends NeuriteError {
  /** 'UnknownNameError'. */
  override name = 'UnknownNameError';
}
/**
 * A call made in the wrong order or at the wrong time, such as fit before compile, a second fit of a model
 * while one runs, or use of a disposed model.
 *
 * @example
 * nn.sequential({ layers: [nn.layers.dense({ units: 1, inputShape: [1] })] }).evaluate([[1]], [[1]]);   // StateError
 */
export class StateError extends NeuriteError {
  /** 'StateError'. */
  override name = 'StateError';
}
/**
 * Training produced a non-finite loss, gradients or weights; the message names the epoch and batch.
 *
 * @example
 * try { await model.fit(x, y, { epochs: 5 }); } catch (e) { if (e instanceof nn.TrainingError) lowerTheLearningRate(); }
 */
export class TrainingError extends NeuriteError {
  /** 'TrainingError'. */
  override name = 'TrainingError';
}
/**
 * A file or byte stream that is not what it claims to be (IDX, PNG, model files): the message names the file
 * and, for JSON, the line and column.
 *
 * @example
 * nn.parseIdx(new Uint8Array([1, 2, 3]));   // FormatError
 */
export class FormatError extends NeuriteError {
  /** 'FormatError'. */
  override name = 'FormatError';
}

/**
 * A dataset failed while it was read: the user's generator, map or iterator threw. The message names the call,
 * the epoch and the batch; `cause` is what was thrown, unchanged.
 *
 * @example
 * try { await model.fitDataset(ds); }
 * catch (e) { if (e instanceof nn.DataError) console.log(e.message, e.cause); }
 */
export class DataError extends NeuriteError {
  /** 'DataError'. */
  override name = 'DataError';
}

/**
 * A value as an error message shows it: strings quoted, numbers as written (NaN, Infinity), a function by its
 * name, arrays and objects as JSON, cut at 80 characters.
 */
export function describe(v: unknown): string {
  let s: string;
  if (typeof v === 'function') return `a function (${v.name ? v.name : 'anonymous'})`;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'symbol' || v === undefined) return String(v);
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = Object.prototype.toString.call(v);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * Memory the engine cannot hold: a model (at a batch size) or a load whose arena exceeds what the backend's
 * linear memory can still give (wasm32's 4 GiB, the runtime's growth limit, or nn.ready({ maxMemoryBytes })),
 * after evicting every model that is not in a call. `needed` and `available` are bytes. Nothing was changed.
 *
 * @example
 * try { await model.fit(x, y, { batchSize: 100000 }); }
 * catch (e) { if (e instanceof nn.MemoryError) console.log(`needs ${e.needed} bytes, has ${e.available}`); }
 */
export class MemoryError extends NeuriteError {
  /** 'MemoryError'. */
  override name = 'MemoryError';
  /**
   * An error with the bytes that were asked for and the bytes there were.
   *
   * @example
   * nn.layers.dense({ units: 1e9, inputShape: [1] });   // throws a MemoryError; e.needed > e.available
   */
  constructor(
    message: string,
    /** Bytes the model, plan or load needed (0 when unknown). */
    readonly needed = 0,
    /** Bytes that were available to it (0 when unknown). */
    readonly available = 0,
  ) { super(message); }
}

/** Throws UnknownNameError unless `name` is one of `valid`. */
export function checkName<T extends string>(kind: string, name: unknown, valid: readonly T[]): T {
  if (typeof name === 'string' && (valid as readonly string[]).includes(name)) return name as T;
  const kinds = /(s|x|ch|sh)$/.test(kind) ? `${kind}es` : `${kind}s`;
  const what = typeof name === 'string' ? `unknown ${kind} ${describe(name)}` : `${kind} must be a name, got ${describe(name)}`;
  throw new UnknownNameError(`${what}; valid ${kinds} are: ${valid.join(', ')}`);
}
