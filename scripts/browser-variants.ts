// Build step (an esbuild plugin) for dist/browser.js: an import of a module that has a sibling
// `<name>.browser.ts` resolves to that sibling. The siblings stand in for the parts that read files through
// Node (file:// targets, image folders, MNIST files), so a browser ships none of that code.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Options } from 'tsup';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

export function browserVariants(): EsbuildPlugin {
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
