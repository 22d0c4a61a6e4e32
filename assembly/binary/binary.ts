// Elementwise kernels of two operands: sum, difference, y += alpha·x, maximum and minimum, the gradient of an n-ary
// maximum or minimum, and a strided copy of rows (concatenation along the last axis). The elementwise loops go 16
// floats per step, then 4, then scalar, with unaligned loads and stores, so any 4-byte-aligned pointers work. Each
// step loads its operands before it stores, so y may equal either operand. Each element is one IEEE f32 operation
// (or a select), which the js twin (src/backend/js/binary.ts) repeats bit for bit.

@inline function bytes(count: i32): usize { return <usize>max(count, 0) << 2; }

// ---- sum and difference ----

export function f32_add(a: usize, b: usize, y: usize, count: i32): void {
  const n = bytes(count);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    const a0 = v128.load(a + i), a1 = v128.load(a + i, 16), a2 = v128.load(a + i, 32), a3 = v128.load(a + i, 48);
    const b0 = v128.load(b + i), b1 = v128.load(b + i, 16), b2 = v128.load(b + i, 32), b3 = v128.load(b + i, 48);
    v128.store(y + i, f32x4.add(a0, b0));
    v128.store(y + i, f32x4.add(a1, b1), 16);
    v128.store(y + i, f32x4.add(a2, b2), 32);
    v128.store(y + i, f32x4.add(a3, b3), 48);
  }
  for (; i + 16 <= n; i += 16) v128.store(y + i, f32x4.add(v128.load(a + i), v128.load(b + i)));
  for (; i < n; i += 4) store<f32>(y + i, load<f32>(a + i) + load<f32>(b + i));
}

export function f32_sub(a: usize, b: usize, y: usize, count: i32): void {
  const n = bytes(count);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    const a0 = v128.load(a + i), a1 = v128.load(a + i, 16), a2 = v128.load(a + i, 32), a3 = v128.load(a + i, 48);
    const b0 = v128.load(b + i), b1 = v128.load(b + i, 16), b2 = v128.load(b + i, 32), b3 = v128.load(b + i, 48);
    v128.store(y + i, f32x4.sub(a0, b0));
    v128.store(y + i, f32x4.sub(a1, b1), 16);
    v128.store(y + i, f32x4.sub(a2, b2), 32);
    v128.store(y + i, f32x4.sub(a3, b3), 48);
  }
  for (; i + 16 <= n; i += 16) v128.store(y + i, f32x4.sub(v128.load(a + i), v128.load(b + i)));
  for (; i < n; i += 4) store<f32>(y + i, load<f32>(a + i) - load<f32>(b + i));
}

// ---- y += alpha·x ----

// A multiply rounded to f32, then an add (never a fused multiply-add), so alpha = 1 gives y + x exactly.
export function f32_axpy(x: usize, y: usize, count: i32, alpha: f32): void {
  const n = bytes(count);
  const s = f32x4.splat(alpha);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    const x0 = v128.load(x + i), x1 = v128.load(x + i, 16), x2 = v128.load(x + i, 32), x3 = v128.load(x + i, 48);
    const y0 = v128.load(y + i), y1 = v128.load(y + i, 16), y2 = v128.load(y + i, 32), y3 = v128.load(y + i, 48);
    v128.store(y + i, f32x4.add(y0, f32x4.mul(s, x0)));
    v128.store(y + i, f32x4.add(y1, f32x4.mul(s, x1)), 16);
    v128.store(y + i, f32x4.add(y2, f32x4.mul(s, x2)), 32);
    v128.store(y + i, f32x4.add(y3, f32x4.mul(s, x3)), 48);
  }
  for (; i + 16 <= n; i += 16) v128.store(y + i, f32x4.add(v128.load(y + i), f32x4.mul(s, v128.load(x + i))));
  for (; i < n; i += 4) store<f32>(y + i, load<f32>(y + i) + alpha * load<f32>(x + i));
}

// ---- maximum and minimum ----

// A select on the comparison, not f32x4.max/min or pmax/pmin (their NaN and −0 rules differ): max takes a when
// a ≥ b and b otherwise, so a tie (−0 against +0 included) keeps a, and a NaN in either operand gives b.
@inline function max4(a: v128, b: v128): v128 { return v128.bitselect(a, b, f32x4.ge(a, b)); }
@inline function min4(a: v128, b: v128): v128 { return v128.bitselect(a, b, f32x4.le(a, b)); }

