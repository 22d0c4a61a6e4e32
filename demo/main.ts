// The demo page: MNIST in the browser with neurite. The model trains in a Web Worker (nn.fitInWorker) while
// this thread draws the live charts and answers the drawing pad.
import * as nn from 'neurite';
import { LineChart, throttledFrame } from './chart';
import { grayFromRgba, toMnist } from './digit';
import { DrawingPad } from './pad';

type State = 'loading' | 'training' | 'done' | 'error';

const params = new URLSearchParams(location.search);
const intParam = (name: string, fallback: number) => {
  const v = Number(params.get(name));
  return Number.isInteger(v) && v > 0 ? v : fallback;
};
const EPOCHS = intParam('epochs', 6);
const TRAIN_LIMIT = intParam('train', Infinity);
const BATCH = 64;
const COMPARE_SAMPLES = 2000;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const statusEl = $('status');
const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const rate = (v: number) => `${count.format(v)} samples/s`;

function setState(state: State, text: string): void {
  document.body.dataset.state = state;
  statusEl.textContent = text;
}

function fail(e: unknown): void {
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  console.error(e);
  setState('error', `Error — ${message}`);
  $('train').removeAttribute('disabled');
  $('stop').setAttribute('disabled', '');
}
window.addEventListener('error', (e) => fail(e.error ?? e.message));
window.addEventListener('unhandledrejection', (e) => fail(e.reason));

interface Split {
  x: nn.Tensor;
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
  const x = new Float32Array(count * 784);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  return { x: nn.tensor(x, [count, 784]), labels: Int32Array.from(labels.data.subarray(0, count)), count };
}

function makeModel(): nn.Sequential {
  const model = nn.sequential({ seed: 42, layers: [
    nn.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }),
    nn.layers.dense({ units: 10, activation: 'softmax' })] });
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

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
  if (samplesPerSecond !== undefined) el.parentElement!.dataset.samplesPerSecond = String(Math.round(samplesPerSecond));
}

// ------------------------------------------------------------------ training

let model = makeModel();
let train: Split;
let test: Split;
let stopRequested = false;
let trained = false;
/** The epoch being trained (0-based), for placing per-batch points on the charts. */
let currentEpoch = 0;
let lastValAccuracy = NaN;

