// Embedding: integer ids → rows of a trainable table, as TF.js's Embedding (tfjs-layers layers/embeddings.ts): the
// weight `embeddings` [inputDim, outputDim], any input rank, output [...input shape, outputDim]. Ids arrive as f32
// values of integers (TF.js takes a float tensor and casts it); one that is not an integer in [0, inputDim) is a
// ValueError naming the sample and position, raised where the data enters (checkInputData) or, for ids computed
// inside a model, by the lookup kernel itself.
import type { Kernels } from '../backend/types';
import { checkName, ShapeError, ValueError } from '../errors';
import { INITIALIZER_NAMES, type InitializerName } from '../initializers';
import { optionsOf, show } from '../options';
import { checkPositiveInt, Layer, sizeOf, type LayerBinding, type LayerConfig, type ParamSpec } from './layer';
import { l2Factor, type Regularizer } from './regularizers';

/** The options nn.layers.embedding takes. */
export const EMBEDDING_OPTIONS = ['inputDim', 'outputDim', 'inputLength', 'maskZero', 'embeddingsInitializer',
  'embeddingsRegularizer', 'activityRegularizer', 'embeddingsConstraint', 'inputShape', 'name'] as const;

/** The largest vocabulary: every id below it is exact in float32. */
const MAX_INPUT_DIM = 2 ** 24;

/**
 * Options of {@link layers}.embedding.
 *
 * @example
 * nn.layers.embedding({ inputDim: 1000, outputDim: 16, inputLength: 20 });
 */
export interface EmbeddingConfig extends LayerConfig {
  /** Size of the vocabulary: ids run from 0 to inputDim − 1. A positive integer at most 2^24. Required. */
  inputDim: number;
  /** Length of each embedding vector: a positive integer. Required. */
  outputDim: number;
  /**
   * Length of the input sequences (an array for inputs of rank 2 and more), as TF.js: when `inputShape` is not given
   * it becomes the input shape, and a given input shape must match it. Default: none (the input shape decides).
   */
  inputLength?: number | number[];
  /**
   * TF.js's masking of id 0 for the layers after. neurite has no masks yet: `true` is refused with an error, never
   * ignored. Default `false`.
   */
  maskZero?: boolean;
  /** How the table is initialized. Default `'randomUniform'` (U(−0.05, 0.05), as TF.js). */
  embeddingsInitializer?: InitializerName;
  /** A weight penalty on the table, e.g. `nn.regularizers.l2({ l2: 1e-4 })`. Default: none. */
  embeddingsRegularizer?: Regularizer;
  /** TF.js's penalty on the output. Not supported: anything but undefined or null is refused. Default: none. */
  activityRegularizer?: null;
  /** TF.js's constraint on the table. Not supported: anything but undefined or null is refused. Default: none. */
  embeddingsConstraint?: null;
}

/** inputLength as a list of positive integers. */
function lengths(layer: string, v: unknown): number[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0 || !list.every((d) => Number.isSafeInteger(d) && (d as number) > 0)) {
    throw new ValueError(`layer '${layer}': inputLength must be a positive integer or an array of them, got ${show(v)}`);
  }
  return list as number[];
}

/**
 * Turns integer ids into dense vectors: each id of the input picks a row of the table `embeddings`
 * [inputDim, outputDim], so samples of shape [steps] become [steps, outputDim]. Ids are integers in
 * [0, inputDim), given as numbers (an Int32Array or a float tensor of integer values); others are refused with an
 * error naming the sample and position. Training adds each position's output gradient to its id's row.
 *
 * @example
 * const model = nn.sequential({ layers: [
 *   nn.layers.embedding({ inputDim: 50, outputDim: 8, inputLength: 10 }),
 *   nn.layers.globalAveragePooling1d(),
 *   nn.layers.dense({ units: 1, activation: 'sigmoid' }) ] });
 * model.predict(nn.tensor(new Int32Array(10).fill(3), [1, 10]));
 */
export class Embedding extends Layer {
  /** Always 'Embedding'. */
  readonly className = 'Embedding';
  /** Size of the vocabulary. */
  readonly inputDim: number;
  /** Length of each vector. */
  readonly outputDim: number;
  /** The inputLength option as given, or undefined. */
  readonly inputLength: number[] | undefined;
  /** The table's initializer. */
  readonly embeddingsInitializer: InitializerName;
  /** The table's L2 factor (loss += l2·Σw²); 0 without a regularizer. */
  readonly l2: number;
  private ids = 0;

