// Platform detection and Node built-ins, for every other module: a leaf that imports nothing from src.
/**
 * import() of a Node built-in through a variable, so that esbuild, Vite and webpack neither resolve nor
 * bundle it for the browser.
 */
export const nodeImport = <T>(specifier: string): Promise<T> =>
  import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);

/**
 * The browser build (dist/browser.js) defines `__NEURITE_BROWSER__` as true, so a Node-only branch written as
 * `if (typeof __NEURITE_BROWSER__ === 'undefined' && isNode())` is removed from it; elsewhere the name is
 * undefined and the branch runs where isNode() says so.
 */
declare global {
  const __NEURITE_BROWSER__: true | undefined;
}

/** True in Node (and runtimes that present themselves as Node), where workers are worker_threads. */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof p?.versions?.node === 'string';
}

/** True inside a Web Worker (dedicated, shared or service). */
export function isWebWorkerScope(): boolean {
  const scope = (globalThis as { WorkerGlobalScope?: new () => unknown }).WorkerGlobalScope;
  return typeof scope === 'function' && globalThis instanceof scope;
}
