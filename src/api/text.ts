/**
 * Text for sequence models: a character or word vocabulary (ids for an embedding layer and back to text), padding
 * id sequences to one length, and sampling the next token from a softmax with a temperature.
 *
 * @example
 * const vocab = nn.text.vocabulary(corpus);
 * const x = nn.text.padSequences(lines.map((l) => vocab.encode(l)), { length: 64 });
 *
 * @module
 */
export { vocabulary, vocabularyFromJSON, padSequences, sample, Vocabulary, PAD_ID, OOV_ID } from '../text';
export type { VocabularyOptions, VocabularyJSON, PadOptions, SampleOptions, TokenSplit } from '../text';
