export function f32_mse(pred: usize, target: usize, grad: usize, rows: i32, cols: i32): f64 { unreachable(); return 0; }
export function f32_bce(pred: usize, target: usize, grad: usize, rows: i32, cols: i32): f64 { unreachable(); return 0; }
export function f32_cce(pred: usize, target: usize, grad: usize, rows: i32, cols: i32): f64 { unreachable(); return 0; }
export function f32_sparse_cce(pred: usize, labels: usize, grad: usize, rows: i32, cols: i32): f64 { unreachable(); return 0; }
export function f32_softmax_cce(logits: usize, target: usize, probs: usize, grad: usize, rows: i32, cols: i32): f64 { unreachable(); return 0; }
export function f32_softmax_sparse_cce(logits: usize, labels: usize, probs: usize, grad: usize, rows: i32, cols: i32): f64 { unreachable(); return 0; }
export function f32_count_argmax_match(pred: usize, target: usize, rows: i32, cols: i32): i32 { unreachable(); return 0; }
export function f32_count_argmax_label(pred: usize, labels: usize, rows: i32, cols: i32): i32 { unreachable(); return 0; }
export function f32_count_binary_match(pred: usize, target: usize, count: i32, threshold: f32): i32 { unreachable(); return 0; }
