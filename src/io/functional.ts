// Functional (graph) models ⇄ the Keras-style topology of the TF.js Layers format: `class_name` 'Model' (TF.js) or
// 'Functional' (Keras, tensorflowjs_converter), `config.layers[*].inbound_nodes`, `input_layers`, `output_layers`.
//
// A node reference is [layerName, nodeIndex, tensorIndex, kwargs]: the nodeIndex-th application of that layer
// as the file lists them (its inbound_nodes, in order). A model used as a layer inside another (nested) counts its
// own graph as node 0, as Keras and TF.js do, so its applications start at 1. neurite runs no model as a layer:
// loading flattens a nested model into the outer graph (its layers applied to the outer tensors, once per
// application, sharing their weights), which computes the same and names the weights as TF.js does
// (`innerLayer/kernel`). Resolution walks the references with an explicit stack, so a deep graph cannot exhaust the
// call stack, a reference cycle is reported rather than followed, and every count is bounded.
import { NeuriteError } from '../errors';
import { InputLayer } from '../layers/input';
import type { Layer, Node, SymbolicTensor } from '../layers/layer';
import { Network } from '../graph/network';
import { fail, isObject, LIMITS, own, show, type JsonObject } from './format';
import {
  Budget, type BuiltFunctional, type BuiltTopology, checkBuilt, fuseActivations, inputLayerShape, layerToTfjs, MAX_LAYERS, makeLayer,
  modelClass, modelName, type Pending, pendingLayer, sequentialFromTfjs, TFJS_LAYERS_VERSION, wrap,
} from './topology';

/** Layer applications a loaded graph may have, nested models' applications counted in full. */
export const MAX_NODES = 20_000;
/** References (inbound tensors, input and output layers) a topology may hold in all. */
export const MAX_REFS = 100_000;
/** Models nested inside models. */
export const MAX_NESTING = 16;

// ------------------------------------------------------------------------------------------------ saving

/** One application in a written file: a node of the graph, or the split-off activation of one (see layerToTfjs). */
interface Written {
  /** The entries of config.layers that produce each input. */
  inputs: Written[];
  /** The layer's inputs as the graph has them, for a node; undefined for a split activation. */
  node?: Node;
}

/**
 * The order TF.js's loader creates each entry's applications in, for lists written in `order`: it visits the
 * entries in turn, applies each queued node whose inputs exist and queues the rest again for the next pass. A node
 * index in the file is a position in that creation order, so the file is right only when each list is in it.
 */
function tfjsCreationOrder(order: Written[][], created: Set<Written>): Written[][] {
  const queues = order.map((list) => [...list]);
  const out: Written[][] = order.map(() => []);
  for (let left = queues.reduce((a, q) => a + q.length, 0); left > 0;) {
    let made = 0;
    queues.forEach((q, e) => {
      const again: Written[] = [];
      for (const w of q) {
        if (w.inputs.every((x) => created.has(x))) {
          created.add(w);
          out[e].push(w);
          made++;
        } else {
          again.push(w);
        }
      }
      queues[e] = again;
    });
    if (made === 0) break; // not reached for an acyclic graph
    left -= made;
  }
  return out;
}

/**
 * The topology TF.js writes for a functional model (`class_name: 'Model'`, as tf.model saves): every layer once, in
 * the order of its first use, with its applications in `inbound_nodes`. Each layer's applications are listed in
 * the order TF.js's loader will recreate them (a shared layer whose earlier application waits for a layer listed
 * after it is recreated after its later ones), which is also the order of their node indices, as Keras and
 * neurite read them.
 */
