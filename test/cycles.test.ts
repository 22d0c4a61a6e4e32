// The import graph of src/: no cycles, type-only and dynamic imports included. One cycle is known and being
// removed (io's save/load and the model class import each other); the test fails on any other cycle, and on that
// one growing, so the list can only shrink.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');

/** Every .ts file under src/, and the src/ files each one imports (static, type-only, re-exports, import()). */
function importGraph(): Map<string, string[]> {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk(src);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  const spec = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*(?:\/\*[^*]*\*\/\s*)*['"]([^'"]+)['"]\s*\)/g;
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const out = new Set<string>();
    for (const m of text.matchAll(spec)) {
      const s = m[1] ?? m[2];
      if (!s.startsWith('.')) continue;
      const base = resolve(dirname(f), s);
      const hit = [`${base}.ts`, join(base, 'index.ts'), base].find((c) => known.has(c));
      if (!hit) throw new Error(`${relative(root, f)} imports ${s}, which is not a file of src/`);
      out.add(hit);
    }
    graph.set(f, [...out]);
  }
  return graph;
}

/** The strongly connected components with more than one file (Tarjan), each as sorted paths relative to src/. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(relative(src, w));
      } while (w !== v);
      if (c.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(c.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

it('src/ has no import cycle', () => {
  const found = cycles(importGraph());
  expect(found, `import cycles in src/: ${found.map((c) => c.join(' -> ')).join('; ')}`).toEqual([]);
});

/** `from` (a path under src/) imports none of the paths `banned` matches. */
function expectNoImports(graph: Map<string, string[]>, fromPrefix: RegExp, banned: RegExp, except: (from: string) => boolean = () => false) {
  let checked = 0;
  for (const [f, ds] of graph) {
    const from = relative(src, f);
    if (!fromPrefix.test(from) || except(from)) continue;
    checked++;
    const bad = ds.map((d) => relative(src, d)).filter((d) => banned.test(d));
    expect(bad, `${from} imports ${bad.join(', ')}`).toEqual([]);
  }
  expect(checked, `no file of src/ matches ${fromPrefix}`).toBeGreaterThan(0);
}

it('the layering rules: graph/ and train/ never import the model, io or worker; io/ knows the model class only in load.ts', () => {
  const graph = importGraph();
  expectNoImports(graph, /^graph\//, /^(model\.ts|train\/|io\/|worker\/)/);
  expectNoImports(graph, /^train\//, /^(model\.ts|io\/|worker\/)/);
  expectNoImports(graph, /^layers\//, /^(model\.ts|train\/|io\/|worker\/|graph\/)/);
  expectNoImports(graph, /^io\//, /^model\.ts$/, (from) => from === 'io/load.ts');
  expectNoImports(graph, /^(?!index\.ts|api\/)/, /^worker\/(fit|index)\.ts$/, (from) => from.startsWith('worker/'));
});

it('platform.ts, errors.ts and the planner are leaves of the import graph; backend/ imports no model, io, graph or worker', () => {
  const graph = importGraph();
  const deps = (f: string) => (graph.get(join(src, f)) ?? []).map((d) => relative(src, d));
  expect(deps('platform.ts')).toEqual([]);
  expect(deps('memory/planner.ts')).toEqual(['memory/heap.ts']);
  for (const [f, ds] of graph) {
    const from = relative(src, f);
    if (!from.startsWith('backend/')) continue;
    const bad = ds.map((d) => relative(src, d)).filter((d) => /^(model|io\/|graph\/|worker\/|layers\/)/.test(d));
    expect(bad, `${from} imports ${bad.join(', ')}`).toEqual([]);
  }
});

it('the cycle finder finds a cycle (so the test above can fail)', () => {
  const a = join(src, 'a.ts');
  const b = join(src, 'b.ts');
  const c = join(src, 'c.ts');
  expect(cycles(new Map([[a, [b]], [b, [c]], [c, [a]]]))).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  expect(cycles(new Map([[a, [b]], [b, [c]], [c, []]]))).toEqual([]);
});
