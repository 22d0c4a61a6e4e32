// Build step (a tsup plugin): wraps the bundled library in one function, `neurite(__neuriteFactory)`, that
// defines everything and returns the exports. The module calls it once and exports the result. fitInWorker
// starts its worker from that same function's source text (Function.prototype.toString), so the library
// ships once, with no worker file to locate and no second copy of the code and wasm for the worker. Each edit
// is made through magic-string, so the bundle's source map still points into src/.
//
// The function must not refer to anything outside itself: esbuild's output for this package has no imports
// (its Node built-ins are loaded through import() of a variable), and the build checks that.
import MagicString from 'magic-string';
import type { Options } from 'tsup';

type Plugin = NonNullable<Options['plugins']>[number];

/** Names of the bundle's exports that stay internal (the worker's entry point). */
const INTERNAL = /^__/;

/**
 * The whitespace minifier drops all comments, among them those that tell webpack and Vite to leave alone a
 * dynamic import() of a variable (how neurite loads Node built-ins, which browsers never reach). Without
 * them webpack warns "Critical dependency: the request of a dependency is an expression". Put them back.
 */
function keepDynamicImportsUnbundled(s: MagicString): void {
  for (const m of s.original.matchAll(/\bimport\((?=[A-Za-z_$][\w$]*\))/g)) {
    s.appendLeft(m.index + m[0].length, '/* webpackIgnore: true */ /* @vite-ignore */ ');
  }
}

/** ESM: `...code... export { a as b, c };` → a factory returning { b: a, c: c }. */
export function wrapEsm(code: string): MagicString {
  const s = new MagicString(code);
  keepDynamicImportsUnbundled(s);
  const m = /export\s*\{([^}]*)\}\s*;?\s*$/.exec(code);
  if (!m) throw new Error('bundle-factory: the ESM bundle does not end with one export { ... } clause');
  checkSelfContained(code.slice(0, m.index));
  const pairs = m[1].split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
    const [local, exported = local] = p.split(/\s+as\s+/);
    return { local, exported };
  });
  const publicNames = pairs.map((p) => p.exported).filter((n) => !INTERNAL.test(n));
  s.remove(m.index, code.length);
  s.prepend('function neurite(__neuriteFactory) {\n');
  s.append([
    `\nreturn { ${pairs.map((p) => `${p.exported}: ${p.local}`).join(', ')} };`,
    '}',
    'const nn = neurite(neurite);',
    `export const { ${publicNames.join(', ')} } = nn;`,
    '',
  ].join('\n'));
  return s;
}

/** CommonJS: esbuild's `module.exports = __toCommonJS(...)` (a shortened name once minified) runs against a `module` local to the factory. */
export function wrapCjs(code: string): MagicString {
  const s = new MagicString(code);
  const strict = /^"use strict";\s*/.exec(code);
  if (strict) s.remove(0, strict[0].length);
  keepDynamicImportsUnbundled(s);
  if (!/module\.exports\s*=\s*[\w$]+\(/.test(code)) {
    throw new Error('bundle-factory: the CommonJS bundle does not assign module.exports = __toCommonJS(...)');
  }
  checkSelfContained(code.replace(/^"use strict";/, '').replace(/\bmodule\.exports\b/g, ''));
  s.prepend(['"use strict";', 'function neurite(__neuriteFactory) {', '"use strict";', 'const module = { exports: {} };', ''].join('\n'));
  s.append([
    '\nreturn module.exports;',
    '}',
    'const nn = neurite(neurite);',
    'const api = {};',
    'for (const key of Object.keys(nn)) if (!/^__/.test(key)) api[key] = nn[key];',
    'Object.defineProperty(api, "__esModule", { value: true });',
    'module.exports = api;',
    '',
  ].join('\n'));
  return s;
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
      if (this.format !== 'esm' && this.format !== 'cjs') throw new Error(`bundle-factory: unexpected format ${this.format}`);
      const s = this.format === 'esm' ? wrapEsm(code) : wrapCjs(code);
      // a map from the wrapped text to esbuild's output, which tsup chains onto esbuild's map to src/. Where
      // esbuild wrote one statement per line, a mapping per line keeps the map small; minified code (a few long
      // lines) needs one per word
      const minified = code.split('\n', 20).some((line) => line.length > 1000);
      return { code: s.toString(), map: s.generateMap({ source: chunk.path, hires: minified ? 'boundary' : false }) };
    },
  };
}