export function functionalToTfjs(name: string, inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[]): JsonObject {
  const net = new Network(inputs, outputs, `model '${name}'`);
  const heads: JsonObject[] = [];
  const order: Written[][] = [];
  const written = new Map<Node, Written>();
  /** The entry reading a node's output: its split activation when it has one. */
  const producer = new Map<Node, Written>();
  const initial = new Set<Written>();
  const entryOf = new Map<Written, number>();
  for (const t of net.inputs) {
    const w: Written = { inputs: [], node: t.node };
    written.set(t.node, w);
    producer.set(t.node, w);
    initial.add(w);
  }
  const stepsOf = new Map<Layer, Node[]>();
  for (const st of net.steps) {
    const list = stepsOf.get(st.node.layer) ?? [];
    list.push(st.node);
    stepsOf.set(st.node.layer, list);
  }
  for (const l of net.layers) {
    if (l instanceof InputLayer) {
      heads.push({ name: l.name, class_name: 'InputLayer',
        config: { batch_input_shape: [null, ...l.outShape], dtype: 'float32', sparse: false, name: l.name } });
      const input = net.inputs.find((t) => t.sourceLayer === l)!;
      order.push([written.get(input.node)!]);
      entryOf.set(written.get(input.node)!, order.length - 1);
      continue;
    }
    const [main, extra] = layerToTfjs(l);
    const nodes = stepsOf.get(l) ?? [];
    const ws = nodes.map((node): Written => ({ inputs: [], node }));
    ws.forEach((w, k) => written.set(nodes[k], w));
    heads.push({ name: l.name, class_name: main.class_name, config: main.config });
    order.push(ws);
    ws.forEach((w) => entryOf.set(w, order.length - 1));
    if (extra) {
      const xname = (extra.config as JsonObject).name as string;
      const acts = ws.map((w): Written => ({ inputs: [w] }));
      nodes.forEach((n, k) => producer.set(n, acts[k]));
      heads.push({ name: xname, class_name: extra.class_name, config: extra.config });
      order.push(acts);
      acts.forEach((w) => entryOf.set(w, order.length - 1));
    } else {
      nodes.forEach((n, k) => producer.set(n, ws[k]));
    }
  }
  for (const w of written.values()) if (w.node && !initial.has(w)) w.inputs = w.node.inputs.map((t) => producer.get(t.node)!);
  // the creation order of lists written in creation order is that order again, but for contrived sharing; settle it
  let lists = order;
  for (let round = 0; ; round++) {
    const next = tfjsCreationOrder(lists, new Set(initial));
    const same = next.every((list, e) => list.length === lists[e].length && list.every((w, k) => w === lists[e][k]));
    if (same) break;
    if (round === 8) {
      throw new NeuriteError(`model '${name}' shares a layer in a way TF.js's loader would recreate in another order than it ` +
        'reads the file; it cannot be saved in the TF.js format');
    }
    lists = next;
  }
  const index = new Map<Written, number>();
  for (const list of lists) list.forEach((w, k) => index.set(w, k));
  const ref = (w: Written) => [heads[entryOf.get(w)!].name as string, index.get(w)!, 0];
  const layers = heads.map((h, e) => ({ ...h,
    inbound_nodes: h.class_name === 'InputLayer' ? [] : lists[e].map((w) => w.inputs.map((x) => [...ref(x), {}])) }));
  return {
    class_name: 'Model',
    config: { name, layers, input_layers: net.inputs.map((t) => ref(written.get(t.node)!)),
      output_layers: net.outputs.map((t) => ref(producer.get(t.node)!)) },
    keras_version: `tfjs-layers ${TFJS_LAYERS_VERSION}`,
    backend: 'tensor_flow.js',
  };
}

// ------------------------------------------------------------------------------------------------ loading

/** A reference to one output of one application of a layer. */
interface Ref {
  layer: string;
  node: number;
  tensor: number;
  where: string;
}

type Entry =
  | { kind: 'input'; name: string; shape: number[]; where: string }
  | { kind: 'layer'; name: string; pending: Pending; nodes: Ref[][]; where: string; layer?: Layer }
  | { kind: 'model'; name: string; def: Def; nodes: Ref[][]; where: string };

/** A model's graph as the file describes it (the outer one, or a nested one). */
interface Def {
  where: string;
  entries: Map<string, Entry>;
  inputs: Ref[];
  outputs: Ref[];
}

/** Counts shared by a whole file. */
interface Counts {
  refs: number;
  layers: number;
  nodes: number;
  maxParams: number;
}

const isModelClass = (c: unknown) => c === 'Model' || c === 'Functional' || c === 'Sequential';

/**
 * Reads a topology into neurite layers: a Sequential into a chain, a functional model into a graph whose nested
 * models are flattened. Built (shapes fixed) but with no memory allocated; FormatError for anything malformed or
 * unsupported, naming it.
 */
