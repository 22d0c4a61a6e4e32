// Merge layers: one output from several inputs of one shape (concatenate: equal but for one axis), as TF.js's
// merge layers (tfjs-layers src/layers/merge.ts): add, subtract, multiply, average, maximum, minimum, concatenate.
import type { Kernels } from '../backend/types';
import { ShapeError, ValueError } from '../errors';
import { intOption, MAX_RANK, optionsOf } from '../options';
import { Layer, type LayerBinding, type LayerConfig, sizeOf } from './layer';

/** The options nn.layers.concatenate takes. */
export const CONCATENATE_OPTIONS = ['axis', 'inputShape', 'name'] as const;

/**
 * Options of {@link layers}.concatenate.
 *
 * @example
 * nn.layers.concatenate({ axis: -1 });
 */
export interface ConcatenateConfig extends LayerConfig {
  /**
   * The axis to join along, counting the batch axis as 0 as TF.js does: -1 (the last) by default; 0 (the batch)
   * is refused.
   */
  axis?: number;
}

const show = (s: readonly number[]) => `[${s.join(', ')}]`;

/** The common part of the merge layers: at least two inputs (exactly two for subtract), all of one shape. */
abstract class Merge extends Layer {
  protected size = 0;
  protected count = 0;
  /** Inputs the layer takes: at least 2, or exactly 2. */
  protected readonly exactlyTwo: boolean = false;

  override buildInputs(shapes: number[][]): number[] {
    const who = `layer '${this.name}' (${this.className})`;
    if (shapes.length < 2 || (this.exactlyTwo && shapes.length !== 2)) {
      throw new ShapeError(`${who} takes ${this.exactlyTwo ? 'exactly 2 inputs' : 'a list of at least 2 inputs'}, got ${shapes.length}`);
    }
    const out = this.mergedShape(shapes, who);
    const result = this.build(out);
    this.inShapes = shapes.map((s) => [...s]);
    this.count = shapes.length;
    return result;
  }

  /** The output shape for these input shapes (throws ShapeError naming them when they do not merge). */
  protected mergedShape(shapes: number[][], who: string): number[] {
    const first = shapes[0];
    for (const s of shapes) {
      if (s.length !== first.length || s.some((d, i) => d !== first[i])) {
        throw new ShapeError(`${who} needs inputs of one shape, got ${shapes.map(show).join(', ')}`);
      }
    }
    return [...first];
  }

  protected computeOutputShape(inShape: number[]): number[] {
    this.size = sizeOf(inShape);
    return inShape;
  }

  /** y = x0 + x1 + ..., added in input order. */
  protected sum(k: Kernels, b: LayerBinding, n: number): void {
    k.f32_add(b.xs[0], b.xs[1], b.y, n);
    for (let i = 2; i < b.xs.length; i++) k.f32_add(b.y, b.xs[i], b.y, n);
  }

  getConfig(): Record<string, unknown> {
    return this.inputShape ? { batchInputShape: [null, ...this.inputShape] } : {};
  }
}

/**
 * The sum of its inputs (of one shape).
 *
 * @example
 * const y = nn.layers.add().apply([a, b]);   // a residual connection: y = a + b
 */
export class Add extends Merge {
  /** Always 'Add'. */
  readonly className = 'Add';
  constructor(c?: LayerConfig) { super(c, 'add'); }
  forward(k: Kernels, b: LayerBinding, rows: number): void {
    this.sum(k, b, rows * this.size);
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    for (const dx of b.dxs) if (dx !== 0) k.f32_copy(b.dy, dx, rows * this.size);
  }
}

/**
 * The first input minus the second (exactly two inputs of one shape).
 *
 * @example
 * const diff = nn.layers.subtract().apply([a, b]);
 */
export class Subtract extends Merge {
  /** Always 'Subtract'. */
  readonly className = 'Subtract';
  protected override readonly exactlyTwo = true;
  constructor(c?: LayerConfig) { super(c, 'subtract'); }
  forward(k: Kernels, b: LayerBinding, rows: number): void {
    k.f32_sub(b.xs[0], b.xs[1], b.y, rows * this.size);
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    const n = rows * this.size;
    if (b.dxs[0] !== 0) k.f32_copy(b.dy, b.dxs[0], n);
    if (b.dxs[1] !== 0) {
      k.f32_copy(b.dy, b.dxs[1], n);
      k.f32_scale(b.dxs[1], n, -1);
    }
  }
}

/**
 * The elementwise product of its inputs (of one shape).
 *
 * @example
 * const gated = nn.layers.multiply().apply([features, gate]);
 */
export class Multiply extends Merge {
  /** Always 'Multiply'. */
  readonly className = 'Multiply';
  constructor(c?: LayerConfig) { super(c, 'multiply'); }
  forward(k: Kernels, b: LayerBinding, rows: number): void {
    const n = rows * this.size;
    k.f32_mul(b.xs[0], b.xs[1], b.y, n);
    for (let i = 2; i < b.xs.length; i++) k.f32_mul(b.y, b.xs[i], b.y, n);
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    const n = rows * this.size;
    // the gradient of input i is dy times every other input
    b.dxs.forEach((dx, i) => {
      if (dx === 0) return;
      let first = true;
      b.xs.forEach((x, j) => {
        if (j === i) return;
        k.f32_mul(first ? b.dy : dx, x, dx, n);
        first = false;
      });
    });
  }
}

