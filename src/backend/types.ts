/**
 * The kernel ABI shared by the wasm and js backends.
 *
 * Every kernel takes byte offsets into the backend's linear memory ("pointers"), element counts, and
 * parameters last. Matrices are row-major and densely packed. f32 data must be 4-byte aligned; the planner
 * aligns every buffer to 16 bytes. A pointer argument of 0 means "absent" where the doc says so (offset 0
 * is never handed out by the allocator). Kernels trust their arguments: validation happens at the edge.
 *
 * The wasm backend binds these names straight to the module's exports; the js backend implements the same
 * signatures over a Float32Array on an ArrayBuffer laid out like wasm memory (src/backend/js/).
 */
export const enum Act {
  Linear = 0,
  Relu = 1,
  LeakyRelu = 2,
  Elu = 3,
  Sigmoid = 4,
  Tanh = 5,
  Relu6 = 6,
  HardSigmoid = 7,
}

export interface Kernels {
  // ---- gemm (assembly/gemm, src/backend/js/gemm.ts) ----
  /**
   * C[m,n] = A[m,k]·B[k,n] (+ C if accumulate≠0) (+ bias[n] if bias≠0), then activation `act`.
   * Order: each C element is an f32 sum from 0 over p ascending, then + old C, then + bias, then `act`, exactly
   * as f32_activation computes it (relu = max(x, 0), NaN stays NaN; leakyRelu x>0 ? x : alpha·x; elu x>0 ? x :
   * alpha·expm1(x); alpha is used as an f32). The order never depends on m or n, so an element has the same bits whatever tile
   * computed it. C must not overlap A, B or bias. Each wasm instance packs A and B into its own scratch,
   * so threads (one instance each) can run gemms at once on disjoint outputs.
   */
  f32_gemm_nn(a: number, b: number, bias: number, c: number, m: number, n: number, k: number,
    accumulate: number, act: number, alpha: number): void;
  /**
   * C[m,n] = A[m,k]·B[n,k]ᵀ, same summation order and epilogue as f32_gemm_nn.
   */
  f32_gemm_nt(a: number, b: number, bias: number, c: number, m: number, n: number, k: number,
    accumulate: number, act: number, alpha: number): void;
  /** C[m,n] = A[k,m]ᵀ·B[k,n], same summation order and epilogue as f32_gemm_nn. */
  f32_gemm_tn(a: number, b: number, bias: number, c: number, m: number, n: number, k: number,
    accumulate: number, act: number, alpha: number): void;
  /**
   * The general form of the three above, with strides in elements: A(i,p) = a[i·rsA + p·csA], B(p,j) =
   * b[p·rsB + j·csB], C(i,j) = c[i·ldc + j]; same order, epilogue and bits. f32_gemm_nn is (k,1, n,1, n),
   * tn (1,m, n,1, n), nt (k,1, 1,k, n). A block of rows of C is the same call with a and c moved to its
   * first row, which is how threads split a product (src/backend/parallel.ts).
   */
  f32_gemm_strided(a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, bias: number, c: number,
    ldc: number, m: number, n: number, k: number, accumulate: number, act: number, alpha: number): void;

  // ---- bias, activations, softmax (assembly/unary, src/backend/js/unary.ts) ----
  /** y[r,c] = x[r,c] + bias[c]; y may equal x. */
  f32_bias_add(x: number, bias: number, y: number, rows: number, cols: number): void;
  /**
   * y[c] = Σ_r x[r,c] (+ y[c] if accumulate≠0). The bias gradient. Fixed summation order: an f32 sum from 0
   * over r ascending, then y[c] added last when accumulating.
   */
  f32_col_sum(x: number, y: number, rows: number, cols: number, accumulate: number): void;
  /**
   * y[i] = act(x[i]); y may equal x. alpha is the slope of leakyRelu and the scale of elu.
   * linear: x · relu: max(x, 0) (NaN stays NaN) · leakyRelu: x > 0 ? x : alpha·x ·
   * elu: x > 0 ? x : alpha·(eˣ − 1) · sigmoid: 1/(1 + e⁻ˣ) · tanh · relu6: min(max(x, 0), 6) (NaN stays NaN) ·
   * hardSigmoid: min(max(0.2·x + 0.5, 0), 1) (TF.js's, f32 operations). Each is the one definition in assembly/act
   * (f32x4 range reduction and polynomial; src/backend/js/act.ts on the js backend), the same bits as the gemm
   * epilogue gives for the same sums. Against float64 (README "Activations"): elu's expm1 ≤ 1 ulp, sigmoid ≤ 2.4
   * ulp, tanh ≤ 1.4 ulp; NaN stays NaN, ±∞ and overflow give the limits (σ 0/1, tanh ±1), tanh(−x) = −tanh(x) bit
   * for bit.
   */
  f32_activation(x: number, y: number, count: number, act: number, alpha: number): void;
  /**
   * dx[i] = dy[i]·act'(·), computed from the activation's OUTPUT y (every supported activation's derivative
   * is a function of its output). dx may equal dy. With z = y > 0: relu z ? dy : 0 · leakyRelu z ? dy : alpha·dy ·
   * elu z ? dy : dy·(y + alpha) · sigmoid dy·(y·(1 − y)) · tanh dy·(1 − y²) · relu6 0 < y < 6 ? dy : 0 · hardSigmoid
   * 0 < y < 1 ? dy·0.2 : 0 · linear dy. leakyRelu and elu
   * need alpha > 0 (so that y > 0 exactly when x > 0); alpha = 0 gives relu's gradient.
   */
  f32_activation_grad(y: number, dy: number, dx: number, count: number, act: number, alpha: number): void;
  /**
   * y[i] = eˣ⁽ⁱ⁾; y may equal x. The f32x4 exp of assembly/act (≤ 1 ulp against float64; NaN stays NaN; x > 88.73
   * gives +∞, x < −103.98 gives 0, results below 2^-126 are rounded once to the subnormal).
   */
  f32_exp(x: number, y: number, count: number): void;
  /**
   * Row-wise numerically stable softmax; y may equal x. e = exp(x − max) with f32_exp's exp (x − max in f32),
   * summed in f64 (c ascending); y = e / f32(sum).
   */
  f32_softmax(x: number, y: number, rows: number, cols: number): void;
  /** dx[r,:] = y[r,:]·(dy[r,:] − Σ_c dy[r,c]·y[r,c]); dx may equal dy. The Σ runs in f64, c ascending. */
  f32_softmax_grad(y: number, dy: number, dx: number, rows: number, cols: number): void;

