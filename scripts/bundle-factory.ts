// Build step (a tsup plugin): wraps the bundled library in one function, `neurite(__neuriteFactory)`, that
// defines everything and returns the exports. The module calls it once and exports the result. fitInWorker
// starts its worker from that same function's source text (Function.prototype.toString), so the library
// ships once, with no worker file to locate and no second copy of the code and wasm for the worker.
//
// The function must not refer to anything outside itself: esbuild's output for this package has no imports
// (its Node built-ins are loaded through import() of a variable), and the build checks that.
import type { Options } from 'tsup';

type Plugin = NonNullable<Options['plugins']>[number];

/** Names of the bundle's exports that stay internal (the worker's entry point). */
const INTERNAL = /^__/;

/**
 * The whitespace minifier drops all comments, among them those that tell webpack and Vite to leave alone a
 * dynamic import() of a variable (how neurite loads Node built-ins, which browsers never reach). Without
 * them webpack warns "Critical dependency: the request of a dependency is an expression". Put them back.
 */
export function keepDynamicImportsUnbundled(code: string): string {
  return code.replace(/\bimport\((?=[A-Za-z_$][\w$]*\))/g, 'import(/* webpackIgnore: true */ /* @vite-ignore */ ');
}

/** ESM: `...code... export { a as b, c };` → a factory returning { b: a, c: c }. */
export function wrapEsm(code: string): string {
  code = keepDynamicImportsUnbundled(code);
  const m = /export\s*\{([^}]*)\}\s*;?\s*$/.exec(code);
  if (!m) throw new Error('bundle-factory: the ESM bundle does not end with one export { ... } clause');
  const body = code.slice(0, m.index);
  checkSelfContained(body);
  const pairs = m[1].split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const [local, exported = local] = s.split(/\s+as\s+/);
    return { local, exported };
  });
  const publicNames = pairs.map((p) => p.exported).filter((n) => !INTERNAL.test(n));
  return [
    'function neurite(__neuriteFactory) {',
    body.trimEnd(),
    `return { ${pairs.map((p) => `${p.exported}: ${p.local}`).join(', ')} };`,
    '}',
    'const nn = neurite(neurite);',
    `export const { ${publicNames.join(', ')} } = nn;`,
    '',
  ].join('\n');
}

/** CommonJS: esbuild's `module.exports = __toCommonJS(...)` (a shortened name once minified) runs against a `module` local to the factory. */
export function wrapCjs(code: string): string {
  const body = keepDynamicImportsUnbundled(code).replace(/^"use strict";\s*/, '');
  if (!/module\.exports\s*=\s*[\w$]+\(/.test(body)) {
    throw new Error('bundle-factory: the CommonJS bundle does not assign module.exports = __toCommonJS(...)');
  }
  checkSelfContained(body.replace(/\bmodule\.exports\b/g, ''));
  return [
    '"use strict";',
    'function neurite(__neuriteFactory) {',
    '"use strict";',
    'const module = { exports: {} };',
    body.trimEnd(),
    'return module.exports;',
    '}',
    'const nn = neurite(neurite);',
    'const api = {};',
    'for (const key of Object.keys(nn)) if (!/^__/.test(key)) api[key] = nn[key];',
    'Object.defineProperty(api, "__esModule", { value: true });',
    'module.exports = api;',
    '',
  ].join('\n');
}

/** Refuses code that a worker could not run from the function's text alone. */
function checkSelfContained(body: string): void {
  const outside = [
    [/^\s*import[\s{*"']/m, 'a static import'],
    [/\brequire\(/, 'require()'],
    [/\b__dirname\b|\b__filename\b/, '__dirname/__filename'],
    [/\bexports\.\w/, 'exports.*'],
  ] as const;
  for (const [re, what] of outside) {
    if (re.test(body)) throw new Error(`bundle-factory: the bundle uses ${what}, which a worker started from the factory's text cannot see`);
  }
}

/** The tsup plugin: wraps index.js (ESM) and index.cjs (CommonJS). */
export function factoryPlugin(): Plugin {
  return {
    name: 'neurite-factory',
    renderChunk(code, chunk) {
      if (chunk.type !== 'chunk' || !/\.(c?js|mjs)$/.test(chunk.path)) return;
      if (this.format === 'esm') return { code: wrapEsm(code) };
      if (this.format === 'cjs') return { code: wrapCjs(code) };
      throw new Error(`bundle-factory: unexpected format ${this.format}`);
    },
  };
}