export function topologyFromTfjs(topology: unknown, where: string, maxParams: number): BuiltTopology {
  const { cls, t } = modelClass(topology, where);
  if (cls === 'Sequential') {
    // a Sequential of models (Teachable Machine's exports) reads as the graph it computes
    return holdsModels(own(t, 'config')) ? functionalFromTfjs(sequentialAsFunctional(own(t, 'config'), where), where, maxParams)
      : sequentialFromTfjs(t, where, maxParams);
  }
  if (cls === 'Model' || cls === 'Functional') return functionalFromTfjs(t, where, maxParams);
  return fail(where, `${show(cls)} models are not supported; neurite loads Sequential and functional ('Model', 'Functional') models`);
}

/** A functional topology (class and config) as a graph of neurite layers. */
export function functionalFromTfjs(t: JsonObject, where: string, maxParams: number): BuiltFunctional {
  const counts: Counts = { refs: 0, layers: 0, nodes: 0, maxParams };
  const def = readDef(t, where, 0, counts);
  const cfg = own(t, 'config');
  const name = modelName(cfg, where);
  checkNames(def);
  const budget = new Budget(maxParams);
  const bound = new Map<string, SymbolicTensor>();
  const inputs = def.inputs.map((r) => {
    const e = def.entries.get(r.layer);
    if (!e) return fail(r.where, `names layer ${show(r.layer)}, which is not in config.layers`);
    if (e.kind !== 'input') return fail(r.where, `names layer ${show(r.layer)}, which is not an InputLayer; a model's inputs are InputLayers`);
    if (r.node !== 0 || r.tensor !== 0) fail(r.where, `an InputLayer has one node and one tensor ([${show(r.layer)}, 0, 0])`);
    if (bound.has(e.name)) fail(r.where, `InputLayer ${show(e.name)} is listed twice`);
    let t: SymbolicTensor;
    try {
      t = new InputLayer(e.shape, e.name).tensor;
    } catch (err) {
      throw wrap(err, e.where);
    }
    budget.input(t.shape);
    bound.set(e.name, t);
    return t;
  });
  const top = new Scope(def, bound);
  const resolver = new Resolver(counts, budget);
  const outputs = def.outputs.map((r) => resolver.resolve(top, r));
  let net: Network;
  try {
    net = new Network(inputs, outputs, `${where} model`);
  } catch (e) {
    throw wrap(e, where);
  }
  for (const l of net.layers) {
    if (l instanceof InputLayer) continue;
    const p = resolver.pendingOf.get(l)!;
    budget.weights(l, p.where);
    checkBuilt(l, p);
  }
  return { kind: 'functional', name, inputs, outputs, layers: [...net.layers] };
}

/** One model's config: its layers, their inbound nodes, its input and output layers. */
function readDef(t: JsonObject, where: string, depth: number, counts: Counts): Def {
  if (depth > MAX_NESTING) fail(where, `models are nested more than ${MAX_NESTING} deep`);
  const cls = own(t, 'class_name') ?? own(t, 'className');
  const cfg = own(t, 'config');
  if (cls === 'Sequential') {
    return holdsModels(cfg) ? readDef(sequentialAsFunctional(cfg, where), where, depth, counts) : readSequentialDef(cfg, where, counts);
  }
  if (!isObject(cfg)) return fail(where, `config must be an object with layers, input_layers and output_layers, got ${show(cfg)}`);
  const list = own(cfg, 'layers');
  if (!Array.isArray(list) || list.length === 0) return fail(where, 'config.layers must be a non-empty array of layers');
  counts.layers += list.length;
  if (counts.layers > MAX_LAYERS) fail(where, `the topology lists more than ${MAX_LAYERS} layers`);
  const entries = new Map<string, Entry>();
  list.forEach((raw, i) => {
    const at = `${where}.config.layers[${i}]`;
    if (!isObject(raw)) fail(at, `expected { name, class_name, config, inbound_nodes }, got ${show(raw)}`);
    const entry = readEntry(raw, at, depth, counts);
    if (entries.has(entry.name)) fail(at, `the layer name ${show(entry.name)} is used twice`);
    entries.set(entry.name, entry);
  });
  const inputs = readRefList(own(cfg, 'input_layers') ?? own(cfg, 'inputLayers'), `${where}.config.input_layers`, counts);
  const outputs = readRefList(own(cfg, 'output_layers') ?? own(cfg, 'outputLayers'), `${where}.config.output_layers`, counts);
  if (inputs.length === 0) fail(`${where}.config.input_layers`, 'must name at least one InputLayer');
  if (outputs.length === 0) fail(`${where}.config.output_layers`, 'must name at least one layer');
  const def: Def = { where, entries, inputs, outputs };
  fuseSplitActivations(def);
  return def;
}

