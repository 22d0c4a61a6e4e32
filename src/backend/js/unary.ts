import type { Kernels } from '../types';
import type { JsMemory } from './memory';

type UnaryKernels = Pick<Kernels, 'f32_bias_add' | 'f32_col_sum' | 'f32_activation' | 'f32_activation_grad' |
  'f32_softmax' | 'f32_softmax_grad'>;

export function unaryKernels(mem: JsMemory): UnaryKernels {
  const todo = (): never => { throw new Error('not implemented'); };
  return { f32_bias_add: todo, f32_col_sum: todo, f32_activation: todo, f32_activation_grad: todo,
    f32_softmax: todo, f32_softmax_grad: todo };
}
