// Optimizer updates in the Keras formulations (keras/optimizers/*.py). Each kernel walks the arrays as
// 16-float blocks (4 v128), then 4-float steps, then scalars; every op is a plain IEEE f32 op, so the js twin
// (src/backend/js/optim.ts) reproduces the results bit for bit.

@inline function bytes(count: i32): usize { return <usize>max(count, 0) << 2; }

// ---- sgd ----

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

// ---- momentum (Keras SGD with momentum; nesterov re-applies the new velocity's look-ahead) ----

@inline function momentum4(w: usize, g: usize, v: usize, lr: v128, mu: v128, nesterov: bool): void {
  const lg = f32x4.mul(lr, v128.load(g));
  const nv = f32x4.sub(f32x4.mul(mu, v128.load(v)), lg);
  v128.store(v, nv);
  const step = nesterov ? f32x4.sub(f32x4.mul(mu, nv), lg) : nv;
  v128.store(w, f32x4.add(v128.load(w), step));
}

@inline function momentum1(w: usize, g: usize, v: usize, lr: f32, mu: f32, nesterov: bool): void {
  const lg = lr * load<f32>(g);
  const nv = mu * load<f32>(v) - lg;
  store<f32>(v, nv);
  store<f32>(w, load<f32>(w) + (nesterov ? mu * nv - lg : nv));
}

@inline function momentumLoop(w: usize, g: usize, v: usize, n: usize, lr: f32, mu: f32, nesterov: bool): void {
  const lrv = f32x4.splat(lr);
  const muv = f32x4.splat(mu);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    momentum4(w + i, g + i, v + i, lrv, muv, nesterov);
    momentum4(w + i + 16, g + i + 16, v + i + 16, lrv, muv, nesterov);
    momentum4(w + i + 32, g + i + 32, v + i + 32, lrv, muv, nesterov);
    momentum4(w + i + 48, g + i + 48, v + i + 48, lrv, muv, nesterov);
  }
  for (; i + 16 <= n; i += 16) momentum4(w + i, g + i, v + i, lrv, muv, nesterov);
  for (; i < n; i += 4) momentum1(w + i, g + i, v + i, lr, mu, nesterov);
}

export function f32_momentum(w: usize, g: usize, v: usize, count: i32, lr: f32, momentum: f32, nesterov: i32): void {
  const n = bytes(count);
  if (nesterov != 0) momentumLoop(w, g, v, n, lr, momentum, true);
  else momentumLoop(w, g, v, n, lr, momentum, false);
}

// ---- adam / adamw ----

// β^t by binary exponentiation in f64: the same sequence of IEEE multiplies as the js twin (a libm pow
// could differ between the two in the last bit).
function powi(b: f64, t: i32): f64 {
  let r: f64 = 1;
  while (t > 0) {
    if (t & 1) r *= b;
    b *= b;
    t >>= 1;
  }
  return r;
}

// Bias-corrected step size of Keras' Adam: lr·√(1−β2^t)/(1−β1^t), once per call in f64, rounded to f32.
function adamStepSize(lr: f32, beta1: f32, beta2: f32, t: i32): f32 {
  return <f32>(<f64>lr * Math.sqrt(1 - powi(<f64>beta2, t)) / (1 - powi(<f64>beta1, t)));
}

@inline function adam4(w: usize, g: usize, m: usize, v: usize, b1: v128, c1: v128, b2: v128, c2: v128, lr: v128, eps: v128): void {
  const gv = v128.load(g);
  const mv = f32x4.add(f32x4.mul(b1, v128.load(m)), f32x4.mul(c1, gv));
  const vv = f32x4.add(f32x4.mul(b2, v128.load(v)), f32x4.mul(c2, f32x4.mul(gv, gv)));
  v128.store(m, mv);
  v128.store(v, vv);
  const step = f32x4.div(f32x4.mul(lr, mv), f32x4.add(f32x4.sqrt(vv), eps));
  v128.store(w, f32x4.sub(v128.load(w), step));
}

@inline function decay4(w: usize, lrwd: v128): void {
  const wv = v128.load(w);
  v128.store(w, f32x4.sub(wv, f32x4.mul(lrwd, wv)));
}