  constructor(config: EmbeddingConfig) {
    const c = optionsOf<EmbeddingConfig>('embedding', config);
    const given = c.inputLength === undefined || c.inputLength === null ? undefined : lengths(c.name ?? 'embedding', c.inputLength);
    super(c.inputShape === undefined && given ? { ...c, inputShape: given } : c, 'embedding');
    this.inputLength = given;
    this.inputDim = checkPositiveInt(this.name, 'inputDim', c.inputDim);
    if (this.inputDim > MAX_INPUT_DIM) {
      throw new ValueError(`layer '${this.name}': inputDim ${this.inputDim} is more than ${MAX_INPUT_DIM} (2^24), the ids float32 holds exactly`);
    }
    this.outputDim = checkPositiveInt(this.name, 'outputDim', c.outputDim);
    if (c.maskZero !== undefined && typeof c.maskZero !== 'boolean') {
      throw new ValueError(`layer '${this.name}': maskZero must be true or false, got ${show(c.maskZero)}`);
    }
    if (c.maskZero) {
      throw new ValueError(`layer '${this.name}': maskZero is not supported yet (neurite has no masks, so the layers after would ` +
        'see the padding); leave it false and give every sequence its full length, or pool over the padded steps');
    }
    for (const k of ['activityRegularizer', 'embeddingsConstraint'] as const) {
      if (c[k] !== undefined && c[k] !== null) throw new ValueError(`layer '${this.name}': ${k} is not supported, got ${show(c[k])}`);
    }
    this.embeddingsInitializer = checkName('initializer', c.embeddingsInitializer ?? 'randomUniform', INITIALIZER_NAMES);
    this.l2 = l2Factor(this.name, c.embeddingsRegularizer, 'embeddingsRegularizer');
  }

  protected computeOutputShape(inShape: number[]): number[] {
    const want = this.inputLength;
    if (want && (want.length !== inShape.length || !want.every((d, i) => d === inShape[i]))) {
      throw new ShapeError(`layer '${this.name}' (Embedding): inputLength [${want.join(', ')}] does not match its input shape [${inShape.join(', ')}]`);
    }
    this.ids = sizeOf(inShape);
    return [...inShape, this.outputDim];
  }

  override params(): ParamSpec[] {
    return [{ name: 'embeddings', shape: [this.inputDim, this.outputDim], initializer: this.embeddingsInitializer, l2: this.l2 }];
  }

  /** The message for a bad id: where it is (sample, position) and what it is. */
  private badId(what: string, sample: number, pos: number, v?: number): ValueError {
    const shape = this.inShape.length > 0 ? this.inShape : [this.ids];
    const at: number[] = [];
    for (let i = shape.length - 1, p = pos; i >= 0; i--) { at.unshift(p % shape[i]); p = Math.floor(p / shape[i]); }
    return new ValueError(`layer '${this.name}' (Embedding): ${what} has ${v === undefined ? 'an id that is not an integer in range' : `id ${v}`} at sample ${sample}, position ${at.length === 1 ? at[0] : `[${at.join(', ')}]`}; ` +
      `ids must be integers in [0, ${this.inputDim}) (inputDim ${this.inputDim})`);
  }

  override checkInputData(data: Float32Array, what: string): void {
    const n = this.ids, limit = this.inputDim;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (!(v >= 0 && v < limit) || v !== Math.floor(v)) throw this.badId(what, Math.floor(i / n), i % n, v);
    }
  }

  forward(k: Kernels, b: LayerBinding, rows: number, _training: boolean): void {
    const bad = k.f32_embedding(b.params[0], b.x, b.y, rows * this.ids, this.outputDim, this.inputDim);
    // ids computed inside the model (data is checked where it enters)
    if (bad >= 0) throw this.badId('its input in this batch', Math.floor(bad / this.ids), bad % this.ids);
  }

  backward(k: Kernels, b: LayerBinding, rows: number): void {
    k.f32_embedding_grad(b.x, b.dy, b.grads[0], rows * this.ids, this.outputDim, this.inputDim);
    // ids are not differentiable: the layers below get a zero gradient
    if (b.dx !== 0) k.f32_fill(b.dx, rows * this.ids, 0);
  }

  getConfig(): Record<string, unknown> {
    return {
      inputDim: this.inputDim, outputDim: this.outputDim, embeddingsInitializer: this.embeddingsInitializer,
      ...(this.l2 > 0 ? { embeddingsRegularizer: { l2: this.l2 } } : {}), maskZero: false,
      ...(this.inputLength ? { inputLength: this.inputLength.length === 1 ? this.inputLength[0] : this.inputLength } : {}),
      ...(this.inputShape ? { batchInputShape: [null, ...this.inputShape] } : {}),
    };
  }
}
