// The peer libraries, loaded once: TF.js 4.22 with its cpu and wasm backends (XNNPACK, SIMD; Node runs
// it single-threaded), brain.js and ConvNetJS. All are devDependencies; none is a dependency of neurite.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export type Tf = typeof import('@tensorflow/tfjs');

let tf: Tf | undefined;

/** TF.js with the wasm backend registered. The wasm backend finds its .wasm files in node_modules. */
export async function loadTf(): Promise<Tf> {
  if (tf) return tf;
  const warn = console.warn;
  console.warn = () => {}; // TF.js greets Node users with a tfjs-node advertisement on import
  try {
    tf = (await import('@tensorflow/tfjs')) as Tf;
    await import('@tensorflow/tfjs-backend-wasm');
  } finally {
    console.warn = warn;
  }
  return tf;
}

/** Switches TF.js to `backend` ('cpu' or 'wasm') and waits until it is ready. */
export async function useTf(backend: 'cpu' | 'wasm'): Promise<Tf> {
  const t = await loadTf();
  if (!(await t.setBackend(backend))) throw new Error(`TF.js backend ${backend} failed to initialise`);
  await t.ready();
  return t;
}

export function version(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}

/** brain.js (CommonJS). */
export function loadBrain(): any {
  return require('brain.js');
}

/** ConvNetJS 0.3.0 (CommonJS, plain JS). */
export function loadConvnet(): any {
  return require('convnetjs');
}