  // ---- losses (assembly/loss, src/backend/js/loss.ts) ----
  // Each returns the loss averaged over the `rows` samples (Keras semantics) and, if grad≠0, writes
  // d(loss)/d(input) into grad (grad may equal the input). Probabilities are clipped to [1e-7, 1−1e-7]
  // where a log is taken, as Keras does. The gradient is that of the clipped loss: entries whose clip is
  // active get no gradient (TF's clip_by_value gradient). Sums run in f64 in a fixed order.
  /** mean over rows and cols of (p − t)²; grad = 2(p − t)/(rows·cols). */
  f32_mse(pred: number, target: number, grad: number, rows: number, cols: number): number;
  /**
   * −mean[t·log p + (1−t)·log(1−p)] on probabilities, over rows and cols (Keras: mean over the last axis,
   * then over the batch). grad = ((1−t)/(1−p) − t/p)/(rows·cols), 0 where p < 1e-7 or p > 1 − 1e-7.
   */
  f32_bce(pred: number, target: number, grad: number, rows: number, cols: number): number;
  /**
   * −(1/rows)·Σ t·log p on probabilities (rows need not be normalised): as in Keras and TF.js, each pred row is
   * first divided by its sum, q = p/Σp, then clipped; loss −(1/rows)·Σ t·log q. The gradient goes through the
   * normalisation: grad_j = (a_j + T)/(Σp·rows) with a_j = −t_j/q_j (0 where q_j is clipped) and T = Σ of t
   * over unclipped entries. For rows that already sum to 1 this is (Σt − t/p)/rows, which the softmax
   * Jacobian maps to the same logit gradient as −t/(p·rows).
   */
  f32_cce(pred: number, target: number, grad: number, rows: number, cols: number): number;
  /** Sparse CCE on probabilities; labels are i32 class indices (one per row). Exactly f32_cce with one-hot t. */
  f32_sparse_cce(pred: number, labels: number, grad: number, rows: number, cols: number): number;
  /**
   * Softmax fused with CCE from logits (log-sum-exp). Writes softmax(logits) to probs (probs may equal
   * logits) and grad = (probs − t)/rows w.r.t. the logits. Loss = (1/rows)·Σ_r (lse_r·Σ_c t − Σ_c t·z).
   * Precisely, grad = (Σ_c t·probs − t)/rows, the exact gradient of this loss, which is (probs − t)/rows when
   * target rows sum to 1 (bit for bit when the sum is exactly 1). probs is required; grad may equal probs or
   * logits. Finite for any finite logits (lse = max + log Σ e^(z−max); the log of a tiny p is never taken).
   */
  f32_softmax_cce(logits: number, target: number, probs: number, grad: number, rows: number, cols: number): number;
  /** Softmax fused with sparse CCE from logits; labels are i32. Loss = (1/rows)·Σ_r (lse_r − z[r,label]). */
  f32_softmax_sparse_cce(logits: number, labels: number, probs: number, grad: number, rows: number, cols: number): number;

