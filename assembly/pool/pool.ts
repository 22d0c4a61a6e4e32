export function f32_maxpool2d(x: usize, y: usize, argmax: usize, n: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): void { unreachable(); }
export function f32_maxpool2d_grad(dy: usize, argmax: usize, dx: usize, count: i32, dxCount: i32): void { unreachable(); }
export function f32_avgpool2d(x: usize, y: usize, n: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): void { unreachable(); }
export function f32_avgpool2d_grad(dy: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): void { unreachable(); }
export function f32_global_avgpool(x: usize, y: usize, n: i32, hw: i32, c: i32): void { unreachable(); }
export function f32_global_avgpool_grad(dy: usize, dx: usize, n: i32, hw: i32, c: i32): void { unreachable(); }
