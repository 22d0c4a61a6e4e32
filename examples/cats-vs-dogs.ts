// Transfer learning the way it is usually done: a pretrained image network, frozen, cut at a feature layer, with a
// small new head trained on your own photos, augmented; then optional fine-tuning, a save and a reload.
//   npx tsx examples/cats-vs-dogs.ts <folder> --base <model.json or its folder> [--cut layer] [--epochs 5]
//        [--fine-tune 0] [--validation 0.2] [--batch-size 16] [--range -1,1] [--learning-rate 0.001] [--save dir]
//        [--seed 1]
// The head trains with Adam at --learning-rate; fine-tuning, at a hundredth of it.
// <folder> holds one sub-folder of PNG/JPEG images per class (cats/*.jpg, dogs/*.jpg). The base is any TF.js
// Layers model of images, [height, width, 3] in: a Keras application converted with tensorflowjs_converter
// (for example tf.keras.applications.MobileNetV2(input_shape=(96, 96, 3), alpha=0.35, include_top=False), saved
// as model.h5, then `tensorflowjs_converter --input_format keras model.h5 mobilenet/`), the truncated MobileNet of a
// Teachable Machine image export (its model.json), or TF.js's hosted Layers MobileNet
// (https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_0.25_224/model.json, downloaded with its weight
// files). The images are resized to the base's input size; --range says which pixel range it expects
// (MobileNets: -1,1; loadImageFolder gives 0,1).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import * as nn from '../src/index';

interface Options {
  folder: string; base: string; cut?: string; epochs: number; fineTune: number; validation: number; batchSize: number;
  range: [number, number]; save?: string; seed: number; learningRate: number;
}

const USAGE = 'usage: npx tsx examples/cats-vs-dogs.ts <folder> --base <model.json | dir> [--cut layer] [--epochs 5] ' +
  '[--fine-tune 0] [--validation 0.2] [--batch-size 16] [--range -1,1] [--learning-rate 0.001] [--save dir] [--seed 1]';

function parseArgs(argv: string[]): Options {
  const o: Partial<Options> = { epochs: 5, fineTune: 0, validation: 0.2, batchSize: 16, range: [-1, 1], seed: 1, learningRate: 1e-3 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      if (o.folder !== undefined) throw new Error(`one folder only (got ${o.folder} and ${arg})\n${USAGE}`);
      o.folder = arg;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
    const count = (min: number) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < min) throw new Error(`${arg} needs an integer ≥ ${min}, got ${value}`);
      return n;
    };
    if (arg === '--base') o.base = value;
    else if (arg === '--cut') o.cut = value;
    else if (arg === '--epochs') o.epochs = count(1);
    else if (arg === '--fine-tune') o.fineTune = count(0);
    else if (arg === '--batch-size') o.batchSize = count(1);
    else if (arg === '--seed') o.seed = count(0);
    else if (arg === '--save') o.save = value;
    else if (arg === '--validation') {
      o.validation = Number(value);
      if (!(o.validation > 0 && o.validation < 1)) throw new Error(`--validation needs a fraction in (0, 1), got ${value}`);
    } else if (arg === '--learning-rate') {
      o.learningRate = Number(value);
      if (!(o.learningRate > 0 && o.learningRate < 1)) throw new Error(`--learning-rate needs a number in (0, 1), got ${value}`);
    } else if (arg === '--range') {
      const r = value.split(',').map(Number);
      if (r.length !== 2 || !r.every(Number.isFinite) || r[0] >= r[1]) throw new Error(`--range needs lo,hi with lo < hi, got ${value}`);
      o.range = [r[0], r[1]];
    } else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  if (o.folder === undefined) throw new Error(`a folder of class sub-folders is required\n${USAGE}`);
  if (o.base === undefined) {
    throw new Error(`--base is required: a pretrained TF.js Layers image model (see the comment at the top of ` +
      `examples/cats-vs-dogs.ts for where to get one)\n${USAGE}`);
  }
  return o as Options;
}

