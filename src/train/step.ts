// The training step: forward, the loss heads, backward, the regularization's gradient, the finite checks, gradient
// clipping and the optimizer's update, on the rows already in the plan's input and target buffers. Allocates
// nothing: everything it touches is in the model's arena.
import type { Kernels, LinearMemory } from '../backend/types';
import { TrainingError } from '../errors';
import type { BoundPlan } from '../graph/plan';
import type { Optimizer } from '../optimizers';
import type { LossHeads, SampleWeights } from './head';
import type { Params } from './params';

const F32 = 4;
/** Where a failing step was, in messages: epoch and batch of a fit, or a trainOnBatch call (epoch −1). */
const where = (epoch: number, batch: number) => (epoch < 0 ? 'in trainOnBatch' : `at epoch ${epoch + 1}, batch ${batch + 1}`);

/** Where training stands between steps and epochs; part of a model's snapshot. */
export interface Position {
  /** Optimizer steps since compile (drives schedules and Adam's bias correction). */
  iterations: number;
  /** Epochs completed by fit over the model's life. */
  epochsTrained: number;
}

/** What compile made: the loss heads and the optimizer, and the step that uses them. */
export class Step {
  constructor(readonly heads: LossHeads, readonly optimizer: Optimizer) {}

  /** The total loss: the heads' weighted losses plus Σ λ·Σw² over the regularized weights; gradients of the outputs when `grad`. */
  loss(k: Kernels, memory: LinearMemory, p: BoundPlan, params: Params, rows: number, grad: boolean, each?: number[],
    weights?: SampleWeights): number {
    let loss = this.heads.loss(k, memory, p, rows, grad, each, weights);
    for (const e of params.entries) {
      if (e.spec.l2 > 0) loss += e.spec.l2 * k.f32_sum_squares(params.paramPtr + e.offset, e.size);
    }
    return loss;
  }

  /** Forward, loss and backward on the `rows` samples in the input and target buffers; gradients land in the grad block. */
  gradients(k: Kernels, memory: LinearMemory, p: BoundPlan, params: Params, rows: number, each?: number[], weights?: SampleWeights): number {
    const fused = this.heads.fusedSteps;
    p.forward(k, rows, true, fused);
    const loss = this.loss(k, memory, p, params, rows, true, each, weights);
    p.backward(k, rows, fused);
    for (const e of params.entries) {
      if (e.spec.l2 > 0 && e.trainable) k.f32_l2_grad(params.paramPtr + e.offset, params.gradPtr + e.offset, e.size, e.spec.l2);
    }
    return loss;
  }

  /**
   * One optimizer step on the `rows` samples in the input and target buffers; returns the loss. A non-finite loss
   * or gradient stops before the update; an update that overflows restores the weights from `backupPtr` (the
   * epoch's start). TrainingError naming the model, epoch and batch (epoch −1: a trainOnBatch call).
   * `weights`: the batch's sample weights per output.
   */
  train(k: Kernels, memory: LinearMemory, p: BoundPlan, params: Params, pos: Position, rows: number, epoch: number, batch: number, each: number[],
    backupPtr: number, model: string, weights?: SampleWeights): number {
    const loss = this.gradients(k, memory, p, params, rows, each, weights);
    if (!Number.isFinite(loss)) {
      throw new TrainingError(`the loss became ${loss} ${where(epoch, batch)} of model '${model}'; ` +
        'training stopped before that batch changed the weights (try a lower learning rate, clipNorm, or check the data)');
    }
    const count = params.trainableBytes / F32;
    if (!k.f32_all_finite(params.gradPtr, count)) {
      throw new TrainingError(`the gradients became non-finite ${where(epoch, batch)} of model '${model}' ` +
        `(loss ${loss}); training stopped before that batch changed the weights (try a lower learning rate or clipNorm)`);
    }
    const opt = this.optimizer;
    if (opt.clipNorm !== undefined) {
      const norm = Math.sqrt(k.f32_sum_squares(params.gradPtr, count));
      if (norm > opt.clipNorm) k.f32_scale(params.gradPtr, count, opt.clipNorm / norm);
    }
    const lr = opt.rateAt(pos.iterations);
    pos.iterations++;
    if (count > 0) opt.apply(k, params.paramPtr, params.gradPtr, params.statePtrs, count, lr, pos.iterations);
    if (!k.f32_all_finite(params.paramPtr, params.bytes / F32)) {
      if (backupPtr) k.f32_copy(backupPtr, params.paramPtr, params.bytes / F32);
      throw new TrainingError(`the weights overflowed to non-finite values ${where(epoch, batch)} of model ` +
        `'${model}' (learning rate ${lr}); they were restored to their values at the start of ${epoch < 0 ? 'the call' : `epoch ${epoch + 1}`} ` +
        '(try a lower learning rate or clipNorm)');
    }
    return loss;
  }
}
