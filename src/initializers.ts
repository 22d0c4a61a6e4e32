import { checkName } from './errors';
import type { Rng } from './random';

/**
 * A weight initializer, by name, as layers take it (kernelInitializer, biasInitializer), with Keras's formulas:
 * glorotUniform U(±√(6 / (fanIn + fanOut))), glorotNormal and heNormal truncated normals with variance
 * 2 / (fanIn + fanOut) and 2 / fanIn, heUniform U(±√(6 / fanIn)), leCunNormal a truncated normal with variance
 * 1 / fanIn, leCunUniform U(±√(3 / fanIn)), zeros, ones. All draw from the model's seed.
 *
 * @example
 * nn.layers.dense({ units: 64, activation: 'relu', kernelInitializer: 'heNormal' });
 */
export type InitializerName = 'glorotUniform' | 'glorotNormal' | 'heNormal' | 'heUniform' | 'leCunNormal' | 'leCunUniform' | 'zeros' | 'ones';
/**
 * Every initializer name layers take.
 *
 * @example
 * nn.INITIALIZER_NAMES.includes('heUniform');   // true
 */
export const INITIALIZER_NAMES: readonly InitializerName[] =
  ['glorotUniform', 'glorotNormal', 'heNormal', 'heUniform', 'leCunNormal', 'leCunUniform', 'zeros', 'ones'];

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
    case 'leCunNormal': {
      const std = Math.sqrt(1 / fanIn) / TRUNC_STD;
      for (let i = 0; i < out.length; i++) out[i] = rng.truncatedNormal() * std;
      return;
    }
  }
}