  // ---- losses beyond the cross-entropies (assembly/loss/pointwise.ts and rowwise.ts, src/backend/js/loss.ts) ----
  // TF.js Layers' formulas and reduction: elementwise losses are averaged over all rows·cols elements, row
  // losses (categoricalHinge, kld, cosineProximity) are summed over a row and averaged over the rows. Each
  // returns that mean and, if grad≠0, writes d(mean)/d(pred) into grad (grad may equal pred). Values are taken
  // in f64 from the f32 inputs and summed in f64 in ascending order (elements, or c within a row then rows).
  // ε = f32(1e-7). Where a clip is active the gradient is 0 (TF.js's clipByValue gradient, bounds inclusive);
  // at a kink of |·| or max(0, ·) the gradient is the subgradient 0. d = p − t below.
  /** meanAbsoluteError: mean |d|; grad = sign(d)/(rows·cols). */
  f32_mae(pred: number, target: number, grad: number, rows: number, cols: number): number;
  /**
   * huber with threshold delta: mean of 0.5·q² + delta·(|d| − q) with q = min(|d|, delta) (tf.losses.huberLoss);
   * grad = (|d| ≤ delta ? d : delta·sign(d))/(rows·cols).
   */
  f32_huber(pred: number, target: number, grad: number, rows: number, cols: number, delta: number): number;
  /**
   * logcosh: mean log(cosh d), taken as |d| + log1p(e^(−2|d|)) − log 2; grad = tanh(f32(d))/(rows·cols) with the
   * f32 tanh of the activations, so both backends write the same bits.
   */
  f32_logcosh(pred: number, target: number, grad: number, rows: number, cols: number): number;
  /** hinge: mean max(0, 1 − t·p); grad = −t/(rows·cols) where 1 − t·p > 0, else 0. Targets are used as given (±1). */
  f32_hinge(pred: number, target: number, grad: number, rows: number, cols: number): number;
  /** squaredHinge: mean max(0, 1 − t·p)²; grad = −2t·(1 − t·p)/(rows·cols) where 1 − t·p > 0, else 0. */
  f32_squared_hinge(pred: number, target: number, grad: number, rows: number, cols: number): number;
  /** poisson: mean (p − t·log(p + ε)); grad = (1 − t/(p + ε))/(rows·cols). Predictions must exceed −ε. */
  f32_poisson(pred: number, target: number, grad: number, rows: number, cols: number): number;
  /** meanAbsolutePercentageError: mean 100·|d|/max(|t|, ε); grad = 100·sign(d)/(max(|t|, ε)·rows·cols). */
  f32_mape(pred: number, target: number, grad: number, rows: number, cols: number): number;
  /**
   * meanSquaredLogarithmicError: mean (log1p(max(p, ε)) − log1p(max(t, ε)))²; grad = 2·(that difference)/((1 + p)·
   * rows·cols) where p ≥ ε, else 0. Its gradient goes through the engine's f64 log1p (see the README on bits).
   */
  f32_msle(pred: number, target: number, grad: number, rows: number, cols: number): number;
  /**
   * categoricalHinge: mean over rows of max(0, 1 + max_c (1 − t)·p − Σ_c t·p); where that is positive,
   * grad_j = (−t_j + (1 − t_j)·[(1 − t_j)·p_j is the row's max])/rows (every tie takes it, as in TF.js).
   */
  f32_categorical_hinge(pred: number, target: number, grad: number, rows: number, cols: number): number;
  /**
   * kullbackLeiblerDivergence: (1/rows)·Σ t·log(clip(t, ε, 1)/clip(p, ε, 1)); grad = −t/(p·rows) where
   * ε ≤ p ≤ 1, else 0. Targets outside [0, 1] are clipped inside the log, as TF.js does.
   */
  f32_kld(pred: number, target: number, grad: number, rows: number, cols: number): number;
  /**
   * cosineProximity: mean over rows of −Σ t·p/(‖t‖·‖p‖), ‖x‖ = sqrt(max(Σx², ε)) (TF.js's l2Normalize);
   * grad_j = (Σ t·p · p_j/‖p‖² − t_j)/(‖t‖·‖p‖·rows), the first term only where Σp² ≥ ε.
   */
  f32_cosine_proximity(pred: number, target: number, grad: number, rows: number, cols: number): number;

  // ---- metrics (assembly/loss/metrics.ts, src/backend/js/loss.ts) ----
  /**
   * Count of rows whose argmax(pred) equals argmax(target) (first maximum wins: only a strictly greater value
   * moves the index, so a NaN never does).
   */
  f32_count_argmax_match(pred: number, target: number, rows: number, cols: number): number;
  /** Count of rows whose argmax(pred) equals the i32 label. */
  f32_count_argmax_label(pred: number, labels: number, rows: number, cols: number): number;
  /** Count of elements where (pred > threshold) equals (target > 0.5). */
  f32_count_binary_match(pred: number, target: number, count: number, threshold: number): number;

