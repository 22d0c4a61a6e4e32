import type { Kernels } from '../types';
import type { JsMemory } from './memory';

type LossKernels = Pick<Kernels, 'f32_mse' | 'f32_bce' | 'f32_cce' | 'f32_sparse_cce' | 'f32_softmax_cce' |
  'f32_softmax_sparse_cce' | 'f32_count_argmax_match' | 'f32_count_argmax_label' | 'f32_count_binary_match'>;

export function lossKernels(mem: JsMemory): LossKernels {
  const todo = (): never => { throw new Error('not implemented'); };
  return { f32_mse: todo, f32_bce: todo, f32_cce: todo, f32_sparse_cce: todo, f32_softmax_cce: todo,
    f32_softmax_sparse_cce: todo, f32_count_argmax_match: todo, f32_count_argmax_label: todo,
    f32_count_binary_match: todo };
}
