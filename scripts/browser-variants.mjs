// Build step (an esbuild plugin) for dist/browser.js: an import of a module that has a sibling
// `<name>.browser.ts` resolves to that sibling. The siblings stand in for the parts that read files through
// Node (file:// targets, image folders, MNIST files), so a browser ships none of that code.
// Plain JS, so that both tsup.config.ts and scripts/size-report.mjs (run by node) can use it.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** @returns {import('esbuild').Plugin} */
export function browserVariants() {
  return {
    name: 'neurite-browser-variants',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        const variant = `${resolve(args.resolveDir, args.path)}.browser.ts`;
        return existsSync(variant) ? { path: variant } : undefined;
      });
    },
  };
}
