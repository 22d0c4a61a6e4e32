// Random tensors with TF.js's signatures, seeded by neurite's generator: the same seed gives the same values on
// every run and backend (not TF.js's values: TF.js draws from another generator).
import { Rng } from './nn';
import { checkDtype, type DataType, makeArray, sizeOf, Tensor } from './tensor';

const rngFor = (seed?: number) => new Rng(seed ?? Math.floor(Math.random() * 2 ** 52));

function fillWith(shape: number[], dtype: DataType, draw: () => number, what: string): Tensor {
  const d = checkDtype(dtype, `${what} dtype`);
  if (d === 'bool') throw new TypeError(`Unsupported data type bool`);
  const a = makeArray(d, sizeOf(shape));
  for (let i = 0; i < a.length; i++) a[i] = d === 'int32' ? Math.round(draw()) : draw();
  return new Tensor(a, shape, d);
}

/** Uniform values in [minval, maxval). @example tf.randomUniform([2, 2], 0, 1, 'float32', 42); */
export function randomUniform(shape: number[], minval = 0, maxval = 1, dtype: DataType = 'float32', seed?: number): Tensor {
  const r = rngFor(seed);
  const d = checkDtype(dtype);
  const a = makeArray(d, sizeOf(shape));
  for (let i = 0; i < a.length; i++) a[i] = d === 'int32' ? Math.floor(minval + r.next() * (maxval - minval)) : minval + r.next() * (maxval - minval);
  return new Tensor(a, shape, d);
}

/** Uniform integers in [minval, maxval). @example tf.randomUniformInt([3], 0, 10, { seed: 1 }); */
export function randomUniformInt(shape: number[], minval: number, maxval: number, args: { seed?: number } = {}): Tensor {
  return randomUniform(shape, minval, maxval, 'int32', args.seed);
}

/** Normal values. @example tf.randomNormal([2, 2], 0, 1, 'float32', 42); */
export function randomNormal(shape: number[], mean = 0, stdDev = 1, dtype: DataType = 'float32', seed?: number): Tensor {
  const r = rngFor(seed);
  return fillWith(shape, dtype, () => mean + stdDev * r.normal(), 'randomNormal');
}

/** Standard normal values. @example tf.randomStandardNormal([3], 'float32', 7); */
export function randomStandardNormal(shape: number[], dtype: DataType = 'float32', seed?: number): Tensor {
  return randomNormal(shape, 0, 1, dtype, seed);
}

/** Normal values redrawn beyond two standard deviations. @example tf.truncatedNormal([4], 0, 1, 'float32', 3); */
export function truncatedNormal(shape: number[], mean = 0, stdDev = 1, dtype: DataType = 'float32', seed?: number): Tensor {
  const r = rngFor(seed);
  return fillWith(shape, dtype, () => {
    let v: number;
    do v = r.normal(); while (v < -2 || v > 2);
    return mean + stdDev * v;
  }, 'truncatedNormal');
}
