export function f32_sgd(w: usize, g: usize, count: i32, lr: f32): void { unreachable(); }
export function f32_momentum(w: usize, g: usize, v: usize, count: i32, lr: f32, momentum: f32, nesterov: i32): void { unreachable(); }
export function f32_adam(w: usize, g: usize, m: usize, v: usize, count: i32, lr: f32, beta1: f32, beta2: f32, epsilon: f32, t: i32): void { unreachable(); }
export function f32_adamw(w: usize, g: usize, m: usize, v: usize, count: i32, lr: f32, beta1: f32, beta2: f32, epsilon: f32, t: i32, weightDecay: f32): void { unreachable(); }
export function f32_rmsprop(w: usize, g: usize, s: usize, count: i32, lr: f32, rho: f32, epsilon: f32): void { unreachable(); }
export function f32_adagrad(w: usize, g: usize, s: usize, count: i32, lr: f32, epsilon: f32): void { unreachable(); }
export function f32_l2_grad(w: usize, g: usize, count: i32, lambda: f32): void { unreachable(); }
