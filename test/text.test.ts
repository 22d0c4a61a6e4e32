// nn.text: vocabularies (ids, order, limits, round trips), padSequences against Keras's pad_sequences rules, and
// sampling with a temperature against the exact reweighted distribution.
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index';

describe('nn.text.vocabulary', () => {
  it('characters: padding 0, unknown 1, then by count, ties in order of first appearance', () => {
    const v = nn.text.vocabulary('abracadabra');
    // a×5, b×2, r×2, c×1, d×1
    expect(v.tokens).toEqual(['', '[UNK]', 'a', 'b', 'r', 'c', 'd']);
    expect(v.size).toBe(7);
    expect(v.encode('cab')).toEqual([5, 2, 3]);
    expect(v.encode('zap')).toEqual([1, 2, 1]);
    expect(v.decode([5, 2, 3, 0, 0])).toBe('cab');
    expect(v.decode([1, 2])).toBe('[UNK]a');
    expect(v.id('r')).toBe(4);
    expect(v.id('q')).toBe(nn.text.OOV_ID);
  });

  it('characters are code points, not UTF-16 halves', () => {
    const v = nn.text.vocabulary('é😀é');
    expect(v.tokens.slice(2)).toEqual(['é', '😀']);
    expect(v.decode(v.encode('😀é'))).toBe('😀é');
  });

  it('words: letters, digits and apostrophes; punctuation marks are tokens; lowercase, minCount and maxTokens', () => {
    const texts = ["Don't stop, don't.", 'Stop the 2 clocks!'];
    const w = nn.text.vocabulary(texts, { split: 'word', lowercase: true });
    expect(w.tokenize("Don't stop, now.")).toEqual(["don't", 'stop', ',', 'now', '.']);
    expect(w.tokens.slice(2)).toEqual(["don't", 'stop', ',', '.', 'the', '2', 'clocks', '!']);
    expect(w.decode(w.encode("Don't stop the clocks, now!"))).toBe("don't stop the clocks, [UNK]!");
    const frequent = nn.text.vocabulary(texts, { split: 'word', lowercase: true, minCount: 2 });
    expect(frequent.tokens.slice(2)).toEqual(["don't", 'stop']);
    const small = nn.text.vocabulary(texts, { split: 'word', lowercase: true, maxTokens: 5 });
    expect(small.size).toBe(5);
    expect(small.tokens.slice(2)).toEqual(["don't", 'stop', ',']);
    const cased = nn.text.vocabulary(texts, { split: 'word' });
    expect(cased.id('Stop')).not.toBe(cased.id('stop'));
  });

  it('survives JSON, and rejects a broken one naming the problem', () => {
    const v = nn.text.vocabulary(['the cat sat on the mat'], { split: 'word' });
    const back = nn.text.vocabularyFromJSON(JSON.parse(JSON.stringify(v)));
    expect(back.tokens).toEqual(v.tokens);
    expect(back.split).toBe('word');
    expect(back.encode('the mat')).toEqual(v.encode('the mat'));
    expect(() => nn.text.vocabularyFromJSON({ split: 'word', lowercase: false, tokens: ['a', 'a'] })).toThrow(/token "a" appears twice/);
    expect(() => nn.text.vocabularyFromJSON({ lowercase: false, tokens: [] } as never)).toThrow(/split is missing/);
    expect(() => nn.text.vocabularyFromJSON({ split: 'word', lowercase: false, tokens: [''] })).toThrow(/token 0 must be a non-empty string/);
  });

  it('bad input is a ValueError naming it', () => {
    expect(() => nn.text.vocabulary('x', { split: 'words' as never })).toThrow(/split must be 'char' or 'word'/);
    expect(() => nn.text.vocabulary('x', { maxToken: 3 } as never)).toThrow(/unknown option "maxToken"; did you mean "maxTokens"/);
    expect(() => nn.text.vocabulary('x', { maxTokens: 1 })).toThrow(/maxTokens must be an integer ≥ 2, got 1/);
    expect(() => nn.text.vocabulary(['a', 3 as never])).toThrow(/text 1 is not a string, got 3/);
    expect(() => nn.text.vocabulary(42 as never)).toThrow(/expected a string or an iterable of strings/);
    const v = nn.text.vocabulary('ab');
    expect(() => v.decode([2, 7])).toThrow(/id 7 at position 1 is not an integer in \[0, 4\)/);
    expect(() => v.decode([0.5])).toThrow(nn.ValueError);
  });
});

