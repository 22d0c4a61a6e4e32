// Text around sequence models: a vocabulary of characters or words (ids for an embedding layer, back to text),
// padding and truncating id sequences to one length (Keras's pad_sequences), and sampling the next token from a
// softmax with a temperature. Plain TypeScript: nothing here touches a backend.
import { ShapeError, ValueError } from './errors';
import { boolOption, intOption, numberOption, optionsOf, show } from './options';
import { Rng } from './random';
import { Tensor } from './tensor';

/**
 * How text is cut into tokens: every character ('char'), or words and punctuation marks ('word').
 *
 * @example
 * const split: nn.text.TokenSplit = 'word';
 */
export type TokenSplit = 'char' | 'word';

/**
 * The options of nn.text.vocabulary.
 *
 * @example
 * nn.text.vocabulary(lines, { split: 'word', lowercase: true, maxTokens: 10000, minCount: 2 });
 */
export interface VocabularyOptions {
  /**
   * 'char': each character (Unicode code point) is a token; 'word': runs of letters, digits and apostrophes are
   * tokens, and so is each other non-space character (punctuation). Default 'char'.
   */
  split?: TokenSplit;
  /** Lower-case the text before cutting it (when building and when encoding). Default false. */
  lowercase?: boolean;
  /**
   * The most ids, the two reserved ones (padding and out-of-vocabulary) included: the most frequent tokens are
   * kept. Default: no limit.
   */
  maxTokens?: number;
  /** Tokens seen fewer times than this are left out (they encode as the out-of-vocabulary id). Default 1. */
  minCount?: number;
}

/**
 * A vocabulary as plain JSON (Vocabulary.toJSON), to store next to a model.
 *
 * @example
 * const json: nn.text.VocabularyJSON = vocab.toJSON();   // { split: 'char', lowercase: false, tokens: [...] }
 */
export interface VocabularyJSON {
  /** How the vocabulary cuts text into tokens. */
  split: TokenSplit;
  /** Whether it lower-cases text first. */
  lowercase: boolean;
  /** Every token by id, from id 2 (ids 0 and 1 are padding and out-of-vocabulary). */
  tokens: string[];
}

const WORD = /[\p{L}\p{N}\p{M}']+|[^\s\p{L}\p{N}\p{M}']/gu;
/**
 * The id of padding, which embedding({ maskZero: true }) masks.
 *
 * @example
 * nn.text.padSequences(ids, { value: nn.text.PAD_ID });
 */
export const PAD_ID = 0;
/**
 * The id of a token the vocabulary does not hold.
 *
 * @example
 * vocab.id('never seen') === nn.text.OOV_ID;   // true
 */
export const OOV_ID = 1;

/**
 * Token ↔ id maps for characters or words. Id 0 is padding (what padSequences fills with, and what
 * `embedding({ maskZero: true })` masks), id 1 stands for every token the vocabulary does not hold, and the
 * tokens follow from id 2, most frequent first (ties in order of first appearance). `size` is the `inputDim`
 * an embedding layer over these ids needs.
 *
 * @example
 * const vocab = nn.text.vocabulary('hello world');
 * vocab.encode('low');        // [2, 3, 7]: 'l' and 'o' are the most frequent, then 'h', 'e', ' ', 'w'
 * vocab.decode([2, 3, 7]);    // 'low'
 * nn.layers.embedding({ inputDim: vocab.size, outputDim: 16 });
 */
export class Vocabulary {
  /** Every token by id: '' for padding (0), '[UNK]' for out-of-vocabulary (1), then the tokens. */
  readonly tokens: readonly string[];
  /** How text is cut into tokens. */
  readonly split: TokenSplit;
  /** Whether text is lower-cased first. */
  readonly lowercase: boolean;
  private readonly ids: Map<string, number>;

  /** @internal Use nn.text.vocabulary or nn.text.vocabularyFromJSON. */
  constructor(split: TokenSplit, lowercase: boolean, tokens: readonly string[]) {
    this.split = split;
    this.lowercase = lowercase;
    this.tokens = Object.freeze(['', '[UNK]', ...tokens]);
    this.ids = new Map(tokens.map((t, i) => [t, i + 2]));
  }

