export function f32_bias_add(x: usize, bias: usize, y: usize, rows: i32, cols: i32): void { unreachable(); }
export function f32_col_sum(x: usize, y: usize, rows: i32, cols: i32, accumulate: i32): void { unreachable(); }
export function f32_activation(x: usize, y: usize, count: i32, act: i32, alpha: f32): void { unreachable(); }
export function f32_activation_grad(y: usize, dy: usize, dx: usize, count: i32, act: i32, alpha: f32): void { unreachable(); }
export function f32_softmax(x: usize, y: usize, rows: i32, cols: i32): void { unreachable(); }
export function f32_softmax_grad(y: usize, dy: usize, dx: usize, rows: i32, cols: i32): void { unreachable(); }