  // ---- optimizers and utilities (assembly/optim, assembly/util, src/backend/js/optim.ts) ----
  /** w −= lr·g */
  f32_sgd(w: number, g: number, count: number, lr: number): void;
  // Each update below follows tf.train.*'s formula op by op (one IEEE f32 op at a time, in TF.js's order), so
  // wasm, js and TF.js's cpu backend agree bit for bit on the same inputs; "(−lr)·x + w" is TF.js's order.
  /** Momentum as tf.train.momentum: a = μ·a + g; w = (−lr)·a + w (nesterov≠0: w = (−lr)·(g + a·μ) + w). */
  f32_momentum(w: number, g: number, a: number, count: number, lr: number, momentum: number, nesterov: number): void;
  /**
   * Adam as tf.train.adam: m = m·β1 + g·(1−β1); v = v·β2 + (g·g)·(1−β2); w = (m/c1) / (√(v/c2) + ε)·(−lr) + w,
   * where c1 = 1 − β1^t and c2 = 1 − β2^t are the bias corrections of step t (the caller computes them, and
   * 1 − β1, 1 − β2, as TF.js does: src/optimizers.ts).
   */
  f32_adam(w: number, g: number, m: number, v: number, count: number, lr: number, beta1: number, oneMinusBeta1: number,
    beta2: number, oneMinusBeta2: number, epsilon: number, correction1: number, correction2: number): void;
  /**
   * AdamW: decoupled weight decay w −= (lr·wd)·w (lr·wd rounded to f32, not scaled by the bias correction) applied
   * to each element before its Adam step, as above.
   */
  f32_adamw(w: number, g: number, m: number, v: number, count: number, lr: number, beta1: number, oneMinusBeta1: number,
    beta2: number, oneMinusBeta2: number, epsilon: number, correction1: number, correction2: number, weightDecay: number): void;
  /** Adamax as tf.train.adamax: m = m·β1 + g·(1−β1); u = max(u·β2, |g|); w = step·(m/(u + ε)) + w, step = (−lr)/(1 − β1^t). */
  f32_adamax(w: number, g: number, m: number, u: number, count: number, step: number, beta1: number, oneMinusBeta1: number,
    beta2: number, epsilon: number): void;
  /**
   * Adadelta as tf.train.adadelta: d = (√(U + ε)/√(A + ε))·g with A before this step; A = A·ρ + (g·g)·(1−ρ);
   * U = U·ρ + (d·d)·(1−ρ); w = d·(−lr) + w.
   */
  f32_adadelta(w: number, g: number, a: number, u: number, count: number, lr: number, rho: number, oneMinusRho: number,
    epsilon: number): void;
  /**
   * RMSprop as tf.train.rmsprop: s = s·ρ + (g·g)·(1−ρ); p = p·μ + (g·lr)/√(s + ε); w = w − p. centered≠0 also keeps
   * q = q·ρ + g·(1−ρ) and divides by √((s − q·q) + ε) (TF.js subtracts ε there, which is NaN while s − q² < ε);
   * q is neither read nor written when centered is 0.
   */
  f32_rmsprop(w: number, g: number, s: number, p: number, q: number, count: number, lr: number, rho: number,
    oneMinusRho: number, momentum: number, epsilon: number, centered: number): void;
  /** Adagrad as tf.train.adagrad: s = s + g·g; w = (g/√(s + ε))·(−lr) + w. The caller fills s with its initial value. */
  f32_adagrad(w: number, g: number, s: number, count: number, lr: number, epsilon: number): void;
  /** g += 2·λ·w (gradient of λ·Σw²). */
  f32_l2_grad(w: number, g: number, count: number, lambda: number): void;
  /**
   * Σ x² accumulated in f32 in a fixed order, returned as a number (an f32 value; f64 in the wasm ABI):
   * four 4-lane accumulators over blocks of 16 floats (acc_j takes floats 16b+4j..16b+4j+3), the remaining
   * whole quads into acc0, then acc = (acc0 + acc1) + (acc2 + acc3), s = ((acc[0] + acc[1]) + acc[2]) + acc[3],
   * then s += x² for the last count % 4 floats in order.
   */
  f32_sum_squares(x: number, count: number): number;
  /** x *= s */
  f32_scale(x: number, count: number, s: number): void;
  /** x[i] = value */
  f32_fill(x: number, count: number, value: number): void;
  /** dst[i] = src[i] (regions do not overlap) */
  f32_copy(src: number, dst: number, count: number): void;
  /** dst[r,:] = src[idx[start + r], :] for r < rows; idx is an i32 array; rows of `cols` f32 each. */
  f32_gather_rows(src: number, idx: number, start: number, dst: number, rows: number, cols: number): void;
  /** dst[r] = src[idx[start + r]] for i32 data (sparse labels). */
  i32_gather(src: number, idx: number, start: number, dst: number, rows: number): void;
  /** 1 if every x[i] is finite (no NaN, no ±Inf), else 0; 1 for count 0. */
  f32_all_finite(x: number, count: number): number;

  // ---- convolution (assembly/conv, src/backend/js/conv.ts) ----
  // Images are NHWC, row-major: x[b, y, x, ch] at ((b·h + y)·w + x)·c + ch. Geometry: kernel kh×kw, strides
  // strideH/strideW, dilations dilH/dilW, padding padTop/padLeft (bottom/right padding is implied by outH/outW).
  // Input row iy = oy·strideH − padTop + i·dilH (likewise for columns); positions outside the image read as 0.
  /**
   * cols[(b·outH + oy)·outW + ox, (i·kw + j)·c + ch] = x[b, iy, ix, ch] (0 outside), so that
   * cols [n·outH·outW, kh·kw·c] · kernel [kh·kw·c, outC] (TF.js layout [kh, kw, inC, outC]) is the NHWC output.
   * Every entry of cols is written (padding as 0). x and cols must not overlap.
   */
  f32_im2col(x: number, cols: number, n: number, h: number, w: number, c: number, kh: number, kw: number,
    strideH: number, strideW: number, dilH: number, dilW: number, padTop: number, padLeft: number,
    outH: number, outW: number): void;
  /**
   * The adjoint of f32_im2col: dx = 0, then dx[b, iy, ix, ch] += cols[...] for every in-bounds entry, visiting
   * cols rows in ascending order (fixed summation order): each dx element is an f32 sum from 0 of its
   * contributions in ascending cols row. cols and dx must not overlap.
   */
  f32_col2im(cols: number, dx: number, n: number, h: number, w: number, c: number, kh: number, kw: number,
    strideH: number, strideW: number, dilH: number, dilW: number, padTop: number, padLeft: number,
    outH: number, outW: number): void;

