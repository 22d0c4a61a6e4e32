// MobileNet v1 (alpha 0.25 at 96x96, alpha 1.0 at 224x224) and v2 (alpha 0.35 at 96x96, alpha 1.0 at 224x224)
// built with TF.js 4.22's own layers as Keras's applications build them (bench/mobilenet-models.ts), random weights
// and batch-norm statistics. TF.js saves each; neurite loads the file and predicts what TF.js predicts on both
// backends, and the file neurite saves predicts the same in TF.js.
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { mobilenetV1, mobilenetV2, randomize } from '../bench/mobilenet-models';
import * as nn from '../src/index';
import { BACKENDS, bitDiff, mulberry32 } from './helpers';

tf.env().set('PROD', true);

async function tfjsArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  return saved!;
}
const tfPredict = (m: tf.LayersModel, x: Float32Array, n: number, size: number) =>
  tf.tidy(() => (m.predict(tf.tensor(x, [n, size, size, 3])) as tf.Tensor).dataSync() as Float32Array);

/** Largest |a − b| / |b| over the entries (the softmax outputs are all well above 0). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
  return e;
}

const report: Record<string, number> = {};
afterAll(() => { console.log('MobileNet relative errors (largest over the images x 1000 classes):', report); });

// two images at 96x96, one at 224x224 (TF.js's cpu backend takes seconds for MobileNet v1 1.0 there)
const NETS = [
  { name: 'MobileNet v1 alpha 0.25 96x96', build: () => mobilenetV1(tf, { alpha: 0.25, classes: 1000, size: 96 }), size: 96, n: 2, layers: 92 },
  { name: 'MobileNet v2 alpha 0.35 96x96', build: () => mobilenetV2(tf, { alpha: 0.35, classes: 1000, size: 96 }), size: 96, n: 2, layers: 156 },
  { name: 'MobileNet v1 alpha 1.0 224x224', build: () => mobilenetV1(tf, { alpha: 1, classes: 1000, size: 224 }), size: 224, n: 1, layers: 92 },
  { name: 'MobileNet v2 alpha 1.0 224x224', build: () => mobilenetV2(tf, { alpha: 1, classes: 1000, size: 224 }), size: 224, n: 1, layers: 156 },
];

describe.each(NETS)('$name, random weights', ({ name, build, size, n, layers }) => {
  it('TF.js → neurite on wasm and js within 1e-4 relative; neurite → TF.js the same', async () => {
    await tf.setBackend('cpu');
    const tm = build();
    randomize(tf, tm, name.length);
    expect(tm.layers.length).toBe(layers);
    const next = mulberry32(7);
    const x = Float32Array.from({ length: n * size * size * 3 }, () => next() * 2 - 1);
    const want = tfPredict(tm, x, n, size);
    // a softmax over 1000 classes that is not flat and not saturated
    const top = Math.max(...want.subarray(0, 1000));
    expect(top).toBeGreaterThan(2 / 1000);
    expect(top).toBeLessThan(0.5);
    const artifacts = await tfjsArtifacts(tm);
    const outputs: Float32Array[] = [];
    for (const backend of BACKENDS) {
      await nn.setBackend(backend);
      const model = await nn.loadModel(nn.io.fromMemory(artifacts));
      expect(model.countParams()).toBe(tm.countParams());
      const got = (model.predict(nn.tensor(x, [n, size, size, 3])) as nn.Tensor).data;
      outputs.push(got);
      const err = relErr(got, want);
      report[`${name} ${backend}`] = err;
      expect(err, backend).toBeLessThan(1e-4);
      if (backend === 'wasm') {
        let saved: nn.ModelArtifacts | undefined;
        await model.save(nn.io.withSaveHandler((a) => { saved = a; }));
        const back = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
        const again = tfPredict(back, x, n, size);
        report[`${name} neurite → TF.js`] = relErr(again, want);
        expect(relErr(again, got)).toBeLessThan(1e-4);
        back.dispose();
      }
    }
    // the two backends give the same bits
    expect(bitDiff(outputs[0], outputs[1])).toBe(0);
    tm.dispose();
  }, 120_000);
});
