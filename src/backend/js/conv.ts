import type { Kernels } from '../types';
import type { JsMemory } from './memory';

type ConvKernels = Pick<Kernels, 'f32_im2col' | 'f32_col2im'>;

export function convKernels(mem: JsMemory): ConvKernels {
  const todo = (): never => { throw new Error('not implemented'); };
  return { f32_im2col: todo, f32_col2im: todo };
}