  /**
   * y[b, oy, ox, f] = act(Σ x[b, oy + i, ox + j, ch]·w[(i·kw + j)·c + ch, f] (+ bias[f])): a convolution with
   * stride 1, no dilation and no padding, so oh = h − kh + 1, ow = w − kw + 1 (wd here is w). Each output is the
   * sum of f32_im2col + f32_gemm_nn (accumulate 0) in the same order, with the same epilogue: the same bits,
   * without the columns. Needs ow ≥ 5 and kh·kw·c ≤ 4096 (the caller chooses it only then; otherwise it writes
   * nothing). y must not overlap x, w or bias. Splits over images on threads.
   */
  f32_conv2d_direct(x: number, w: number, bias: number, y: number, n: number, h: number, wd: number, c: number,
    kh: number, kw: number, filters: number, act: number, alpha: number): void;

  /**
   * dw[(i·kw + j)·c + ch, f] = Σ_p x[b, oy + i, ox + j, ch]·dy[p, f] over the output pixels p = (b, oy, ox) ascending:
   * the kernel gradient of f32_conv2d_direct's convolution (stride 1, no dilation or padding), the sums and bits of
   * f32_im2col + f32_gemm_tn (accumulate 0, no bias, linear) without the columns. Needs kh·kw·c ≤ 4096 (else it
   * writes nothing). dw must not overlap x or dy. One thread (its sums run over every image).
   */
  f32_conv2d_direct_dw(x: number, dy: number, dw: number, n: number, h: number, wd: number, c: number, kh: number,
    kw: number, filters: number): void;

  // ---- depthwise convolution (assembly/conv/depthwise.ts, src/backend/js/depthwise.ts) ----
  // Each input channel ch has `mult` filters of its own: output channel co = ch·mult + m of C = c·mult, kernel w
  // [kh, kw, c, mult] as in TF.js (w[(i·kw + j)·C + co]), the same NHWC indexing and geometry as convolution above
  // (iy = oy·strideH − padTop + i·dilH). Taps in the padding are skipped (not added as zeros). The three kernels
  // take the same geometry arguments after n.
  /**
   * y[b, oy, ox, co] = act(Σ_(i,j) x[b, iy, ix, ch]·w[(i·kw + j)·C + co] (+ bias[co])): each output an f32 sum from 0
   * over the taps inside the image, (i, j) ascending, then + bias, then act as f32_activation computes it. SIMD over
   * channel quads when mult = 1, the same operations one value at a time otherwise: the same bits on every path and
   * backend. y must not overlap x, w or bias.
   */
  f32_depthwise_conv2d(x: number, w: number, bias: number, y: number, n: number, h: number, wd: number, c: number,
    mult: number, kh: number, kw: number, strideH: number, strideW: number, dilH: number, dilW: number, padTop: number,
    padLeft: number, outH: number, outW: number, act: number, alpha: number): void;
  /**
   * The input gradient: dx = 0, then for each output pixel (b, oy, ox) ascending, each tap (i, j) inside the image
   * ascending and m ascending, dx[b, iy, ix, ch] += dy[b, oy, ox, co]·w[(i·kw + j)·C + co] (an f32 product, an f32 add).
   * dx must not overlap dy or w.
   */
  f32_depthwise_conv2d_dx(dy: number, w: number, dx: number, n: number, h: number, wd: number, c: number, mult: number,
    kh: number, kw: number, strideH: number, strideW: number, dilH: number, dilW: number, padTop: number, padLeft: number,
    outH: number, outW: number): void;
  /**
   * The kernel gradient: dw = 0, then for the same pixels and taps in the same order, dw[(i·kw + j)·C + co] +=
   * x[b, iy, ix, ch]·dy[b, oy, ox, co]. Sums over every image (one thread). dw must not overlap x or dy.
   */
  f32_depthwise_conv2d_dw(x: number, dy: number, dw: number, n: number, h: number, wd: number, c: number, mult: number,
    kh: number, kw: number, strideH: number, strideW: number, dilH: number, dilW: number, padTop: number, padLeft: number,
    outH: number, outW: number): void;
  /**
   * Keras's ReLU layer (assembly/unary/relu.ts): y = x > θ ? min(x, maxValue) : −(s·(θ − x)) with θ = threshold and
   * s = slope (below θ, 0 when s = 0), f32 operations; maxValue may be +∞. NaN stays NaN. y may equal x.
   */
  f32_relu_clipped(x: number, y: number, count: number, maxValue: number, slope: number, threshold: number): void;
  /** Its gradient from the input x: dx = x > θ ? (x ≤ maxValue ? dy : 0) : s·dy (0 when s = 0). dx may equal dy. */
  f32_relu_clipped_grad(x: number, dy: number, dx: number, count: number, maxValue: number, slope: number, threshold: number): void;

