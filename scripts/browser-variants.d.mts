import type { Plugin } from 'esbuild';
export function browserVariants(): Plugin;