// One pass over w, g, m, v; when decoupled weight decay is on (AdamW), w −= (lr·wd)·w first, per element.
@inline function adamLoop(w: usize, g: usize, m: usize, v: usize, n: usize,
  lr: f32, beta1: f32, beta2: f32, epsilon: f32, t: i32, lrwd: f32, decay: bool): void {
  const lrt = adamStepSize(lr, beta1, beta2, t);
  const c1s: f32 = 1 - beta1;
  const c2s: f32 = 1 - beta2;
  const b1 = f32x4.splat(beta1), c1 = f32x4.splat(c1s);
  const b2 = f32x4.splat(beta2), c2 = f32x4.splat(c2s);
  const lrv = f32x4.splat(lrt), eps = f32x4.splat(epsilon), dv = f32x4.splat(lrwd);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    if (decay) { decay4(w + i, dv); decay4(w + i + 16, dv); decay4(w + i + 32, dv); decay4(w + i + 48, dv); }
    adam4(w + i, g + i, m + i, v + i, b1, c1, b2, c2, lrv, eps);
    adam4(w + i + 16, g + i + 16, m + i + 16, v + i + 16, b1, c1, b2, c2, lrv, eps);
    adam4(w + i + 32, g + i + 32, m + i + 32, v + i + 32, b1, c1, b2, c2, lrv, eps);
    adam4(w + i + 48, g + i + 48, m + i + 48, v + i + 48, b1, c1, b2, c2, lrv, eps);
  }
  for (; i + 16 <= n; i += 16) {
    if (decay) decay4(w + i, dv);
    adam4(w + i, g + i, m + i, v + i, b1, c1, b2, c2, lrv, eps);
  }
  for (; i < n; i += 4) {
    let wi = load<f32>(w + i);
    if (decay) wi -= lrwd * wi;
    const gi = load<f32>(g + i);
    const mi = beta1 * load<f32>(m + i) + c1s * gi;
    const vi = beta2 * load<f32>(v + i) + c2s * (gi * gi);
    store<f32>(m + i, mi);
    store<f32>(v + i, vi);
    store<f32>(w + i, wi - lrt * mi / (sqrt<f32>(vi) + epsilon));
  }
}

export function f32_adam(w: usize, g: usize, m: usize, v: usize, count: i32, lr: f32, beta1: f32, beta2: f32, epsilon: f32, t: i32): void {
  adamLoop(w, g, m, v, bytes(count), lr, beta1, beta2, epsilon, t, 0, false);
}

export function f32_adamw(w: usize, g: usize, m: usize, v: usize, count: i32, lr: f32, beta1: f32, beta2: f32, epsilon: f32, t: i32, weightDecay: f32): void {
  adamLoop(w, g, m, v, bytes(count), lr, beta1, beta2, epsilon, t, lr * weightDecay, true);
}

// ---- rmsprop / adagrad (Keras without centering; ε added outside the square root) ----

@inline function rmsprop4(w: usize, g: usize, s: usize, lr: v128, rho: v128, c: v128, eps: v128): void {
  const gv = v128.load(g);
  const sv = f32x4.add(f32x4.mul(rho, v128.load(s)), f32x4.mul(c, f32x4.mul(gv, gv)));
  v128.store(s, sv);
  const step = f32x4.div(f32x4.mul(lr, gv), f32x4.add(f32x4.sqrt(sv), eps));
  v128.store(w, f32x4.sub(v128.load(w), step));
}

export function f32_rmsprop(w: usize, g: usize, s: usize, count: i32, lr: f32, rho: f32, epsilon: f32): void {
  const n = bytes(count);
  const cs: f32 = 1 - rho;
  const lrv = f32x4.splat(lr), rv = f32x4.splat(rho), cv = f32x4.splat(cs), eps = f32x4.splat(epsilon);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    rmsprop4(w + i, g + i, s + i, lrv, rv, cv, eps);
    rmsprop4(w + i + 16, g + i + 16, s + i + 16, lrv, rv, cv, eps);
    rmsprop4(w + i + 32, g + i + 32, s + i + 32, lrv, rv, cv, eps);
    rmsprop4(w + i + 48, g + i + 48, s + i + 48, lrv, rv, cv, eps);
  }
  for (; i + 16 <= n; i += 16) rmsprop4(w + i, g + i, s + i, lrv, rv, cv, eps);
  for (; i < n; i += 4) {
    const gi = load<f32>(g + i);
    const si = rho * load<f32>(s + i) + cs * (gi * gi);
    store<f32>(s + i, si);
    store<f32>(w + i, load<f32>(w + i) - lr * gi / (sqrt<f32>(si) + epsilon));
  }
}

@inline function adagrad4(w: usize, g: usize, s: usize, lr: v128, eps: v128): void {
  const gv = v128.load(g);
  const sv = f32x4.add(v128.load(s), f32x4.mul(gv, gv));
  v128.store(s, sv);
  const step = f32x4.div(f32x4.mul(lr, gv), f32x4.add(f32x4.sqrt(sv), eps));
  v128.store(w, f32x4.sub(v128.load(w), step));
}

export function f32_adagrad(w: usize, g: usize, s: usize, count: i32, lr: f32, epsilon: f32): void {
  const n = bytes(count);
  const lrv = f32x4.splat(lr), eps = f32x4.splat(epsilon);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    adagrad4(w + i, g + i, s + i, lrv, eps);
    adagrad4(w + i + 16, g + i + 16, s + i + 16, lrv, eps);
    adagrad4(w + i + 32, g + i + 32, s + i + 32, lrv, eps);
    adagrad4(w + i + 48, g + i + 48, s + i + 48, lrv, eps);
  }
  for (; i + 16 <= n; i += 16) adagrad4(w + i, g + i, s + i, lrv, eps);
  for (; i < n; i += 4) {
    const gi = load<f32>(g + i);
    const si = load<f32>(s + i) + gi * gi;
    store<f32>(s + i, si);
    store<f32>(w + i, load<f32>(w + i) - lr * gi / (sqrt<f32>(si) + epsilon));
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