/** One entry of config.layers: an InputLayer, a layer with its inbound nodes, or a nested model. */
function readEntry(raw: JsonObject, at: string, depth: number, counts: Counts): Entry {
  const cls = own(raw, 'class_name') ?? own(raw, 'className');
  const config = own(raw, 'config');
  const given = own(raw, 'name');
  const inner = isObject(config) ? own(config, 'name') : undefined;
  const name = given ?? inner;
  if (typeof name !== 'string' || name.length === 0 || name.length > LIMITS.maxNameChars) {
    return fail(at, `the layer needs a name (a non-empty string of at most ${LIMITS.maxNameChars} characters), got ${show(name)}`);
  }
  if (given !== undefined && inner !== undefined && given !== inner) fail(at, `is named ${show(given)} but its config names it ${show(inner)}`);
  const here = `layer ${show(name)} (${show(cls)}) at ${at}`;
  const inbound = own(raw, 'inbound_nodes') ?? own(raw, 'inboundNodes') ?? [];
  if (!Array.isArray(inbound)) return fail(here, `inbound_nodes must be a list of nodes, got ${show(inbound)}`);
  if (cls === 'InputLayer') {
    if (inbound.length > 0) fail(here, 'an InputLayer has no inbound nodes');
    return { kind: 'input', name, shape: inputLayerShape(raw, here, counts.maxParams).slice(1) as number[], where: here };
  }
  const nodes = inbound.map((n, k) => readNode(n, `${here} inbound_nodes[${k}]`, counts));
  if (isModelClass(cls)) {
    const def = readDef({ class_name: cls, config: config ?? null } as JsonObject, `${here} (nested model)`, depth + 1, counts);
    return { kind: 'model', name, def, nodes, where: here };
  }
  const p = pendingLayer({ ...raw, config: isObject(config) ? { ...config, name } : config }, at, counts.maxParams);
  return { kind: 'layer', name, pending: p, nodes, where: p.where };
}

/**
 * A nested Sequential as a graph: an input of its own, each layer applied to the one before. Its InputLayer, if it
 * lists one, and its first layer's batch_input_shape only restate the shape the outer tensor brings.
 */
function readSequentialDef(cfg: unknown, where: string, counts: Counts): Def {
  const list = Array.isArray(cfg) ? cfg : isObject(cfg) ? own(cfg, 'layers') : undefined;
  if (!Array.isArray(list) || list.length === 0) return fail(where, 'config.layers must be a non-empty array of layers');
  counts.layers += list.length;
  if (counts.layers > MAX_LAYERS) fail(where, `the topology lists more than ${MAX_LAYERS} layers`);
  let pending: Pending[] = [];
  list.forEach((raw, i) => {
    const at = `${where}.config.layers[${i}]`;
    const cn = isObject(raw) ? own(raw, 'class_name') ?? own(raw, 'className') : undefined;
    if (cn === 'InputLayer') {
      if (i !== 0) fail(at, 'an InputLayer can only come first in a Sequential');
      inputLayerShape(raw, at, counts.maxParams);
      return;
    }
    if (isModelClass(cn)) fail(at, `a ${cn} model inside a nested Sequential is not supported`);
    const p = pendingLayer(raw, at, counts.maxParams);
    delete p.config.batchInputShape;
    pending.push(p);
  });
  pending = fuseActivations(pending);
  if (pending.length === 0) fail(where, 'a nested Sequential needs at least one layer');
  const input = '\u0000input';
  const entries = new Map<string, Entry>([[input, { kind: 'input', name: input, shape: [], where }]]);
  let prev = input;
  for (const p of pending) {
    const name = p.config.name;
    if (typeof name !== 'string') fail(p.where, 'a layer of a nested Sequential needs a name');
    if (entries.has(name as string)) fail(p.where, `the layer name ${show(name)} is used twice`);
    entries.set(name as string, { kind: 'layer', name: name as string, pending: p, nodes: [[{ layer: prev, node: 0, tensor: 0, where: p.where }]], where: p.where });
    prev = name as string;
  }
  counts.refs += pending.length + 2;
  return { where, entries, inputs: [{ layer: input, node: 0, tensor: 0, where }], outputs: [{ layer: prev, node: 0, tensor: 0, where }] };
}

