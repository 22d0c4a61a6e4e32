// TF.js's rank-suffixed and older names of ops exported in ops.ts.
import { concat, reverse, slice } from './ops';
import type { Tensor, TensorLike } from './tensor';

const fixed = (f: (x: TensorLike[], axis?: number) => Tensor) => (x: TensorLike[], axis?: number) => f(x, axis);
/** concat for rank-1 tensors. @example tf.concat1d([a, b]); */
export const concat1d = (x: TensorLike[]) => concat(x, 0);
/** concat for rank-2 tensors. @example tf.concat2d([a, b], 1); */
export const concat2d = fixed(concat);
/** concat for rank-3 tensors. @example tf.concat3d([a, b], 2); */
export const concat3d = fixed(concat);
/** concat for rank-4 tensors. @example tf.concat4d([a, b], 3); */
export const concat4d = fixed(concat);
/** slice of a rank-1 tensor. @example tf.slice1d(x, 1, 2); */
export const slice1d = (x: TensorLike, begin: number, size: number) => slice(x, [begin], [size]);
/** slice of a rank-2 tensor. @example tf.slice2d(x, [0, 1], [2, 1]); */
export const slice2d = (x: TensorLike, begin: number[], size: number[]) => slice(x, begin, size);
/** slice of a rank-3 tensor. @example tf.slice3d(x, [0, 0, 0], [1, 1, 1]); */
export const slice3d = slice2d;
/** slice of a rank-4 tensor. @example tf.slice4d(x, [0, 0, 0, 0], [1, 1, 1, 1]); */
export const slice4d = slice2d;
/** reverse of a rank-1 tensor. @example tf.reverse1d(x); */
export const reverse1d = (x: TensorLike) => reverse(x);
/** reverse of a rank-2 tensor. @example tf.reverse2d(x, 0); */
export const reverse2d = (x: TensorLike, axis?: number | number[]) => reverse(x, axis);
