// TF.js's memory API over tensors the garbage collector frees: tidy disposes what fn made and did not return (so a
// use afterwards throws as in TF.js), keep exempts a tensor, memory() counts live tensors and reports neurite's
// own memory, and the backend calls map to neurite's wasm and js backends.
import * as nn from './nn';
import { engine, NotProvidedError, Tensor } from './tensor';

/** Tensors, arrays of them or objects holding them. */
// biome-ignore lint/suspicious/noConfusingVoidType: tidy(() => { ... }) returns nothing, as in TF.js
export type TensorContainer = Tensor | TensorContainer[] | { [key: string]: TensorContainer } | void | number | string | boolean | null;

function collect(x: unknown, into: Set<Tensor>, depth = 0): void {
  if (x instanceof Tensor) into.add(x);
  else if (depth < 8 && Array.isArray(x)) for (const v of x) collect(v, into, depth + 1);
  else if (depth < 8 && x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    for (const v of Object.values(x)) collect(v, into, depth + 1);
  }
}

const kept = new WeakSet<Tensor>();

/**
 * Runs fn and disposes the tensors it made, except those it returns (and those passed to tf.keep).
 *
 * @example
 * const y = tf.tidy(() => tf.tensor([1, 2]).square().sum());
 */
export function tidy<T extends TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T {
  const f = typeof nameOrFn === 'function' ? nameOrFn : fn;
  if (typeof f !== 'function') throw new Error('The last argument to tidy() must be a function');
  const scope = { tensors: [] as Tensor[] };
  engine.scopes.push(scope);
  let result: T;
  try {
    result = f();
  } finally {
    engine.scopes.pop();
  }
  if (result instanceof Promise) throw new Error('Cannot return a Promise inside of tidy.');
  const keep = new Set<Tensor>();
  collect(result, keep);
  const parent = engine.scopes[engine.scopes.length - 1];
  for (const t of scope.tensors) {
    if (keep.has(t)) parent?.tensors.push(t);
    else if (!kept.has(t)) t.dispose();
  }
  return result;
}

/** Keeps a tensor made inside tidy from being disposed at its end. @example tf.tidy(() => { tf.keep(t); }); */
export function keep<T extends Tensor>(result: T): T {
  kept.add(result);
  return result;
}

/** Disposes the tensors in a container. @example tf.dispose([a, b]); */
export function dispose(container: TensorContainer): void {
  const all = new Set<Tensor>();
  collect(container, all);
  for (const t of all) t.dispose();
}

/**
 * Live tensors and their bytes (as TF.js counts them), and neurite's memory (linear memory, resident models).
 *
 * @example
 * tf.memory().numTensors;
 */
export function memory(): { numTensors: number; numDataBuffers: number; numBytes: number; unreliable: boolean; neurite?: nn.MemoryInfo } {
  let info: nn.MemoryInfo | undefined;
  try {
    info = nn.memory();
  } catch {
    info = undefined;
  }
  return { numTensors: engine.numTensors, numDataBuffers: engine.numTensors, numBytes: engine.numBytes, unreliable: false, neurite: info };
}

const BACKENDS: Record<string, nn.BackendName> = { wasm: 'wasm', cpu: 'js', js: 'js' };

/**
 * Chooses neurite's backend: 'wasm' (also for 'webgl', 'webgpu' and 'tensorflow', which neurite does not have),
 * 'cpu' for its plain-JS backend. Resolves to true, as TF.js.
 *
 * @example
 * await tf.setBackend('wasm');
 */
export async function setBackend(name: string): Promise<boolean> {
  const n = BACKENDS[name] ?? (name === 'webgl' || name === 'webgpu' || name === 'tensorflow' ? 'wasm' : undefined);
  if (!n) throw new nn.ValueError(`setBackend: unknown backend '${name}' (neurite/tfjs has 'wasm' and 'cpu')`);
  await nn.setBackend(n);
  return true;
}

/** The backend in TF.js's names: 'wasm' or 'cpu'. @example tf.getBackend(); */
export function getBackend(): string {
  return nn.getBackend() === 'js' ? 'cpu' : 'wasm';
}

/** Resolves when neurite's backend is ready. @example await tf.ready(); */
export async function ready(): Promise<void> {
  await nn.ready();
}

/** Waits for the next animation frame in a browser, a macrotask elsewhere. @example await tf.nextFrame(); */
export function nextFrame(): Promise<void> {
  const raf = (globalThis as { requestAnimationFrame?: (cb: () => void) => void }).requestAnimationFrame;
  return new Promise((resolve) => (raf ? raf(() => resolve()) : setTimeout(resolve, 0)));
}

const FLAGS: Record<string, unknown> = {
  IS_BROWSER: typeof (globalThis as { document?: unknown }).document !== 'undefined',
  IS_NODE: typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string',
  DEBUG: false, PROD: false, WEBGL_VERSION: 0, WEBGL_PACK: false, WASM_HAS_SIMD_SUPPORT: true,
  WASM_HAS_MULTITHREAD_SUPPORT: true, IS_TEST: false, KEEP_INTERMEDIATE_TENSORS: false,
};
/** The environment flags programs read (IS_BROWSER, IS_NODE, PROD, DEBUG, WEBGL_VERSION...). */
export class Environment {
  readonly flags = FLAGS;
  get(flag: string): unknown { return FLAGS[flag]; }
  getBool(flag: string): boolean { return Boolean(FLAGS[flag]); }
  getNumber(flag: string): number { return Number(FLAGS[flag] ?? 0); }
  set(flag: string, value: unknown): void { FLAGS[flag] = value; }
  setFlags(flags: Record<string, unknown>): void { Object.assign(FLAGS, flags); }
  getFlags(): Record<string, unknown> { return { ...FLAGS }; }
  reset(): void {}
}
const ENV = new Environment();
/** tf.env(): flags. @example tf.env().get('IS_BROWSER'); */
export const env = (): Environment => ENV;
/** No-op: production mode changes nothing here. @example tf.enableProdMode(); */
export const enableProdMode = (): void => { ENV.set('PROD', true); };
/** No-op. @example tf.enableDebugMode(); */
export const enableDebugMode = (): void => { ENV.set('DEBUG', true); };
/** No-op scopes (tidy is the one that disposes). */
export const engineApi = (): { startScope(): void; endScope(): void } => ({
  startScope: () => { throw new NotProvidedError('tf.engine().startScope is not provided by neurite/tfjs: use tf.tidy(fn)'); },
  endScope: () => { throw new NotProvidedError('tf.engine().endScope is not provided by neurite/tfjs: use tf.tidy(fn)'); },
});
