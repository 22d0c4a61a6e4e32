import type { Kernels } from '../types';
import type { JsMemory } from './memory';

type OptimKernels = Pick<Kernels, 'f32_sgd' | 'f32_momentum' | 'f32_adam' | 'f32_adamw' | 'f32_rmsprop' |
  'f32_adagrad' | 'f32_l2_grad' | 'f32_sum_squares' | 'f32_scale' | 'f32_fill' | 'f32_copy' | 'f32_gather_rows' |
  'i32_gather' | 'f32_all_finite'>;

export function optimKernels(mem: JsMemory): OptimKernels {
  const todo = (): never => { throw new Error('not implemented'); };
  return { f32_sgd: todo, f32_momentum: todo, f32_adam: todo, f32_adamw: todo, f32_rmsprop: todo,
    f32_adagrad: todo, f32_l2_grad: todo, f32_sum_squares: todo, f32_scale: todo, f32_fill: todo,
    f32_copy: todo, f32_gather_rows: todo, i32_gather: todo, f32_all_finite: todo };
}
