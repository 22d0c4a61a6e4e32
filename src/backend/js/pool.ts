import type { Kernels } from '../types';
import type { JsMemory } from './memory';

type PoolKernels = Pick<Kernels, 'f32_maxpool2d' | 'f32_maxpool2d_grad' | 'f32_avgpool2d' | 'f32_avgpool2d_grad' |
  'f32_global_avgpool' | 'f32_global_avgpool_grad'>;

export function poolKernels(mem: JsMemory): PoolKernels {
  const todo = (): never => { throw new Error('not implemented'); };
  return { f32_maxpool2d: todo, f32_maxpool2d_grad: todo, f32_avgpool2d: todo, f32_avgpool2d_grad: todo,
    f32_global_avgpool: todo, f32_global_avgpool_grad: todo };
}
