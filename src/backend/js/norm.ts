import type { Kernels } from '../types';
import type { JsMemory } from './memory';

type NormKernels = Pick<Kernels, 'f32_dropout' | 'f32_mul' | 'f32_batchnorm_train' | 'f32_batchnorm_infer' |
  'f32_batchnorm_grad'>;

export function normKernels(mem: JsMemory): NormKernels {
  const todo = (): never => { throw new Error('not implemented'); };
  return { f32_dropout: todo, f32_mul: todo, f32_batchnorm_train: todo, f32_batchnorm_infer: todo,
    f32_batchnorm_grad: todo };
}
