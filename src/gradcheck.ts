// Gradient checks for user code: a custom loss's gradient, or a layer's weight and input gradients, against
// central differences (f(w + h) − f(w − h)) / (2h) of the same function.
import { ValueError } from './errors';
import { Dense } from './layers/dense';
import { input } from './layers/input';
import { Layer } from './layers/layer';
import { Reshape } from './layers/shape';
import { CustomLoss, losses } from './losses';
import { model as graphModel } from './model';
import { intOption, numberOption, optionsOf, show } from './options';
import { Rng } from './random';
import { Tensor, toTensor, type TensorLike } from './tensor';

/**
 * Options of {@link checkGradients}.
 *
 * @example
 * nn.checkGradients(myLoss, { yTrue, yPred }, { epsilon: 1e-3, tolerance: 1e-3 });
 */
export interface CheckGradientsOptions {
  /** Step of the central difference, relative to max(1, |value|). Default 1e-3 for a loss, 1e-2 for a layer. */
  epsilon?: number;
  /** `ok` is true when the worst relative error is at most this. Default 1e-2. */
  tolerance?: number;
  /** At most this many entries of each checked array (evenly spread). Default 64. */
  samples?: number;
  /** Seed of the layer check's random projection of the output. Default 1. */
  seed?: number;
}

/**
 * What {@link checkGradients} found.
 *
 * @example
 * const r = nn.checkGradients(myLoss, { yTrue, yPred });
 * if (!r.ok) console.log(r.worst);   // { name: 'yPred', index: 3, analytic: 0.25, numeric: -0.25 }
 */
export interface GradientCheck {
  /**
   * The largest |analytic − numeric| / max(|analytic|, |numeric|, 1e-3·s) over the checked entries, where s is
   * the largest |analytic| seen (so entries whose gradient is nearly 0 are measured against the gradient's scale).
   */
  maxRelativeError: number;
  /** The entry with that error: which array ('yPred', 'input', or a layer weight such as 'kernel'), and where. */
  worst: {
    /** 'yPred' for a loss; 'input' or the weight's name ('kernel', 'bias', ...) for a layer. */
    name: string;
    /** The entry's flat index in that array. */
    index: number;
    /** The gradient the code computed. */
    analytic: number;
    /** The central difference. */
    numeric: number;
  };
  /** How many entries were checked. */
  checked: number;
  /** True when maxRelativeError ≤ tolerance. */
  ok: boolean;
}

interface Entry { name: string; index: number; analytic: number; numeric: number }

function summarize(entries: Entry[], tolerance: number): GradientCheck {
  const scale = entries.reduce((m, e) => Math.max(m, Math.abs(e.analytic)), 0);
  const floor = Math.max(1e-3 * scale, 1e-30);
  let worst = entries[0];
  let max = -1;
  for (const e of entries) {
    const d = Math.abs(e.analytic - e.numeric);
    const r = d / Math.max(Math.abs(e.analytic), Math.abs(e.numeric), floor);
    // a NaN anywhere is the worst possible result
    const rel = Number.isNaN(r) ? Infinity : r;
    if (rel > max) { max = rel; worst = e; }
  }
  return { maxRelativeError: max, worst: { ...worst }, checked: entries.length, ok: max <= tolerance };
}

/** Indices 0..n−1, at most `samples` of them, evenly spread. */
function picks(n: number, samples: number): number[] {
  const step = Math.max(1, Math.floor(n / samples));
  const out: number[] = [];
  for (let i = 0; i < n && out.length < samples; i += step) out.push(i);
  return out;
}

/** The perturbed value v ± h as float32 holds it, h relative to max(1, |v|). */
const bump = (v: number, eps: number, sign: 1 | -1) => Math.fround(v + sign * eps * Math.max(1, Math.abs(v)));

function checkLoss(loss: CustomLoss, data: unknown, o: Required<CheckGradientsOptions>): GradientCheck {
  const d = optionsOf<{ yTrue: TensorLike; yPred: TensorLike }>('checkGradients', data ?? null, ['yTrue', 'yPred']);
  const yTrue = toTensor(d.yTrue, 'checkGradients: yTrue');
  const yPred = toTensor(d.yPred, 'checkGradients: yPred');
  if (yTrue.shape.join() !== yPred.shape.join()) {
    throw new ValueError(`checkGradients: yTrue has shape [${yTrue.shape.join(', ')}] but yPred has [${yPred.shape.join(', ')}]`);
  }
  const rows = yPred.shape.length > 1 ? yPred.shape[0] : 1;
  const cols = yPred.data.length / rows;
  const t = new Float32Array(yTrue.data);
  const p = new Float32Array(yPred.data);
  const value = (at: Float32Array, grad: Float32Array) => {
    grad.fill(0);
    const v: unknown = loss.compute(t.slice(), at, grad, rows, cols);
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ValueError(`checkGradients: custom loss '${loss.name}' returned ${show(v)}; compute must return a finite batch-mean loss`);
    }
    return v;
  };
  const grad = new Float32Array(p.length);
  value(p.slice(), grad);
  const scratch = new Float32Array(p.length);
  const entries: Entry[] = picks(p.length, o.samples).map((i) => {
    const q = p.slice();
    const up = bump(p[i], o.epsilon, 1);
    const down = bump(p[i], o.epsilon, -1);
    q[i] = up;
    const lu = value(q, scratch);
    q[i] = down;
    const ld = value(q, scratch);
    return { name: 'yPred', index: i, analytic: grad[i], numeric: (lu - ld) / (up - down) };
  });
  return summarize(entries, o.tolerance);
}

