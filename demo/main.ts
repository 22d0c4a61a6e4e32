// The demo page: MNIST in the browser with neurite. The model trains in a Web Worker (nn.fitInWorker); its
// weights come back while it trains (onWeights), so that this thread's copy of the model follows it: the
// drawing pad, the test digits, the confusion matrix and the first layer's weights all show the model as it
// learns, while this thread stays free to draw.
import * as nn from 'neurite';
import { LineChart, throttledFrame } from './chart';
import { grayFromRgba, toMnist } from './digit';
import { DrawingPad } from './pad';
import { argmax, ConfusionMatrix, DigitGrid, evaluation, WeightTiles, type Evaluation } from './views';

type State = 'loading' | 'preparing' | 'training' | 'done' | 'error';
type Kind = 'mlp' | 'cnn';

/** What trains: the page's controls, first set from the address (?model=cnn&units=64&lr=0.003&epochs=4). */
interface Settings {
  kind: Kind;
  units: number;
  learningRate: number;
  epochs: number;
}

const params = new URLSearchParams(location.search);
const intParam = (name: string, fallback: number) => {
  const v = Number(params.get(name));
  return Number.isInteger(v) && v > 0 ? v : fallback;
};
const TRAIN_LIMIT = intParam('train', Infinity);
const BATCH = 64;
/** Batches between the weight reports that move the pad and the weight images along during an epoch. */
const WEIGHTS_EVERY = 20;
const GRID_SIZE = 60;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const statusEl = $('status');
const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const rate = (v: number) => `${count.format(v)} samples/s`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function setState(state: State, text: string): void {
  document.body.dataset.state = state;
  statusEl.textContent = text;
}

const controls = ['model', 'units', 'lr', 'epochs', 'train'].map((id) => $<HTMLInputElement>(id));
function setBusy(busy: boolean): void {
  for (const c of controls) c.disabled = busy;
}

function fail(e: unknown): void {
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  console.error(e);
  setState('error', `Error — ${message}`);
  setBusy(false);
  $('stop').setAttribute('disabled', '');
}
window.addEventListener('error', (e) => fail(e.error ?? e.message));
window.addEventListener('unhandledrejection', (e) => fail(e.reason));

// ------------------------------------------------------------------ settings

function pick(select: HTMLSelectElement, value: string | null): void {
  if (value !== null && Array.from(select.options).some((o) => o.value === value)) select.value = value;
}
pick($('model'), params.get('model'));
pick($('units'), params.get('units'));
pick($('lr'), params.get('lr'));
$<HTMLInputElement>('epochs').value = String(Math.min(30, intParam('epochs', 6)));

function settings(): Settings {
  // epochs from 1 to 30: a value outside is brought inside, where the field shows it
  const field = $<HTMLInputElement>('epochs');
  const asked = Math.round(Number(field.value));
  const epochs = Number.isFinite(asked) ? Math.min(30, Math.max(1, asked)) : 6;
  field.value = String(epochs);
  return {
    kind: $<HTMLSelectElement>('model').value as Kind,
    units: Number($<HTMLSelectElement>('units').value),
    learningRate: Number($<HTMLSelectElement>('lr').value),
    epochs,
  };
}

function makeModel(s: Settings): nn.Sequential {
  const head = [nn.layers.dense({ units: s.units, activation: 'relu' }), nn.layers.dense({ units: 10, activation: 'softmax' })];
  const layers = s.kind === 'cnn' ? [
    nn.layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] }),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.flatten(),
    ...head,
  ] : [nn.layers.dense({ units: s.units, activation: 'relu', inputShape: [784] }), head[1]];
  const model = nn.sequential({ seed: 42, layers });
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: s.learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** One line naming the layers of the model as built, its weight count and its optimizer. */
function describe(model: nn.Sequential): string {
  const parts = model.layers.map((l) => {
    const c = l.getConfig() as { units?: number; filters?: number; kernelSize?: number[]; poolSize?: number[]; activation?: string };
    const act = c.activation && c.activation !== 'linear' ? ` ${c.activation}` : '';
    if (l.className === 'Dense') return `Dense ${c.units}${act}`;
    if (l.className === 'Conv2D') return `Conv2D ${c.filters}×${c.kernelSize!.join('×')}${act}`;
    if (l.className === 'MaxPooling2D') return `MaxPool ${c.poolSize!.join('×')}`;
    return l.className;
  });
  const opt = model.compileConfig!.optimizer;
  return `${parts.join(' → ')} · ${count.format(model.countParams())} weights · ${opt.name} lr ${opt.getConfig().learningRate}`;
}

