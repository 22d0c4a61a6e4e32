export function f32_gemm_nn(a: usize, b: usize, bias: usize, c: usize, m: i32, n: i32, k: i32, accumulate: i32, act: i32, alpha: f32): void { unreachable(); }
export function f32_gemm_nt(a: usize, b: usize, bias: usize, c: usize, m: i32, n: i32, k: i32, accumulate: i32, act: i32, alpha: f32): void { unreachable(); }
export function f32_gemm_tn(a: usize, b: usize, bias: usize, c: usize, m: i32, n: i32, k: i32, accumulate: i32, act: i32, alpha: f32): void { unreachable(); }