  /**
   * The number of ids, padding and out-of-vocabulary included: an embedding's `inputDim`, a softmax's units.
   *
   * @example
   * nn.layers.dense({ units: vocab.size, activation: 'softmax' });
   */
  get size(): number { return this.tokens.length; }

  /**
   * The text cut into tokens, as this vocabulary cuts it (lower-cased first when `lowercase`).
   *
   * @example
   * nn.text.vocabulary('', { split: 'word' }).tokenize("Don't stop.");   // ["Don't", 'stop', '.']
   */
  tokenize(text: string): string[] {
    if (typeof text !== 'string') throw new ValueError(`Vocabulary.tokenize: expected a string, got ${show(text)}`);
    return tokenize(this.lowercase ? text.toLowerCase() : text, this.split);
  }

  /**
   * The id of one token (1, out-of-vocabulary, for a token it does not hold).
   *
   * @example
   * vocab.id('e');
   */
  id(token: string): number {
    return this.ids.get(this.lowercase ? token.toLowerCase() : token) ?? OOV_ID;
  }

  /**
   * The ids of a text's tokens.
   *
   * @example
   * vocab.encode('hello');
   */
  encode(text: string): number[] {
    if (typeof text !== 'string') throw new ValueError(`Vocabulary.encode: expected a string, got ${show(text)}`);
    return this.tokenize(text).map((t) => this.ids.get(t) ?? OOV_ID);
  }

  /**
   * Text from ids: padding (0) is left out, out-of-vocabulary (1) reads '[UNK]'; characters are joined as they
   * are, words with a space (none before punctuation). ValueError for an id outside [0, size).
   *
   * @example
   * vocab.decode([2, 3, 7, 0, 0]);   // 'low'
   */
  decode(ids: ArrayLike<number> | Iterable<number>): string {
    const list = Array.from(ids as ArrayLike<number>);
    let text = '';
    list.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= this.tokens.length) {
        throw new ValueError(`Vocabulary.decode: id ${show(id)} at position ${i} is not an integer in [0, ${this.tokens.length})`);
      }
      if (id === PAD_ID) return;
      const t = this.tokens[id];
      const glued = this.split === 'char' || text === '' || (id !== OOV_ID && !/^[\p{L}\p{N}\p{M}']/u.test(t));
      text += glued ? t : ` ${t}`;
    });
    return text;
  }

  /**
   * The vocabulary as plain JSON, for nn.text.vocabularyFromJSON.
   *
   * @example
   * fs.writeFileSync('vocab.json', JSON.stringify(vocab));
   */
  toJSON(): VocabularyJSON {
    return { split: this.split, lowercase: this.lowercase, tokens: this.tokens.slice(2) };
  }
}

function tokenize(text: string, split: TokenSplit): string[] {
  return split === 'char' ? Array.from(text) : text.match(WORD) ?? [];
}

function splitOption(what: string, v: unknown): TokenSplit {
  if (v === undefined) return 'char';
  if (v !== 'char' && v !== 'word') throw new ValueError(`${what}: split must be 'char' or 'word', got ${show(v)}`);
  return v;
}

/**
 * Builds a vocabulary from a text or a list (any iterable) of texts: every token seen at least `minCount` times,
 * most frequent first, at most `maxTokens` ids in all.
 *
 * @example
 * const chars = nn.text.vocabulary(corpus);                          // characters
 * const words = nn.text.vocabulary(reviews, { split: 'word', lowercase: true, maxTokens: 20000 });
 */
export function vocabulary(texts: string | Iterable<string>, options?: VocabularyOptions): Vocabulary {
  const what = 'text.vocabulary';
  const o = optionsOf<VocabularyOptions>(what, options, ['split', 'lowercase', 'maxTokens', 'minCount']);
  const split = splitOption(what, o.split);
  const lowercase = boolOption(`${what}: lowercase`, o.lowercase, false);
  const maxTokens = o.maxTokens === undefined ? Infinity : intOption(`${what}: maxTokens`, o.maxTokens, 2);
  const minCount = o.minCount === undefined ? 1 : intOption(`${what}: minCount`, o.minCount, 1);
  const list = typeof texts === 'string' ? [texts] : texts;
  if (list === null || typeof list !== 'object' || typeof (list as Iterable<string>)[Symbol.iterator] !== 'function') {
    throw new ValueError(`${what}: expected a string or an iterable of strings, got ${show(texts)}`);
  }
  const counts = new Map<string, number>();
  let n = 0;
  for (const t of list) {
    if (typeof t !== 'string') throw new ValueError(`${what}: text ${n} is not a string, got ${show(t)}`);
    for (const tok of tokenize(lowercase ? t.toLowerCase() : t, split)) counts.set(tok, (counts.get(tok) ?? 0) + 1);
    n++;
  }
  // Map keeps insertion order and the sort is stable: ties stay in order of first appearance
  const tokens = [...counts].filter(([, c]) => c >= minCount).sort((a, b) => b[1] - a[1]).map(([t]) => t);
  return new Vocabulary(split, lowercase, tokens.slice(0, Math.max(0, maxTokens - 2)));
}