  // ---- image resampling (assembly/image, src/backend/js/image.ts) ----
  /**
   * Per-image affine resampling of NHWC images (the augmentation and crop layers): for image b, output pixel (ox, oy)
   * of y [n, outH, outW, c] reads x [n, h, w, c] at xin = t0·ox + t1·oy + t2, yin = t3·ox + t4·oy + t5, where t is the
   * 6 f32 at transforms + 24·b (f32 products and sums in that order). fill maps a coordinate outside the image:
   * 0 constant (reads outside give fillValue), 1 reflect (period 2·len, mirrored about the edge pixels), 2 wrap
   * (period len), 3 nearest (the edge pixel); then it is clamped to [0, len − 1]. interpolation 0 reads the nearest
   * pixel (rounding half away from zero), 1 is bilinear over the four pixels around it: (y1 − y)·((x1 − x)·v00 +
   * (x − x0)·v01) + (y − y0)·((x1 − x)·v10 + (x − x0)·v11), a pixel outside the image reading fillValue.
   * y must not overlap x or transforms.
   */
  f32_image_transform(x: number, y: number, n: number, h: number, w: number, c: number, outH: number, outW: number,
    transforms: number, interpolation: number, fill: number, fillValue: number): void;
  /**
   * Its adjoint in x: dx = 0, then for each output pixel in order, each pixel it read inside the image gets dy times
   * its weight (bilinear: g0 = dy·(y1 − y), g1 = dy·(y − y0), then dx00 += g0·(x1 − x), dx01 += g0·(x − x0),
   * dx10 += g1·(x1 − x), dx11 += g1·(x − x0); nearest: dx += dy). dx must not overlap dy or transforms.
   */
  f32_image_transform_dx(dy: number, dx: number, n: number, h: number, w: number, c: number, outH: number, outW: number,
    transforms: number, interpolation: number, fill: number): void;

  // ---- embeddings (assembly/embed, src/backend/js/embed.ts) ----
  /**
   * y[i, :] = table[ids[i], :] for i < count (table [inputDim, dim], rows copied bit for bit). ids are f32 values.
   * Returns −1, or the index of the first id that is not an integer in [0, inputDim) (NaN included): the rows
   * before it are written, none after. y must not overlap table or ids.
   */
  f32_embedding(table: number, ids: number, y: number, count: number, dim: number, inputDim: number): number;
  /**
   * dtable [inputDim, dim] = 0, then dtable[ids[i], :] += dy[i, :] for i ascending (one f32 add per value). ids must
   * be valid (as f32_embedding checks them). dtable must not overlap ids or dy.
   */
  f32_embedding_grad(ids: number, dy: number, dtable: number, count: number, dim: number, inputDim: number): void;

  // ---- recurrent cells (assembly/rnn, src/backend/js/rnn.ts) ----
  /**
   * One LSTM step for `rows` sequences. z: per row 4·units gate pre-activations in TF.js's order i, f, g, o (row
   * stride zStride), overwritten with i = recAct(z_i), f = recAct(z_f), g = act(z_g), o = recAct(z_o); then
   * c = f·cPrev + i·g (cPrev = 0: zeros; row stride cStride for both) and h = o·act(c) (row stride hStride), each
   * product and sum one f32 operation. Activation codes of `Act` (elu with alpha 1), the one definition of each.
   */
  f32_lstm_step(z: number, cPrev: number, c: number, h: number, rows: number, units: number, zStride: number, cStride: number,
    hStride: number, act: number, recAct: number): void;
  /**
   * Its gradient. z holds the gates f32_lstm_step kept and is overwritten with the gradients of their pre-activations;
   * cPrev (0: zeros) and c are the step's cell states; dh [rows, units] is the gradient of h; dc [rows, units] holds
   * the gradient of c from the later steps and is overwritten with that of cPrev. With a = act(c): dc' = dc +
   * act'(a)·(dh·o); dz_i = recAct'(i)·(dc'·g), dz_f = recAct'(f)·(dc'·cPrev), dz_g = act'(g)·(dc'·i),
   * dz_o = recAct'(o)·(dh·a); dc ← dc'·f (derivatives from outputs, as f32_activation_grad).
   */
  f32_lstm_step_grad(z: number, cPrev: number, c: number, dh: number, dc: number, rows: number, units: number, zStride: number,
    cStride: number, act: number, recAct: number): void;
  /**
   * A simple RNN step's gradient (its forward step is a gemm with the activation in its epilogue): h, the step's
   * outputs (row stride hStride), is overwritten with dh·act'(h) (from the output, as f32_activation_grad; elu with
   * alpha 1); dh is [rows, units].
   */
  f32_rnn_step_grad(h: number, dh: number, rows: number, units: number, hStride: number, act: number): void;

