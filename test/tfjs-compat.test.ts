// neurite/tfjs against TF.js 4.22: each case runs the same calls on both libraries and compares shape, dtype and
// values (1e-6 relative for floats, exact for int32 and bool), or that both throw.
import * as real from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as ours from '../src/tfjs/index';

real.env().set('PROD', true);

// the same code runs on two libraries
type TF = any;
interface T { shape: number[]; dtype: string; values: number[] }
type Out = T | Out[] | { [k: string]: Out } | number | string | boolean | null;

function describeResult(x: unknown): Out {
  if (x !== null && typeof x === 'object' && 'dataSync' in x && 'shape' in x) {
    const t = x as { shape: number[]; dtype: string; dataSync(): ArrayLike<number> };
    return { shape: [...t.shape], dtype: t.dtype, values: Array.from(t.dataSync(), Number) };
  }
  if (Array.isArray(x)) return x.map(describeResult);
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>, Number) as unknown as Out;
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, describeResult(v)]));
  return x as Out;
}

function run(tf: TF, f: (tf: TF) => unknown): { ok: true; out: Out } | { ok: false; error: string } {
  try {
    return { ok: true, out: describeResult(f(tf)) };
  } catch (e) {
    return { ok: false, error: String((e as Error).message) };
  }
}

function close(a: Out, b: Out, path: string): void {
  if (a !== null && typeof a === 'object' && !Array.isArray(a) && Array.isArray(a.values) && typeof a.dtype === 'string') {
    const t = b as T;
    const w = a as T;
    expect(t.shape, `${path} shape`).toEqual(w.shape);
    expect(t.dtype, `${path} dtype`).toBe(w.dtype);
    expect(t.values.length, `${path} size`).toBe(w.values.length);
    for (let i = 0; i < w.values.length; i++) {
      const x = w.values[i];
      const y = t.values[i];
      if (w.dtype !== 'float32' || !Number.isFinite(x)) expect(y, `${path}[${i}]`).toBe(x);
      else expect(Math.abs(x - y), `${path}[${i}]: ${y} vs TF.js ${x}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(x)));
    }
    return;
  }
  if (Array.isArray(a)) {
    expect(Array.isArray(b), path).toBe(true);
    expect((b as Out[]).length, `${path} length`).toBe(a.length);
    a.forEach((v, i) => close(v, (b as Out[])[i], `${path}[${i}]`));
    return;
  }
  if (a !== null && typeof a === 'object') {
    expect(Object.keys(b as object).sort(), path).toEqual(Object.keys(a).sort());
    for (const k of Object.keys(a)) close((a as Record<string, Out>)[k], (b as Record<string, Out>)[k], `${path}.${k}`);
    return;
  }
  if (typeof a === 'number' && typeof b === 'number' && !Number.isInteger(a)) expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(a)));
  else expect(b, path).toEqual(a);
}

function same(name: string, f: (tf: TF) => unknown): void {
  it(name, () => {
    const want = run(real, f);
    const got = run(ours, f);
    if (!want.ok) {
      expect(got.ok, `TF.js throws (${want.error}) but neurite/tfjs returned ${JSON.stringify(got)}`).toBe(false);
      return;
    }
    if (!got.ok) throw new Error(`neurite/tfjs threw: ${got.error}`);
    close(want.out, got.out, name);
  });
}

const A = [[1, -2, 3], [4, 5, -6]];
const B = [[0.5], [-1.5]];

describe('tensors', () => {
  same('tensor from nested arrays', (tf) => tf.tensor(A));
  same('tensor with shape and dtype', (tf) => tf.tensor([1.7, -2.7, 3, 4], [2, 2], 'int32'));
  same('tensor of booleans', (tf) => tf.tensor([true, false, true]));
  same('tensor as bool from numbers', (tf) => tf.tensor([0, 2, -1], [3], 'bool'));
  same('tensor from Int32Array and Uint8Array', (tf) => [tf.tensor(new Int32Array([1, 2])), tf.tensor(new Uint8Array([3, 4]))]);
  same('tensor from Float32Array with shape', (tf) => tf.tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]));
  same('tensor: wrong shape throws', (tf) => tf.tensor([1, 2, 3], [2, 2]));
  it('tensor: ragged arrays are a ShapeError (TF.js reads [[1, 2], [3]] as [2, 2] with three values)', () => {
    expect(() => ours.tensor([[1, 2], [3]])).toThrow(/should have 2 elements, but has 1/);
  });
  same('empty tensors', (tf) => [tf.tensor([]), tf.tensor([], [0, 3]), tf.zeros([2, 0])]);
  same('scalar, tensor1d..4d', (tf) => [tf.scalar(3.5), tf.scalar(2, 'int32'), tf.tensor1d([1, 2]), tf.tensor2d([1, 2, 3, 4], [2, 2]),
    tf.tensor3d([[[1], [2]]]), tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1])]);
  same('tensor2d of rank-1 values throws', (tf) => tf.tensor2d([1, 2, 3]));
  same('zeros, ones, fill, zerosLike, onesLike', (tf) => [tf.zeros([2, 3]), tf.ones([2], 'int32'), tf.fill([2, 2], 7), tf.fill([2], 3, 'int32'),
    tf.zerosLike(tf.tensor([1, 2], [2], 'int32')), tf.onesLike(tf.tensor([[1.5]]))]);
  same('range', (tf) => [tf.range(0, 5), tf.range(0, 10, 3), tf.range(5, 0, -2), tf.range(0, 5, 1, 'int32'), tf.range(3, 1), tf.range(5, 0, 2),
    tf.range(0, 5, -1), tf.range(0.5, 3.2, 0.7), tf.range(2, 2)]);
  same('linspace', (tf) => [tf.linspace(0, 1, 5), tf.linspace(-3, 7, 11), tf.linspace(2, 2, 1)]);
  same('eye', (tf) => [tf.eye(3), tf.eye(2, 3), tf.eye(2, 2, [2])]);
  same('buffer set/get/toTensor', (tf) => {
    const b = tf.buffer([2, 3]);
    b.set(5, 0, 1);
    b.set(-2, 1, 2);
    return [b.toTensor(), b.get(0, 1), b.get(1, 2), b.get(0, 0)];
  });
  same('buffer int32', (tf) => {
    const b = tf.buffer([3], 'int32');
    b.set(2.7, 1);
    return b.toTensor();
  });
  same('oneHot', (tf) => [tf.oneHot(tf.tensor1d([0, 2, 1], 'int32'), 3), tf.oneHot(tf.tensor1d([1, 0], 'int32'), 4, 5, -1),
    tf.oneHot(tf.tensor2d([[0], [3]], [2, 1], 'int32'), 4), tf.oneHot(tf.tensor1d([5, -1], 'int32'), 3)]);
  same('oneHot of float32 indices throws', (tf) => tf.oneHot(tf.tensor1d([0, 1]), 2));
  same('variable and assign', (tf) => {
    const v = tf.variable(tf.tensor([1, 2, 3]));
    v.assign(tf.tensor([4, 5, 6]));
    return [v, v.add(1)];
  });
  same('variable assign of another shape throws', (tf) => tf.variable(tf.zeros([2])).assign(tf.zeros([3])));
  same('shape, dtype, size, rank', (tf) => {
    const t = tf.tensor([[1, 2, 3]], undefined, 'int32');
    return [t.shape, t.dtype, t.size, t.rank, tf.scalar(1).rank, tf.scalar(1).shape];
  });
  same('arraySync', (tf) => [tf.tensor(A).arraySync(), tf.scalar(4).arraySync(), tf.tensor([true, false]).arraySync(), tf.zeros([0, 2]).arraySync()]);
  same('clone, reshape, expandDims, squeeze, flatten', (tf) => {
    const t = tf.tensor(A);
    return [t.clone(), t.reshape([3, 2]), t.reshape([-1]), t.reshape([-1, 2]), t.expandDims(), t.expandDims(1), t.expandDims(-1),
      tf.zeros([1, 3, 1]).squeeze(), tf.zeros([1, 3, 1]).squeeze([2]), t.flatten(), tf.tensor([5]).reshape([])];
  });
  same('reshape to a wrong size throws', (tf) => tf.tensor(A).reshape([4, 2]));
  same('squeeze of a non-1 axis throws', (tf) => tf.zeros([2, 3]).squeeze([0]));
  same('asType, toFloat, toInt, cast', (tf) => {
    const t = tf.tensor([-1.7, 0, 2.5, 3.9]);
    return [t.asType('int32'), t.toInt(), t.toInt().toFloat(), t.cast('bool'), tf.cast(tf.tensor([true, false]), 'float32'), tf.cast(t, 'float32')];
  });
});

describe('use after dispose', () => {
  for (const lib of [['TF.js', real], ['neurite/tfjs', ours]] as const) {
    it(`${lib[0]}: dataSync, ops and methods throw after dispose`, () => {
      const tf = lib[1] as TF;
      const t = tf.tensor([1, 2]);
      t.dispose();
      expect(t.isDisposed).toBe(true);
      expect(() => t.dataSync()).toThrow(/disposed/);
      expect(() => t.square()).toThrow(/disposed/);
      expect(() => tf.sum(t)).toThrow();
    });
  }
});

describe('arithmetic with broadcasting', () => {
  same('add, sub, mul, div of equal shapes', (tf) => {
    const a = tf.tensor(A);
    const b = tf.tensor([[2, 3, -4], [0.5, 1, 8]]);
    return [a.add(b), a.sub(b), a.mul(b), a.div(b), tf.add(a, 1), tf.mul(2, a)];
  });
  same('broadcast [2,3] with [3], [2,1], scalar', (tf) => {
    const a = tf.tensor(A);
    return [a.add(tf.tensor([1, 2, 3])), a.mul(tf.tensor(B)), a.sub(tf.scalar(2)), tf.tensor(B).add(tf.tensor([1, 2, 3]))];
  });
  same('broadcast of rank 1 against rank 4, and of size-1 axes on both sides', (tf) => [
    tf.ones([2, 1, 3, 1]).mul(tf.tensor([1, 2])),
    tf.tensor([[1], [2], [3]]).add(tf.tensor([[10, 20]])),
    tf.zeros([0, 3]).add(tf.ones([3])),
  ]);
  same('incompatible shapes throw', (tf) => tf.add(tf.zeros([2, 3]), tf.zeros([2])));
  same('int32 arithmetic stays int32; int32 / int32 is floor division', (tf) => {
    const a = tf.tensor([7, -7, 5], undefined, 'int32');
    const b = tf.tensor([2, 2, -3], undefined, 'int32');
    return [a.add(b), a.sub(b), a.mul(b), a.div(b), tf.floorDiv(a, b), tf.mod(a, b), a.add(tf.tensor([0.5, 0.5, 0.5]))];
  });
  same('unary ops', (tf) => {
    const x = tf.tensor([-2.5, -1, 0, 0.5, 3]);
    return [x.neg(), x.abs(), x.square(), x.exp(), x.sign(), x.floor(), x.ceil(), x.round(), tf.round(tf.tensor([0.5, 1.5, 2.5, -0.5])),
      x.abs().sqrt(), x.abs().add(1).log(), x.clipByValue(-1, 1), x.reciprocal(), tf.neg(tf.tensor([1, -2], [2], 'int32')), tf.abs(tf.tensor([-3], [1], 'int32'))];
  });
  same('pow, maximum, minimum, squaredDifference', (tf) => {
    const a = tf.tensor([1, 2, 3, 4]);
    const b = tf.tensor([2, 0.5, -1, 3]);
    return [tf.pow(a, b), tf.pow(a, 2), tf.maximum(a, b), tf.minimum(a, 2.5), tf.squaredDifference(a, b),
      tf.pow(tf.tensor([2, 3], [2], 'int32'), tf.tensor([3, 2], [2], 'int32'))];
  });
  same('activations', (tf) => {
    const x = tf.tensor([[-3, -0.5, 0, 0.5, 3], [1, 2, 3, 4, 5]]);
    return [x.relu(), tf.relu6(x.mul(3)), x.sigmoid(), x.tanh(), x.softmax(), tf.softmax(x, -1), tf.logSoftmax(x), tf.elu(x), tf.selu(x),
      tf.leakyRelu(x), tf.leakyRelu(x, 0.1), tf.softplus(x), tf.softmax(tf.tensor([1, 2, 3]))];
  });
  same('softmax over a non-last axis throws', (tf) => tf.softmax(tf.zeros([2, 3]), 0));
});

describe('reductions', () => {
  const X = [[[1, 2], [3, -4]], [[5, 6.5], [-7, 8]], [[0, 1], [2, 3]]];
  for (const op of ['sum', 'mean', 'max', 'min', 'prod']) {
    same(`${op} over all, axes, negative axes, keepDims`, (tf) => {
      const x = tf.tensor(X);
      return [x[op](), x[op](0), x[op](1), x[op](-1), x[op]([0, 2]), x[op](1, true), x[op]([-1, 0], true), x[op](null, true)];
    });
  }
  same('sum and prod of int32 and bool', (tf) => [tf.tensor([1, 2, 3], [3], 'int32').sum(), tf.tensor([true, true, false]).sum(),
    tf.tensor([2, 3], [2], 'int32').prod(), tf.tensor([1, 2], [2], 'int32').mean(), tf.tensor([4, 2], [2], 'int32').max()]);
  same('reductions of empty tensors', (tf) => [tf.zeros([0]).sum(), tf.zeros([2, 0]).sum(1), tf.zeros([0, 3]).sum(0)]);
  same('axis out of range throws', (tf) => tf.tensor(X).sum(3));
  same('argMax and argMin', (tf) => {
    const x = tf.tensor([[1, 9, 3], [7, 2, 7]]);
    return [x.argMax(), x.argMax(1), x.argMax(-1), x.argMin(0), x.argMin(1), tf.argMax(tf.tensor([3, 1, 3]))];
  });
  same('moments', (tf) => {
    const x = tf.tensor(X);
    return [tf.moments(x), tf.moments(x, 0), tf.moments(x, [1, 2]), tf.moments(x, -1, true)];
  });
  same('norm', (tf) => {
    const x = tf.tensor([[3, -4], [1, 2]]);
    return [tf.norm(x), tf.norm(x, 'euclidean', 1), tf.norm(x, 1, 0), tf.norm(x, Infinity, 1), tf.norm(x, 2, -1, true), 
      tf.norm(x, 'fro', [0, 1]), tf.norm(x, 1, [0, 1]), tf.norm(x, Infinity, [0, 1]), tf.norm(x.expandDims(0), 1, [1, 2], true)];
  });
  same('any and all', (tf) => {
    const x = tf.tensor([[true, false], [true, true]]);
    return [x.any(), x.all(), x.any(1), x.all(0), x.all(1, true)];
  });
  same('cumsum', (tf) => [tf.cumsum(tf.tensor([1, 2, 3, 4])), tf.cumsum(tf.tensor([[1, 2], [3, 4]]), 1), tf.cumsum(tf.tensor([1, 2, 3]), 0, true, true)]);
});

describe('comparisons, where and logic', () => {
  same('comparisons broadcast and give bool', (tf) => {
    const a = tf.tensor([[1, 2, 3], [4, 5, 6]]);
    const b = tf.tensor([2, 2, 7]);
    return [a.equal(b), a.notEqual(b), a.greater(b), a.greaterEqual(b), a.less(b), a.lessEqual(3), tf.equal(tf.tensor([1, 2], [2], 'int32'), tf.tensor([1, 2.5]))];
  });
  same('logical ops', (tf) => {
    const a = tf.tensor([true, false, true, false]);
    const b = tf.tensor([true, true, false, false]);
    return [a.logicalAnd(b), a.logicalOr(b), a.logicalXor(b), a.logicalNot(), tf.logicalAnd(tf.tensor([[true], [false]]), b)];
  });
  same('logicalAnd of float32 throws', (tf) => tf.logicalAnd(tf.tensor([1, 0]), tf.tensor([1, 1])));
  same('where, broadcasting', (tf) => {
    const c = tf.tensor([true, false, true]);
    return [tf.where(c, tf.tensor([1, 2, 3]), tf.tensor([-1, -2, -3])), tf.where(tf.tensor([[true], [false]]), tf.ones([2, 3]), tf.zeros([2, 3])),
      tf.where(tf.greater(tf.tensor([1, 5]), 2), tf.tensor([1, 5]), tf.zeros([2]))];
  });
  same('where with float32 condition throws', (tf) => tf.where(tf.tensor([1, 0]), tf.tensor([1, 2]), tf.tensor([3, 4])));
});

describe('shape ops', () => {
  same('concat', (tf) => {
    const a = tf.tensor([[1, 2], [3, 4]]);
    const b = tf.tensor([[5, 6]]);
    return [tf.concat([a, b]), tf.concat([a, a], 1), tf.concat([a, a], -1), tf.concat([tf.tensor([1]), tf.tensor([2, 3])]), a.concat(a, 1),
      tf.concat([tf.zeros([0, 2]), a]), tf.concat([tf.tensor([1, 2], [2], 'int32'), tf.tensor([3], [1], 'int32')])];
  });
  same('concat of mismatched shapes throws', (tf) => tf.concat([tf.zeros([2, 2]), tf.zeros([2, 3])], 0));
  same('stack and unstack', (tf) => {
    const a = tf.tensor([1, 2, 3]);
    const b = tf.tensor([4, 5, 6]);
    return [tf.stack([a, b]), tf.stack([a, b], 1), tf.stack([a, b], -1), tf.stack([tf.scalar(1), tf.scalar(2)]), tf.unstack(tf.tensor(A)), tf.unstack(tf.tensor(A), 1)];
  });
  same('stack of mismatched shapes throws', (tf) => tf.stack([tf.zeros([2]), tf.zeros([3])]));
  same('slice', (tf) => {
    const x = tf.tensor([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]);
    return [x.slice([1, 1], [2, 2]), x.slice([1, 0]), x.slice(1), x.slice(1, 1), x.slice([0, 2], [-1, 2]), tf.slice(tf.tensor([1, 2, 3, 4]), 1, 2), x.slice([0, 0], [0, 2])];
  });
  same('slice out of range throws', (tf) => tf.tensor([1, 2, 3]).slice(2, 2));
  same('split', (tf) => {
    const x = tf.tensor([[1, 2, 3, 4], [5, 6, 7, 8]]);
    return [tf.split(x, 2, 1), tf.split(x, [1, 3], 1), tf.split(x, [1, -1], 1), tf.split(x, 2), x.split(4, -1)];
  });
  same('split into uneven parts throws', (tf) => tf.split(tf.zeros([5]), 2));
  same('gather', (tf) => {
    const x = tf.tensor([[1, 2], [3, 4], [5, 6]]);
    return [tf.gather(x, tf.tensor1d([2, 0], 'int32')), tf.gather(x, tf.tensor1d([1, 1, 0], 'int32'), 1), x.gather([0, 2]),
      tf.gather(x, tf.tensor2d([[0, 1], [2, 2]], [2, 2], 'int32')), tf.gather(x, tf.tensor1d([], 'int32'))];
  });
  same('tile', (tf) => [tf.tile(tf.tensor([1, 2]), [3]), tf.tile(tf.tensor([[1, 2], [3, 4]]), [2, 1]), tf.tile(tf.tensor([[1], [2]]), [1, 3])]);
  same('pad', (tf) => [tf.pad(tf.tensor([1, 2]), [[1, 2]]), tf.pad(tf.tensor([[1, 2], [3, 4]]), [[0, 1], [2, 0]], 9), tf.pad(tf.tensor([[1]], [1, 1], 'int32'), [[1, 1], [1, 1]])]);
  same('reverse', (tf) => {
    const x = tf.tensor([[1, 2, 3], [4, 5, 6]]);
    return [tf.reverse(x), tf.reverse(x, 0), tf.reverse(x, 1), tf.reverse(x, -1), tf.reverse(x, [0, 1]), tf.reverse(tf.tensor([1, 2, 3]))];
  });
  same('transpose', (tf) => {
    const x = tf.tensor([[[1, 2, 3], [4, 5, 6]]]);
    return [tf.transpose(tf.tensor(A)), tf.transpose(x), tf.transpose(x, [1, 0, 2]), tf.transpose(x, [2, 0, 1]), tf.transpose(tf.tensor([1, 2]))];
  });
  same('transpose with a wrong perm throws', (tf) => tf.transpose(tf.zeros([2, 3]), [0]));
});

describe('products and the rest', () => {
  same('matMul with transposes', (tf) => {
    const a = tf.tensor(A);
    const b = tf.tensor([[1, 2], [3, 4], [5, 6]]);
    return [tf.matMul(a, b), a.matMul(b), tf.matMul(a, a, false, true), tf.matMul(a, a, true, false), tf.matMul(b, a, true, true)];
  });
  same('batched matMul with broadcasting batch dims', (tf) => [tf.matMul(tf.ones([2, 3, 4]), tf.range(0, 8).reshape([4, 2])),
    tf.matMul(tf.range(0, 24).reshape([2, 3, 4]), tf.range(0, 8).reshape([1, 4, 2]))]);
  same('matMul of int32', (tf) => tf.matMul(tf.tensor([[1, 2]], [1, 2], 'int32'), tf.tensor([[3], [4]], [2, 1], 'int32')));
  same('matMul with mismatched inner dims throws', (tf) => tf.matMul(tf.zeros([2, 3]), tf.zeros([2, 3])));
  same('dot', (tf) => {
    const v = tf.tensor([1, 2, 3]);
    const m = tf.tensor([[1, 2], [3, 4], [5, 6]]);
    return [tf.dot(v, v), tf.dot(v, m), tf.dot(m.transpose(), v), tf.dot(m.transpose(), m), v.dot(v)];
  });
  same('topk', (tf) => {
    const x = tf.tensor([[1, 9, 3, 9], [7, 2, 8, 0]]);
    return [tf.topk(x), tf.topk(x, 2), tf.topk(tf.tensor([5, 1, 5, 3], [4], 'int32'), 3), tf.topk(x, 0)];
  });
  same('topk with k above the last dimension throws', (tf) => tf.topk(tf.zeros([3]), 4));
  same('image.resizeBilinear', (tf) => {
    const img = tf.tensor(Array.from({ length: 3 * 4 * 2 }, (_, i) => (i * 7) % 11), [3, 4, 2]);
    return [tf.image.resizeBilinear(img, [5, 7]), tf.image.resizeBilinear(img, [2, 2]), tf.image.resizeBilinear(img, [6, 3], true),
      tf.image.resizeBilinear(img.expandDims(0), [4, 5], false, true), tf.image.resizeBilinear(img, [3, 4])];
  });
  same('image.resizeNearestNeighbor', (tf) => {
    const img = tf.tensor(Array.from({ length: 3 * 4 }, (_, i) => i), [3, 4, 1]);
    return [tf.image.resizeNearestNeighbor(img, [5, 7]), tf.image.resizeNearestNeighbor(img, [2, 2])];
  });
});

describe('losses and metrics', () => {
  const y = [[0, 1, 0], [1, 0, 0]];
  const p = [[0.2, 0.7, 0.1], [0.6, 0.3, 0.1]];
  same('tf.losses.*', (tf) => {
    const Y = tf.tensor(y);
    const P = tf.tensor(p);
    return [tf.losses.meanSquaredError(Y, P), tf.losses.absoluteDifference(Y, P), tf.losses.logLoss(Y, P), tf.losses.huberLoss(Y, P.mul(3)),
      tf.losses.hingeLoss(Y, P), tf.losses.softmaxCrossEntropy(Y, P.mul(4)), tf.losses.sigmoidCrossEntropy(Y, P.mul(4).sub(1)),
      tf.losses.cosineDistance(Y, P, 1), tf.losses.meanSquaredError(Y, P, tf.tensor([[1], [0]])),
      tf.losses.meanSquaredError(Y, P, undefined, tf.Reduction.NONE), tf.losses.meanSquaredError(Y, P, undefined, tf.Reduction.SUM),
      tf.losses.meanSquaredError(Y, P, tf.tensor([2, 0, 1]), tf.Reduction.MEAN), tf.losses.computeWeightedLoss(P, tf.tensor([[1], [0]]))];
  });
  same('losses of mismatched shapes throw', (tf) => tf.losses.meanSquaredError(tf.zeros([2, 3]), tf.zeros([3, 2])));
  same('tf.metrics.*', (tf) => {
    const Y = tf.tensor(y);
    const P = tf.tensor(p);
    return [tf.metrics.binaryAccuracy(Y, P), tf.metrics.categoricalAccuracy(Y, P), tf.metrics.precision(Y, P), tf.metrics.recall(Y, P),
      tf.metrics.binaryCrossentropy(Y, P), tf.metrics.categoricalCrossentropy(Y, P), tf.metrics.meanSquaredError(Y, P),
      tf.metrics.meanAbsoluteError(Y, P), tf.metrics.meanAbsolutePercentageError(Y.add(1), P), tf.metrics.cosineProximity(Y, P),
      tf.metrics.sparseCategoricalAccuracy(tf.tensor([1, 2]), P)];
  });
});

describe('memory and utilities', () => {
  same('tidy returns its result and disposes the rest', (tf) => {
    const before = tf.memory().numTensors;
    let inner: TF;
    const r = tf.tidy(() => {
      inner = tf.tensor([1, 2]).square();
      return { a: inner.sum(), b: [tf.scalar(3)] };
    });
    return [r, inner.isDisposed, tf.memory().numTensors - before];
  });
  same('keep inside tidy; nested tidy', (tf) => {
    const before = tf.memory().numTensors;
    let kept: unknown;
    const r = tf.tidy(() => {
      kept = tf.keep(tf.tensor([5]));
      const inner = tf.tidy(() => tf.ones([2]).mul(2));
      tf.ones([3]);
      return inner.add(1);
    });
    const live = tf.memory().numTensors - before;
    tf.dispose([r, kept]);
    return [r.isDisposed, (kept as { isDisposed: boolean }).isDisposed, live, tf.memory().numTensors - before];
  });
  same('util', (tf) => [tf.util.sizeFromShape([2, 3, 4]), tf.util.sizeFromShape([]), tf.util.flatten([[1, [2, 3]], [4]]),
    tf.util.arraysEqual([1, 2], [1, 2]), tf.util.clamp(0, 5, 3)]);
  same('util.assert', (tf) => tf.util.assert(1 > 2, () => 'one is not above two'));
  same('norm with ord 3 throws', (tf) => tf.norm(tf.tensor([1, 2, 2]), 3));
  same('browser.fromPixels of ImageData-like pixels', (tf) => {
    const data = new Uint8Array(Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 37) % 256));
    const img = { width: 3, height: 2, data };
    return [tf.browser.fromPixels(img), tf.browser.fromPixels(img, 4), tf.browser.fromPixels(img, 1)];
  });
  it('browser.toPixels gives the bytes TF.js gives', async () => {
    const make = (tf: TF) => [tf.tensor([[0, 0.5], [1, 0.25]]), tf.tensor([0, 128, 255, 1, 2, 3], [1, 2, 3], 'int32')];
    const want = await Promise.all(make(real).map((t) => real.browser.toPixels(t)));
    const got = await Promise.all(make(ours).map((t) => ours.browser.toPixels(t as ours.Tensor)));
    expect(got.map((a) => Array.from(a))).toEqual(want.map((a) => Array.from(a)));
  });
  it('util.shuffle permutes in place; random ops are seeded', () => {
    const a = [1, 2, 3, 4, 5, 6, 7, 8];
    ours.util.shuffle(a);
    expect([...a].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const u = ours.randomUniform([1000], -2, 3, 'float32', 42);
    expect(Array.from(u.dataSync())).toEqual(Array.from(ours.randomUniform([1000], -2, 3, 'float32', 42).dataSync()));
    expect(u.min().dataSync()[0]).toBeGreaterThanOrEqual(-2);
    expect(u.max().dataSync()[0]).toBeLessThan(3);
    const n = ours.randomNormal([20000], 1, 2, 'float32', 7);
    const m = ours.moments(n);
    expect(m.mean.dataSync()[0]).toBeCloseTo(1, 1);
    expect(Math.sqrt(m.variance.dataSync()[0])).toBeCloseTo(2, 1);
    const t = ours.truncatedNormal([5000], 0, 1, 'float32', 3);
    expect(t.abs().max().dataSync()[0]).toBeLessThanOrEqual(2);
    expect(ours.randomUniform([4], 0, 10, 'int32', 1).dtype).toBe('int32');
  });
  it('memory, backends, ready, nextFrame, env', async () => {
    await ours.ready();
    expect(await ours.setBackend('cpu')).toBe(true);
    expect(ours.getBackend()).toBe('cpu');
    expect(await ours.setBackend('wasm')).toBe(true);
    expect(ours.getBackend()).toBe('wasm');
    const m = ours.memory();
    expect(m.numTensors).toBeGreaterThanOrEqual(0);
    expect(m.neurite?.backend).toBe('wasm');
    await ours.nextFrame();
    expect(ours.env().getBool('IS_NODE')).toBe(true);
    await expect(ours.setBackend('nope')).rejects.toThrow(/unknown backend/);
  });
});