/**
 * A vocabulary from its toJSON form; ValueError naming what is wrong with it.
 *
 * @example
 * const vocab = nn.text.vocabularyFromJSON(JSON.parse(fs.readFileSync('vocab.json', 'utf8')));
 */
export function vocabularyFromJSON(json: VocabularyJSON): Vocabulary {
  const what = 'text.vocabularyFromJSON';
  const o = optionsOf<VocabularyJSON>(what, json, ['split', 'lowercase', 'tokens']);
  if (o.split === undefined) throw new ValueError(`${what}: split is missing; expected 'char' or 'word'`);
  const split = splitOption(what, o.split);
  if (typeof o.lowercase !== 'boolean') throw new ValueError(`${what}: lowercase must be true or false, got ${show(o.lowercase)}`);
  if (!Array.isArray(o.tokens)) throw new ValueError(`${what}: tokens must be an array of strings, got ${show(o.tokens)}`);
  const seen = new Set<string>();
  o.tokens.forEach((t, i) => {
    if (typeof t !== 'string' || t.length === 0) throw new ValueError(`${what}: token ${i} must be a non-empty string, got ${show(t)}`);
    if (seen.has(t)) throw new ValueError(`${what}: token ${show(t)} appears twice (again at ${i})`);
    seen.add(t);
  });
  return new Vocabulary(split, o.lowercase, o.tokens);
}

/**
 * The options of nn.text.padSequences (Keras's pad_sequences).
 *
 * @example
 * nn.text.padSequences(ids, { length: 100, padding: 'post', truncating: 'post' });
 */
export interface PadOptions {
  /** The length of every row. Default: the longest sequence's. */
  length?: number;
  /** Where short sequences are filled: 'pre' (before) or 'post' (after). Default 'pre', as in Keras. */
  padding?: 'pre' | 'post';
  /** Which end of a long sequence is cut off: 'pre' (its start) or 'post' (its end). Default 'pre', as in Keras. */
  truncating?: 'pre' | 'post';
  /** The fill value. Default 0, the padding id. */
  value?: number;
}

/**
 * Sequences of ids as one [n, length] tensor: short ones filled with `value`, long ones cut, as Keras's
 * pad_sequences does.
 *
 * @example
 * const x = nn.text.padSequences(reviews.map((r) => vocab.encode(r)), { length: 200 });   // [n, 200]
 */
export function padSequences(sequences: readonly ArrayLike<number>[], options?: PadOptions): Tensor {
  const what = 'text.padSequences';
  const o = optionsOf<PadOptions>(what, options, ['length', 'padding', 'truncating', 'value']);
  if (!Array.isArray(sequences) || sequences.length === 0) {
    throw new ShapeError(`${what}: expected a non-empty array of id sequences, got ${show(sequences)}`);
  }
  sequences.forEach((s, i) => {
    if (s === null || typeof s !== 'object' || typeof s.length !== 'number') throw new ValueError(`${what}: sequence ${i} is not an array of numbers, got ${show(s)}`);
    for (let j = 0; j < s.length; j++) {
      if (typeof s[j] !== 'number' || !Number.isFinite(s[j])) throw new ValueError(`${what}: sequence ${i} holds ${show(s[j])} at position ${j}; ids must be finite numbers`);
    }
  });
  const longest = Math.max(...sequences.map((s) => s.length));
  const length = o.length === undefined ? Math.max(1, longest) : intOption(`${what}: length`, o.length, 1, 2 ** 24);
  for (const [k, v] of [['padding', o.padding], ['truncating', o.truncating]] as const) {
    if (v !== undefined && v !== 'pre' && v !== 'post') throw new ValueError(`${what}: ${k} must be 'pre' or 'post', got ${show(v)}`);
  }
  const value = o.value === undefined ? PAD_ID : numberOption(`${what}: value`, o.value, { f32: true });
  const out = new Float32Array(sequences.length * length).fill(value);
  sequences.forEach((s, i) => {
    const n = Math.min(s.length, length);
    const from = o.truncating === 'post' ? 0 : s.length - n;
    const at = i * length + (o.padding === 'post' ? 0 : length - n);
    for (let j = 0; j < n; j++) out[at + j] = s[from + j];
  });
  return new Tensor(out, [sequences.length, length]);
}

