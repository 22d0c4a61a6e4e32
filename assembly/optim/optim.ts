// Optimizer updates that follow tf.train.*'s formulas op by op (tfjs-core/src/optimizers/*_optimizer.ts): every
// op is one IEEE f32 op in the same order, so the js twin (src/backend/js/optim.ts) gives the same bits, and so
// does TF.js's cpu backend on the same inputs. Scalars that TF.js computes once per step (1 − β, 1 − β^t) come
// from the caller (src/optimizers.ts). Each kernel walks the arrays as 16-float blocks (4 v128), then 4-float
// steps, then scalars.

@inline function bytes(count: i32): usize { return <usize>max(count, 0) << 2; }

// ---- sgd: w −= lr·g (TF.js adds (−lr)·g: the same rounding) ----

@inline function sgd4(w: usize, g: usize, lr: v128): void {
  v128.store(w, f32x4.sub(v128.load(w), f32x4.mul(lr, v128.load(g))));
}

export function f32_sgd(w: usize, g: usize, count: i32, lr: f32): void {
  const n = bytes(count);
  const lrv = f32x4.splat(lr);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    sgd4(w + i, g + i, lrv);
    sgd4(w + i + 16, g + i + 16, lrv);
    sgd4(w + i + 32, g + i + 32, lrv);
    sgd4(w + i + 48, g + i + 48, lrv);
  }
  for (; i + 16 <= n; i += 16) sgd4(w + i, g + i, lrv);
  for (; i < n; i += 4) store<f32>(w + i, load<f32>(w + i) - lr * load<f32>(g + i));
}

// ---- momentum: a = μ·a + g; w += (−lr)·a, or with nesterov w += (−lr)·(g + a·μ) ----

@inline function momentum4(w: usize, g: usize, a: usize, nlr: v128, mu: v128, nesterov: bool): void {
  const gv = v128.load(g);
  const av = f32x4.add(f32x4.mul(mu, v128.load(a)), gv);
  v128.store(a, av);
  const dir = nesterov ? f32x4.add(gv, f32x4.mul(av, mu)) : av;
  v128.store(w, f32x4.add(f32x4.mul(nlr, dir), v128.load(w)));
}

@inline function momentum1(w: usize, g: usize, a: usize, nlr: f32, mu: f32, nesterov: bool): void {
  const gi = load<f32>(g);
  const ai = mu * load<f32>(a) + gi;
  store<f32>(a, ai);
  store<f32>(w, nlr * (nesterov ? gi + ai * mu : ai) + load<f32>(w));
}

@inline function momentumLoop(w: usize, g: usize, a: usize, n: usize, lr: f32, mu: f32, nesterov: bool): void {
  const nlrv = f32x4.splat(-lr);
  const muv = f32x4.splat(mu);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    momentum4(w + i, g + i, a + i, nlrv, muv, nesterov);
    momentum4(w + i + 16, g + i + 16, a + i + 16, nlrv, muv, nesterov);
    momentum4(w + i + 32, g + i + 32, a + i + 32, nlrv, muv, nesterov);
    momentum4(w + i + 48, g + i + 48, a + i + 48, nlrv, muv, nesterov);
  }
  for (; i + 16 <= n; i += 16) momentum4(w + i, g + i, a + i, nlrv, muv, nesterov);
  for (; i < n; i += 4) momentum1(w + i, g + i, a + i, -lr, mu, nesterov);
}

export function f32_momentum(w: usize, g: usize, a: usize, count: i32, lr: f32, momentum: f32, nesterov: i32): void {
  const n = bytes(count);
  if (nesterov != 0) momentumLoop(w, g, a, n, lr, momentum, true);
  else momentumLoop(w, g, a, n, lr, momentum, false);
}

// ---- adam / adamw ----
// m = m·β1 + g·(1−β1); v = v·β2 + g²·(1−β2); w += (m/c1) / (√(v/c2) + ε) · (−lr), with c1 = 1 − β1^t and
// c2 = 1 − β2^t. AdamW first applies decoupled weight decay, w −= (lr·wd)·w, per element.

