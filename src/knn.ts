// A k-nearest-neighbour classifier over embeddings, after TF.js's @tensorflow-models/knn-classifier: examples are
// kept per label, the k nearest to a query vote, and confidences are the vote fractions. Distances in float64.
import { FormatError, ShapeError, StateError, ValueError } from './errors';
import { optionsOf, show } from './options';
import { Tensor } from './tensor';

/**
 * How nearness is measured: 'cosine' (the angle, as TF.js's knn-classifier) or 'euclidean' (straight-line).
 *
 * @example
 * nn.knnClassifier({ distance: 'euclidean' });
 */
export type KnnDistance = 'cosine' | 'euclidean';
/**
 * An embedding: a 1-D or [1, d] nn.Tensor, a Float32Array or an array of numbers.
 *
 * @example
 * knn.addExample(nn.tensor([[0.1, 0.7, 0.2]]), 'cat');
 */
export type KnnEmbedding = Tensor | Float32Array | readonly number[];

/**
 * Options of nn.knnClassifier.
 *
 * @example
 * nn.knnClassifier({ k: 5, distance: 'cosine' });
 */
export interface KnnClassifierConfig {
  /** How many neighbours vote when predictClass is given no k; a positive integer. Default 3. */
  k?: number;
  /** 'cosine' or 'euclidean'. Default 'cosine'. */
  distance?: KnnDistance;
}

/**
 * What predictClass returns: the winning label, its class index, and each label's share of the k votes.
 *
 * @example
 * knn.predictClass([0.9, 0.1]);   // { label: 'cat', classIndex: 0, confidences: { cat: 0.667, dog: 0.333 } }
 */
export interface KnnPrediction {
  /** The label with the most votes (ties: the first label in the classifier's class order). */
  label: string;
  /** The index the label got when its first example was added (0, 1, ...; kept when other classes are cleared). */
  classIndex: number;
  /** Every label's votes divided by the number of voters, min(k, examples). */
  confidences: Record<string, number>;
}

/**
 * The saved form of a KnnClassifier (toJSON), read back by nn.knnClassifierFromJSON.
 *
 * @example
 * const saved: nn.KnnClassifierJSON = knn.toJSON();
 */
export interface KnnClassifierJSON {
  /** Always 'neurite-knn-classifier'. */
  format: 'neurite-knn-classifier';
  /** Always 1. */
  version: 1;
  /** The default k. */
  k: number;
  /** The distance. */
  distance: KnnDistance;
  /** The class index the next new label gets. */
  nextClassIndex: number;
  /** The classes in class order, each with its examples as number arrays. */
  classes: {
    /** The label. */
    label: string;
    /** Its class index. */
    classIndex: number;
    /** Its examples, in the order added. */
    examples: number[][];
  }[];
}

const OPTIONS = ['k', 'distance'] as const;

function checkK(what: string, k: unknown): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new ValueError(`${what}: k must be a positive integer, got ${show(k)}`);
  return k;
}

/**
 * A k-nearest-neighbour classifier on embeddings (made by nn.knnClassifier), with the methods of TF.js's
 * knn-classifier. Labels are strings; a number label is kept as its string.
 *
 * @example
 * const knn = nn.knnClassifier({ k: 3 });
 * knn.addExample([1, 0], 'left');
 * knn.addExample([0, 1], 'right');
 * knn.predictClass([0.9, 0.2], 1).label;   // 'left'
 */
export class KnnClassifier {
  /** The default number of voters. */
  readonly k: number;
  /** How nearness is measured. */
  readonly distance: KnnDistance;
  // A null-prototype object, so that classes iterate in JavaScript's key order as TF.js's do (integer-like labels
  // ascending first, then the others in the order they were added); that order breaks vote ties.
  private classes: Record<string, Float64Array[]> = Object.create(null);
  private classIds: Record<string, number> = Object.create(null);
  private nextId = 0;
  private dim = -1;
  private disposed = false;

  /**
   * Use nn.knnClassifier(config).
   *
   * @example
   * new nn.KnnClassifier({ distance: 'euclidean' });
   */
  constructor(config?: KnnClassifierConfig) {
    const c = optionsOf<KnnClassifierConfig>('knnClassifier', config, OPTIONS);
    this.k = checkK('knnClassifier', c.k ?? 3);
    const d = c.distance ?? 'cosine';
    if (d !== 'cosine' && d !== 'euclidean') throw new ValueError(`knnClassifier: distance must be 'cosine' or 'euclidean', got ${show(d)}`);
    this.distance = d;
  }

