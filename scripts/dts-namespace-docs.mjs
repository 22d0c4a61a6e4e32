// Build step after tsup: puts the documentation back on the namespaces of the bundled typings.
//
// src/index.ts exports nn.io, nn.schedules, nn.regularizers and nn.callbacks as `export * as io from ...`.
// The typings bundler writes each namespace as
//     /** <the module's comment> */
//     declare const io_fromMemory: typeof fromMemory;
//     declare namespace io { export { io_fromMemory as fromMemory, ... } }
// so an editor's hover on nn.io.fromMemory finds no comment (the function's own comment sits on
// `declare function fromMemory`) and the module's comment lands on the first member. This step copies each
// function's comment onto its `declare const`, and moves the module's comment onto `declare namespace`.
// Fails if a namespace member has no comment to copy, so an undocumented member cannot ship.
import { readFileSync, writeFileSync } from 'node:fs';


/** The JSDoc comment right before `declare function|const|class name`, or undefined. */
function docOf(text, name) {
  const decl = new RegExp(`(/\\*\\*(?:(?!\\*/)[\\s\\S])*\\*/)\\s*declare (?:function|const|class) ${name}\\b`);
  return decl.exec(text)?.[1];
}

export function addNamespaceDocs(text) {
  // a namespace's members: `declare const ns_x: typeof x;` for values, `type ns_T = T;` (or `type ns_T<A> = T<A>;`)
  // for the types it re-exports
  // (a type's hover shows its own declaration's comment, so only the values need theirs copied)
  const block = /(?:(\/\*\*(?:(?!\*\/)[\s\S])*@module[\s\S]*?\*\/)\s*)?((?:(?:declare const \w+?_\w+: typeof \w+;|type \w+(?:<[^>\n]*>)? = [\w<>, ]+;)\n)+)declare namespace (\w+) \{/g;
  let found = 0;
  const out = text.replace(block, (_all, moduleDoc, consts, ns) => {
    found++;
    const lines = consts.trimEnd().split('\n').map((line) => {
      if (line.startsWith('type ')) return line;
      const [, , target] = /declare const (\w+): typeof (\w+);/.exec(line);
      const doc = docOf(text, target);
      if (!doc) throw new Error(`dts-namespace-docs: ${ns}: no comment on declare … ${target} to copy`);
      return `${doc}\n${line}`;
    });
    const nsDoc = moduleDoc ? `${moduleDoc.replace(/\n \*\s*\n \* @module\n/, '\n').replace(/\n \* @module\n/, '\n')}\n` : '';
    return `${lines.join('\n')}\n${nsDoc}declare namespace ${ns} {`;
  });
  return { text: out, found };
}

const files = process.argv.slice(2);
for (const file of files) {
  const { text, found } = addNamespaceDocs(readFileSync(file, 'utf8'));
  if (found === 0) throw new Error(`dts-namespace-docs: no namespaces found in ${file}`);
  writeFileSync(file, text);
  console.log(`dts-namespace-docs: ${file}: ${found} namespaces documented`);
}
