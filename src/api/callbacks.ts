/**
 * Callback factories in TF.js style: earlyStopping, modelCheckpoint.
 *
 * @example
 * await model.fit(x, y, { epochs: 50, validationSplit: 0.1, callbacks: [
 *   nn.callbacks.earlyStopping({ monitor: 'val_loss', patience: 3 }),
 *   nn.callbacks.modelCheckpoint({ path: 'file://./ckpt', saveBestOnly: true })] });
 *
 * @module
 */
export { earlyStopping } from '../callbacks';
export { modelCheckpoint } from '../io/checkpoint';
