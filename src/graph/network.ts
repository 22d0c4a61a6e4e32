// A graph model's structure: the nodes between its inputs and outputs in an order that runs every node after
// the nodes it reads, the layers they apply, and who consumes each value. Knows layers and nodes, never
// memory, training or files.
import { ValueError } from '../errors';
import { InputLayer } from '../layers/input';
import { type Layer, type Node, SymbolicTensor } from '../layers/layer';
import { show } from '../options';

/** Where a node reads one of its inputs: a value id (see Network.values). */
export interface Step {
  readonly node: Node;
  /** Value ids of the node's inputs, in order. */
  readonly inputs: readonly number[];
  /** Value id of its output. */
  readonly output: number;
}

/**
 * The topological order of a graph. Values are numbered: the model's inputs first (0 .. inputs-1), then each
 * step's output in order.
 */
export class Network {
  readonly inputs: readonly SymbolicTensor[];
  readonly outputs: readonly SymbolicTensor[];
  /** Value ids of the outputs, in order. */
  readonly outputIds: readonly number[];
  /** Every value: inputs, then step outputs. */
  readonly values: readonly SymbolicTensor[];
  /** The nodes to run, each after those it reads. */
  readonly steps: readonly Step[];
  /** Each layer once, in the order of its first step; InputLayers first. */
  readonly layers: readonly Layer[];
  /** For each value id, the (step index, input slot) pairs that read it, in step order. */
  readonly consumers: readonly (readonly [step: number, slot: number][])[];

  constructor(inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[], who: string) {
    check(inputs, 'inputs', who);
    check(outputs, 'outputs', who);
    inputs.forEach((t, i) => {
      if (!(t.sourceLayer instanceof InputLayer)) {
        throw new ValueError(`${who}: inputs[${i}] (${t.name}) is the output of layer '${t.sourceLayer.name}' ` +
          `(${t.sourceLayer.className}); a model's inputs must come from nn.input()`);
      }
      if (inputs.indexOf(t) !== i) throw new ValueError(`${who}: input '${t.sourceLayer.name}' is listed twice in inputs`);
    });
    outputs.forEach((t, i) => {
      if (outputs.indexOf(t) !== i) throw new ValueError(`${who}: output ${t.name} is listed twice in outputs`);
    });
    const id = new Map<SymbolicTensor, number>();
    const values: SymbolicTensor[] = [];
    for (const t of inputs) {
      id.set(t, values.length);
      values.push(t);
    }
    const steps: Step[] = [];
    const visiting = new Set<Node>();
    // depth first from each output in turn, inputs of a node in order: post-order is a topological order. An
    // explicit stack, so that a chain of any length cannot exhaust the call stack.
    const visit = (root: SymbolicTensor, rootPath: string): number => {
      const stack: { t: SymbolicTensor; path: string; next: number }[] = [{ t: root, path: rootPath, next: 0 }];
      while (stack.length > 0) {
        const f = stack[stack.length - 1];
        const { t } = f;
        if (f.next === 0) {
          if (id.has(t)) { stack.pop(); continue; }
          const node = t.node;
          if (node.layer instanceof InputLayer) {
            throw new ValueError(`${who}: the graph is disconnected: ${f.path} depends on input '${node.layer.name}' ` +
              `(shape [${t.shape.join(', ')}]), which is not in the model's inputs (${inputs.map((x) => `'${x.sourceLayer.name}'`).join(', ')})`);
          }
          if (visiting.has(node)) throw new ValueError(`${who}: the graph has a cycle through layer '${node.layer.name}'`);
          visiting.add(node);
        }
        const node = t.node;
        if (f.next < node.inputs.length) {
          const x = node.inputs[f.next++];
          if (!id.has(x)) stack.push({ t: x, path: `layer '${node.layer.name}'`, next: 0 });
          continue;
        }
        visiting.delete(node);
        id.set(t, values.length);
        values.push(t);
        steps.push({ node, inputs: node.inputs.map((x) => id.get(x)!), output: id.get(t)! });
        stack.pop();
      }
      return id.get(root)!;
    };
    const outputIds = outputs.map((t, i) => visit(t, `outputs[${i}]`));
    const consumers: [number, number][][] = values.map(() => []);
    steps.forEach((s, i) => s.inputs.forEach((v, slot) => consumers[v].push([i, slot])));
    inputs.forEach((t, i) => {
      if (consumers[i].length === 0 && !outputIds.includes(i)) {
        throw new ValueError(`${who}: input '${t.sourceLayer.name}' is not used by any output`);
      }
    });
    const layers: Layer[] = inputs.map((t) => t.sourceLayer);
    const seen = new Set(layers);
    for (const s of steps) {
      if (!seen.has(s.node.layer)) {
        seen.add(s.node.layer);
        layers.push(s.node.layer);
      }
    }
    this.inputs = [...inputs];
    this.outputs = [...outputs];
    this.outputIds = outputIds;
    this.values = values;
    this.steps = steps;
    this.layers = layers;
    this.consumers = consumers;
  }
}

function check(list: readonly unknown[], what: string, who: string): void {
  if (list.length === 0) throw new ValueError(`${who}: ${what} must name at least one symbolic tensor`);
  list.forEach((t, i) => {
    if (!(t instanceof SymbolicTensor)) {
      throw new ValueError(`${who}: ${what}[${i}] must be a symbolic tensor from nn.input() or layer.apply(), got ${show(t)}`);
    }
  });
}
