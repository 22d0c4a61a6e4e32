// Embedding lookup and its gradient. Ids arrive as f32 values (the arena holds f32 data; integers up to 2^24 are
// exact), as TF.js takes a float tensor of integer values. The lookup copies whole rows; the gradient is a
// scatter-add in the order of the ids, so rows that several ids share sum their gradients in one fixed order.

/**
 * y[i, :] = table[ids[i], :] for i < count, rows of dim f32. Returns −1, or the index of the first id that is not
 * an integer in [0, inputDim) (NaN included): rows before it are written, none after.
 */
export function f32_embedding(table: usize, ids: usize, y: usize, count: i32, dim: i32, inputDim: i32): i32 {
  const rowBytes = <usize>dim << 2;
  const limit = <f64>inputDim;
  for (let i = 0; i < count; i++) {
    const v = <f64>load<f32>(ids + (<usize>i << 2));
    if (!(v >= 0 && v < limit) || v != Math.floor(v)) return i;
    memory.copy(y + <usize>i * rowBytes, table + <usize>(<i32>v) * rowBytes, rowBytes);
  }
  return -1;
}

/**
 * dtable = 0, then dtable[ids[i], :] += dy[i, :] for i ascending (4 lanes, then single values: each sum is one f32
 * add, so lanes and tail round alike). Ids must be valid (f32_embedding checked them).
 */
export function f32_embedding_grad(ids: usize, dy: usize, dtable: usize, count: i32, dim: i32, inputDim: i32): void {
  const rowBytes = <usize>dim << 2;
  memory.fill(dtable, 0, <usize>inputDim * rowBytes);
  for (let i = 0; i < count; i++) {
    const row = dtable + <usize>(<i32>load<f32>(ids + (<usize>i << 2))) * rowBytes;
    const src = dy + <usize>i * rowBytes;
    let j = 0;
    for (; j + 4 <= dim; j += 4) {
      const o = <usize>j << 2;
      v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(src + o)));
    }
    for (; j < dim; j++) {
      const o = <usize>j << 2;
      store<f32>(row + o, load<f32>(row + o) + load<f32>(src + o));
    }
  }
}