  // ---- pooling (assembly/pool, src/backend/js/pool.ts) ----
  // Same NHWC indexing as convolution, window ph×pw without dilation: input row iy = oy·strideH − padTop + i. The
  // window is clipped to the image; every window must keep at least one in-bounds element (always true for
  // 'valid', and for TF 'same' padding: padTop = floor(total/2), total = max((outH−1)·strideH + ph − h, 0)).
  // y, argmax and dy are [n, outH, outW, c].
  /**
   * y[b, oy, ox, ch] = max over the in-bounds window (padding never wins); argmax (i32) receives the element index
   * of the winner within its image, relative to x[b, 0, 0, 0] (first maximum in row-major window order wins), so
   * that a block of images is the same call on moved pointers. Rule: the running maximum starts
   * at the first in-bounds element and is replaced only by a strictly greater value, so a NaN wins only when it
   * comes first in its window (a later NaN is skipped).
   */
  f32_maxpool2d(x: number, y: number, argmax: number, n: number, h: number, w: number, c: number, ph: number,
    pw: number, strideH: number, strideW: number, padTop: number, padLeft: number, outH: number, outW: number): void;
  /**
   * dx = 0, then for each image b and i ascending: dx[b, argmax[b, i]] += dy[b, i] (f32 adds), with dy and argmax
   * [n, outSize] (outSize = outH·outW·c) and dx [n, inSize] (inSize = h·w·c).
   */
  f32_maxpool2d_grad(dy: number, argmax: number, dx: number, n: number, outSize: number, inSize: number): void;
  /**
   * Average over the in-bounds part of each window (padding excluded from the count, as TF.js 'same'):
   * y = s / cnt with s the f32 sum from 0 over the window in row-major order and cnt the in-bounds count.
   */
  f32_avgpool2d(x: number, y: number, n: number, h: number, w: number, c: number, ph: number, pw: number,
    strideH: number, strideW: number, padTop: number, padLeft: number, outH: number, outW: number): void;
  /**
   * The adjoint of f32_avgpool2d: dx = 0, then each dy spread evenly over its window's in-bounds elements:
   * g = dy / cnt (f32), dx[e] += g, outputs visited in ascending order (fixed summation order).
   */
  f32_avgpool2d_grad(dy: number, dx: number, n: number, h: number, w: number, c: number, ph: number, pw: number,
    strideH: number, strideW: number, padTop: number, padLeft: number, outH: number, outW: number): void;
  /** y[b, ch] = mean over the hw positions of x[b, :, ch]: the f32 sum from 0 over p ascending, then / hw. */
  f32_global_avgpool(x: number, y: number, n: number, hw: number, c: number): void;
  /** dx[b, p, ch] = dy[b, ch] / hw (one f32 division; dx is overwritten). */
  f32_global_avgpool_grad(dy: number, dx: number, n: number, hw: number, c: number): void;

  // ---- dropout and batch normalization (assembly/norm, src/backend/js/norm.ts) ----
  /**
   * Inverted dropout: mask[i] = keep ? scale : 0, y[i] = x[i]·mask[i] (an f32 multiply: a dropped ±Inf or NaN
   * gives NaN), with scale = f32(1/(1 − rate)) (evaluated in f64). The keep decision is a counter-based
   * hash with integer arithmetic only, the same bits in every backend: with fmix32 = murmur3's 32-bit finalizer
   * (h ^= h>>>16; h *= 0x85EBCA6B; h ^= h>>>13; h *= 0xC2B2AE35; h ^= h>>>16, all mod 2³²),
   * hash(i) = fmix32((i·0x9E3779B9 + fmix32(seed)) mod 2³²) for i = 0..count−1, u = hash/2³² ∈ [0, 1), and
   * keep ⇔ u ≥ rate ⇔ hash ≥ ⌈rate·2³²⌉ (rate as an f32). rate must lie in [0, 1) (the layer validates);
   * rate = 0 keeps every element with scale 1. y may equal x; mask is required and must not overlap x or y.
   * seed is a u32 passed as a number (taken mod 2³²).
   */
  f32_dropout(x: number, y: number, mask: number, count: number, rate: number, seed: number): void;
  /** y[i] = a[i]·b[i]; y may equal a or b. */
  f32_mul(a: number, b: number, y: number, count: number): void;
  /**
   * Training-mode batch norm over rows×c (c = channels, last axis; rows = n·h·w for NHWC features, n for dense).
   * Per channel, in f64 with the rows in ascending order: mean = Σx/rows, then (two-pass) the biased variance
   * var = Σ(x − mean)²/rows; invstd = f32(1/√(var + ε)); mean is stored as f32(mean) and invstd as is (for the
   * backward pass). y = (x − mean)·a + β in f32 ops with a = f32(γ·invstd), i.e. γ·(x − mean)·invstd + β.
   * Moving averages are updated in place with the BIASED batch variance (Keras 3 and TF.js):
   * movingMean = f32(momentum·movingMean + (1 − momentum)·mean), movingVar likewise with var, both in f64 from
   * the f64 statistics. y may equal x (the backward pass needs the input, though).
   */
  f32_batchnorm_train(x: number, y: number, gamma: number, beta: number, mean: number, invstd: number,
    movingMean: number, movingVar: number, rows: number, c: number, momentum: number, epsilon: number): void;
  /**
   * Inference-mode batch norm: y = γ·(x − movingMean)/√(movingVar + ε) + β. y may equal x. Evaluated like the
   * training forward: invstd = f32(1/√(movingVar + ε)) in f64, a = f32(γ·invstd), y = (x − movingMean)·a + β.
   */
  f32_batchnorm_infer(x: number, y: number, gamma: number, beta: number, movingMean: number, movingVar: number,
    rows: number, c: number, epsilon: number): void;
  /**
   * Backward of f32_batchnorm_train: x̂ = (x − mean)·invstd; dbeta = Σ_rows dy; dgamma = Σ_rows dy·x̂ (both
   * overwritten); dx = γ·invstd/rows · (rows·dy − dbeta − x̂·dgamma). dx may equal dy. Evaluation: x̂ in f32 ops,
   * the sums in f64 over the rows ascending (dy·x̂ exact in f64), dbeta and dgamma stored as f32; then per channel
   * a = dbeta/rows, b = dgamma/rows, k = γ·invstd and dx = k·((dy − a) − x̂·b), all in f32 ops.
   */
  f32_batchnorm_grad(x: number, dy: number, dx: number, gamma: number, mean: number, invstd: number,
    dgamma: number, dbeta: number, rows: number, c: number): void;
  /**
   * Layer normalization of each of `rows` rows of `cols` values (a sample's positions, normalized over the last
   * axis): mean and variance of the row as f64 sums over the row ascending (two passes, the variance biased);
   * mean = f32(u) and invstd = f32(1/√(var + ε)) stored per row (for backward); y = x̂·γ + β with x̂ = (x − mean)·invstd,
   * each an f32 operation. gamma or beta 0: no scale or no shift. y may equal x.
   */
  f32_layernorm(x: number, y: number, gamma: number, beta: number, mean: number, invstd: number, rows: number,
    cols: number, epsilon: number): void;
  /**
   * Backward of f32_layernorm: with x̂ = (x − mean)·invstd and g = dy·γ (dy without γ), dgamma[j] = Σ_rows dy·x̂ and
   * dbeta[j] = Σ_rows dy (f32 adds over the rows ascending from 0, overwritten; a 0 pointer skips one); per row
   * a = f32(Σ g / cols), b = f32(Σ g·x̂ / cols) (f64 sums over the row ascending) and dx = invstd·((g − a) − x̂·b) in
   * f32 operations (dx 0: none). dx may equal dy.
   */
  f32_layernorm_grad(x: number, dy: number, dx: number, gamma: number, mean: number, invstd: number,
    dgamma: number, dbeta: number, rows: number, cols: number): void;