async function runTraining(): Promise<void> {
  model = makeModel();
  trained = false;
  stopRequested = false;
  const backend = nn.getBackend();
  $('train').setAttribute('disabled', '');
  $('stop').removeAttribute('disabled');
  lossChart.clear(EPOCHS);
  accChart.clear(EPOCHS);
  const batches = Math.ceil(train.count / BATCH);
  setState('training', `Training in a Web Worker (${backend} backend)…`);
  // let the page show the new state before the data is handed to the worker
  await new Promise((resolve) => requestAnimationFrame(resolve));
  currentEpoch = 0;
  lastValAccuracy = NaN;
  let smoothLoss = NaN;
  let smoothAcc = NaN;
  let seen = 0;
  let start = 0;
  await nn.fitInWorker(model, train.x, train.labels, {
    epochs: EPOCHS,
    batchSize: BATCH,
    validationData: [test.x, test.labels],
    callbacks: {
      onTrainBegin() { start = performance.now(); },
      onEpochBegin(epoch) {
        currentEpoch = epoch;
        showStat('epoch', `${epoch + 1} / ${EPOCHS}`);
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
  trained = true;
  setState('done', stopRequested
    ? `Stopped — validation accuracy ${fmt(lastValAccuracy)}. Draw a digit.`
    : `Done — validation accuracy ${fmt(lastValAccuracy)} after ${EPOCHS} epochs. Draw a digit.`);
  $('stop').setAttribute('disabled', '');
  predict();
}

/** samples/s of each backend on the same short fit (one epoch over COMPARE_SAMPLES images), in a worker. */
async function compareBackends(): Promise<void> {
  const n = Math.min(COMPARE_SAMPLES, train.count);
  const x = nn.tensor(train.x.data.subarray(0, n * 784), [n, 784]);
  const y = train.labels.subarray(0, n);
  $('speed').dataset.state = 'measuring';
  $('train').setAttribute('disabled', '');
  for (const backend of ['wasm', 'js'] as const) {
    if (backend === 'wasm' && !nn.wasmSimdSupported()) { showSpeed('wasm', 'not available here'); continue; }
    showSpeed(backend, 'measuring…');
    let t0 = 0;
    let t1 = 0;
    await nn.fitInWorker(makeModel(), x, y, { epochs: 1, batchSize: BATCH, backend, callbacks: {
      onTrainBegin() { t0 = performance.now(); },
      onTrainEnd() { t1 = performance.now(); },
    } });
    const perSecond = n / ((t1 - t0) / 1000);
    showSpeed(backend, rate(perSecond), perSecond);
  }
  const w = Number(document.querySelector<HTMLElement>('.speed [data-backend="wasm"]')!.dataset.samplesPerSecond);
  const j = Number(document.querySelector<HTMLElement>('.speed [data-backend="js"]')!.dataset.samplesPerSecond);
  $('speed-note').textContent = w > 0 && j > 0
    ? `Same model, one epoch over ${count.format(n)} images, each in a worker: wasm SIMD is ${(w / j).toFixed(1)}× the plain-JS speed.`
    : `Same model, one epoch over ${count.format(n)} images in a worker.`;
  $('speed').dataset.state = 'done';
  $('train').removeAttribute('disabled');
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

function showInput(input: Float32Array | null): void {
  const g = preview.getContext('2d')!;
  const img = g.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round((input ? input[i] : 0) * 255);
    img.data.set([v, v, v, 255], i * 4);
  }
  g.putImageData(img, 0, 0);
}

/** Reads the pad, runs the model on this thread and shows the ten class probabilities. */
function predict(): void {
  const img = pad.pixels();
  const input = toMnist(grayFromRgba(img.data, img.width, img.height));
  showInput(input);
  const items = Array.from(probsEl.children) as HTMLElement[];
  if (!input) {
    delete probsEl.dataset.probs;
    items.forEach((li) => { li.classList.remove('top'); li.querySelector<HTMLElement>('.fill')!.style.width = '0'; li.querySelector('.p')!.textContent = '–'; });
    $('guess').textContent = trained ? 'Draw a digit from 0 to 9.' : 'Draw a digit (the model guesses until it has trained).';
    return;
  }
  const probs = Array.from(model.predict(nn.tensor(input, [1, 784])).data);
  const best = probs.indexOf(Math.max(...probs));
  items.forEach((li, d) => {
    li.classList.toggle('top', d === best);
    li.querySelector<HTMLElement>('.fill')!.style.width = `${(probs[d] * 100).toFixed(1)}%`;
    li.querySelector('.p')!.textContent = probs[d].toFixed(3);
  });
  probsEl.dataset.probs = JSON.stringify(probs);
  $('guess').textContent = `${trained ? 'Looks like' : 'Untrained guess:'} ${best} (${(probs[best] * 100).toFixed(1)}%)`;
}

const pad = new DrawingPad($<HTMLCanvasElement>('pad'), () => {
  if (predictQueued) return;
  predictQueued = true;
  requestAnimationFrame(() => { predictQueued = false; predict(); });
});
$('clear').addEventListener('click', () => pad.clear());
$('train').addEventListener('click', () => { runTraining().then(compareBackends).catch(fail); });
$('stop').addEventListener('click', () => { stopRequested = true; });

// ------------------------------------------------------------------ start

async function main(): Promise<void> {
  setState('loading', 'Loading neurite and the MNIST subset…');
  // empty charts now, so that their first drawing (canvas sizes, fonts) is not part of training's first frame
  lossChart.clear(EPOCHS);
  accChart.clear(EPOCHS);
  const backend = await nn.ready();
  $('backend').textContent = backend === 'wasm' ? 'wasm (WebAssembly SIMD)' : 'js (no WebAssembly SIMD here)';
  [train, test] = await Promise.all([loadSplit('train', TRAIN_LIMIT), loadSplit('test', Infinity)]);
  showStat('data', `${count.format(train.count)} training · ${count.format(test.count)} validation images`);
  // Loading leaves the browser some work (drawing, collecting garbage); let it finish before training starts.
  await new Promise((resolve) => (typeof requestIdleCallback === 'function'
    ? requestIdleCallback(() => resolve(undefined), { timeout: 1000 }) : setTimeout(resolve, 50)));
  await runTraining();
  await compareBackends();
}

main().catch(fail);