/** One node: Keras 2's list of [layer, node, tensor, kwargs], or Keras 3's { args, kwargs } of keras tensors. */
function readNode(v: unknown, where: string, counts: Counts): Ref[] {
  let items: unknown[];
  if (Array.isArray(v)) {
    items = v;
  } else if (isObject(v) && Array.isArray(own(v, 'args'))) {
    checkKwargs(own(v, 'kwargs'), where);
    const args = own(v, 'args') as unknown[];
    // a merge layer's args are one list of tensors
    items = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args).map((a, i) => {
      const h = isObject(a) && isObject(own(a, 'config')) ? own(own(a, 'config') as JsonObject, 'keras_history') : undefined;
      if (!Array.isArray(h)) fail(`${where}.args[${i}]`, `expected a keras tensor with config.keras_history, got ${show(a)}`);
      return h;
    });
  } else {
    return fail(where, `a node must be a list of [layer, node, tensor, kwargs] references, got ${show(v)}`);
  }
  if (items.length === 0) fail(where, 'a node needs at least one input');
  counts.refs += items.length;
  if (counts.refs > MAX_REFS) fail(where, `the topology holds more than ${MAX_REFS} node references`);
  return items.map((r, i) => readRef(r, `${where}[${i}]`, true));
}

function checkKwargs(k: unknown, where: string): void {
  if (k === undefined || k === null) return;
  if (!isObject(k)) fail(where, `kwargs must be an object, got ${show(k)}`);
  for (const key of Object.keys(k as JsonObject)) {
    const v = (k as JsonObject)[key];
    if (v !== null && v !== undefined) fail(where, `call argument ${key} = ${show(v)} is not supported`);
  }
}

/** [layer, node, tensor] (and kwargs in an inbound node), all checked. */
function readRef(v: unknown, where: string, kwargs: boolean): Ref {
  if (!Array.isArray(v) || v.length < 3 || v.length > (kwargs ? 4 : 3)) {
    return fail(where, `expected [layerName, nodeIndex, tensorIndex${kwargs ? ', kwargs' : ''}], got ${show(v)}`);
  }
  const [layer, node, tensor] = v;
  if (typeof layer !== 'string' || layer.length === 0 || layer.length > LIMITS.maxNameChars) fail(where, `the layer name must be a string, got ${show(layer)}`);
  for (const [what, x] of [['node', node], ['tensor', tensor]] as const) {
    if (!Number.isSafeInteger(x) || (x as number) < 0 || (x as number) > MAX_NODES) fail(where, `the ${what} index must be an integer in [0, ${MAX_NODES}], got ${show(x)}`);
  }
  if (kwargs) checkKwargs(v[3], where);
  return { layer: layer as string, node: node as number, tensor: tensor as number, where };
}

/** input_layers / output_layers: a list of [layer, node, tensor] (Keras 3 writes a single one unwrapped). */
function readRefList(v: unknown, where: string, counts: Counts): Ref[] {
  if (!Array.isArray(v)) return fail(where, `must be a list of [layerName, nodeIndex, tensorIndex], got ${show(v)}`);
  const list = typeof v[0] === 'string' ? [v] : v;
  counts.refs += list.length;
  if (counts.refs > MAX_REFS) fail(where, `the topology holds more than ${MAX_REFS} node references`);
  return list.map((r, i) => readRef(r, `${where}[${i}]`, false));
}

/**
 * A layer saved as two (layerToTfjs: `X` linear, then `X_activation` a LeakyReLU or ELU applied to each of X's nodes
 * and to nothing else) becomes one again, when nothing else reads X.
 */
function fuseSplitActivations(def: Def): void {
  const readers = new Map<string, number>();
  const every: Ref[] = [...def.outputs];
  for (const e of def.entries.values()) if (e.kind !== 'input') for (const n of e.nodes) every.push(...n);
  for (const r of every) readers.set(r.layer, (readers.get(r.layer) ?? 0) + 1);
  for (const a of [...def.entries.values()]) {
    if (a.kind !== 'layer' || a.pending.className === 'Activation' || a.pending.config.activation !== 'linear') continue;
    const b = def.entries.get(`${a.name}_activation`);
    if (b?.kind !== 'layer' || b.pending.className !== 'Activation' || b.pending.softmaxAxis !== undefined) continue;
    const act = b.pending.config.activation;
    if (act !== 'leakyRelu' && act !== 'elu') continue;
    const n = a.nodes.length;
    if (b.nodes.length !== n || readers.get(a.name) !== n || b.pending.trainable !== a.pending.trainable ||
      !b.nodes.every((node, k) => node.length === 1 && node[0].layer === a.name && node[0].node === k && node[0].tensor === 0)) continue;
    a.pending.config = { ...a.pending.config, activation: act, alpha: b.pending.config.alpha };
    def.entries.delete(b.name);
    for (const r of every) if (r.layer === b.name) r.layer = a.name;
  }
}

