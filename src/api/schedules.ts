/**
 * Learning-rate schedules for an optimizer's learningRate, as functions of the optimizer step.
 *
 * @example
 * nn.optimizers.adam({ learningRate: nn.schedules.cosineDecay({ initialLearningRate: 1e-3, decaySteps: 5000 }) });
 *
 * @module
 */
export { stepDecay, exponentialDecay, cosineDecay } from '../schedules';