  // ---- two operands: merge layers and gradient accumulation (assembly/binary, src/backend/js/binary.ts) ----
  // One IEEE f32 operation or select per element, the same bits on every backend. Pointers need only be 4-byte
  // aligned, and y may equal either operand.
  /** y[i] = a[i] + b[i]; y may equal a or b. */
  f32_add(a: number, b: number, y: number, count: number): void;
  /** y[i] = a[i] − b[i]; y may equal a or b. */
  f32_sub(a: number, b: number, y: number, count: number): void;
  /**
   * y[i] += alpha·x[i], evaluated as y[i] + f32(alpha·x[i]): a multiply rounded to f32, then an add, never a fused
   * multiply-add, so alpha = 1 gives exactly y + x (gradient accumulation). alpha is used as an f32. x must not
   * overlap y unless it equals it.
   */
  f32_axpy(x: number, y: number, count: number, alpha: number): void;
  /**
   * y[i] = a[i] ≥ b[i] ? a[i] : b[i], a select on the comparison (not IEEE maximum): a tie keeps a, so max(−0, +0)
   * is −0 and max(+0, −0) is +0, and a NaN in either operand gives b (max(NaN, 1) = 1, max(1, NaN) = NaN). An
   * n-ary maximum is the chain ((x0 max x1) max x2)…, whose gradient f32_pick_grad gives. y may equal a or b.
   */
  f32_max(a: number, b: number, y: number, count: number): void;
  /** y[i] = a[i] ≤ b[i] ? a[i] : b[i], the same rules as f32_max with ≤ (a tie keeps a, a NaN gives b). */
  f32_min(a: number, b: number, y: number, count: number): void;
  /**
   * One input's share of the gradient of an n-ary maximum or minimum y = chain of x_0 … x_k: where x[i] == y[i]
   * (−0 equals +0, a NaN equals nothing), dx[i] = r[i] and r[i] = +0; elsewhere dx[i] = +0 and r[i] is kept. Called
   * once per input in input order with r starting as a copy of dy, the first input equal to the output takes the
   * whole gradient, as chained tf.maximum/tf.minimum give it (ties go to the earlier input). dx = 0 means no
   * gradient is wanted for this input: only r is updated. dx must not overlap x, y or r.
   */
  f32_pick_grad(x: number, y: number, r: number, dx: number, count: number): void;
  /**
   * dst[r·dstStride + j] = src[r·srcStride + j] for r < rows, j < cols (strides in elements): concatenation along
   * the last axis, each input's rows into a column range of the output (and the gradient's columns back). The
   * source and destination regions must not overlap. A block of rows is the same call with src and dst moved by
   * that many strides, which is how threads split it.
   */
  f32_copy_strided(src: number, srcStride: number, dst: number, dstStride: number, rows: number, cols: number): void;
}

/** Linear memory of a backend: a wasm Memory or, for js, an ArrayBuffer that is replaced when it grows. */
export interface LinearMemory {
  /** Current byte length. */
  readonly byteLength: number;
  /**
   * The most bytes this memory can ever have: 4 GiB for wasm32, 2 GiB for the js backend (its kernels index
   * with 32-bit shifts).
   */
  readonly maxBytes: number;
  /**
   * Grows so that byteLength ≥ bytes (contents kept), never past `limit` (default maxBytes), and returns true;
   * or returns false when the memory cannot grow that far (past the limit, or the runtime refused). Views must be
   * re-read afterwards.
   */
  ensure(bytes: number, limit?: number): boolean;
  /** Views over the current buffer; re-created after growth. */
  f32(): Float32Array;
  i32(): Int32Array;
  /** First byte offset the allocator may hand out (above the module's static data). */
  readonly base: number;
}

export interface Backend {
  readonly name: 'wasm' | 'js';
  readonly kernels: Kernels;
  readonly memory: LinearMemory;
}