export function f32_max(a: usize, b: usize, y: usize, count: i32): void {
  const n = bytes(count);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    const a0 = v128.load(a + i), a1 = v128.load(a + i, 16), a2 = v128.load(a + i, 32), a3 = v128.load(a + i, 48);
    const b0 = v128.load(b + i), b1 = v128.load(b + i, 16), b2 = v128.load(b + i, 32), b3 = v128.load(b + i, 48);
    v128.store(y + i, max4(a0, b0));
    v128.store(y + i, max4(a1, b1), 16);
    v128.store(y + i, max4(a2, b2), 32);
    v128.store(y + i, max4(a3, b3), 48);
  }
  for (; i + 16 <= n; i += 16) v128.store(y + i, max4(v128.load(a + i), v128.load(b + i)));
  for (; i < n; i += 4) {
    const ai = load<f32>(a + i), bi = load<f32>(b + i);
    store<f32>(y + i, select<f32>(ai, bi, ai >= bi));
  }
}

export function f32_min(a: usize, b: usize, y: usize, count: i32): void {
  const n = bytes(count);
  let i: usize = 0;
  for (; i + 64 <= n; i += 64) {
    const a0 = v128.load(a + i), a1 = v128.load(a + i, 16), a2 = v128.load(a + i, 32), a3 = v128.load(a + i, 48);
    const b0 = v128.load(b + i), b1 = v128.load(b + i, 16), b2 = v128.load(b + i, 32), b3 = v128.load(b + i, 48);
    v128.store(y + i, min4(a0, b0));
    v128.store(y + i, min4(a1, b1), 16);
    v128.store(y + i, min4(a2, b2), 32);
    v128.store(y + i, min4(a3, b3), 48);
  }
  for (; i + 16 <= n; i += 16) v128.store(y + i, min4(v128.load(a + i), v128.load(b + i)));
  for (; i < n; i += 4) {
    const ai = load<f32>(a + i), bi = load<f32>(b + i);
    store<f32>(y + i, select<f32>(ai, bi, ai <= bi));
  }
}

// ---- gradient of an n-ary maximum or minimum ----

// Where x equals y (the output), dx takes r and r becomes +0; elsewhere dx is +0 and r is kept. With m the lane
// mask of x == y: dx = r AND m, r = r AND NOT m (the bits of r move, a NaN in x or y never matches).
@inline function pick4(x: usize, y: usize, r: usize, dx: usize): void {
  const m = f32x4.eq(v128.load(x), v128.load(y));
  const rv = v128.load(r);
  v128.store(dx, v128.and(rv, m));
  v128.store(r, v128.andnot(rv, m));
}
@inline function drop4(x: usize, y: usize, r: usize): void {
  v128.store(r, v128.andnot(v128.load(r), f32x4.eq(v128.load(x), v128.load(y))));
}

export function f32_pick_grad(x: usize, y: usize, r: usize, dx: usize, count: i32): void {
  const n = bytes(count);
  let i: usize = 0;
  if (dx == 0) {
    for (; i + 64 <= n; i += 64) {
      drop4(x + i, y + i, r + i);
      drop4(x + i + 16, y + i + 16, r + i + 16);
      drop4(x + i + 32, y + i + 32, r + i + 32);
      drop4(x + i + 48, y + i + 48, r + i + 48);
    }
    for (; i + 16 <= n; i += 16) drop4(x + i, y + i, r + i);
    for (; i < n; i += 4) if (load<f32>(x + i) == load<f32>(y + i)) store<f32>(r + i, 0);
    return;
  }
  for (; i + 64 <= n; i += 64) {
    pick4(x + i, y + i, r + i, dx + i);
    pick4(x + i + 16, y + i + 16, r + i + 16, dx + i + 16);
    pick4(x + i + 32, y + i + 32, r + i + 32, dx + i + 32);
    pick4(x + i + 48, y + i + 48, r + i + 48, dx + i + 48);
  }
  for (; i + 16 <= n; i += 16) pick4(x + i, y + i, r + i, dx + i);
  for (; i < n; i += 4) {
    if (load<f32>(x + i) == load<f32>(y + i)) {
      store<f32>(dx + i, load<f32>(r + i));
      store<f32>(r + i, 0);
    } else {
      store<f32>(dx + i, 0);
    }
  }
}

// ---- strided rows ----

// dst[r·dstStride + j] = src[r·srcStride + j] for j < cols: one memory.copy per row (strides in elements).
export function f32_copy_strided(src: usize, srcStride: i32, dst: usize, dstStride: i32, rows: i32, cols: i32): void {
  const rowBytes = bytes(cols);
  const sb = <usize>srcStride << 2, db = <usize>dstStride << 2;
  for (let r = 0; r < rows; r++) memory.copy(dst + <usize>r * db, src + <usize>r * sb, rowBytes);
}