@inline function adam4(w: usize, g: usize, m: usize, v: usize, b1: v128, d1: v128, b2: v128, d2: v128,
  c1: v128, c2: v128, eps: v128, nlr: v128, lrwd: v128, decay: bool): void {
  let wv = v128.load(w);
  if (decay) wv = f32x4.sub(wv, f32x4.mul(lrwd, wv));
  const gv = v128.load(g);
  const mv = f32x4.add(f32x4.mul(v128.load(m), b1), f32x4.mul(gv, d1));
  const vv = f32x4.add(f32x4.mul(v128.load(v), b2), f32x4.mul(f32x4.mul(gv, gv), d2));
  v128.store(m, mv);
  v128.store(v, vv);
  const step = f32x4.div(f32x4.div(mv, c1), f32x4.add(f32x4.sqrt(f32x4.div(vv, c2)), eps));
  v128.store(w, f32x4.add(f32x4.mul(step, nlr), wv));
}

@inline function adam1(w: usize, g: usize, m: usize, v: usize, b1: f32, d1: f32, b2: f32, d2: f32,
  c1: f32, c2: f32, eps: f32, nlr: f32, lrwd: f32, decay: bool): void {
  let wi = load<f32>(w);
  if (decay) wi -= lrwd * wi;
  const gi = load<f32>(g);
  const mi = load<f32>(m) * b1 + gi * d1;
  const vi = load<f32>(v) * b2 + (gi * gi) * d2;
  store<f32>(m, mi);
  store<f32>(v, vi);
  store<f32>(w, (mi / c1) / (sqrt<f32>(vi / c2) + eps) * nlr + wi);
}

@inline function adamLoop(w: usize, g: usize, m: usize, v: usize, n: usize, lr: f32, beta1: f32, oneMinusBeta1: f32,
  beta2: f32, oneMinusBeta2: f32, epsilon: f32, c1: f32, c2: f32, lrwd: f32, decay: bool): void {
  const b1 = f32x4.splat(beta1), d1 = f32x4.splat(oneMinusBeta1), b2 = f32x4.splat(beta2), d2 = f32x4.splat(oneMinusBeta2);
  const c1v = f32x4.splat(c1), c2v = f32x4.splat(c2), eps = f32x4.splat(epsilon);
  const nlr = f32x4.splat(-lr), dv = f32x4.splat(lrwd);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    adam4(w + i, g + i, m + i, v + i, b1, d1, b2, d2, c1v, c2v, eps, nlr, dv, decay);
    adam4(w + i + 16, g + i + 16, m + i + 16, v + i + 16, b1, d1, b2, d2, c1v, c2v, eps, nlr, dv, decay);
    adam4(w + i + 32, g + i + 32, m + i + 32, v + i + 32, b1, d1, b2, d2, c1v, c2v, eps, nlr, dv, decay);
    adam4(w + i + 48, g + i + 48, m + i + 48, v + i + 48, b1, d1, b2, d2, c1v, c2v, eps, nlr, dv, decay);
  }
  for (; i + 16 <= n; i += 16) adam4(w + i, g + i, m + i, v + i, b1, d1, b2, d2, c1v, c2v, eps, nlr, dv, decay);
  for (; i < n; i += 4) adam1(w + i, g + i, m + i, v + i, beta1, oneMinusBeta1, beta2, oneMinusBeta2, c1, c2, epsilon, -lr, lrwd, decay);
}

export function f32_adam(w: usize, g: usize, m: usize, v: usize, count: i32, lr: f32, beta1: f32, oneMinusBeta1: f32,
  beta2: f32, oneMinusBeta2: f32, epsilon: f32, correction1: f32, correction2: f32): void {
  adamLoop(w, g, m, v, bytes(count), lr, beta1, oneMinusBeta1, beta2, oneMinusBeta2, epsilon, correction1, correction2, 0, false);
}