describe('nn.text.padSequences', () => {
  const seqs = [[1, 2, 3, 4], [5], [6, 7]];
  it('pads and truncates at the start by default, as Keras does', () => {
    const t = nn.text.padSequences(seqs, { length: 3 });
    expect(t.shape).toEqual([3, 3]);
    expect(Array.from(t.data)).toEqual([2, 3, 4, 0, 0, 5, 0, 6, 7]);
  });
  it("'post' pads and truncates at the end; the longest sets the length; a fill value", () => {
    expect(Array.from(nn.text.padSequences(seqs, { length: 3, padding: 'post', truncating: 'post' }).data))
      .toEqual([1, 2, 3, 5, 0, 0, 6, 7, 0]);
    const t = nn.text.padSequences(seqs, { value: -1 });
    expect(t.shape).toEqual([3, 4]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, -1, -1, -1, 5, -1, -1, 6, 7]);
    expect(Array.from(nn.text.padSequences([new Int32Array([9, 8])], { length: 3 }).data)).toEqual([0, 9, 8]);
  });
  it('errors name the sequence, the position and the option', () => {
    expect(() => nn.text.padSequences([])).toThrow(/non-empty array of id sequences/);
    expect(() => nn.text.padSequences([[1], [2, Number.NaN]])).toThrow(/sequence 1 holds NaN at position 1/);
    expect(() => nn.text.padSequences(seqs, { padding: 'left' as never })).toThrow(/padding must be 'pre' or 'post', got "left"/);
    expect(() => nn.text.padSequences(seqs, { length: 0 })).toThrow(/length must be an integer in \[1, 16777216\], got 0/);
  });
});

describe('nn.text.sample', () => {
  const p = [0.1, 0.2, 0.3, 0.4];
  /** Frequencies of n draws from one seeded stream. */
  const counts = (n: number, o: nn.text.SampleOptions) => {
    const c = new Array(p.length).fill(0);
    for (let i = 0; i < n; i++) c[nn.text.sample(p, o)]++;
    return c.map((x) => x / n);
  };
  it('follows p^(1/T), renormalised (20,000 seeded draws within 0.015 of each exact probability)', () => {
    for (const T of [1, 0.5, 2]) {
      const w = p.map((x) => x ** (1 / T));
      const total = w.reduce((a, b) => a + b, 0);
      const freq = counts(20000, { temperature: T, rng: new nn.Rng(7) });
      freq.forEach((f, i) => expect(Math.abs(f - w[i] / total), `T=${T} index ${i}`).toBeLessThan(0.015));
    }
  });
  it('temperature 0 is the argmax; a tiny one neither overflows nor underflows; the same seed gives the same draws', () => {
    expect(nn.text.sample([0.3, 0.5, 0.2], { temperature: 0 })).toBe(1);
    const rng = new nn.Rng(1);
    for (let i = 0; i < 50; i++) expect(nn.text.sample([1e-30, 0.51, 0.49], { temperature: 1e-4, rng })).toBe(1);
    const a = counts(200, { rng: new nn.Rng(3) }), b = counts(200, { rng: new nn.Rng(3) });
    expect(a).toEqual(b);
    expect(nn.text.sample(nn.tensor([[0, 0, 1]]))).toBe(2);
  });
  it('rejects what is not a distribution', () => {
    expect(() => nn.text.sample([0.5, -0.1])).toThrow(/probability 1 is -0.1; probabilities must be finite and ≥ 0/);
    expect(() => nn.text.sample([0, 0])).toThrow(/sum to 0/);
    expect(() => nn.text.sample([Number.NaN, 1])).toThrow(/probability 0 is NaN/);
    expect(() => nn.text.sample([1], { temperature: -1 })).toThrow(/temperature must be a finite number ≥ 0, got -1/);
    expect(() => nn.text.sample(nn.tensor([[0.5, 0.5], [0.5, 0.5]]))).toThrow(/expected one distribution/);
    expect(() => nn.text.sample([1], { rng: 3 as never })).toThrow(/rng must be an nn.Rng/);
  });
});