// ------------------------------------------------------------------ data

interface Split {
  /** Pixels in [0, 1], 784 per image. */
  pixels: Float32Array;
  labels: Int32Array;
  count: number;
}

async function fetchIdx(name: string): Promise<nn.IdxTensor> {
  const res = await fetch(`data/${name}`);
  if (!res.ok) throw new Error(`could not load data/${name} (HTTP ${res.status}); run \`npm run demo\` to build the data`);
  return nn.parseIdx(new Uint8Array(await res.arrayBuffer()), name);
}

async function loadSplit(prefix: string, limit: number): Promise<Split> {
  const [images, labels] = await Promise.all([fetchIdx(`${prefix}-images.idx`), fetchIdx(`${prefix}-labels.idx`)]);
  const count = Math.min(limit, images.shape[0]);
  const pixels = new Float32Array(count * 784);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i] / 255;
  return { pixels, labels: Int32Array.from(labels.data.subarray(0, count)), count };
}

const inputShape = (kind: Kind) => (kind === 'cnn' ? [28, 28, 1] : [784]);
const images = (s: Split, kind: Kind, n = s.count) => nn.tensor(s.pixels.subarray(0, n * 784), [n, ...inputShape(kind)]);

/** Resolves once the browser is idle (after drawing what changed), or after a second at most. */
const idle = () => new Promise((resolve) => (typeof requestIdleCallback === 'function'
  ? requestIdleCallback(() => resolve(undefined), { timeout: 1000 }) : setTimeout(resolve, 50)));

// ------------------------------------------------------------------ charts and numbers

const lossChart = new LineChart($('loss-chart'), 'Loss', [
  { name: 'training', color: '#2f6fde' }, { name: 'validation', color: '#e0782f', dashed: true, dots: true }]);
const accChart = new LineChart($('acc-chart'), 'Accuracy', [
  { name: 'training', color: '#2f6fde' }, { name: 'validation', color: '#e0782f', dashed: true, dots: true }], [0, 1]);

const stats: Record<string, string> = {};
const renderStats = throttledFrame(() => {
  for (const [name, value] of Object.entries(stats)) {
    const el = document.querySelector<HTMLElement>(`[data-stat="${name}"]`);
    if (el && el.textContent !== value) el.textContent = value;
  }
}, 100);

function showStat(name: string, value: string): void {
  stats[name] = value;
  renderStats();
}

function showSpeed(backend: string, text: string, samplesPerSecond?: number): void {
  const el = document.querySelector<HTMLElement>(`.speed [data-backend="${backend}"] .value`)!;
  el.textContent = text;
  if (samplesPerSecond === undefined) delete el.parentElement!.dataset.samplesPerSecond;
  else el.parentElement!.dataset.samplesPerSecond = String(Math.round(samplesPerSecond));
}

// ------------------------------------------------------------------ what the model has learned

const grid = new DigitGrid($('grid'), GRID_SIZE);
const confusion = new ConfusionMatrix($<HTMLTableElement>('confusion'));
const tiles = new WeightTiles($<HTMLCanvasElement>('weights'), 64);
let lastEval: Evaluation | undefined;
/** Which weights this thread's model has: 'untrained', or where training was when they were sent. */
let weightsAt = 'untrained';