export function f32_adamw(w: usize, g: usize, m: usize, v: usize, count: i32, lr: f32, beta1: f32, oneMinusBeta1: f32,
  beta2: f32, oneMinusBeta2: f32, epsilon: f32, correction1: f32, correction2: f32, weightDecay: f32): void {
  adamLoop(w, g, m, v, bytes(count), lr, beta1, oneMinusBeta1, beta2, oneMinusBeta2, epsilon, correction1, correction2,
    lr * weightDecay, true);
}

// ---- adamax: m = m·β1 + g·(1−β1); u = max(u·β2, |g|); w += step·(m/(u + ε)), step = (−lr)/(1 − β1^t) ----

@inline function adamax4(w: usize, g: usize, m: usize, u: usize, b1: v128, d1: v128, b2: v128, eps: v128, step: v128): void {
  const gv = v128.load(g);
  const mv = f32x4.add(f32x4.mul(v128.load(m), b1), f32x4.mul(gv, d1));
  const uv = f32x4.max(f32x4.mul(v128.load(u), b2), f32x4.abs(gv));
  v128.store(m, mv);
  v128.store(u, uv);
  v128.store(w, f32x4.add(f32x4.mul(step, f32x4.div(mv, f32x4.add(uv, eps))), v128.load(w)));
}

export function f32_adamax(w: usize, g: usize, m: usize, u: usize, count: i32, step: f32, beta1: f32, oneMinusBeta1: f32,
  beta2: f32, epsilon: f32): void {
  const n = bytes(count);
  const b1 = f32x4.splat(beta1), d1 = f32x4.splat(oneMinusBeta1), b2 = f32x4.splat(beta2);
  const eps = f32x4.splat(epsilon), sv = f32x4.splat(step);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    adamax4(w + i, g + i, m + i, u + i, b1, d1, b2, eps, sv);
    adamax4(w + i + 16, g + i + 16, m + i + 16, u + i + 16, b1, d1, b2, eps, sv);
    adamax4(w + i + 32, g + i + 32, m + i + 32, u + i + 32, b1, d1, b2, eps, sv);
    adamax4(w + i + 48, g + i + 48, m + i + 48, u + i + 48, b1, d1, b2, eps, sv);
  }
  for (; i + 16 <= n; i += 16) adamax4(w + i, g + i, m + i, u + i, b1, d1, b2, eps, sv);
  for (; i < n; i += 4) {
    const gi = load<f32>(g + i);
    const mi = load<f32>(m + i) * beta1 + gi * oneMinusBeta1;
    const ui = max<f32>(load<f32>(u + i) * beta2, abs<f32>(gi));
    store<f32>(m + i, mi);
    store<f32>(u + i, ui);
    store<f32>(w + i, step * (mi / (ui + epsilon)) + load<f32>(w + i));
  }
}

// ---- adadelta ----
// A = A·ρ + g²·(1−ρ); d = (√(U + ε) / √(A_old + ε))·g; U = U·ρ + d²·(1−ρ); w += d·(−lr). As in TF.js, the step
// divides by the accumulated squared gradient from before this step's gradient was added.

@inline function adadelta4(w: usize, g: usize, a: usize, u: usize, rho: v128, d: v128, eps: v128, nlr: v128): void {
  const gv = v128.load(g);
  const av = v128.load(a), uv = v128.load(u);
  const step = f32x4.mul(f32x4.div(f32x4.sqrt(f32x4.add(uv, eps)), f32x4.sqrt(f32x4.add(av, eps))), gv);
  v128.store(a, f32x4.add(f32x4.mul(av, rho), f32x4.mul(f32x4.mul(gv, gv), d)));
  v128.store(u, f32x4.add(f32x4.mul(uv, rho), f32x4.mul(f32x4.mul(step, step), d)));
  v128.store(w, f32x4.add(f32x4.mul(step, nlr), v128.load(w)));
}

