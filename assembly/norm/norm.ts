export function f32_dropout(x: usize, y: usize, mask: usize, count: i32, rate: f32, seed: u32): void { unreachable(); }
export function f32_mul(a: usize, b: usize, y: usize, count: i32): void { unreachable(); }
export function f32_batchnorm_train(x: usize, y: usize, gamma: usize, beta: usize, mean: usize, invstd: usize, movingMean: usize, movingVar: usize, rows: i32, c: i32, momentum: f32, epsilon: f32): void { unreachable(); }
export function f32_batchnorm_infer(x: usize, y: usize, gamma: usize, beta: usize, movingMean: usize, movingVar: usize, rows: i32, c: i32, epsilon: f32): void { unreachable(); }
export function f32_batchnorm_grad(x: usize, dy: usize, dx: usize, gamma: usize, mean: usize, invstd: usize, dgamma: usize, dbeta: usize, rows: i32, c: i32): void { unreachable(); }
