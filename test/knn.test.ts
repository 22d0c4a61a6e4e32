import { describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { Rng } from '../src/random';
import { shapeImage } from './image-helpers';

// Brute-force float64 reference: every example's distance, a full stable sort (nearest first, then by the order
// of classes and examples), the first k vote; ties between classes go to the earliest class.
function reference(examples: { v: number[]; label: string }[], q: number[], k: number, distance: nn.KnnDistance) {
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const d = examples.map((e, i) => {
    if (distance === 'euclidean') return { d: Math.hypot(...e.v.map((x, j) => x - q[j]!)), i };
    const dot = e.v.reduce((s, x, j) => s + x * q[j]!, 0);
    return { d: 1 - dot / (norm(e.v) * norm(q)), i };
  });
  d.sort((a, b) => a.d - b.d || a.i - b.i);
  const labels = [...new Set(examples.map((e) => e.label))];
  const votes = new Map(labels.map((l) => [l, 0]));
  const voters = Math.min(k, examples.length);
  for (const { i } of d.slice(0, voters)) votes.set(examples[i]!.label, votes.get(examples[i]!.label)! + 1);
  let best = labels[0]!;
  for (const l of labels) if (votes.get(l)! > votes.get(best)!) best = l;
  return { label: best, confidences: Object.fromEntries(labels.map((l) => [l, votes.get(l)! / voters])) };
}

describe('nn.knnClassifier on hand-made points', () => {
  it('euclidean: k = 1 and k = 3 votes and confidences', () => {
    const knn = nn.knnClassifier({ distance: 'euclidean' });
    knn.addExample([0, 0], 'a');
    knn.addExample([1, 0], 'a');
    knn.addExample([5, 5], 'b');
    knn.addExample([6, 5], 'b');
    knn.addExample([3, 3], 'c');
    expect(knn.predictClass([0.2, 0.1], 1)).toEqual({ label: 'a', classIndex: 0, confidences: { a: 1, b: 0, c: 0 } });
    // nearest to (4, 4): (3,3) d=1.41, (5,5) d=1.41, (6,5) d=2.24 -> b 2/3, c 1/3
    expect(knn.predictClass([4, 4])).toEqual({ label: 'b', classIndex: 1, confidences: { a: 0, b: 2 / 3, c: 1 / 3 } });
    // k larger than the number of examples: all 5 vote
    expect(knn.predictClass([4, 4], 10).confidences).toEqual({ a: 0.4, b: 0.4, c: 0.2 });
    expect(knn.predictClass([4, 4], 10).label).toBe('a');   // a tie of 2 and 2: the first class wins
    expect(knn.getClassExampleCount()).toEqual({ a: 2, b: 2, c: 1 });
    expect(knn.getNumClasses()).toBe(3);
  });

  it('cosine: the angle counts, not the length', () => {
    const knn = nn.knnClassifier();   // cosine, k = 3
    knn.addExample([10, 0], 'x');
    knn.addExample([0, 1], 'y');
    knn.addExample([0, 100], 'y');
    knn.addExample([1, 1], 'd');
    // (0.1, 5) is nearest in angle to both y examples (cos 0.9998), then d (cos 0.721)
    expect(knn.predictClass([0.1, 5])).toEqual({ label: 'y', classIndex: 1, confidences: { x: 0, y: 2 / 3, d: 1 / 3 } });
    // (9, 9) has the angle of d = (1, 1), but is nearer in straight line to x = (10, 0)
    expect(knn.predictClass([9, 9], 1).label).toBe('d');
    const e = nn.knnClassifier({ distance: 'euclidean' });
    for (const [v, l] of [[[10, 0], 'x'], [[0, 1], 'y'], [[0, 100], 'y'], [[1, 1], 'd']] as const) e.addExample([...v], l);
    expect(e.predictClass([9, 9], 1).label).toBe('x');
    expect(knn.predictClass([100, 1], 1).label).toBe('x');
  });

  it('ties: equal distances go to the example added first; equal votes to the first class', () => {
    const knn = nn.knnClassifier({ distance: 'euclidean', k: 1 });
    knn.addExample([1, 0], 'right');
    knn.addExample([-1, 0], 'left');
    expect(knn.predictClass([0, 0])).toEqual({ label: 'right', classIndex: 0, confidences: { right: 1, left: 0 } });
    expect(knn.predictClass([0, 0], 2)).toEqual({ label: 'right', classIndex: 0, confidences: { right: 0.5, left: 0.5 } });
    // as in TF.js (object key order), integer-like labels come first in class order, ascending
    const n = nn.knnClassifier({ distance: 'euclidean', k: 2 });
    n.addExample([1], 'z');
    n.addExample([-1], 7);
    n.addExample([3], 2);
    expect(Object.keys(n.getClassExampleCount())).toEqual(['2', '7', 'z']);
    const p = n.predictClass([0]);   // z and 7 equally near: 7 is earlier in class order
    expect(p).toEqual({ label: '7', classIndex: 1, confidences: { '2': 0, '7': 0.5, z: 0.5 } });
  });

  it('clearClass and clearAllClasses; class indices keep counting', () => {
    const knn = nn.knnClassifier({ distance: 'euclidean', k: 1 });
    knn.addExample([0], 'a');
    knn.addExample([10], 'b');
    knn.clearClass('a');
    expect(knn.getClassExampleCount()).toEqual({ b: 1 });
    expect(knn.predictClass([0])).toEqual({ label: 'b', classIndex: 1, confidences: { b: 1 } });
    knn.clearAllClasses();
    expect(knn.getNumClasses()).toBe(0);
    knn.addExample([1, 2, 3], 'a');   // a new dimension is allowed once empty
    knn.addExample([1, 2, 4], 'c');
    expect(knn.predictClass([1, 2, 4]).classIndex).toBe(2);
    expect(knn.predictClass([1, 2, 3]).classIndex).toBe(0);
  });

  it('takes 1-D and [1, d] tensors and Float32Arrays', () => {
    const knn = nn.knnClassifier({ k: 1 });
    knn.addExample(nn.tensor([[1, 0, 0]]), 'a');
    knn.addExample(new Float32Array([0, 1, 0]), 'b');
    knn.addExample(nn.tensor([0, 0, 1]), 'c');
    expect(knn.predictClass(nn.tensor([0.1, 0.9, 0.1])).label).toBe('b');
    expect(knn.predictClass(nn.tensor([[0.1, 0.1, 0.9]])).label).toBe('c');
  });
});

describe('nn.knnClassifier against a brute-force float64 reference', () => {
  for (const distance of ['cosine', 'euclidean'] as const) {
    it(`${distance}: 200 random points, 4 classes, k = 1, 3, 5, 7`, () => {
      const rng = new Rng(distance === 'cosine' ? 11 : 12);
      const knn = nn.knnClassifier({ distance });
      const examples: { v: number[]; label: string }[] = [];
      for (let i = 0; i < 200; i++) {
        const label = ['p', 'q', 'r', 's'][rng.int(4)]!;
        // quantized coordinates, so that equal distances (ties) do occur
        const v = Array.from({ length: 3 }, () => rng.int(7) - 3 || 1);
        examples.push({ v, label });
        knn.addExample(v, label);
      }
      // the reference orders examples class by class, as the classifier does
      const order = Object.keys(knn.getClassExampleCount());
      const byClass = order.flatMap((l) => examples.filter((e) => e.label === l));
      let ties = 0;
      for (let t = 0; t < 100; t++) {
        const q = Array.from({ length: 3 }, () => rng.int(9) - 4 || 2);
        for (const k of [1, 3, 5, 7]) {
          const ref = reference(byClass, q, k, distance);
          const got = knn.predictClass(q, k);
          expect(got.label).toBe(ref.label);
          expect(got.confidences).toEqual(ref.confidences);
          const top = Math.max(...Object.values(ref.confidences));
          if (Object.values(ref.confidences).filter((c) => c === top).length > 1) ties++;
        }
      }
      expect(ties).toBeGreaterThan(10);   // the vote-tie rule was exercised
    });
  }

  it('a JSON round trip gives the same predictions', () => {
    const rng = new Rng(5);
    const knn = nn.knnClassifier({ k: 5, distance: 'euclidean' });
    for (let i = 0; i < 60; i++) knn.addExample(Array.from({ length: 4 }, () => rng.next() * 2 - 1), i % 3 === 0 ? 7 : ['cat', 'dog'][i % 2]!);
    knn.clearClass('dog');
    knn.addExample([0.5, 0.5, 0.5, 0.5], 'dog');
    const copy = nn.knnClassifierFromJSON(JSON.stringify(knn));
    expect(copy.k).toBe(5);
    expect(copy.distance).toBe('euclidean');
    expect(copy.getClassExampleCount()).toEqual(knn.getClassExampleCount());
    expect(copy.toJSON()).toEqual(knn.toJSON());
    for (let t = 0; t < 50; t++) {
      const q = Array.from({ length: 4 }, () => rng.next() * 2 - 1);
      expect(copy.predictClass(q)).toEqual(knn.predictClass(q));
    }
    copy.addExample([0, 0, 0, 0], 'new');
    knn.addExample([0, 0, 0, 0], 'new');
    expect(copy.predictClass([0, 0, 0, 0]).classIndex).toBe(knn.predictClass([0, 0, 0, 0]).classIndex);
  });
});

describe('nn.knnClassifier errors', () => {
  it('names the value', () => {
    expect(() => nn.knnClassifier({ k: 0 })).toThrow(/k must be a positive integer, got 0/);
    expect(() => nn.knnClassifier({ k: 2.5 })).toThrow(nn.ValueError);
    expect(() => nn.knnClassifier({ distance: 'manhattan' as 'cosine' })).toThrow(/distance must be 'cosine' or 'euclidean', got "manhattan"/);
    expect(() => nn.knnClassifier({ kk: 3 } as nn.KnnClassifierConfig)).toThrow(/unknown option "kk"; did you mean "k"\?/);
    const knn = nn.knnClassifier();
    expect(() => knn.predictClass([1, 2])).toThrow(nn.StateError);
    expect(() => knn.predictClass([1, 2])).toThrow(/no examples/);
    knn.addExample([1, 2], 'a');
    expect(() => knn.addExample([1, 2, 3], 'a')).toThrow(nn.ShapeError);
    expect(() => knn.predictClass([1, 2, 3])).toThrow(/has 3 values but the examples have 2/);
    expect(() => knn.predictClass([1, 2], 0)).toThrow(/k must be a positive integer, got 0/);
    expect(() => knn.predictClass([1, 2], -1)).toThrow(nn.ValueError);
    expect(() => knn.addExample([1, Number.NaN], 'a')).toThrow(/embedding value 1 is NaN, not a finite number/);
    expect(() => knn.predictClass([Infinity, 1])).toThrow(/embedding value 0 is Infinity/);
    expect(() => knn.addExample([0, 0], 'a')).toThrow(/all zeros/);
    expect(() => knn.addExample([1, 1], null as unknown as string)).toThrow(/a label must be a string or a finite number, got null/);
    expect(() => knn.addExample(nn.tensor([[1, 2], [3, 4]]), 'a')).toThrow(/must be 1-D or \[1, d\], got shape \[2, 2\]/);
    expect(() => knn.addExample({ x: 1 } as unknown as number[], 'a')).toThrow(nn.ValueError);
    expect(() => knn.addExample([], 'a')).toThrow(/empty/);
    expect(() => knn.clearClass('b')).toThrow(/no class "b"; the classes are "a"/);
    expect(() => nn.knnClassifierFromJSON('{')).toThrow(nn.FormatError);
    expect(() => nn.knnClassifierFromJSON('{"format":"x"}')).toThrow(/not a saved knnClassifier \(format "x"\)/);
    knn.dispose();
    expect(() => knn.predictClass([1, 2])).toThrow(/disposed/);
    expect(knn.getNumClasses()).toBe(0);
  });
});

describe('nn.knnClassifier on the embeddings of a frozen base', () => {
  it('classifies unseen drawn circles and squares from 8 examples each, and better than a network trained from scratch on them', async () => {
    const size = 24;
    const rng = new Rng(3);
    const images = (kind: 'circle' | 'square', n: number) => Array.from({ length: n }, () => shapeImage(kind, size, rng));
    const toTensor = (imgs: Uint8Array[]) => {
      const data = new Float32Array(imgs.length * size * size * 3);
      imgs.forEach((img, i) => { for (let j = 0; j < img.length; j++) data[i * img.length + j] = img[j]! / 255; });
      return new nn.Tensor(data, [imgs.length, size, size, 3]);
    };
    const convs = () => [
      nn.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [size, size, 3] }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
      nn.layers.globalAveragePooling2d({ name: 'features' }),
    ];
    // the base: pretrained on 200 other drawn images, then frozen; the embedding is its pooled feature layer
    const base = nn.sequential({ seed: 21, layers: [...convs(), nn.layers.dense({ units: 2, activation: 'softmax' })] });
    base.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    const pre = [...images('circle', 100), ...images('square', 100)];
    await base.fit(toTensor(pre), pre.map((_, i) => [i < 100 ? 0 : 1]), { epochs: 8, batchSize: 16, verbose: 0 });
    for (const l of base.layers) l.trainable = false;
    const embedder = nn.model({ inputs: base.inputs, outputs: base.getLayer('features').output as nn.SymbolicTensor });

    const train = { circle: images('circle', 8), square: images('square', 8) };
    const test = { circle: images('circle', 8), square: images('square', 8) };
    const knn = nn.knnClassifier({ k: 3 });
    for (const kind of ['circle', 'square'] as const) {
      const e = embedder.predict(toTensor(train[kind])) as nn.Tensor;
      for (let i = 0; i < 8; i++) knn.addExample(e.data.subarray(i * 16, (i + 1) * 16), kind);
    }
    expect(knn.getClassExampleCount()).toEqual({ circle: 8, square: 8 });
    let knnRight = 0;
    for (const kind of ['circle', 'square'] as const) {
      const e = embedder.predict(toTensor(test[kind])) as nn.Tensor;
      for (let i = 0; i < 8; i++) if (knn.predictClass(e.data.subarray(i * 16, (i + 1) * 16)).label === kind) knnRight++;
    }
    // from scratch: the same network, untrained, fitted on the same 16 images
    const scratch = nn.sequential({ seed: 21, layers: [...convs(), nn.layers.dense({ units: 2, activation: 'softmax' })] });
    scratch.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    await scratch.fit(toTensor([...train.circle, ...train.square]), Array.from({ length: 16 }, (_, i) => [i < 8 ? 0 : 1]), { epochs: 8, batchSize: 16, verbose: 0 });
    const probs = (scratch.predict(toTensor([...test.circle, ...test.square])) as nn.Tensor).toArray() as number[][];
    const scratchRight = probs.filter((p, i) => (p[1]! > p[0]! ? 1 : 0) === (i < 8 ? 0 : 1)).length;
    console.log(`knn on frozen embeddings: ${knnRight}/16 unseen right; from scratch: ${scratchRight}/16`);
    expect(knnRight).toBeGreaterThanOrEqual(14);
    expect(knnRight).toBeGreaterThan(scratchRight);
  }, 120_000);
});