function showGrid(): void {
  const mistakesOnly = $<HTMLInputElement>('mistakes-only').checked;
  const indices: number[] = [];
  for (let i = 0; i < test.count && indices.length < GRID_SIZE; i++) {
    if (!mistakesOnly || (lastEval && lastEval.guesses[i] !== test.labels[i])) indices.push(i);
  }
  grid.show(indices, test.pixels, test.labels, lastEval?.guesses);
  const wrong = lastEval ? indices.filter((i) => lastEval!.guesses[i] !== test.labels[i]).length : 0;
  $('grid-note').textContent = !lastEval ? ''
    : mistakesOnly ? `${indices.length ? `the first ${plural(indices.length, 'mistake')}` : 'no mistakes'} among ${count.format(test.count)} test images`
    : `${wrong} of the first ${indices.length} wrong`;
}

let evalRun = 0;
/**
 * The model's guesses for every test image, a chunk a frame, so that a CNN on a thousand images never holds a
 * frame back; a newer call supersedes an unfinished one.
 */
async function evaluate(kind: Kind): Promise<void> {
  const run = ++evalRun;
  const at = weightsAt;
  evalModel.setWeights(model.getWeights());
  const chunk = kind === 'cnn' ? 50 : 200;
  const guesses = new Int32Array(test.count);
  for (let start = 0; start < test.count; start += chunk) {
    const n = Math.min(chunk, test.count - start);
    const probs = evalModel.predict(nn.tensor(test.pixels.subarray(start * 784, (start + n) * 784), [n, ...inputShape(kind)])).data;
    for (let i = 0; i < n; i++) guesses[start + i] = argmax(probs, i * 10, 10);
    // one chunk per frame
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    if (run !== evalRun) return;
  }
  lastEval = evaluation(test.labels, guesses);
  confusion.show(lastEval.counts);
  const table = $('confusion');
  table.dataset.total = String(test.count);
  table.dataset.at = at;
  $('confusion-note').textContent = `${count.format(lastEval.correct)} of ${count.format(test.count)} test images right (${fmt(lastEval.correct / test.count)}), ${at === 'untrained' ? 'before training' : at}`;
  $('grid').dataset.at = at;
  showGrid();
}

/** The first layer's kernel when training began, for showing what training has changed. */
let startKernel: Float32Array | undefined;
/** The first layer's kernel as last shown. */
let shownKernel: nn.Tensor | undefined;

/** Draws the first layer's kernel (default: the one last shown, e.g. when the display mode changes). */
function showWeights(kernel = shownKernel): void {
  if (!kernel) return;
  shownKernel = kernel;
  const cnn = kernel.shape.length === 4;
  const [h, w] = cnn ? [kernel.shape[0], kernel.shape[1]] : [28, 28];
  const units = kernel.shape[kernel.shape.length - 1];
  const change = $<HTMLSelectElement>('weights-mode').value === 'change' && startKernel?.length === kernel.data.length;
  tiles.show(kernel.data, change ? startKernel : undefined, h, w, units);
  const el = $('weights');
  el.dataset.at = weightsAt;
  el.dataset.mode = change ? 'change' : 'weights';
  const when = weightsAt === 'untrained' ? 'before training' : weightsAt;
  const what = change ? 'How training has changed' : 'The weights of';
  $('weights-note').textContent = cnn
    ? `${what} the ${units} 5×5 convolution filters, ${when}.`
    : `${what} ${units > 64 ? `the first 64 of ${units}` : `the ${units}`} hidden units on the 28×28 input, ${when}.`;
}

// ------------------------------------------------------------------ training

let model: nn.Sequential;
/** A second model of the same shape, for the test-set guesses: it keeps the weights they were taken with. */
let evalModel: nn.Sequential;
let current: Settings;
let train: Split;
let test: Split;
let stopRequested = false;
let trained = false;
/** The epoch being trained (0-based), for placing per-batch points on the charts. */
let currentEpoch = 0;
let lastValAccuracy = NaN;
/** Training runs started on this page (body data-run). */
let runs = 0;

/** The latest weight report from a batch, waiting for the next animation frame. */
let pendingWeights: { weights: nn.Tensor[]; at: string } | undefined;

/** This thread's model takes the worker's weights; the pad and the first layer follow. */
function applyWeights(weights: nn.Tensor[], at: string): void {
  model.setWeights(weights);
  weightsAt = at;
  predict();
  showWeights(weights[0]);
}

