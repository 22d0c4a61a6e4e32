// Checks for the option objects and values users pass to neurite's public API. A leaf module: it imports only
// errors, so layers, optimizers, callbacks and the model can all use it.
import { ValueError } from './errors';

/** The most values one tensor dimension, one layer's output per sample, or one model's weights may hold: 2^28. */
export const MAX_VALUES = 2 ** 28;
/** The most dimensions a tensor (and so a level of nested arrays) may have. */
export const MAX_RANK = 32;
/** The longest layer or model name: leaves room for the weight names (`layer/param/slot`) a saved file holds. */
export const MAX_NAME_CHARS = 256;

/** A short, safe description of any value for an error message: never throws, never prints a function's source. */
export function show(v: unknown): string {
  switch (typeof v) {
    case 'number': return Object.is(v, -0) ? '-0' : String(v);
    case 'string': return v.length > 60 ? `${JSON.stringify(v.slice(0, 57))}...` : JSON.stringify(v);
    case 'bigint': return `${v}n`;
    case 'symbol': return v.toString();
    case 'function': return 'a function';
    case 'undefined': return 'undefined';
    case 'boolean': return String(v);
  }
  if (v === null) return 'null';
  if (ArrayBuffer.isView(v)) {
    const name = Object.prototype.toString.call(v).slice(8, -1);
    return 'length' in v ? `a ${name} of ${(v as unknown as { length: number }).length} values` : `a ${name}`;
  }
  if (Array.isArray(v)) {
    if (v.length > 8) return `an array of ${v.length} items`;
    const items = v.map((x) => (Array.isArray(x) ? (x.length ? '[...]' : '[]') : typeof x === 'object' && x !== null ? '{...}' : show(x)));
    return `[${items.join(', ')}]`;
  }
  const keys = Object.keys(v as object);
  return keys.length === 0 ? '{}' : `an object with keys ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', ...' : ''}`;
}

/** Edit distance (Levenshtein), for suggesting the option a misspelt key meant. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** The valid name closest to `key`, when it is close enough to be a likely typo. */
export function closest(key: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const v of valid) {
    const d = distance(key, v);
    if (d < bestD) { best = v; bestD = d; }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/**
 * The options object of `what` (undefined means none given): refuses anything that is not a plain object
 * (null, an array, a function, a typed array, a number, ...) and, when `valid` is given, any key it does not
 * list, naming the closest valid key.
 */
export function optionsOf<T extends object>(what: string, c: unknown, valid?: readonly string[]): Partial<T> {
  if (c === undefined) return {};
  if (c === null || typeof c !== 'object' || Array.isArray(c) || ArrayBuffer.isView(c)) {
    throw new ValueError(`${what}: expected an options object${valid ? ` ({ ${valid.join(', ')} })` : ''}, got ${show(c)}`);
  }
  if (valid) {
    for (const key of Object.keys(c)) {
      if (valid.includes(key)) continue;
      const near = closest(key, valid);
      throw new ValueError(`${what}: unknown option ${JSON.stringify(key)}${near ? `; did you mean ${JSON.stringify(near)}?` : ''} ` +
        `Valid options are: ${valid.join(', ')}`);
    }
  }
  return c as Partial<T>;
}

/** An integer option in [min, max] (max at most 2^53 − 1). */
export function intOption(what: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? (min === 1 ? 'a positive integer' : `an integer ≥ ${min}`) : `an integer in [${min}, ${max}]`;
    throw new ValueError(`${what} must be ${range}, got ${show(v)}`);
  }
  return v;
}

export interface NumberRange {
  /** Lower bound and whether it is allowed; none by default. */
  min?: number;
  minOpen?: boolean;
  max?: number;
  maxOpen?: boolean;
  /** Also require the value to stay finite (and, with min > 0 exclusive, non-zero) in float32, as kernels see it. */
  f32?: boolean;
}

/** A finite number within a range; with `f32`, one that float32 holds too (the kernels take float32 arguments). */
export function numberOption(what: string, v: unknown, r: NumberRange = {}): number {
  const lo = r.min ?? -Infinity;
  const hi = r.max ?? Infinity;
  const ok = typeof v === 'number' && Number.isFinite(v) &&
    (r.minOpen ? v > lo : v >= lo) && (r.maxOpen ? v < hi : v <= hi) &&
    (!r.f32 || (Number.isFinite(Math.fround(v)) && !(r.minOpen && lo === 0 && Math.fround(v) === 0)));
  if (!ok) {
    const range = r.min === undefined && r.max === undefined ? 'a finite number'
      : r.max === undefined ? `a finite number ${r.minOpen ? '>' : '≥'} ${lo}`
        : r.min === undefined ? `a finite number ${r.maxOpen ? '<' : '≤'} ${hi}`
          : `a number in ${r.minOpen ? '(' : '['}${lo}, ${hi}${r.maxOpen ? ')' : ']'}`;
    const f32 = r.f32 && typeof v === 'number' && Number.isFinite(v) ? ' that float32 can hold' : '';
    throw new ValueError(`${what} must be ${range}${f32}, got ${show(v)}`);
  }
  return v as number;
}

/** true or false (no truthy strings or numbers); undefined gives the fallback. */
export function boolOption(what: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ValueError(`${what} must be true or false, got ${show(v)}`);
  return v;
}

/** A name for a layer or model: a non-empty string of at most MAX_NAME_CHARS characters. */
export function nameOption(what: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_NAME_CHARS) {
    throw new ValueError(`${what} must be a non-empty string of at most ${MAX_NAME_CHARS} characters, got ${show(v)}`);
  }
  return v;
}
