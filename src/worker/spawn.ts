// Starting the training worker: a Web Worker in browsers, a worker_thread in Node. Both run the same script:
// the whole neurite bundle, taken from the bundle's own source text (see scripts/bundle-factory.ts), so
// no worker file has to be found, copied or configured in any bundler.
import { NeuriteError, StateError } from '../errors';
import { isNode, nodeImport } from '../platform';
import type { FromWorker, ToWorker } from './protocol';

/**
 * The built bundle wraps all of neurite in one function and passes that function in as
 * `__neuriteFactory`; calling it again in a worker gives the worker its own copy of the library.
 * When neurite runs from its TypeScript sources there is no such function.
 */
declare const __neuriteFactory: ((self: unknown) => { __serveWorker(): Promise<void> }) | undefined;

/** The script a training worker runs: the bundle's factory, called, then serving fit requests. */
export function workerScript(): string {
  const factory = typeof __neuriteFactory === 'function' ? __neuriteFactory : undefined;
  if (!factory) {
    throw new StateError('fitInWorker needs the built package (dist/): run `npm run build`, then import neurite from it');
  }
  return `const neurite = (${factory.toString()});\nneurite(neurite).__serveWorker();\n`;
}

/** What fitInWorker needs of a worker, whichever kind it is. */
export interface TrainingWorker {
  post(message: ToWorker, transfer?: Transferable[]): void;
  terminate(): void;
}

export interface WorkerEvents {
  message(m: FromWorker): void;
  /** The worker failed outside a fit request: did not start, crashed, or exited. */
  failure(e: Error): void;
}

/** Starts a worker running workerScript(). */
export async function startWorker(on: WorkerEvents): Promise<TrainingWorker> {
  if (typeof __NEURITE_BROWSER__ === 'undefined' && isNode()) return startNodeWorker(on);
  if (typeof Worker === 'function') return startWebWorker(on);
  throw new NeuriteError('fitInWorker needs Web Workers (browsers) or worker_threads (Node); this runtime has neither');
}

/** The worker script's blob: URL (browsers) or data: URL (Node), made once: the script never changes. */
let scriptUrl: string | undefined;

function startWebWorker(on: WorkerEvents): TrainingWorker {
  // A module worker: the ESM bundle's factory may mention import.meta.
  scriptUrl ??= URL.createObjectURL(new Blob([workerScript()], { type: 'text/javascript' }));
  let worker: Worker;
  try {
    worker = new Worker(scriptUrl, { type: 'module', name: 'neurite-fit' });
  } catch (e) {
    throw new NeuriteError(`fitInWorker could not start a Web Worker from a blob: URL (${(e as Error).message}); ` +
      "a Content-Security-Policy must allow worker-src 'self' blob:");
  }
  worker.onmessage = (e: MessageEvent<FromWorker>) => on.message(e.data);
  worker.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    on.failure(new NeuriteError(`the training worker failed: ${e.message || 'it could not be started (check the Content-Security-Policy: worker-src blob:)'}`));
  };
  worker.onmessageerror = () => on.failure(new NeuriteError('the training worker sent a message that could not be read'));
  return {
    post: (m, transfer) => worker.postMessage(m, transfer ?? []),
    terminate: () => worker.terminate(),
  };
}

async function startNodeWorker(on: WorkerEvents): Promise<TrainingWorker> {
  const { Worker: NodeWorker } = await nodeImport<typeof import('node:worker_threads')>('node:worker_threads');
  // A data: URL runs as an ES module, like the browser's module worker; Node resolves built-ins from it.
  scriptUrl ??= `data:text/javascript,${encodeURIComponent(workerScript())}`;
  const worker = new NodeWorker(new URL(scriptUrl), { name: 'neurite-fit' });
  let ended = false;
  worker.on('message', (m: FromWorker) => on.message(m));
  worker.on('error', (e: Error) => { ended = true; on.failure(new NeuriteError(`the training worker failed: ${e.message}`)); });
  worker.on('exit', (code: number) => {
    if (!ended) on.failure(new NeuriteError(`the training worker exited with code ${code} before it finished`));
  });
  return {
    post: (m, transfer) => worker.postMessage(m, transfer as never),
    terminate: () => { ended = true; void worker.terminate(); },
  };
}