async function runTraining(): Promise<void> {
  const s = settings();
  current = s;
  model = makeModel(s);
  evalModel = makeModel(s);
  trained = false;
  stopRequested = false;
  weightsAt = 'untrained';
  pendingWeights = undefined;
  const backend = nn.getBackend();
  setBusy(true);
  runs++;
  document.body.dataset.run = String(runs);
  setState('preparing', `Building the ${s.kind.toUpperCase()} and its views…`);
  $('model-summary').textContent = describe(model);
  document.body.dataset.epochs = String(s.epochs);
  for (const b of ['wasm', 'js']) showSpeed(b, 'waits for training');
  $('speed').dataset.state = 'idle';
  lossChart.clear(s.epochs);
  accChart.clear(s.epochs);
  for (const k of ['epoch', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'speed']) showStat(k, '–');
  // the untrained model's views, drawn before the worker starts
  resetTrace();
  predict();
  const kernel = model.getWeights()[0];
  startKernel = kernel.data;
  showWeights(kernel);
  await evaluate(s.kind);
  const batches = Math.ceil(train.count / BATCH);
  const x = images(train, s.kind);
  const valX = images(test, s.kind);
  // drawing those views is the browser's work for the next frames: let it finish before training starts
  await idle();
  $('stop').removeAttribute('disabled');
  setState('training', `Training in a Web Worker (${backend} backend)…`);
  // let the page show the new state before the data is handed to the worker
  await new Promise((resolve) => requestAnimationFrame(resolve));
  currentEpoch = 0;
  lastValAccuracy = NaN;
  let smoothLoss = NaN;
  let smoothAcc = NaN;
  let seen = 0;
  let start = 0;
  await nn.fitInWorker(model, x, train.labels, {
    epochs: s.epochs,
    batchSize: BATCH,
    validationData: [valX, test.labels],
    weightsEvery: WEIGHTS_EVERY,
    // the worker's weights, every WEIGHTS_EVERY batches and after each epoch: this thread's model follows
    onWeights(weights, at) {
      if (at.batch === undefined) {
        // every epoch's weights are shown, and the test digits and the matrix are taken again
        pendingWeights = undefined;
        applyWeights(weights, `after epoch ${at.epoch + 1}`);
        evaluate(s.kind).catch(fail);
        return;
      }
      // batch reports may come faster than frames: show the latest at the next frame
      const first = pendingWeights === undefined;
      pendingWeights = { weights, at: `epoch ${at.epoch + 1}, batch ${at.batch + 1}` };
      if (first) {
        requestAnimationFrame(() => {
          const p = pendingWeights;
          pendingWeights = undefined;
          if (p) applyWeights(p.weights, p.at);
        });
      }
    },
    callbacks: {
      onTrainBegin() { start = performance.now(); },
      onEpochBegin(epoch) {
        currentEpoch = epoch;
        showStat('epoch', `${epoch + 1} / ${s.epochs}`);
      },
      onBatchEnd(batch, logs) {
        seen += logs.size;
        // exponential moving averages keep the per-batch curves readable
        smoothLoss = Number.isNaN(smoothLoss) ? logs.loss : 0.9 * smoothLoss + 0.1 * logs.loss;
        smoothAcc = Number.isNaN(smoothAcc) ? logs.accuracy : 0.9 * smoothAcc + 0.1 * logs.accuracy;
        const x = currentEpoch + (batch + 1) / batches;
        lossChart.add('training', x, smoothLoss);
        accChart.add('training', x, smoothAcc);
        showStat('loss', fmt(smoothLoss));
        showStat('accuracy', fmt(smoothAcc));
        showStat('speed', rate(seen / ((performance.now() - start) / 1000)));
        return stopRequested ? 'stop' : undefined;
      },
      onEpochEnd(epoch, logs) {
        lastValAccuracy = logs.val_accuracy;
        lossChart.add('validation', epoch + 1, logs.val_loss);
        accChart.add('validation', epoch + 1, logs.val_accuracy);
        showStat('val_loss', fmt(logs.val_loss));
        showStat('val_accuracy', fmt(logs.val_accuracy));
      },
    },
  });
  // the model now holds the final weights; a batch report still waiting for its frame is older
  pendingWeights = undefined;
  trained = true;
  const epochs = model.getTrainingState().epochsTrained;
  if (stopRequested) weightsAt = `stopped after ${plural(epochs, 'epoch')}`;
  predict();
  showWeights(model.getWeights()[0]);
  // the page says 'done' once every view shows the final weights
  await evaluate(s.kind);
  setState('done', stopRequested
    ? `Stopped after ${plural(epochs, 'epoch')} — validation accuracy ${fmt(lastValAccuracy)}. Draw a digit.`
    : `Done — validation accuracy ${fmt(lastValAccuracy)} after ${plural(s.epochs, 'epoch')}. Draw a digit.`);
  $('stop').setAttribute('disabled', '');
}

