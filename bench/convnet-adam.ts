// Adam for ConvNetJS networks. The npm release of ConvNetJS (0.3.0) has no Adam: its Trainer knows sgd,
// adagrad, windowgrad and adadelta, and treats any other method name as SGD with momentum 0.9. So the
// benchmarks let ConvNetJS do what it does (forward and backward per sample, gradients summed in its layers)
// and apply the Adam step here, once per batch, on the batch-mean gradient.

/** The few parts of a ConvNetJS Net this uses. */
interface ConvnetNet {
  forward(x: unknown, isTraining: boolean): unknown;
  backward(label: number): number;
  getParamsAndGrads(): { params: Float64Array; grads: Float64Array }[];
}

/**
 * Trains a ConvNetJS net with Adam (Kingma & Ba, bias-corrected moments) in mini-batches: `train` takes one
 * sample; every `batchSize` samples, one update with the mean gradient of the batch. β1 0.9, β2 0.999 and
 * ε 1e-7 are TF.js's and neurite's defaults.
 */
export class ConvnetAdam {
  private m: Float64Array[] = [];
  private v: Float64Array[] = [];
  private t = 0;
  private pending = 0;

  constructor(private readonly net: ConvnetNet, private readonly learningRate: number, private readonly batchSize: number,
    private readonly beta1 = 0.9, private readonly beta2 = 0.999, private readonly epsilon = 1e-7) {}

  /** Forward and backward for one sample (a ConvNetJS Vol and its class); updates after every full batch. */
  train(x: unknown, label: number): void {
    this.net.forward(x, true);
    this.net.backward(label);
    if (++this.pending === this.batchSize) this.step();
  }

  /** Applies the update for a last, partial batch, if any. */
  flush(): void {
    if (this.pending > 0) this.step();
  }

  private step(): void {
    const groups = this.net.getParamsAndGrads();
    if (this.m.length === 0) {
      for (const g of groups) {
        this.m.push(new Float64Array(g.params.length));
        this.v.push(new Float64Array(g.params.length));
      }
    }
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    const scale = 1 / this.pending;
    groups.forEach(({ params, grads }, i) => {
      const m = this.m[i], v = this.v[i];
      for (let j = 0; j < params.length; j++) {
        const g = grads[j] * scale;
        m[j] = this.beta1 * m[j] + (1 - this.beta1) * g;
        v[j] = this.beta2 * v[j] + (1 - this.beta2) * g * g;
        params[j] -= (this.learningRate * (m[j] / c1)) / (Math.sqrt(v[j] / c2) + this.epsilon);
        grads[j] = 0;
      }
    });
    this.pending = 0;
  }
}
