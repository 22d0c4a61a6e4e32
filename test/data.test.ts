// nn.data: datasets with TF.js's tf.data semantics. Exact element lists for every method, sizes as TF.js
// computes them, the same pipelines run through TF.js 4.22's tf.data for comparison, a seeded shuffle that is
// reproducible and a permutation, laziness (nothing read before iteration, reads stop after take), and errors.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A batch (or any element) as plain values: tensors become { shape, values }. */
function plain(v: unknown): unknown {
  if (v instanceof nn.Tensor) return { shape: [...v.shape], values: Array.from(v.data) };
  if (v instanceof tf.Tensor) return { shape: [...v.shape], values: Array.from(v.dataSync()) };
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}
const all = async (ds: { toArray(): Promise<unknown[]> }) => plain(await ds.toArray());
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('nn.data sources and methods', () => {
  it('array, map, filter, take, skip, repeat, concatenate give the listed elements and sizes', async () => {
    const a = nn.data.array([1, 2, 3, 4, 5, 6]);
    expect(a.size).toBe(6);
    expect(await a.toArray()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await a.map((x) => x * 10).toArray()).toEqual([10, 20, 30, 40, 50, 60]);
    expect(await a.mapAsync(async (x) => x + 0.5).toArray()).toEqual([1.5, 2.5, 3.5, 4.5, 5.5, 6.5]);
    expect(await a.filter((x) => x % 2 === 0).toArray()).toEqual([2, 4, 6]);
    expect(a.filter((x) => x > 1).size).toBe(null);
    expect(await a.take(2).toArray()).toEqual([1, 2]);
    expect(a.take(2).size).toBe(2);
    expect(await a.take(-1).toArray()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(a.take(10).size).toBe(6);
    expect(await a.skip(4).toArray()).toEqual([5, 6]);
    expect(a.skip(4).size).toBe(2);
    expect(await a.skip(-1).toArray()).toEqual([]);
    expect(a.skip(10).size).toBe(0);
    expect(await a.take(2).repeat(3).toArray()).toEqual([1, 2, 1, 2, 1, 2]);
    expect(a.take(2).repeat(3).size).toBe(6);
    expect(a.repeat().size).toBe(Infinity);
    expect(await a.repeat().take(8).toArray()).toEqual([1, 2, 3, 4, 5, 6, 1, 2]);
    expect(await a.repeat(0).toArray()).toEqual([]);
    expect(await a.take(1).concatenate(a.skip(5)).toArray()).toEqual([1, 6]);
    // the empty dataset repeated forever ends
    expect(await nn.data.array([]).repeat().toArray()).toEqual([]);
    // each method leaves its dataset as it was, and each iteration starts anew
    expect(await a.toArray()).toEqual([1, 2, 3, 4, 5, 6]);
    const seen: number[] = [];
    for await (const v of a.skip(3)) seen.push(v);
    for await (const v of a.take(1)) seen.push(v);
    expect(seen).toEqual([4, 5, 6, 1]);
    const visited: number[] = [];
    await a.take(3).forEachAsync(async (v) => { await new Promise((r) => setTimeout(r, 1)); visited.push(v); });
    expect(visited).toEqual([1, 2, 3]);
  });

  it('generator: sync and async generator functions, called anew per iteration, read lazily', async () => {
    let calls = 0;
    let reads = 0;
    const ds = nn.data.generator(function* () {
      calls++;
      for (let i = 0; i < 5; i++) {
        reads++;
        yield { xs: [i, -i], ys: i % 2 };
      }
    });
    expect(ds.size).toBe(null);
    expect(calls).toBe(0); // nothing runs before iteration
    expect(plain(await ds.toArray())).toEqual(range(5).map((i) => ({ xs: [i, -i], ys: i % 2 })));
    expect(calls).toBe(1);
    expect(await ds.map((e) => e.ys).toArray()).toEqual([0, 1, 0, 1, 0]);
    expect(calls).toBe(2);
    reads = 0;
    expect(await ds.take(2).map((e) => e.ys).toArray()).toEqual([0, 1]);
    expect(reads).toBe(2); // take stops reading
    const asyncDs = nn.data.generator(async function* () {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 1));
        yield i * i;
      }
    });
    expect(await asyncDs.toArray()).toEqual([0, 1, 4]);
    // a function returning a bare iterator with next(), as TF.js allows
    const bare = nn.data.generator(() => {
      let i = 0;
      return { next: () => (i < 3 ? { value: i++, done: false } : { value: undefined, done: true }) };
    });
    expect(await bare.toArray()).toEqual([0, 1, 2]);
    // and TF.js's iterator() protocol on our side
    const it = await nn.data.array([7, 8]).iterator();
    expect(await it.next()).toEqual({ value: 7, done: false });
    expect(await it.next()).toEqual({ value: 8, done: false });
    expect((await it.next()).done).toBe(true);
  });

  it('batch stacks tensors, numbers, number arrays, typed arrays, strings and objects; smallLastBatch', async () => {
    const rows = [
      { xs: nn.tensor([[1, 2]]), ys: 0, w: [1, 2, 3], name: 'a', t: new Int32Array([5, 6]) },
      { xs: nn.tensor([[3, 4]]), ys: 1, w: [4, 5, 6], name: 'b', t: new Int32Array([7, 8]) },
      { xs: nn.tensor([[5, 6]]), ys: 2, w: [7, 8, 9], name: 'c', t: new Int32Array([9, 10]) },
    ];
    const b = nn.data.array(rows).batch(2);
    expect(b.size).toBe(2);
    expect(await all(b)).toEqual([
      { xs: { shape: [2, 1, 2], values: [1, 2, 3, 4] }, ys: { shape: [2], values: [0, 1] }, w: { shape: [2, 3], values: [1, 2, 3, 4, 5, 6] },
        name: ['a', 'b'], t: { shape: [2, 2], values: [5, 6, 7, 8] } },
      { xs: { shape: [1, 1, 2], values: [5, 6] }, ys: { shape: [1], values: [2] }, w: { shape: [1, 3], values: [7, 8, 9] },
        name: ['c'], t: { shape: [1, 2], values: [9, 10] } },
    ]);
    const dropped = nn.data.array(rows).batch(2, false);
    expect(dropped.size).toBe(1);
    expect((await dropped.toArray()).length).toBe(1);
    // lists of tensors (several inputs) are batched position by position; booleans as 0/1
    const multi = nn.data.array([[nn.tensor([1]), { a: true }], [nn.tensor([2]), { a: false }]]).batch(2);
    expect(await all(multi)).toEqual([[{ shape: [2, 1], values: [1, 2] }, { a: { shape: [2], values: [1, 0] } }]]);
    expect(nn.data.array(range(10)).batch(3).size).toBe(4);
    expect(nn.data.array(range(10)).batch(3, false).size).toBe(3);
    expect(nn.data.array(range(10)).repeat().batch(3).size).toBe(Infinity);
  });

  it('zip: lists, objects and nested structures of datasets, ending with the shortest', async () => {
    const a = nn.data.array([1, 2, 3]);
    const b = nn.data.array(['x', 'y']);
    const c = nn.data.array([{ k: 10 }, { k: 20 }, { k: 30 }]);
    expect(await nn.data.zip([a, b]).toArray()).toEqual([[1, 'x'], [2, 'y']]);
    expect(nn.data.zip([a, b]).size).toBe(2);
    expect(await nn.data.zip(a, c).toArray()).toEqual([[1, { k: 10 }], [2, { k: 20 }], [3, { k: 30 }]]);
    expect(await nn.data.zip({ xs: a, more: { ys: c } }).toArray()).toEqual([
      { xs: 1, more: { ys: { k: 10 } } }, { xs: 2, more: { ys: { k: 20 } } }, { xs: 3, more: { ys: { k: 30 } } },
    ]);
    expect(nn.data.zip({ a, g: nn.data.generator(function* () { yield 1; }) }).size).toBe(null);
    const xy = nn.data.zip({ xs: nn.data.array([[0, 0], [0, 1], [1, 0], [1, 1]]), ys: nn.data.array([[0], [1], [1], [0]]) }).batch(4);
    expect(await all(xy)).toEqual([{ xs: { shape: [4, 2], values: [0, 0, 0, 1, 1, 0, 1, 1] }, ys: { shape: [4, 1], values: [0, 1, 1, 0] } }]);
  });

  it('the same pipelines through TF.js 4.22 tf.data give the same elements and sizes', async () => {
    const items = range(11).map((i) => ({ xs: [i, i * 2], ys: i % 3 }));
    const pipelines: [string, (d: any) => any][] = [
      ['batch(4)', (d) => d.batch(4)],
      ['batch(4, false)', (d) => d.batch(4, false)],
      ['take(3).repeat(2).batch(2)', (d) => d.take(3).repeat(2).batch(2)],
      ['skip(8).batch(5)', (d) => d.skip(8).batch(5)],
      ['skip(20)', (d) => d.skip(20)],
      ['filter.map.batch', (d) => d.filter((e: { ys: number }) => e.ys !== 1).map((e: { xs: number[] }) => e.xs[0]).batch(3)],
      ['take(5).concatenate', (d) => d.take(5).concatenate(d.skip(9)).batch(7)],
    ];
    for (const [name, f] of pipelines) {
      const ours = f(nn.data.array(items));
      const theirs = f(tf.data.array(items));
      expect(ours.size, name).toBe(theirs.size);
      expect(await all(ours), name).toEqual(await all(theirs));
    }
    const za = [1, 2, 3, 4];
    const zb = [[1, 0], [0, 1], [1, 1]];
    const ours = nn.data.zip({ a: nn.data.array(za), b: nn.data.array(zb) }).batch(2);
    const theirs = tf.data.zip({ a: tf.data.array(za), b: tf.data.array(zb) }).batch(2);
    expect(ours.size).toBe(theirs.size);
    expect(await all(ours)).toEqual(await all(theirs));
  });

  it('shuffle: seeded and reproducible, a permutation, reshuffled each iteration unless told not to', async () => {
    const n = 50;
    const base = nn.data.array(range(n));
    const s = base.shuffle(n, 42);
    const first = await s.toArray();
    const second = await s.toArray();
    expect([...first].sort((p, q) => p - q)).toEqual(range(n));
    expect([...second].sort((p, q) => p - q)).toEqual(range(n));
    expect(first).not.toEqual(range(n));
    expect(second).not.toEqual(first); // a new order per iteration
    // the same seed gives the same orders, iteration by iteration
    const again = base.shuffle(n, 42);
    expect(await again.toArray()).toEqual(first);
    expect(await again.toArray()).toEqual(second);
    expect(await base.shuffle(n, 43).toArray()).not.toEqual(first);
    const fixed = base.shuffle(n, 42, false);
    const f1 = await fixed.toArray();
    expect(await fixed.toArray()).toEqual(f1);
    expect([...f1].sort((p, q) => p - q)).toEqual(range(n));
    // a small buffer shuffles locally: an element never comes out before it was read into the buffer
    const local = await base.shuffle(4, 1).toArray();
    expect([...local].sort((p, q) => p - q)).toEqual(range(n));
    local.forEach((v, i) => expect(v).toBeLessThanOrEqual(i + 3));
    // with a buffer of 1 the order is kept
    expect(await base.shuffle(1, 5).toArray()).toEqual(range(n));
    // uniform with a full buffer: over 3000 shuffles of 4 elements, each element lands at position 0 about 1/4 of the time
    const counts = [0, 0, 0, 0];
    const four = nn.data.array([0, 1, 2, 3]).shuffle(4, 9);
    for (let t = 0; t < 3000; t++) counts[(await four.toArray())[0]]++;
    for (const c of counts) expect(Math.abs(c / 3000 - 0.25)).toBeLessThan(0.03);
    // shuffle then batch: batches of a permutation
    const batches = await nn.data.array(range(10)).shuffle(10, 3).batch(4).toArray() as nn.Tensor[];
    expect(batches.map((b) => b.shape[0])).toEqual([4, 4, 2]);
    expect(batches.flatMap((b) => Array.from(b.data)).sort((p, q) => p - q)).toEqual(range(10));
  });

  it('prefetch keeps the order and reads ahead of the consumer', async () => {
    let read = 0;
    const ds = nn.data.generator(function* () {
      for (let i = 0; i < 10; i++) {
        read++;
        yield i;
      }
    });
    expect(await ds.prefetch(3).toArray()).toEqual(range(10));
    read = 0;
    const it = ds.prefetch(3)[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe(0);
    await new Promise((r) => setTimeout(r, 5));
    expect(read).toBe(4); // the element given and three ahead
    await it.return!(undefined);
    expect(ds.prefetch(3).size).toBe(null);
    expect(nn.data.array([1, 2]).prefetch(1).size).toBe(2);
  });

  it('errors: bad arguments are ValueErrors naming the method and value; errors inside a source reach the reader', async () => {
    const a = nn.data.array([1, 2, 3]);
    for (const bad of [0, -1, 2.5, Number.NaN, undefined, '3']) {
      expect(() => a.shuffle(bad as number)).toThrow(nn.ValueError);
    }
    expect(() => a.shuffle(0)).toThrow(/shuffle: bufferSize must be a positive integer, got 0/);
    expect(() => a.shuffle(3, 1.5)).toThrow(/shuffle: seed must be an integer, got 1.5/);
    expect(() => a.batch(0)).toThrow(/batch: batchSize must be a positive integer, got 0/);
    expect(() => a.batch(2, 'yes' as unknown as boolean)).toThrow(nn.ValueError);
    expect(() => a.prefetch(0)).toThrow(/prefetch: bufferSize must be a positive integer/);
    expect(() => a.take(1.5)).toThrow(/take: count must be an integer/);
    expect(() => a.skip('2' as unknown as number)).toThrow(nn.ValueError);
    expect(() => a.repeat(Number.NaN)).toThrow(/repeat: count must be an integer/);
    expect(() => a.map(3 as unknown as () => 1)).toThrow(/map: transform must be a function, got 3/);
    expect(() => nn.data.array(3 as unknown as number[])).toThrow(/data.array: expected an array, got 3/);
    expect(() => nn.data.generator([1, 2] as unknown as () => Iterator<number>)).toThrow(/data.generator: fn must be a function/);
    expect(() => nn.data.zip({ a, b: 3 as unknown as nn.data.Dataset })).toThrow(/data.zip: the leaves must be datasets, but b is 3/);
    await expect(nn.data.generator(() => 5 as unknown as Iterator<number>).toArray()).rejects.toThrow(/data.generator: fn must return an iterator, got 5/);
    await expect(a.repeat().toArray()).rejects.toThrow(/toArray: the dataset is endless/);
    // batches of mismatched elements name the element and key
    await expect(nn.data.array([{ xs: [1, 2] }, { xs: [1, 2, 3] }]).batch(2).toArray()).rejects.toThrow(nn.ShapeError);
    await expect(nn.data.array([{ xs: nn.tensor([1, 2]) }, { xs: nn.tensor([1]) }]).batch(2).toArray())
      .rejects.toThrow(/batch: element 1 \(at xs\) is a tensor of shape \[1\], but element 0 is of shape \[2\]/);
    await expect(nn.data.array([{ xs: 1, ys: 2 }, { xs: 3 }]).batch(2).toArray()).rejects.toThrow(/element 1 is an object with keys xs, but element 0 is an object with keys xs, ys/);
    await expect(nn.data.array([1, 2, 3, 'x']).batch(2).toArray()).rejects.toThrow(/element 3 is "x", but element 2 is a number/);
    await expect(nn.data.array([[nn.tensor([1])], [nn.tensor([1]), nn.tensor([2])]]).batch(2).toArray()).rejects.toThrow(/element 1 is \[\{...\}, \{...\}\], but element 0 is a list of 1/);
    await expect(nn.data.array([null, null]).batch(2).toArray()).rejects.toThrow(/batch: element 0 is null, which cannot be batched/);
    // the user's own error, the same object, from a generator and from map, through every stage
    const mine = new RangeError('sensor offline');
    const failing = nn.data.generator(function* () {
      yield 1;
      throw mine;
    });
    const caught = await failing.map((x) => x).shuffle(4, 1).batch(2).prefetch(2).toArray().catch((e) => e);
    expect(caught).toBe(mine);
    const fromMap = await a.map(() => { throw mine; }).toArray().catch((e) => e);
    expect(fromMap).toBe(mine);
  });

  it('an iteration ended early closes its source (a generator\'s finally runs)', async () => {
    let closed = 0;
    const ds = nn.data.generator(function* () {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed++;
      }
    });
    expect(await ds.take(3).toArray()).toEqual([0, 1, 2]);
    expect(await ds.shuffle(5, 2).take(2).toArray()).toHaveLength(2);
    expect(await nn.data.zip([ds, nn.data.array([1])]).toArray()).toEqual([[0, 1]]);
    expect(await ds.prefetch(2).take(1).toArray()).toEqual([0]);
    expect(closed).toBe(4);
  });
});