/** samples/s of each backend on the same short fit (one epoch over a few images) of the model just trained, in a worker. */
async function compareBackends(): Promise<void> {
  const s = current;
  const n = Math.min(s.kind === 'cnn' ? 500 : 2000, train.count);
  const x = images(train, s.kind, n);
  const y = train.labels.subarray(0, n);
  $('speed').dataset.state = 'measuring';
  setBusy(true);
  for (const backend of ['wasm', 'js'] as const) {
    if (backend === 'wasm' && !nn.wasmSimdSupported()) { showSpeed('wasm', 'not available here'); continue; }
    showSpeed(backend, 'measuring…');
    let t0 = 0;
    let t1 = 0;
    await nn.fitInWorker(makeModel(s), x, y, { epochs: 1, batchSize: BATCH, backend, callbacks: {
      onTrainBegin() { t0 = performance.now(); },
      onTrainEnd() { t1 = performance.now(); },
    } });
    const perSecond = n / ((t1 - t0) / 1000);
    showSpeed(backend, rate(perSecond), perSecond);
  }
  const w = Number(document.querySelector<HTMLElement>('.speed [data-backend="wasm"]')!.dataset.samplesPerSecond);
  const j = Number(document.querySelector<HTMLElement>('.speed [data-backend="js"]')!.dataset.samplesPerSecond);
  const what = `Same ${s.kind.toUpperCase()}, one epoch over ${count.format(n)} images, each in a worker`;
  $('speed-note').textContent = w > 0 && j > 0 ? `${what}: wasm SIMD is ${(w / j).toFixed(1)}× the plain-JS speed.` : `${what}.`;
  $('speed').dataset.state = 'done';
  setBusy(false);
}

// ------------------------------------------------------------------ drawing pad

const probsEl = $('probs');
for (let d = 0; d < 10; d++) {
  const li = document.createElement('li');
  li.innerHTML = `<span class="digit">${d}</span><span class="bar"><span class="fill"></span></span><span class="p">–</span>`;
  probsEl.appendChild(li);
}
const preview = $<HTMLCanvasElement>('preview');
let predictQueued = false;
/** The drawing as the model's input (null when the pad is empty), and whether the pad changed since it was read. */
let padInput: Float32Array | null = null;
let padChanged = true;
/** The pad's drawing as the model saw it at each weight report since it was drawn (or since training began). */
let trace: { at: string; probs: number[] }[] = [];

function resetTrace(): void {
  trace = [];
  delete probsEl.dataset.trace;
  $('trace').replaceChildren();
}

function showTrace(): void {
  probsEl.dataset.trace = JSON.stringify(trace);
  // the guess after each epoch (and before training), as chips under the pad
  const chips = trace.filter((t) => t.at === 'untrained' || t.at.startsWith('after epoch')).slice(-8);
  $('trace').replaceChildren(...chips.map((t) => {
    const best = argmax(t.probs);
    const chip = document.createElement('li');
    chip.innerHTML = `<span>${t.at === 'untrained' ? 'untrained' : t.at.replace('after epoch', 'epoch')}</span><b>${best}</b> ${Math.round(t.probs[best] * 100)}%`;
    return chip;
  }));
}

