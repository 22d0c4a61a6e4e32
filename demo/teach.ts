// The "teach it" page: transfer learning in the browser, as Teachable Machine does it. A frozen base network (the
// small MobileNet-style one the demo's build trains on drawn shapes, demo/teach-base.mjs) is cut at its pooled
// 'features' layer; every picture the user adds to one of three named classes becomes 64 features; a new head
// (dense 32 relu → dense 3 softmax) trains on them in a Web Worker with nn.fitInWorker, and its weights come back
// after each epoch (onWeights) so that the prediction for the picture under "Try it" follows it as it learns.
import * as nn from 'neurite';

/** The base's input side, in pixels (demo/teach-base.mjs BASE_SIZE). */
const SIZE = 32;
const CLASSES = 3;
const BATCH = 16;

type State = 'loading' | 'ready' | 'training' | 'done' | 'error';

interface Klass {
  name: HTMLInputElement;
  count: HTMLElement;
  thumbs: HTMLElement;
  fromCamera: HTMLButtonElement;
  /** One 64-value feature vector per picture. */
  features: Float32Array[];
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const statusEl = $('status');
const trainButton = $<HTMLButtonElement>('train');
const cameraButton = $<HTMLButtonElement>('camera');
const video = $<HTMLVideoElement>('video');
const tryView = $<HTMLCanvasElement>('try-view');
const probsEl = $('teach-probs');
const guessEl = $('guess');

function setState(state: State, text: string): void {
  document.body.dataset.state = state;
  statusEl.textContent = text;
}

function fail(e: unknown): void {
  console.error(e);
  setState('error', `Error — ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  trainButton.disabled = false;
}
window.addEventListener('error', (e) => fail(e.error ?? e.message));
window.addEventListener('unhandledrejection', (e) => fail(e.reason));

// ------------------------------------------------------------------ the base

/** The base from its model.json and weight files next to this page, as TF.js's loader would read them. */
async function loadBase(): Promise<nn.LayersModel> {
  const url = new URL('teach/base/model.json', location.href);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} answered ${res.status}: build the demo with \`node demo/build.mjs\``);
  const json = await res.json() as { modelTopology: unknown; weightsManifest: { paths: string[]; weights: unknown[] }[] };
  const files = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map(async (p) => {
    const r = await fetch(new URL(p, url));
    if (!r.ok) throw new Error(`${new URL(p, url)} answered ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  }));
  const weightData = new Uint8Array(files.reduce((n, f) => n + f.length, 0));
  files.reduce((at, f) => { weightData.set(f, at); return at + f.length; }, 0);
  return nn.loadModel(nn.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: weightData.buffer }));
}

let features: nn.LayersModel;

/** The base's input: `source` center-cropped to a square and scaled to SIZE×SIZE, drawn on `canvas`; RGB 0-255. */
function pixels(source: CanvasImageSource, width: number, height: number, canvas: HTMLCanvasElement): Float32Array {
  canvas.width = SIZE;
  canvas.height = SIZE;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const side = Math.min(width, height);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, (width - side) / 2, (height - side) / 2, side, side, 0, 0, SIZE, SIZE);
  const rgba = ctx.getImageData(0, 0, SIZE, SIZE).data;
  const rgb = new Float32Array(SIZE * SIZE * 3);
  for (let p = 0; p < SIZE * SIZE; p++) for (let c = 0; c < 3; c++) rgb[3 * p + c] = rgba[4 * p + c];
  return rgb;
}

/** The frozen base's 64 features of one picture. */
function embed(rgb: Float32Array): Float32Array {
  return (features.predict(nn.tensor(rgb, [1, SIZE, SIZE, 3])) as nn.Tensor).data.slice();
}

// ------------------------------------------------------------------ classes

const classes: Klass[] = [];

function buildClasses(): void {
  const host = $('classes');
  for (let i = 0; i < CLASSES; i++) {
    const el = document.createElement('div');
    el.className = 'class';
    el.dataset.class = String(i);
    el.innerHTML = `<input type="text" aria-label="name of class ${i + 1}" value="Class ${i + 1}">
      <p class="count">no pictures yet</p><div class="thumbs"></div>
      <div class="add"><label class="file">add pictures <input type="file" accept="image/*" multiple></label>
      <button type="button" class="from-camera" hidden>add camera frame</button></div>`;
    host.append(el);
    const k: Klass = {
      name: el.querySelector('input[type="text"]')!, count: el.querySelector('.count')!, thumbs: el.querySelector('.thumbs')!,
      fromCamera: el.querySelector('.from-camera')!, features: [],
    };
    classes.push(k);
    const files = el.querySelector<HTMLInputElement>('input[type="file"]')!;
    files.addEventListener('change', () => { addFiles(k, files).catch(fail); });
    k.fromCamera.addEventListener('click', () => add(k, video, video.videoWidth, video.videoHeight));
    k.name.addEventListener('input', () => showPrediction());
  }
}

function add(k: Klass, source: CanvasImageSource, width: number, height: number): void {
  const thumb = document.createElement('canvas');
  k.features.push(embed(pixels(source, width, height, thumb)));
  k.thumbs.append(thumb);
  k.count.textContent = `${k.features.length} picture${k.features.length === 1 ? '' : 's'}`;
  updateTrainable();
}

async function addFiles(k: Klass, input: HTMLInputElement): Promise<void> {
  for (const file of Array.from(input.files ?? [])) {
    const bitmap = await createImageBitmap(file);
    add(k, bitmap, bitmap.width, bitmap.height);
    bitmap.close();
  }
  input.value = '';
}

function updateTrainable(): void {
  const missing = classes.filter((k) => k.features.length === 0).map((k) => k.name.value || 'a class');
  trainButton.disabled = missing.length > 0 || document.body.dataset.state === 'training';
  $('train-note').textContent = missing.length > 0 ? `Still without pictures: ${missing.join(', ')}.`
    : `${classes.reduce((n, k) => n + k.features.length, 0)} pictures: ready to train.`;
}

// ------------------------------------------------------------------ the head

const makeHead = () => {
  const head = nn.sequential({ seed: 1, layers: [
    nn.layers.dense({ units: 32, activation: 'relu', inputShape: [features.outputs[0].shape[0] as number] }),
    nn.layers.dense({ units: CLASSES, activation: 'softmax' }),
  ] });
  head.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return head;
};
/** This page's copy of the head: it takes the worker's weights after each epoch. */
let live: nn.LayersModel | undefined;
/** Features of the picture under "Try it". */
let current: Float32Array | undefined;
/** The prediction for that picture after each epoch of the last training (the page's data-trace, for its test). */
let trace: { epoch: number; probs: number[] }[] = [];

async function train(): Promise<void> {
  const n = classes.reduce((s, k) => s + k.features.length, 0);
  const dim = classes[0].features[0].length;
  const x = new Float32Array(n * dim);
  const y = new Int32Array(n);
  let row = 0;
  classes.forEach((k, label) => {
    for (const f of k.features) { x.set(f, row * dim); y[row++] = label; }
  });
  const epochs = Math.max(1, Math.min(200, Math.round(Number($<HTMLInputElement>('epochs').value)) || 40));
  trainButton.disabled = true;
  setState('training', `Training the head in a Web Worker on ${n} pictures…`);
  const head = makeHead();
  live = makeHead();
  trace = [];
  let accuracy = NaN;
  await nn.fitInWorker(head, nn.tensor(x, [n, dim]), y, {
    epochs, batchSize: BATCH,
    onWeights(weights, at) {
      live!.setWeights(weights);
      document.body.dataset.epoch = String(at.epoch + 1);
      const probs = showPrediction();
      if (probs) {
        trace.push({ epoch: at.epoch + 1, probs });
        probsEl.dataset.trace = JSON.stringify(trace);
      }
    },
    callbacks: {
      onEpochEnd(epoch, logs) {
        accuracy = logs.accuracy ?? NaN;
        statusEl.textContent = `Training the head in a Web Worker: epoch ${epoch + 1} / ${epochs}, loss ${logs.loss.toFixed(3)}, accuracy ${accuracy.toFixed(3)}`;
      },
    },
  });
  live.setWeights(head.getWeights());
  setState('done', `Done — training accuracy ${accuracy.toFixed(3)} after ${epochs} epochs on ${n} pictures`);
  updateTrainable();
  showPrediction();
}

/** Shows the head's class probabilities for the picture under "Try it"; returns them (none before training). */
function showPrediction(): number[] | undefined {
  if (!current || !live) return undefined;
  const p = (live.predict(nn.tensor(current, [1, current.length])) as nn.Tensor).data;
  const top = p.indexOf(Math.max(...p));
  probsEl.replaceChildren(...classes.map((k, i) => {
    const li = document.createElement('li');
    if (i === top) li.className = 'top';
    li.innerHTML = '<span class="name"></span><span class="bar"><span class="fill"></span></span><span class="p"></span>';
    li.querySelector('.name')!.textContent = k.name.value;
    li.querySelector<HTMLElement>('.fill')!.style.width = `${(100 * p[i]).toFixed(1)}%`;
    li.querySelector('.p')!.textContent = `${(100 * p[i]).toFixed(1)} %`;
    return li;
  }));
  probsEl.dataset.probs = JSON.stringify(Array.from(p));
  guessEl.textContent = `Looks like ${classes[top].name.value} (${(100 * p[top]).toFixed(1)} %)`;
  return Array.from(p);
}

async function tryFile(input: HTMLInputElement): Promise<void> {
  const file = input.files?.[0];
  if (!file) return;
  const bitmap = await createImageBitmap(file);
  current = embed(pixels(bitmap, bitmap.width, bitmap.height, tryView));
  bitmap.close();
  if (!live) guessEl.textContent = 'Train the head first: the prediction shows here as soon as it learns.';
  showPrediction();
}

// ------------------------------------------------------------------ the camera

async function startCamera(): Promise<void> {
  video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
  video.hidden = false;
  await video.play();
  cameraButton.textContent = 'Camera on';
  cameraButton.disabled = true;
  for (const k of classes) k.fromCamera.hidden = false;
  // the camera's frames are classified live, a few times a second
  const tick = () => {
    if (video.videoWidth > 0) {
      current = embed(pixels(video, video.videoWidth, video.videoHeight, tryView));
      showPrediction();
    }
    setTimeout(tick, 150);
  };
  tick();
}

// ------------------------------------------------------------------ start

async function main(): Promise<void> {
  buildClasses();
  await nn.ready();
  const base = await loadBase();
  features = nn.model({ inputs: base.inputs, outputs: base.getLayer('features').output as nn.SymbolicTensor, name: 'features' });
  for (const layer of features.layers) layer.trainable = false;
  const info = await (await fetch(new URL('teach/base/info.json', location.href))).json() as { accuracy: number; classes: string[]; params: number };
  $('base-note').textContent = `${base.layers.length} layers, ${info.params.toLocaleString('en-US')} weights, trained at build time on ` +
    `${info.classes.join(', ')} (${(100 * info.accuracy).toFixed(0)} % on held-out drawings); cut at 'features' ` +
    `(${features.outputs[0].shape[0]} values a picture) and frozen. Backend: ${nn.getBackend()}.`;
  trainButton.addEventListener('click', () => { train().catch(fail); });
  const tryInput = $<HTMLInputElement>('try');
  tryInput.addEventListener('change', () => { tryFile(tryInput).catch(fail); });
  if (typeof navigator.mediaDevices?.getUserMedia === 'function') {
    cameraButton.hidden = false;
    cameraButton.addEventListener('click', () => { startCamera().catch(fail); });
  }
  setState('ready', 'Ready — add pictures to each class');
  updateTrainable();
}

main().catch(fail);