export function f32_adadelta(w: usize, g: usize, a: usize, u: usize, count: i32, lr: f32, rho: f32, oneMinusRho: f32,
  epsilon: f32): void {
  const n = bytes(count);
  const rv = f32x4.splat(rho), dv = f32x4.splat(oneMinusRho), eps = f32x4.splat(epsilon), nlr = f32x4.splat(-lr);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    adadelta4(w + i, g + i, a + i, u + i, rv, dv, eps, nlr);
    adadelta4(w + i + 16, g + i + 16, a + i + 16, u + i + 16, rv, dv, eps, nlr);
    adadelta4(w + i + 32, g + i + 32, a + i + 32, u + i + 32, rv, dv, eps, nlr);
    adadelta4(w + i + 48, g + i + 48, a + i + 48, u + i + 48, rv, dv, eps, nlr);
  }
  for (; i + 16 <= n; i += 16) adadelta4(w + i, g + i, a + i, u + i, rv, dv, eps, nlr);
  for (; i < n; i += 4) {
    const gi = load<f32>(g + i);
    const ai = load<f32>(a + i), ui = load<f32>(u + i);
    const step = (sqrt<f32>(ui + epsilon) / sqrt<f32>(ai + epsilon)) * gi;
    store<f32>(a + i, ai * rho + (gi * gi) * oneMinusRho);
    store<f32>(u + i, ui * rho + (step * step) * oneMinusRho);
    store<f32>(w + i, step * -lr + load<f32>(w + i));
  }
}

// ---- rmsprop ----
// s = s·ρ + g²·(1−ρ); p = p·μ + (g·lr)/√(s + ε); w −= p. Centered (centered ≠ 0) also keeps the mean gradient
// q = q·ρ + g·(1−ρ) and divides by √((s − q²) + ε). TF.js's centered update takes √(s − (q² + ε)), which is NaN
// whenever s − q² < ε (the first steps of every small gradient); neurite adds ε, as Keras does.

@inline function rmsprop4(w: usize, g: usize, s: usize, p: usize, q: usize, lr: v128, rho: v128, d: v128, mu: v128,
  eps: v128, centered: bool): void {
  const gv = v128.load(g);
  const sv = f32x4.add(f32x4.mul(v128.load(s), rho), f32x4.mul(f32x4.mul(gv, gv), d));
  v128.store(s, sv);
  let den: v128;
  if (centered) {
    const qv = f32x4.add(f32x4.mul(v128.load(q), rho), f32x4.mul(gv, d));
    v128.store(q, qv);
    den = f32x4.sqrt(f32x4.add(f32x4.sub(sv, f32x4.mul(qv, qv)), eps));
  } else {
    den = f32x4.sqrt(f32x4.add(sv, eps));
  }
  const pv = f32x4.add(f32x4.mul(v128.load(p), mu), f32x4.div(f32x4.mul(gv, lr), den));
  v128.store(p, pv);
  v128.store(w, f32x4.sub(v128.load(w), pv));
}

@inline function rmsprop1(w: usize, g: usize, s: usize, p: usize, q: usize, lr: f32, rho: f32, d: f32, mu: f32,
  eps: f32, centered: bool): void {
  const gi = load<f32>(g);
  const si = load<f32>(s) * rho + (gi * gi) * d;
  store<f32>(s, si);
  let den: f32;
  if (centered) {
    const qi = load<f32>(q) * rho + gi * d;
    store<f32>(q, qi);
    den = sqrt<f32>((si - qi * qi) + eps);
  } else {
    den = sqrt<f32>(si + eps);
  }
  const pi = load<f32>(p) * mu + (gi * lr) / den;
  store<f32>(p, pi);
  store<f32>(w, load<f32>(w) - pi);
}