/** Layer names are weight names in the manifest: they must be unique across the flattened graph. */
function checkNames(def: Def): void {
  const seen = new Map<string, string>();
  const stack: Def[] = [def];
  const done = new Set<Def>();
  while (stack.length > 0) {
    const d = stack.pop()!;
    if (done.has(d)) continue;
    done.add(d);
    for (const e of d.entries.values()) {
      if (e.kind === 'model') { stack.push(e.def); continue; }
      if (e.kind === 'input' && d !== def) continue; // a nested model's inputs are the outer tensors
      const other = seen.get(e.name);
      if (other !== undefined) fail(e.where, `the layer name ${show(e.name)} is also used by ${other}; layer names must be unique`);
      seen.set(e.name, e.where);
    }
  }
}

/** One instance of a model's graph: the outer one, or one application of a nested model. */
class Scope {
  /** Resolved values by `layer#node#tensor`, and 'busy' while one is being resolved (a cycle if met again). */
  readonly values = new Map<string, SymbolicTensor | 'busy'>();
  /** The instances of nested models applied here, by `model#node`. */
  readonly apps = new Map<string, Scope>();
  constructor(readonly def: Def, readonly bound: Map<string, SymbolicTensor>) {}
}

interface Frame {
  scope: Scope;
  ref: Ref;
  entry?: Entry;
  deps: Ref[];
  got: SymbolicTensor[];
  /** For a nested model: the application's instance, and its outputs resolved so far. */
  child?: Scope;
  outs?: SymbolicTensor[];
}

/** Resolves references to symbolic tensors, applying each layer as its inputs become known. */
class Resolver {
  /** The file's description of each neurite layer made, for the checks that need it built. */
  readonly pendingOf = new Map<Layer, Pending>();
  constructor(private readonly counts: Counts, private readonly budget: Budget) {}

  resolve(scope: Scope, ref: Ref): SymbolicTensor {
    const stack: Frame[] = [{ scope, ref, deps: [], got: [] }];
    let result: SymbolicTensor | undefined;
    while (stack.length > 0) {
      const f = stack[stack.length - 1];
      if (result !== undefined) {
        (f.outs && f.child ? f.outs : f.got).push(result);
        result = undefined;
      }
      const next = this.advance(f);
      if (next === undefined) continue;
      if ('need' in next) {
        if (stack.length > 2 * MAX_NODES) fail(next.need.ref.where, `the graph is deeper than ${MAX_NODES} nodes`);
        stack.push({ scope: next.need.scope, ref: next.need.ref, deps: [], got: [] });
      } else {
        stack.pop();
        result = next.value;
      }
    }
    return result!;
  }

