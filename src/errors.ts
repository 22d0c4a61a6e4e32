/**
 * Every error neurite throws on bad input is a NeuriteError; subclasses say which kind.
 *
 * @example
 * try { model.predict([[1, 2, 3]]); } catch (e) { if (e instanceof nn.ShapeError) console.log(e.message); }
 */
export class NeuriteError extends Error {
  // Set per class as a literal, so the name holds whatever a bundler does to class names.
  override name = 'NeuriteError';
}
/** Shapes that do not fit: input width vs inputShape, x vs y rows, weights vs layer. */
export class ShapeError extends NeuriteError { override name = 'ShapeError'; }
/** A value out of its allowed range: non-finite inputs, labels outside the classes, batchSize ≤ 0. */
export class ValueError extends NeuriteError { override name = 'ValueError'; }
/** An unknown name (activation, loss, optimizer, initializer, backend); the message lists the valid ones. */
export class UnknownNameError extends NeuriteError { override name = 'UnknownNameError'; }
/** A call made in the wrong order, such as fit before compile. */
export class StateError extends NeuriteError { override name = 'StateError'; }
/** Training produced a non-finite loss; the message names the epoch and batch. */
export class TrainingError extends NeuriteError { override name = 'TrainingError'; }
/** A file or byte stream that is not what it claims to be (IDX, model files). */
export class FormatError extends NeuriteError { override name = 'FormatError'; }

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
 */
export class MemoryError extends NeuriteError {
  override name = 'MemoryError';
  constructor(message: string, readonly needed = 0, readonly available = 0) { super(message); }
}

/** Throws UnknownNameError unless `name` is one of `valid`. */
export function checkName<T extends string>(kind: string, name: unknown, valid: readonly T[]): T {
  if (typeof name === 'string' && (valid as readonly string[]).includes(name)) return name as T;
  const kinds = /(s|x|ch|sh)$/.test(kind) ? `${kind}es` : `${kind}s`;
  const what = typeof name === 'string' ? `unknown ${kind} ${describe(name)}` : `${kind} must be a name, got ${describe(name)}`;
  throw new UnknownNameError(`${what}; valid ${kinds} are: ${valid.join(', ')}`);
}