  private vector(what: string, e: unknown): Float64Array {
    if (this.disposed) throw new StateError(`knnClassifier.${what}: the classifier was disposed`);
    let values: ArrayLike<unknown>;
    if (e instanceof Tensor) {
      if (!(e.rank === 1 || (e.rank === 2 && e.shape[0] === 1))) {
        throw new ShapeError(`knnClassifier.${what}: an embedding tensor must be 1-D or [1, d], got shape [${e.shape.join(', ')}]`);
      }
      values = e.data;
    } else if (e instanceof Float32Array || Array.isArray(e)) values = e;
    else throw new ValueError(`knnClassifier.${what}: an embedding must be an nn.Tensor, a Float32Array or a number[], got ${show(e)}`);
    if (values.length === 0) throw new ShapeError(`knnClassifier.${what}: the embedding is empty`);
    if (this.dim >= 0 && values.length !== this.dim) {
      throw new ShapeError(`knnClassifier.${what}: the embedding has ${values.length} values but the examples have ${this.dim}`);
    }
    const v = new Float64Array(values.length);
    let norm = 0;
    for (let i = 0; i < v.length; i++) {
      const x = values[i];
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new ValueError(`knnClassifier.${what}: embedding value ${i} is ${show(x)}, not a finite number`);
      v[i] = x;
      norm += x * x;
    }
    if (this.distance === 'cosine' && norm === 0) throw new ValueError(`knnClassifier.${what}: the embedding is all zeros, which has no cosine distance`);
    return v;
  }

  /**
   * Adds one example of `label` (a string, or a number kept as its string). Every embedding must have as many
   * values as the first one.
   *
   * @example
   * knn.addExample(embedder.predict(image), 'cat');
   */
  addExample(embedding: KnnEmbedding, label: string | number): void {
    const v = this.vector('addExample', embedding);
    if (typeof label !== 'string' && !(typeof label === 'number' && Number.isFinite(label))) {
      throw new ValueError(`knnClassifier.addExample: a label must be a string or a finite number, got ${show(label)}`);
    }
    const key = String(label);
    if (!(key in this.classIds)) this.classIds[key] = this.nextId++;
    (this.classes[key] ??= []).push(v);
    this.dim = v.length;
  }

  /**
   * The label of the k examples nearest to `embedding` (k defaults to the classifier's), by majority vote.
   * Examples equally near are taken in class order, then in the order added; fewer than k examples all vote.
   *
   * @example
   * const { label, confidences } = knn.predictClass(embedder.predict(image));   // confidences: { cat: 0.667, dog: 0.333 }
   */
  predictClass(embedding: KnnEmbedding, k: number = this.k): KnnPrediction {
    const q = this.vector('predictClass', embedding);
    checkK('knnClassifier.predictClass', k);
    const labels = Object.keys(this.classes);
    if (labels.length === 0) throw new StateError('knnClassifier.predictClass: the classifier has no examples; call addExample first');
    const cosine = this.distance === 'cosine';
    const qn = Math.sqrt(q.reduce((s, x) => s + x * x, 0));
    const scored: { d: number; c: number; i: number }[] = [];
    labels.forEach((label, c) => {
      for (const e of this.classes[label]!) {
        let d = 0, en = 0;
        for (let j = 0; j < q.length; j++) {
          if (cosine) { d += q[j]! * e[j]!; en += e[j]! * e[j]!; } else d += (q[j]! - e[j]!) ** 2;
        }
        scored.push({ d: cosine ? -d / (qn * Math.sqrt(en)) : d, c, i: scored.length });
      }
    });
    scored.sort((a, b) => a.d - b.d || a.i - b.i);
    const voters = Math.min(k, scored.length);
    const votes = new Array<number>(labels.length).fill(0);
    for (let n = 0; n < voters; n++) votes[scored[n]!.c]!++;
    const confidences: Record<string, number> = {};
    let best = 0;
    labels.forEach((label, c) => {
      confidences[label] = votes[c]! / voters;
      if (votes[c]! > votes[best]!) best = c;
    });
    return { label: labels[best]!, classIndex: this.classIds[labels[best]!]!, confidences };
  }

  /**
   * Removes every example of `label`; ValueError when the classifier has none.
   *
   * @example
   * knn.clearClass('cat');
   */
  clearClass(label: string | number): void {
    const key = String(label);
    if (this.disposed || !(key in this.classes)) {
      throw new ValueError(`knnClassifier.clearClass: no class ${show(label)}; the classes are ${Object.keys(this.classes).map((l) => show(l)).join(', ') || 'none'}`);
    }
    delete this.classes[key];
    if (Object.keys(this.classes).length === 0) this.dim = -1;
  }