  private advance(f: Frame): { need: { scope: Scope; ref: Ref } } | { value: SymbolicTensor } | undefined {
    const { scope, ref } = f;
    const key = `${ref.layer}#${ref.node}#${ref.tensor}`;
    if (!f.entry) {
      const e = scope.def.entries.get(ref.layer);
      if (!e) return fail(ref.where, `names layer ${show(ref.layer)}, which is not in ${scope.def.where}.config.layers`);
      f.entry = e;
      if (e.kind === 'input') {
        if (ref.node !== 0 || ref.tensor !== 0) fail(ref.where, `an InputLayer has one node and one tensor ([${show(ref.layer)}, 0, 0])`);
        const t = scope.bound.get(e.name);
        if (!t) return fail(ref.where, `reads InputLayer ${show(e.name)}, which is not one of the model's input_layers`);
        return { value: t };
      }
      const known = scope.values.get(key);
      if (known === 'busy') return fail(ref.where, `the graph has a cycle: layer ${show(ref.layer)} node ${ref.node} depends on its own output`);
      if (known) return { value: known };
      if (e.kind === 'layer') {
        if (ref.tensor !== 0) fail(ref.where, `layer ${show(e.name)} has one output tensor, not ${ref.tensor + 1}`);
        if (ref.node >= e.nodes.length) fail(ref.where, `layer ${show(e.name)} has ${e.nodes.length} inbound node(s), so no node ${ref.node}`);
        f.deps = e.nodes[ref.node];
      } else {
        // node 0 of a nested model is its own graph; its applications are nodes 1, 2, ...
        if (ref.node < 1 || ref.node > e.nodes.length) {
          fail(ref.where, `model ${show(e.name)} is applied ${e.nodes.length} time(s), as nodes 1 to ${e.nodes.length} (node 0 is its own graph), so no node ${ref.node}`);
        }
        if (ref.tensor >= e.def.outputs.length) fail(ref.where, `model ${show(e.name)} has ${e.def.outputs.length} output(s), so no tensor ${ref.tensor}`);
        const app = scope.apps.get(`${e.name}#${ref.node}`);
        f.deps = app ? [] : e.nodes[ref.node - 1];
        if (app) { f.child = app; f.outs = []; }
      }
      scope.values.set(key, 'busy');
    }
    const e = f.entry;
    if (f.got.length < f.deps.length) return { need: { scope, ref: f.deps[f.got.length] } };
    if (e.kind === 'layer') {
      const t = this.apply(e, f.got, ref);
      scope.values.set(key, t);
      return { value: t };
    }
    if (e.kind !== 'model') return undefined;
    if (!f.child) {
      if (f.got.length !== e.def.inputs.length) {
        fail(ref.where, `model ${show(e.name)} takes ${e.def.inputs.length} input(s), but node ${ref.node} gives it ${f.got.length}`);
      }
      const bound = new Map<string, SymbolicTensor>();
      e.def.inputs.forEach((r, i) => {
        const ie = e.def.entries.get(r.layer);
        if (ie?.kind !== 'input' || r.node !== 0 || r.tensor !== 0) fail(r.where, `must name an InputLayer of model ${show(e.name)} as [name, 0, 0]`);
        const want = (ie as Entry & { kind: 'input' }).shape;
        const got = f.got[i].shape;
        if (want.length > 0 && (want.length !== got.length || want.some((d, j) => d !== got[j]))) {
          fail(ref.where, `model ${show(e.name)} input ${i} has shape [${want.join(', ')}], but node ${ref.node} gives it [${got.join(', ')}]`);
        }
        bound.set(r.layer, f.got[i]);
      });
      if (++this.counts.nodes > MAX_NODES) fail(ref.where, `the graph has more than ${MAX_NODES} layer applications`);
      f.child = new Scope(e.def, bound);
      f.outs = [];
      scope.apps.set(`${e.name}#${ref.node}`, f.child);
    }
    // every output of the application, so that all of the nested model's layers are in the graph
    if (f.outs!.length < e.def.outputs.length) return { need: { scope: f.child, ref: e.def.outputs[f.outs!.length] } };
    const t = f.outs![ref.tensor];
    scope.values.set(key, t);
    return { value: t };
  }

  /** One application of a layer entry to its resolved inputs. */
  private apply(e: Entry & { kind: 'layer' }, inputs: SymbolicTensor[], ref: Ref): SymbolicTensor {
    if (++this.counts.nodes > MAX_NODES) fail(ref.where, `the graph has more than ${MAX_NODES} layer applications`);
    if (!e.layer) {
      e.layer = makeLayer(e.pending);
      this.pendingOf.set(e.layer, e.pending);
    }
    let node: Node;
    try {
      node = e.layer.connect(inputs);
    } catch (err) {
      throw wrap(err, `${e.where} node ${ref.node}`);
    }
    this.budget.node(e.layer, node.output.shape, e.where);
    return node.output;
  }
}

// ------------------------------------------------------------------------------------------------ Sequentials of models

const classOf = (raw: unknown) => (isObject(raw) ? own(raw, 'class_name') ?? own(raw, 'className') : undefined);
const layerListOf = (cfg: unknown) => (Array.isArray(cfg) ? cfg : isObject(cfg) ? own(cfg, 'layers') : undefined);

/** True when a Sequential's config lists a model among its layers (Teachable Machine's exports do). */
export function holdsModels(cfg: unknown): boolean {
  const list = layerListOf(cfg);
  return Array.isArray(list) && list.some((l) => isModelClass(classOf(l)));
}

/** Every string `name` in a JSON value (layer names at any depth), to pick a name no layer has. */
function namesIn(v: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(v)) for (const x of v) namesIn(x, out);
  else if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'name' && typeof x === 'string') out.add(x);
      else namesIn(x, out);
    }
  }
  return out;
}

