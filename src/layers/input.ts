import type { Kernels } from '../backend/types';
import { ValueError } from '../errors';
import { nameOption, optionsOf, show } from '../options';
import { checkShape, Layer, Node, type SymbolicTensor } from './layer';

/** The options nn.input takes. */
export const INPUT_OPTIONS = ['shape', 'name', 'dtype'] as const;

/**
 * Options of {@link input}.
 *
 * @example
 * nn.input({ shape: [28, 28, 1], name: 'image' });
 */
export interface InputConfig {
  /** Shape of one sample, without the batch axis: positive integers, e.g. `[784]`. Required. */
  shape: number[];
  /** The input's name in summaries, errors, saved models and name → tensor maps. Default `input_1`, `input_2`, ... */
  name?: string;
  /** Only `'float32'` (the default) is supported. */
  dtype?: 'float32';
}

/**
 * Where a graph model's data enters: a layer with no inputs and no weights, as TF.js's InputLayer. Made by
 * {@link input}; a Sequential model makes its own from its first layer's `inputShape`.
 *
 * @example
 * const x = nn.input({ shape: [4] });
 * x.sourceLayer.className;   // 'InputLayer'
 */
export class InputLayer extends Layer {
  /** Always 'InputLayer'. */
  readonly className = 'InputLayer';
  /** The symbolic tensor this layer feeds. */
  readonly tensor: SymbolicTensor;
  constructor(shape: number[], name: string | undefined) {
    super(name === undefined ? {} : { name }, 'input');
    const s = checkShape(this.name, 'shape', shape);
    this.inShape = s;
    this.outShape = s;
    this.inShapes = [s];
    const node = new Node(this, [], s, 0);
    this.inboundNodes.push(node);
    this.tensor = node.output;
  }
  protected computeOutputShape(inShape: number[]): number[] {
    return inShape;
  }
  forward(_k: Kernels): void {}
  backward(_k: Kernels): void {}
  getConfig(): Record<string, unknown> {
    return { batchInputShape: [null, ...this.outShape], dtype: 'float32', sparse: false };
  }
}

/**
 * A symbolic input of a graph model: apply layers to it, then pass it as `inputs` to {@link model}.
 *
 * @example
 * const image = nn.input({ shape: [28, 28, 1], name: 'image' });
 * const flat = nn.layers.flatten().apply(image);
 * const probs = nn.layers.dense({ units: 10, activation: 'softmax' }).apply(flat);
 * const model = nn.model({ inputs: image, outputs: probs });
 */
export function input(config: InputConfig): SymbolicTensor {
  const c = optionsOf<InputConfig>('input', config, INPUT_OPTIONS);
  if (c.dtype !== undefined && c.dtype !== 'float32') throw new ValueError(`input: dtype must be 'float32', got ${show(c.dtype)}`);
  const name = c.name === undefined ? undefined : nameOption('input: name', c.name);
  return new InputLayer(c.shape as number[], name).tensor;
}
