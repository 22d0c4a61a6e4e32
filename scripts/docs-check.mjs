// Checks the API reference beyond what typedoc's own validation does (typedoc.json already fails the build on
// any undocumented export, member or option field, and on any other warning). Reads the JSON typedoc writes
// next to the HTML (docs/api/api.json) and fails unless
//   - every export, every member of a namespace (nn.io.*, nn.schedules.*, ...) and every factory of an
//     exported object (nn.layers.*, nn.optimizers.*) has an @example, and
//   - every optional field of an options type (…Config, …Options) says its default ("default …"), or that it
//     has none ("default none", "Default: …").
// Prints the counts it checked. Run by `npm run docs` after typedoc.
import { readFileSync } from 'node:fs';

const file = new URL('../docs/api/api.json', import.meta.url);
const project = JSON.parse(readFileSync(file, 'utf8'));

const KIND = { Namespace: 4, Variable: 32, Function: 64, Class: 128, Interface: 256, Property: 1024, TypeAlias: 2097152 };
const text = (comment) => (comment?.summary ?? []).map((p) => p.text).join('') +
  (comment?.blockTags ?? []).map((t) => t.content.map((p) => p.text).join('')).join(' ');
const hasExample = (r) => [r.comment, ...(r.signatures ?? []).map((s) => s.comment), ...(r.type?.declaration?.signatures ?? []).map((s) => s.comment)]
  .some((c) => c?.blockTags?.some((t) => t.tag === '@example'));

const missingExample = [];
const missingDefault = [];
let exports = 0;
let fields = 0;

const byId = new Map();
(function index(list) {
  for (const r of list ?? []) { byId.set(r.id, r); index(r.children); }
})(project.children);

function checkExample(r, path) {
  exports++;
  if (r.target !== undefined && byId.has(r.target)) r = byId.get(r.target);   // a re-export of another export
  if (!hasExample(r)) missingExample.push(path);
}

for (const r of project.children) {
  checkExample(r, r.name);
  if (r.kind === KIND.Namespace) for (const c of r.children ?? []) checkExample(c, `${r.name}.${c.name}`);
  if (r.kind === KIND.Variable && r.type?.type === 'reflection') {
    for (const c of r.type.declaration.children ?? []) checkExample(c, `${r.name}.${c.name}`);
  }
}

/** Interfaces named …Config or …Options, and the properties they declare themselves (inherited ones are checked where declared). */
function optionTypes(list) {
  return list.filter((r) => r.kind === KIND.Interface && /(Config|Options)$/.test(r.name));
}
const interfaces = [...optionTypes(project.children), ...project.children.filter((r) => r.kind === KIND.Namespace).flatMap((n) => optionTypes(n.children ?? []))];
for (const r of interfaces) {
  for (const p of r.children ?? []) {
    if (p.kind !== KIND.Property || p.inheritedFrom) continue;
    fields++;
    const t = text(p.comment);
    if (p.flags?.isOptional && !/\bdefault\b|\bdefaults\b/i.test(t)) missingDefault.push(`${r.name}.${p.name}`);
  }
}

console.log(`docs-check: ${exports} exports and namespace members, ${exports - missingExample.length} with an example; ` +
  `${fields} option fields in ${interfaces.length} options types, ${fields - missingDefault.length} stating a default or being required`);
if (missingExample.length) console.error(`no @example: ${missingExample.join(', ')}`);
if (missingDefault.length) console.error(`optional option field without its default: ${missingDefault.join(', ')}`);
if (missingExample.length || missingDefault.length) process.exit(1);