/**
 * The batch shape a Sequential's first layer takes: its own batch_input_shape, or for a nested model the shape of
 * its (first) InputLayer, found through nested Sequentials. Undefined when the file gives none.
 */
function firstBatchShape(raw: unknown, depth: number): unknown {
  if (!isObject(raw) || depth > MAX_NESTING) return undefined;
  const cls = classOf(raw);
  const cfg = own(raw, 'config');
  if (cls === 'Sequential') return firstBatchShape((layerListOf(cfg) as unknown[] | undefined)?.[0], depth + 1);
  if (!isObject(cfg)) return undefined;
  if (cls === 'Model' || cls === 'Functional') {
    const inputs = own(cfg, 'input_layers') ?? own(cfg, 'inputLayers');
    const first = Array.isArray(inputs) ? (typeof inputs[0] === 'string' ? inputs[0] : Array.isArray(inputs[0]) ? inputs[0][0] : undefined) : undefined;
    const list = own(cfg, 'layers');
    const layer = Array.isArray(list) ? list.find((l) => isObject(l) && (own(l, 'name') === first || (isObject(own(l, 'config')) && own(own(l, 'config') as JsonObject, 'name') === first))) : undefined;
    return firstBatchShape(layer, depth + 1);
  }
  return own(cfg, 'batch_input_shape') ?? own(cfg, 'batchInputShape') ?? own(cfg, 'batch_shape') ?? own(cfg, 'batchShape');
}

/**
 * A Sequential that lists models among its layers, as the functional config that computes the same: an InputLayer
 * of the shape its first layer takes (its own InputLayer, if it lists one), then each layer applied to the one
 * before it, a nested model as its first application (node 1; node 0 is its own graph). TF.js builds such a
 * Sequential (Teachable Machine's Sequential[Sequential[MobileNet, pooling], Sequential[head]]) as this chain.
 */
export function sequentialAsFunctional(cfg: unknown, where: string): JsonObject {
  const list = layerListOf(cfg);
  if (!Array.isArray(list) || list.length === 0) return fail(where, 'config.layers must be a non-empty array of layers');
  const name = isObject(cfg) ? own(cfg, 'name') : undefined;
  let layers = list as unknown[];
  let input: JsonObject;
  if (classOf(layers[0]) === 'InputLayer' && isObject(layers[0])) {
    input = { ...layers[0], inbound_nodes: [] };
    layers = layers.slice(1);
  } else {
    const shape = firstBatchShape(layers[0], 0);
    if (shape === undefined) fail(`${where}.config.layers[0]`, 'the first layer needs a batch_input_shape (or an InputLayer before it)');
    const taken = namesIn(list, new Set());
    let inputName = `${typeof name === 'string' ? name : 'sequential'}_input`;
    while (taken.has(inputName)) inputName += '_';
    input = { class_name: 'InputLayer', name: inputName, config: { name: inputName, batch_input_shape: shape }, inbound_nodes: [] };
  }
  const inputName = own(input, 'name') ?? (isObject(own(input, 'config')) ? own(own(input, 'config') as JsonObject, 'name') : undefined);
  let prev: [unknown, number] = [inputName, 0];
  const applied = layers.map((raw, i) => {
    const at = `${where}.config.layers[${i + list.length - layers.length}]`;
    if (!isObject(raw)) return fail(at, `expected { class_name, config }, got ${show(raw)}`);
    const config = own(raw, 'config');
    const model = isModelClass(classOf(raw));
    let c = config;
    if (!model && isObject(config)) {
      // a first layer's batch_input_shape restates what the chain's input gives it
      c = { ...config };
      for (const k of ['batch_input_shape', 'batchInputShape', 'batch_shape', 'batchShape']) delete (c as JsonObject)[k];
    }
    const lname = own(raw, 'name') ?? (isObject(config) ? own(config, 'name') : undefined);
    const entry = { ...raw, name: lname, config: c, inbound_nodes: [[[prev[0], prev[1], 0, {}]]] };
    prev = [lname, model ? 1 : 0];
    return entry;
  });
  return { class_name: 'Functional', config: { ...(typeof name === 'string' ? { name } : {}), layers: [input, ...applied],
    input_layers: [[inputName, 0, 0]], output_layers: [[prev[0], prev[1], 0]] } };
}