function checkLayer(layer: Layer, data: unknown, o: Required<CheckGradientsOptions>): GradientCheck {
  if (layer.usesRng) {
    throw new ValueError(`checkGradients: layer '${layer.name}' (${layer.className}) draws random numbers in training, so its ` +
      'loss is not a function of its weights that central differences can check');
  }
  const x = toTensor(data as TensorLike, 'checkGradients: x');
  if (x.shape.length < 2) throw new ValueError(`checkGradients: x must hold samples, shape [n, ...inputShape], got shape [${x.shape.join(', ')}]`);
  const sample = x.shape.slice(1);
  const size = sample.reduce((a, b) => a * b, 1);
  // flat input → dense (identity kernel, zero bias) → reshape → the layer: the dense bias's gradient is the
  // layer's input gradient summed over the samples
  const inp = input({ shape: [size] });
  const pre = new Dense({ units: size, name: `${layer.name}_check_input` });
  const shaped = new Reshape({ targetShape: sample }).apply(pre.apply(inp));
  const out = layer.apply(shaped);
  const m = graphModel({ inputs: inp, outputs: out, seed: o.seed });
  const units = out.shape.reduce((a, b) => a * b, 1);
  const rng = new Rng(o.seed);
  const c = Float64Array.from({ length: units }, () => 2 * rng.next() - 1);
  // a fixed random projection of the output: L = Σ c·y over the batch
  const projection = losses.custom({ name: 'checkGradients_projection', compute: (_t, y, g, rows, cols) => {
    let s = 0;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) { s += c[j] * y[r * cols + j]; g[r * cols + j] = c[j]; }
    }
    return s;
  } });
  m.compile({ optimizer: 'sgd', loss: projection });
  const weights = m.getWeights();
  const identity = new Float32Array(size * size);
  for (let i = 0; i < size; i++) identity[i * size + i] = 1;
  weights[0] = new Tensor(identity, [size, size]);
  weights[1] = new Tensor(new Float32Array(size), [size]);
  m.setWeights(weights);
  const flat = new Tensor(new Float32Array(x.data), [x.shape[0], size]);
  const yDummy = new Tensor(new Float32Array(x.shape[0] * units), [x.shape[0], ...out.shape]);
  const { grads } = m.computeGradients(flat, yDummy);
  const names = ['input', ...layer.params().map((p) => p.name)];
  const values = weights.map((w) => new Float32Array(w.data));
  const entries: Entry[] = [];
  // the pre-dense kernel (index 0) is not checked: it only carries the input
  for (let t = 1; t < values.length; t++) {
    const w = values[t];
    for (const i of picks(w.length, o.samples)) {
      const orig = w[i];
      const set = (v: number) => { w[i] = v; m.setWeights(values.map((d, j) => new Tensor(d, weights[j].shape))); };
      const up = bump(orig, o.epsilon, 1);
      const down = bump(orig, o.epsilon, -1);
      set(up);
      const lu = m.computeGradients(flat, yDummy).loss;
      set(down);
      const ld = m.computeGradients(flat, yDummy).loss;
      set(orig);
      entries.push({ name: names[t - 1], index: i, analytic: grads[t].data[i], numeric: (lu - ld) / (up - down) });
    }
  }
  m.dispose();
  return summarize(entries, o.tolerance);
}

/**
 * Checks a gradient by central differences and reports the worst relative error.
 *
 * - A custom loss (nn.losses.custom): `data` is `{ yTrue, yPred }` (shape [rows, ...]); compares the gradient its
 *   compute writes with (L(yPred + h) − L(yPred − h)) / 2h for each checked entry of yPred.
 * - A layer (not yet in a model, deterministic: no dropout): `data` is a batch x of shape [n, ...inputShape];
 *   compares the layer's weight gradients and its input gradient of a fixed random projection of its output.
 *
 * @example
 * const r = nn.checkGradients(myLoss, { yTrue: [[0, 1]], yPred: [[0.3, 0.6]] });
 * console.log(r.ok, r.maxRelativeError);   // true 2.1e-7
 * nn.checkGradients(nn.layers.dense({ units: 3, activation: 'tanh' }), [[0.1, -0.4], [0.7, 0.2]]).ok;   // true
 */
export function checkGradients(target: CustomLoss | Layer, data: unknown, options?: CheckGradientsOptions): GradientCheck {
  const c = optionsOf<CheckGradientsOptions>('checkGradients', options, ['epsilon', 'tolerance', 'samples', 'seed']);
  const isLoss = target instanceof CustomLoss;
  if (!isLoss && !(target instanceof Layer)) {
    throw new ValueError(`checkGradients takes a loss from nn.losses.custom or a layer, got ${show(target)}`);
  }
  const o: Required<CheckGradientsOptions> = {
    epsilon: numberOption('checkGradients: epsilon', c.epsilon ?? (isLoss ? 1e-3 : 1e-2), { min: 0, minOpen: true, max: 1 }),
    tolerance: numberOption('checkGradients: tolerance', c.tolerance ?? 1e-2, { min: 0 }),
    samples: intOption('checkGradients: samples', c.samples ?? 64, 1),
    seed: numberOption('checkGradients: seed', c.seed ?? 1),
  };
  return isLoss ? checkLoss(target, data, o) : checkLayer(target, data, o);
}
