/**
 * Every error neurite throws on bad input is a NeuriteError; subclasses say which kind.
 *
 * @example
 * try { model.predict([[1, 2, 3]]); } catch (e) { if (e instanceof nn.ShapeError) console.log(e.message); }
 */
export class NeuriteError extends Error {
  // Set per class as a literal: the published build shortens class names, so new.target.name would not say it.
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

/** Throws UnknownNameError unless `name` is one of `valid`. */
export function checkName<T extends string>(kind: string, name: unknown, valid: readonly T[]): T {
  if (typeof name === 'string' && (valid as readonly string[]).includes(name)) return name as T;
  throw new UnknownNameError(`unknown ${kind} ${JSON.stringify(name)}; valid ${kind}s are: ${valid.join(', ')}`);
}