  /**
   * Removes every example; class indices keep counting from where they were, as in TF.js.
   *
   * @example
   * knn.clearAllClasses();
   */
  clearAllClasses(): void {
    this.classes = Object.create(null);
    this.dim = -1;
  }

  /**
   * The number of examples of each label, in class order.
   *
   * @example
   * knn.getClassExampleCount();   // { cat: 8, dog: 8 }
   */
  getClassExampleCount(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const label of Object.keys(this.classes)) counts[label] = this.classes[label]!.length;
    return counts;
  }

  /**
   * The number of labels with examples.
   *
   * @example
   * knn.getNumClasses();   // 2
   */
  getNumClasses(): number {
    return Object.keys(this.classes).length;
  }

  /**
   * Drops the examples; any later call but clearAllClasses is a StateError (clearClass a ValueError).
   *
   * @example
   * knn.dispose();
   */
  dispose(): void {
    this.clearAllClasses();
    this.disposed = true;
  }

  /**
   * The examples and settings as plain JSON data (float64 values, so JSON.stringify keeps them exactly).
   *
   * @example
   * const saved = JSON.stringify(knn);   // later: nn.knnClassifierFromJSON(saved)
   */
  toJSON(): KnnClassifierJSON {
    return {
      format: 'neurite-knn-classifier', version: 1, k: this.k, distance: this.distance, nextClassIndex: this.nextId,
      classes: Object.keys(this.classes).map((label) => ({ label, classIndex: this.classIds[label]!, examples: this.classes[label]!.map((e) => Array.from(e)) })),
    };
  }

  /** @internal Restores what toJSON saved, after knnClassifierFromJSON has checked it. */
  restore(j: KnnClassifierJSON): void {
    for (const c of j.classes) {
      for (const e of c.examples) this.addExample(e, c.label);
      this.classIds[c.label] = c.classIndex;
    }
    this.nextId = j.nextClassIndex;
  }
}

/**
 * A k-nearest-neighbour classifier on embeddings, as Teachable Machine classifies: cut a pretrained model at a
 * feature layer, add the embeddings of a few examples per class, then predict by the vote of the nearest.
 *
 * @example
 * const embedder = nn.model({ inputs: base.inputs, outputs: base.getLayer('global_average_pooling2d').output });
 * const knn = nn.knnClassifier({ k: 3 });   // distance 'cosine'
 * for (const [image, label] of examples) knn.addExample(embedder.predict(image), label);
 * knn.predictClass(embedder.predict(unseen)).label;
 */
export function knnClassifier(config?: KnnClassifierConfig): KnnClassifier {
  return new KnnClassifier(config);
}

/**
 * A KnnClassifier from what its toJSON returned (the object or its JSON text); FormatError when it is not that.
 *
 * @example
 * const copy = nn.knnClassifierFromJSON(JSON.stringify(knn));
 */
export function knnClassifierFromJSON(json: string | KnnClassifierJSON): KnnClassifier {
  const bad = (why: string): never => { throw new FormatError(`knnClassifierFromJSON: ${why}`); };
  let j: unknown = json;
  if (typeof json === 'string') { try { j = JSON.parse(json); } catch (e) { bad(`not JSON: ${(e as Error).message}`); } }
  const o = j as KnnClassifierJSON;
  if (o === null || typeof o !== 'object' || o.format !== 'neurite-knn-classifier' || o.version !== 1) bad(`not a saved knnClassifier (format ${show((o as { format?: unknown } | null)?.format)})`);
  if (!Array.isArray(o.classes)) bad(`classes must be an array, got ${show(o.classes)}`);
  if (!Number.isInteger(o.nextClassIndex) || o.nextClassIndex < 0) bad(`nextClassIndex must be a non-negative integer, got ${show(o.nextClassIndex)}`);
  for (const c of o.classes) {
    if (c === null || typeof c !== 'object' || typeof c.label !== 'string' || !Array.isArray(c.examples) || c.examples.length === 0 ||
      !Number.isInteger(c.classIndex) || c.classIndex < 0 || c.classIndex >= o.nextClassIndex) bad(`bad class ${show(c)}`);
  }
  const knn = new KnnClassifier({ k: o.k, distance: o.distance });
  knn.restore(o);
  return knn;
}
