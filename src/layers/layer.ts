import type { Kernels } from '../backend/types';
import { ShapeError, ValueError } from '../errors';
import type { InitializerName } from '../initializers';
import type { Rng } from '../random';

/** Where a layer's data lives in the arena for one run: byte offsets, fixed once the model is planned. */
export interface LayerBinding {
  /** Input activations, [rows, inSize]. */
  x: number;
  /** Output activations, [rows, outSize]. */
  y: number;
  /** Gradient w.r.t. the input, or 0 when no layer below needs it. */
  dx: number;
  /** Gradient w.r.t. the output (the layer may overwrite it). */
  dy: number;
  /** One pointer per entry of params(), and the matching gradients. */
  params: number[];
  grads: number[];
  /** The layer's own scratch memory (workspaceBytes(rows) bytes, 16-byte aligned), kept from forward to backward. */
  ws: number;
}

export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly initializer: InitializerName;
  /** L2 regularization factor λ (loss += λ·Σw²), 0 for none. */
  readonly l2: number;
  /** False for state the optimizer must not touch (batch-norm moving statistics). Default true. */
  readonly trainable?: boolean;
}

export interface LayerConfig {
  /** Shape of one input sample, without the batch axis; needed on a model's first layer. */
  inputShape?: number[];
  name?: string;
}

const counters = new Map<string, number>();
function uniqueName(prefix: string): string {
  const n = (counters.get(prefix) ?? 0) + 1;
  counters.set(prefix, n);
  return `${prefix}_${n}`;
}

export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function checkShape(layer: string, what: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ShapeError(`layer '${layer}': ${what} must be a non-empty array of positive integers, got ${JSON.stringify(shape)}`);
  }
  return shape;
}

export function checkPositiveInt(layer: string, what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new ValueError(`layer '${layer}': ${what} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * A layer knows its shapes and which kernels to call; the model plans where its data lives. Shapes exclude
 * the batch axis. `forward` and `backward` run on `rows` samples and must not allocate.
 */
export abstract class Layer {
  abstract readonly className: string;
  readonly name: string;
  readonly inputShape: number[] | undefined;
  inShape: number[] = [];
  outShape: number[] = [];

  constructor(c: LayerConfig, prefix: string) {
    this.name = c.name ?? uniqueName(prefix);
    this.inputShape = c.inputShape === undefined ? undefined : checkShape(this.name, 'inputShape', c.inputShape);
  }

  /** Fixes the input shape and returns the output shape. */
  build(inShape: number[]): number[] {
    this.inShape = inShape;
    this.outShape = this.computeOutputShape(inShape);
    return this.outShape;
  }
  protected abstract computeOutputShape(inShape: number[]): number[];

  params(): ParamSpec[] { return []; }

  /** Bytes of scratch memory the layer needs for `rows` samples (im2col columns, pooling argmax, masks). */
  workspaceBytes(_rows: number): number { return 0; }

  /** A seeded stream for layers that draw random numbers while training (dropout); set by the model at build. */
  rng: Rng | undefined;
  /** True for layers that need `rng`. */
  get usesRng(): boolean { return false; }

  /**
   * Runs the layer. With `logits`, a softmax output activation is left out (the model fuses it with the
   * cross-entropy loss).
   */
  abstract forward(k: Kernels, b: LayerBinding, rows: number, training: boolean, logits: boolean): void;
  /** Gradients: of the params into b.grads (overwritten), of the input into b.dx when it is not 0. */
  abstract backward(k: Kernels, b: LayerBinding, rows: number, logits: boolean): void;

  /** True when the output is a softmax that the model may fuse with a cross-entropy loss. */
  get softmaxOutput(): boolean { return false; }

  abstract getConfig(): Record<string, unknown>;
  toJSON(): Record<string, unknown> {
    return { className: this.className, config: { name: this.name, ...this.getConfig() } };
  }
}