@inline function rmspropLoop(w: usize, g: usize, s: usize, p: usize, q: usize, n: usize, lr: f32, rho: f32,
  oneMinusRho: f32, momentum: f32, epsilon: f32, centered: bool): void {
  const lrv = f32x4.splat(lr), rv = f32x4.splat(rho), dv = f32x4.splat(oneMinusRho);
  const muv = f32x4.splat(momentum), eps = f32x4.splat(epsilon);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    rmsprop4(w + i, g + i, s + i, p + i, q + i, lrv, rv, dv, muv, eps, centered);
    rmsprop4(w + i + 16, g + i + 16, s + i + 16, p + i + 16, q + i + 16, lrv, rv, dv, muv, eps, centered);
    rmsprop4(w + i + 32, g + i + 32, s + i + 32, p + i + 32, q + i + 32, lrv, rv, dv, muv, eps, centered);
    rmsprop4(w + i + 48, g + i + 48, s + i + 48, p + i + 48, q + i + 48, lrv, rv, dv, muv, eps, centered);
  }
  for (; i + 16 <= n; i += 16) rmsprop4(w + i, g + i, s + i, p + i, q + i, lrv, rv, dv, muv, eps, centered);
  for (; i < n; i += 4) rmsprop1(w + i, g + i, s + i, p + i, q + i, lr, rho, oneMinusRho, momentum, epsilon, centered);
}

export function f32_rmsprop(w: usize, g: usize, s: usize, p: usize, q: usize, count: i32, lr: f32, rho: f32,
  oneMinusRho: f32, momentum: f32, epsilon: f32, centered: i32): void {
  const n = bytes(count);
  if (centered != 0) rmspropLoop(w, g, s, p, q, n, lr, rho, oneMinusRho, momentum, epsilon, true);
  else rmspropLoop(w, g, s, p, q, n, lr, rho, oneMinusRho, momentum, epsilon, false);
}

// ---- adagrad: s = s + g²; w += (g/√(s + ε))·(−lr) ----

@inline function adagrad4(w: usize, g: usize, s: usize, nlr: v128, eps: v128): void {
  const gv = v128.load(g);
  const sv = f32x4.add(v128.load(s), f32x4.mul(gv, gv));
  v128.store(s, sv);
  v128.store(w, f32x4.add(f32x4.mul(f32x4.div(gv, f32x4.sqrt(f32x4.add(sv, eps))), nlr), v128.load(w)));
}

export function f32_adagrad(w: usize, g: usize, s: usize, count: i32, lr: f32, epsilon: f32): void {
  const n = bytes(count);
  const nlr = f32x4.splat(-lr), eps = f32x4.splat(epsilon);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    adagrad4(w + i, g + i, s + i, nlr, eps);
    adagrad4(w + i + 16, g + i + 16, s + i + 16, nlr, eps);
    adagrad4(w + i + 32, g + i + 32, s + i + 32, nlr, eps);
    adagrad4(w + i + 48, g + i + 48, s + i + 48, nlr, eps);
  }
  for (; i + 16 <= n; i += 16) adagrad4(w + i, g + i, s + i, nlr, eps);
  for (; i < n; i += 4) {
    const gi = load<f32>(g + i);
    const si = load<f32>(s + i) + gi * gi;
    store<f32>(s + i, si);
    store<f32>(w + i, (gi / sqrt<f32>(si + epsilon)) * -lr + load<f32>(w + i));
  }
}

// ---- l2 penalty gradient ----

@inline function l2grad4(w: usize, g: usize, c: v128): void {
  v128.store(g, f32x4.add(v128.load(g), f32x4.mul(c, v128.load(w))));
}

export function f32_l2_grad(w: usize, g: usize, count: i32, lambda: f32): void {
  const n = bytes(count);
  const cs: f32 = 2 * lambda;
  const cv = f32x4.splat(cs);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    l2grad4(w + i, g + i, cv);
    l2grad4(w + i + 16, g + i + 16, cv);
    l2grad4(w + i + 32, g + i + 32, cv);
    l2grad4(w + i + 48, g + i + 48, cv);
  }
  for (; i + 16 <= n; i += 16) l2grad4(w + i, g + i, cv);
  for (; i < n; i += 4) store<f32>(g + i, load<f32>(g + i) + cs * load<f32>(w + i));
}