/**
 * The mean of its inputs (of one shape).
 *
 * @example
 * const ensemble = nn.layers.average().apply([headA, headB, headC]);
 */
export class Average extends Merge {
  /** Always 'Average'. */
  readonly className = 'Average';
  constructor(c?: LayerConfig) { super(c, 'average'); }
  forward(k: Kernels, b: LayerBinding, rows: number): void {
    const n = rows * this.size;
    this.sum(k, b, n);
    k.f32_scale(b.y, n, 1 / b.xs.length);
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    const n = rows * this.size;
    for (const dx of b.dxs) {
      if (dx === 0) continue;
      k.f32_copy(b.dy, dx, n);
      k.f32_scale(dx, n, 1 / b.dxs.length);
    }
  }
}

/** Maximum and minimum: the running extreme, and the gradient to the first input equal to it. */
abstract class Extreme extends Merge {
  protected abstract pick(k: Kernels, a: number, b: number, y: number, n: number): void;
  /** The gradient not yet given to an input, while backward walks them in order. */
  override workspaceBytes(rows: number): number { return rows * this.size * 4; }
  forward(k: Kernels, b: LayerBinding, rows: number): void {
    const n = rows * this.size;
    this.pick(k, b.xs[0], b.xs[1], b.y, n);
    for (let i = 2; i < b.xs.length; i++) this.pick(k, b.y, b.xs[i], b.y, n);
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    const n = rows * this.size;
    k.f32_copy(b.dy, b.ws, n);
    b.xs.forEach((x, i) => k.f32_pick_grad(x, b.y, b.ws, b.dxs[i], n));
  }
}

/**
 * The elementwise maximum of its inputs (of one shape); on ties the gradient goes to the first of them, as with
 * TF.js's chained `tf.maximum`.
 *
 * @example
 * const y = nn.layers.maximum().apply([a, b]);
 */
export class Maximum extends Extreme {
  /** Always 'Maximum'. */
  readonly className = 'Maximum';
  constructor(c?: LayerConfig) { super(c, 'maximum'); }
  protected pick(k: Kernels, a: number, b: number, y: number, n: number): void { k.f32_max(a, b, y, n); }
}

/**
 * The elementwise minimum of its inputs (of one shape); on ties the gradient goes to the first of them.
 *
 * @example
 * const y = nn.layers.minimum().apply([a, b]);
 */
export class Minimum extends Extreme {
  /** Always 'Minimum'. */
  readonly className = 'Minimum';
  constructor(c?: LayerConfig) { super(c, 'minimum'); }
  protected pick(k: Kernels, a: number, b: number, y: number, n: number): void { k.f32_min(a, b, y, n); }
}

/**
 * Joins its inputs along one axis (the last by default); the other dimensions must agree.
 *
 * @example
 * const joined = nn.layers.concatenate().apply([branch1, branch2, branch3]);   // channels side by side
 */
export class Concatenate extends Merge {
  /** Always 'Concatenate'. */
  readonly className = 'Concatenate';
  /** The axis as given (TF.js counting: the batch is axis 0). */
  readonly axis: number;
  /** Rows of the strided copies per sample, and each input's and the output's row length. */
  private outer = 1;
  private inner: number[] = [];
  private innerOut = 0;
  constructor(config?: ConcatenateConfig) {
    const c = optionsOf<ConcatenateConfig>('concatenate', config);
    super(c, 'concatenate');
    this.axis = c.axis === undefined ? -1 : intOption(`layer '${this.name}': axis`, c.axis, -MAX_RANK, MAX_RANK);
    if (this.axis === 0) throw new ValueError(`layer '${this.name}': axis 0 is the batch axis; concatenate joins samples' axes (1 or more, or -1 for the last)`);
  }
  protected override mergedShape(shapes: number[][], who: string): number[] {
    const rank = shapes[0].length;
    const a = this.axis < 0 ? rank + this.axis : this.axis - 1;
    if (a < 0 || a >= rank) throw new ShapeError(`${who}: axis ${this.axis} is out of range for inputs of shape ${shapes.map(show).join(', ')}`);
    for (const s of shapes) {
      if (s.length !== rank || s.some((d, i) => i !== a && d !== shapes[0][i])) {
        throw new ShapeError(`${who} needs inputs whose shapes agree except on axis ${this.axis}, got ${shapes.map(show).join(', ')}`);
      }
    }
    const out = [...shapes[0]];
    out[a] = shapes.reduce((t, s) => t + s[a], 0);
    this.outer = sizeOf(shapes[0].slice(0, a));
    this.inner = shapes.map((s) => sizeOf(s.slice(a)));
    this.innerOut = sizeOf(out.slice(a));
    return out;
  }
  forward(k: Kernels, b: LayerBinding, rows: number): void {
    let at = 0;
    b.xs.forEach((x, i) => {
      k.f32_copy_strided(x, this.inner[i], b.y + 4 * at, this.innerOut, rows * this.outer, this.inner[i]);
      at += this.inner[i];
    });
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    let at = 0;
    b.dxs.forEach((dx, i) => {
      if (dx !== 0) k.f32_copy_strided(b.dy + 4 * at, this.innerOut, dx, this.inner[i], rows * this.outer, this.inner[i]);
      at += this.inner[i];
    });
  }
  /** Its options in Keras spelling, as a saved model holds them: `axis`, and `batchInputShape` when given. */
  override getConfig(): Record<string, unknown> {
    return { axis: this.axis, ...super.getConfig() };
  }
}