function showInput(input: Float32Array | null): void {
  const g = preview.getContext('2d', { willReadFrequently: true })!;
  const img = g.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round((input ? input[i] : 0) * 255);
    img.data.set([v, v, v, 255], i * 4);
  }
  g.putImageData(img, 0, 0);
}

/** Reads the pad, runs this thread's copy of the model and shows the ten class probabilities. */
function predict(): void {
  if (!model) return;
  // the drawing is read again only when it changed: weight reports reuse it
  if (padChanged) {
    padChanged = false;
    const img = pad.pixels();
    padInput = pad.dirty ? toMnist(grayFromRgba(img.data, img.width, img.height)) : null;
    showInput(padInput);
  }
  const input = padInput;
  const items = Array.from(probsEl.children) as HTMLElement[];
  if (!input) {
    delete probsEl.dataset.probs;
    resetTrace();
    items.forEach((li) => { li.classList.remove('top'); li.querySelector<HTMLElement>('.fill')!.style.width = '0'; li.querySelector('.p')!.textContent = '–'; });
    $('guess').textContent = trained ? 'Draw a digit from 0 to 9.' : 'Draw a digit: the guess follows the model as it trains.';
    return;
  }
  const probs = Array.from(model.predict(nn.tensor(input, [1, ...inputShape(current.kind)])).data);
  const best = argmax(probs);
  items.forEach((li, d) => {
    li.classList.toggle('top', d === best);
    li.querySelector<HTMLElement>('.fill')!.style.width = `${(probs[d] * 100).toFixed(1)}%`;
    li.querySelector('.p')!.textContent = probs[d].toFixed(3);
  });
  probsEl.dataset.probs = JSON.stringify(probs);
  probsEl.dataset.at = weightsAt;
  if (trace.at(-1)?.at === weightsAt) trace[trace.length - 1].probs = probs;
  else trace.push({ at: weightsAt, probs });
  showTrace();
  const pct = `${best} (${(probs[best] * 100).toFixed(1)}%)`;
  $('guess').textContent = trained ? `Looks like ${pct}` : weightsAt === 'untrained' ? `Untrained guess: ${pct}` : `Guess at ${weightsAt}: ${pct}`;
}

const pad = new DrawingPad($<HTMLCanvasElement>('pad'), () => {
  padChanged = true;
  if (predictQueued) return;
  predictQueued = true;
  requestAnimationFrame(() => { predictQueued = false; predict(); });
});
// a new stroke starts a new trace: it follows this drawing from the weights the model has now
$('pad').addEventListener('pointerdown', () => resetTrace());
$('clear').addEventListener('click', () => pad.clear());
$('train').addEventListener('click', () => { runTraining().then(compareBackends).catch(fail); });
$('stop').addEventListener('click', () => { stopRequested = true; });
$('mistakes-only').addEventListener('change', () => showGrid());
$('weights-mode').addEventListener('change', () => showWeights());
$('model').addEventListener('change', () => {
  // the hidden units are the dense layer after the convolutions for a CNN; the defaults suit each model
  $<HTMLSelectElement>('units').value = $<HTMLSelectElement>('model').value === 'cnn' ? '64' : '128';
});

// ------------------------------------------------------------------ start

async function main(): Promise<void> {
  setState('loading', 'Loading neurite and the MNIST subset…');
  setBusy(true);
  // empty charts now, so that their first drawing (canvas sizes, fonts) is not part of training's first frame
  const s = settings();
  lossChart.clear(s.epochs);
  accChart.clear(s.epochs);
  const backend = await nn.ready();
  $('backend').textContent = backend === 'wasm' ? 'wasm (WebAssembly SIMD)' : 'js (no WebAssembly SIMD here)';
  [train, test] = await Promise.all([loadSplit('train', TRAIN_LIMIT), loadSplit('test', Infinity)]);
  showStat('data', `${count.format(train.count)} training · ${count.format(test.count)} test images`);
  $('grid-count').textContent = count.format(test.count);
  // Loading leaves the browser some work (drawing, collecting garbage); let it finish before training starts.
  await idle();
  await runTraining();
  await compareBackends();
}

main().catch(fail);
