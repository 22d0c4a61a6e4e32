// Drawn shapes for the "teach it" page's base network: one bright shape (circle, square, triangle, cross, ring or
// bar) of random size, position, rotation and colour on a noisy dark background, as RGB bytes. Seeded, so the
// base trained from them at build time is the same on every build.

/** The classes the base learns at build time. */
export const SHAPES = ['circle', 'square', 'triangle', 'cross', 'ring', 'bar'];

/** mulberry32: a seeded stream of numbers uniform in [0, 1). */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whether the point (u, v), in the shape's own frame scaled to its radius, is inside shape `kind`. */
function inside(kind, u, v) {
  switch (kind) {
    case 'circle': return u * u + v * v <= 1;
    case 'square': return Math.abs(u) <= 0.8 && Math.abs(v) <= 0.8;
    case 'triangle': return v <= 0.7 && v >= -0.9 + 2.3 * Math.abs(u);
    case 'cross': return (Math.abs(u) <= 0.28 && Math.abs(v) <= 1) || (Math.abs(v) <= 0.28 && Math.abs(u) <= 1);
    case 'ring': { const d = u * u + v * v; return d <= 1 && d >= 0.4; }
    case 'bar': return Math.abs(u) <= 1 && Math.abs(v) <= 0.3;
    default: throw new Error(`unknown shape ${kind}`);
  }
}

/** A size×size RGB image (bytes, row-major) of one `kind` drawn with the random stream `next`. */
export function drawShape(kind, size, next) {
  const img = new Uint8Array(size * size * 3);
  const bg = [next() * 90, next() * 90, next() * 90];
  for (let i = 0; i < img.length; i++) img[i] = Math.max(0, Math.min(255, Math.round(bg[i % 3] + (next() - 0.5) * 30)));
  const fg = [140 + next() * 115, 140 + next() * 115, 140 + next() * 115];
  const r = size * (0.2 + 0.14 * next());
  const cx = r + next() * (size - 2 * r), cy = r + next() * (size - 2 * r);
  const a = kind === 'circle' || kind === 'ring' ? 0 : (next() - 0.5) * (kind === 'triangle' ? 0.6 : Math.PI);
  const cos = Math.cos(a), sin = Math.sin(a);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = (x + 0.5 - cx) / r, dy = (y + 0.5 - cy) / r;
      if (inside(kind, cos * dx + sin * dy, -sin * dx + cos * dy)) {
        for (let c = 0; c < 3; c++) img[3 * (y * size + x) + c] = Math.round(fg[c]);
      }
    }
  }
  return img;
}
