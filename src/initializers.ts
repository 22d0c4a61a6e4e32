import { checkName } from './errors';
import type { Rng } from './random';

/**
 * A weight initializer, by name, as layers take it (kernelInitializer, biasInitializer), with Keras's formulas:
 * glorotUniform U(±√(6 / (fanIn + fanOut))), glorotNormal and heNormal truncated normals with variance
 * 2 / (fanIn + fanOut) and 2 / fanIn, heUniform U(±√(6 / fanIn)), leCunNormal a truncated normal with variance
 * 1 / fanIn, leCunUniform U(±√(3 / fanIn)), randomUniform U(−0.05, 0.05) (TF.js's RandomUniform defaults, the default of
 * embeddings), orthogonal (a random orthogonal matrix, gain 1, as TF.js's Orthogonal: the default of recurrent
 * kernels), zeros, ones. All draw from the model's seed.
 *
 * @example
 * nn.layers.dense({ units: 64, activation: 'relu', kernelInitializer: 'heNormal' });
 */
export type InitializerName = 'glorotUniform' | 'glorotNormal' | 'heNormal' | 'heUniform' | 'leCunNormal' | 'leCunUniform' |
  'randomUniform' | 'orthogonal' | 'zeros' | 'ones';
/**
 * Every initializer name layers take.
 *
 * @example
 * nn.INITIALIZER_NAMES.includes('heUniform');   // true
 */
export const INITIALIZER_NAMES: readonly InitializerName[] =
  ['glorotUniform', 'glorotNormal', 'heNormal', 'heUniform', 'leCunNormal', 'leCunUniform', 'randomUniform', 'orthogonal', 'zeros',
    'ones'];

/** Fan-in and fan-out of a weight shape, as Keras computes them (the last axis is the output). */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

// Keras' truncated normal draws from N(0, σ²) cut at ±2σ; dividing by this constant (the std of a standard
// normal truncated to [−2, 2]) keeps the requested variance.
const TRUNC_STD = 0.87962566103423978;

/**
 * Fills `out` with initial values for a weight of `shape`, drawing from `rng`.
 *
 * @example
 * const w = new Float32Array(784 * 128);
 * initialize('heNormal', [784, 128], w, new Rng(42));
 */
export function initialize(name: InitializerName, shape: readonly number[], out: Float32Array, rng: Rng): void {
  checkName('initializer', name, INITIALIZER_NAMES);
  const [fanIn, fanOut] = fans(shape);
  switch (name) {
    case 'zeros': out.fill(0); return;
    case 'ones': out.fill(1); return;
    case 'glorotUniform': {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < out.length; i++) out[i] = (2 * rng.next() - 1) * limit;
      return;
    }
    case 'heUniform': {
      const limit = Math.sqrt(6 / fanIn);
      for (let i = 0; i < out.length; i++) out[i] = (2 * rng.next() - 1) * limit;
      return;
    }
    case 'glorotNormal': {
      const std = Math.sqrt(2 / (fanIn + fanOut)) / TRUNC_STD;
      for (let i = 0; i < out.length; i++) out[i] = rng.truncatedNormal() * std;
      return;
    }
    case 'heNormal': {
      const std = Math.sqrt(2 / fanIn) / TRUNC_STD;
      for (let i = 0; i < out.length; i++) out[i] = rng.truncatedNormal() * std;
      return;
    }
    case 'leCunUniform': {
      const limit = Math.sqrt(3 / fanIn);
      for (let i = 0; i < out.length; i++) out[i] = (2 * rng.next() - 1) * limit;
      return;
    }
    case 'randomUniform': {
      for (let i = 0; i < out.length; i++) out[i] = -0.05 + rng.next() * 0.1;
      return;
    }
    case 'orthogonal': orthogonal(shape, out, rng); return;
    case 'leCunNormal': {
      const std = Math.sqrt(1 / fanIn) / TRUNC_STD;
      for (let i = 0; i < out.length; i++) out[i] = rng.truncatedNormal() * std;
      return;
    }
  }
}

/**
 * A random orthogonal matrix, as Keras's and TF.js's Orthogonal (gain 1): a weight of shape [..., cols] is a matrix
 * of rows = the product of the other axes; a standard normal matrix of max(rows, cols) × min(rows, cols) is
 * factored Q·R (modified Gram–Schmidt in float64), Q's columns take the signs of R's diagonal (so Q is uniformly
 * distributed), and Q, transposed when rows < cols, fills the weight: its columns (rows < cols: its rows) are
 * orthonormal.
 */
function orthogonal(shape: readonly number[], out: Float32Array, rng: Rng): void {
  const cols = shape[shape.length - 1];
  const rows = out.length / cols;
  const m = Math.max(rows, cols), n = Math.min(rows, cols);
  // q holds the n columns of the m × n matrix, column after column
  const q = new Float64Array(m * n);
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  for (let j = 0; j < n; j++) {
    const cj = q.subarray(j * m, (j + 1) * m);
    for (let p = 0; p < j; p++) {
      const cp = q.subarray(p * m, (p + 1) * m);
      let d = 0;
      for (let i = 0; i < m; i++) d += cp[i] * cj[i];
      for (let i = 0; i < m; i++) cj[i] -= d * cp[i];
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += cj[i] * cj[i];
    norm = Math.sqrt(norm);
    // R's diagonal entry is the norm (> 0), so the sign correction keeps the column as it is; a zero column (of
    // probability 0) stays zero
    const s = norm > 0 ? 1 / norm : 0;
    for (let i = 0; i < m; i++) cj[i] *= s;
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = rows >= cols ? q[c * m + r] : q[r * m + c];
  }
}