/**
 * The options of nn.text.sample.
 *
 * @example
 * nn.text.sample(probs, { temperature: 0.7, rng: new nn.Rng(1) });
 */
export interface SampleOptions {
  /**
   * Reweights the distribution as p^(1/temperature), renormalised: below 1 sharper, above 1 flatter; 0 takes the
   * most likely index. Default 1 (the distribution as given).
   */
  temperature?: number;
  /** The random stream to draw from; pass one to make a run reproducible. Default: a stream seeded with 1 for the process. */
  rng?: Rng;
}

let defaultRng: Rng | undefined;

/**
 * Draws an index from one probability distribution (a softmax output: an array, or a [k] or [1, k] tensor),
 * reweighted by a temperature, from a seeded stream. ValueError for negative or non-finite probabilities, or
 * probabilities that sum to 0.
 *
 * @example
 * const probs = model.predict(x);                                      // [1, vocab.size]
 * const next = nn.text.sample(probs, { temperature: 0.5, rng });
 */
export function sample(probs: Tensor | ArrayLike<number>, options?: SampleOptions): number {
  const what = 'text.sample';
  const o = optionsOf<SampleOptions>(what, options, ['temperature', 'rng']);
  const temperature = o.temperature === undefined ? 1 : numberOption(`${what}: temperature`, o.temperature, { min: 0 });
  if (o.rng !== undefined && !(o.rng instanceof Rng)) throw new ValueError(`${what}: rng must be an nn.Rng, got ${show(o.rng)}`);
  const rng = o.rng ?? (defaultRng ??= new Rng(1));
  let values: ArrayLike<number>;
  if (probs instanceof Tensor) {
    if (probs.rank > 2 || (probs.rank === 2 && probs.shape[0] !== 1)) {
      throw new ShapeError(`${what}: expected one distribution, a [k] or [1, k] tensor, got shape [${probs.shape.join(', ')}]; sample each row on its own`);
    }
    values = probs.data;
  } else if (probs !== null && typeof probs === 'object' && typeof (probs as ArrayLike<number>).length === 'number') {
    values = probs;
  } else {
    throw new ValueError(`${what}: expected probabilities as an array, a typed array or a tensor, got ${show(probs)}`);
  }
  if (values.length < 1) throw new ShapeError(`${what}: there are no probabilities to sample from`);
  return sampleRow(values, 0, values.length, temperature, rng, what);
}

function sampleRow(p: ArrayLike<number>, from: number, k: number, temperature: number, rng: Rng, what: string): number {
  let best = 0, sum = 0;
  for (let i = 0; i < k; i++) {
    const v = p[from + i];
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) {
      throw new ValueError(`${what}: probability ${i} is ${show(v)}; probabilities must be finite and ≥ 0`);
    }
    if (v > p[from + best]) best = i;
    sum += v;
  }
  if (!(sum > 0)) throw new ValueError(`${what}: the probabilities sum to 0`);
  if (temperature === 0) return best;
  // in log space relative to the largest, so a small temperature neither overflows nor underflows to all zeros
  const top = Math.log(p[from + best]);
  const w = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < k; i++) {
    const v = p[from + i];
    w[i] = v > 0 ? Math.exp((Math.log(v) - top) / temperature) : 0;
    total += w[i];
  }
  let u = rng.next() * total;
  for (let i = 0; i < k; i++) {
    u -= w[i];
    if (u < 0) return i;
  }
  return best;
}
