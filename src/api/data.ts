/**
 * Datasets for data bigger than memory, with TF.js's tf.data names and semantics: lazy, re-iterable streams of
 * elements made from a list ({@link array}), a generator function ({@link generator}) or several datasets side by
 * side ({@link zip}), transformed with map, filter, batch, shuffle, take, skip, repeat and prefetch, and trained on
 * with model.fitDataset.
 *
 * @example
 * const ds = nn.data.generator(function* () {
 *   for (let i = 0; i < 1000; i++) yield { xs: [i / 1000], ys: [2 * i / 1000] };
 * }).shuffle(100, 7).batch(32);
 * await model.fitDataset(ds, { epochs: 5 });
 *
 * @module
 */
export { array, generator, zip, Dataset } from '../data/dataset';
export type { DatasetIterator, DatasetContainer, AnyIterator } from '../data/dataset';
export { imageFolder, type ImageFolderDatasetOptions, type ImageFolderDatasets, type ImageElement } from '../io/images';