const fileUrl = (p: string) => (/^[a-z]+:\/\//.test(p) ? p : `file://${isAbsolute(p) ? p : resolve(p)}`);

/** The last layer of the base whose output is still an image [h, w, c]: the usual place to cut a classifier. */
function defaultCut(base: nn.LayersModel): string {
  const image = base.layers.filter((l) => l.output !== undefined && !Array.isArray(l.output) && l.output.shape.length === 3);
  if (image.length === 0) throw new Error('the base has no layer with an image-shaped output to cut at; pass --cut');
  return image[image.length - 1].name;
}

async function main(o: Options): Promise<void> {
  await nn.ready();
  const base = await nn.loadModel(fileUrl(o.base));
  const inShape = base.inputs[0].shape;
  if (inShape.length !== 3 || inShape[2] !== 3) throw new Error(`the base takes [${inShape.join(', ')}]; an image base takes [height, width, 3]`);
  const cut = o.cut ?? defaultCut(base);
  const features = nn.model({ inputs: base.inputs, outputs: base.getLayer(cut).output as nn.SymbolicTensor, name: 'features' });
  console.log(`base: ${o.base}, ${base.layers.length} layers, input ${inShape.join('x')}, cut at '${cut}' ` +
    `(${(features.outputs[0] as nn.SymbolicTensor).shape.join('x')})`);

  const data = await nn.loadImageFolder(o.folder, { size: [inShape[0], inShape[1]], validationSplit: o.validation, seed: o.seed });
  if (!data.validation) throw new Error('no validation images: add images or raise --validation');
  const classes = data.classNames;
  console.log(`data: ${data.train.labels.length} training and ${data.validation.labels.length} validation images of ${classes.join(', ')}`);

  // augmentation (training only), the base's pixel range, the frozen features, a new head
  const input = nn.input({ shape: [...inShape], name: 'image' });
  let t = nn.layers.randomFlip({ mode: 'horizontal' }).apply(input);
  t = nn.layers.randomRotation({ factor: 0.05, fillMode: 'nearest' }).apply(t);
  t = nn.layers.randomZoom({ heightFactor: 0.1, fillMode: 'nearest' }).apply(t);
  t = nn.layers.rescaling({ scale: o.range[1] - o.range[0], offset: o.range[0] }).apply(t);
  t = features.apply(t) as nn.SymbolicTensor;
  t = nn.layers.globalAveragePooling2d().apply(t);
  t = nn.layers.dropout({ rate: 0.2 }).apply(t);
  const out = nn.layers.dense({ units: classes.length, activation: 'softmax', name: 'classes' }).apply(t);
  const model = nn.model({ inputs: input, outputs: out, seed: o.seed });
  for (const layer of features.layers) layer.trainable = false;

  const val: [nn.Tensor, nn.Tensor] = [data.validation.x, data.validation.oneHot];
  const accuracy = () => (model.evaluate(...val) as { accuracy: number }).accuracy;
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: o.learningRate }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const before = accuracy();
  await model.fit(data.train.x, data.train.oneHot, { epochs: o.epochs, batchSize: o.batchSize, validationData: val });
  console.log(`frozen base + new head: validation accuracy ${accuracy().toFixed(3)} (before training ${before.toFixed(3)})`);

  if (o.fineTune > 0) {
    for (const layer of features.layers) layer.trainable = true;
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: o.learningRate / 100 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(data.train.x, data.train.oneHot, { epochs: o.fineTune, batchSize: o.batchSize, validationData: val });
    console.log(`fine-tuned: validation accuracy ${accuracy().toFixed(3)}`);
  }

  const dir = o.save ?? mkdtempSync(join(tmpdir(), 'cats-vs-dogs-'));
  await model.save(fileUrl(dir));
  const back = await nn.loadModel(fileUrl(dir));
  back.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const again = (back.evaluate(...val) as { accuracy: number }).accuracy;
  console.log(`saved to ${dir} and reloaded: validation accuracy ${again.toFixed(3)}`);
  const first = (back.predict(val[0]) as nn.Tensor).data.slice(0, classes.length);
  const best = first.indexOf(Math.max(...first));
  console.log(`first validation image: ${classes[best]} (${(100 * first[best]).toFixed(1)} %), labelled ${classes[data.validation.labels[0]]}`);
}

main(parseArgs(process.argv.slice(2))).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
