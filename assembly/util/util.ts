export function f32_sum_squares(x: usize, count: i32): f64 { unreachable(); return 0; }
export function f32_scale(x: usize, count: i32, s: f32): void { unreachable(); }
export function f32_fill(x: usize, count: i32, value: f32): void { unreachable(); }
export function f32_copy(src: usize, dst: usize, count: i32): void { memory.copy(dst, src, <usize>count << 2); }
export function f32_gather_rows(src: usize, idx: usize, start: i32, dst: usize, rows: i32, cols: i32): void { unreachable(); }
export function i32_gather(src: usize, idx: usize, start: i32, dst: usize, rows: i32): void { unreachable(); }
export function f32_all_finite(x: usize, count: i32): i32 { unreachable(); return 0; }
/** First byte offset above the module's static data; the JS allocator starts here (aligned up to 16). */
export function heap_base(): usize { return __heap_base; }
