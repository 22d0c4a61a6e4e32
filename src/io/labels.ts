// Label encodings shared by the dataset loaders (MNIST, image folders) and users' own data.
import { ValueError } from '../errors';

/**
 * One-hot encodes integer labels: row i of the n*classes result has a 1 at column labels[i] and
 * 0 elsewhere. Throws ValueError if `classes` is not a positive integer or a label is not an
 * integer in 0..classes-1.
 *
 * @example
 * nn.oneHot(new Int32Array([2, 0]), 3); // Float32Array [0, 0, 1,  1, 0, 0]
 */
export function oneHot(labels: Int32Array | ArrayLike<number>, classes: number): Float32Array {
  if (!Number.isInteger(classes) || classes < 1) {
    throw new ValueError(`oneHot: classes must be a positive integer, got ${classes}`);
  }
  const n = labels.length;
  const out = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    const c = labels[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      throw new ValueError(`oneHot: label ${i} is ${c}; labels must be integers in 0..${classes - 1}`);
    }
    out[i * classes + c] = 1;
  }
  return out;
}
