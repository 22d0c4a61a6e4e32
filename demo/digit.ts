// Turns a drawing into an MNIST-style input: the stroke's bounding box scaled to fit 20x20 pixels (area
// averaging), placed in a 28x28 frame so that its centre of mass sits in the middle, as MNIST was made.

export interface Gray {
  /** Intensities in [0, 1], row-major. */
  data: Float32Array;
  width: number;
  height: number;
}

/** Intensity (the red channel; strokes are white on black) of RGBA pixels. */
export function grayFromRgba(rgba: Uint8ClampedArray, width: number, height: number): Gray {
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = rgba[i * 4] / 255;
  return { data, width, height };
}

/** 784 values in [0, 1], or null when nothing is drawn. */
export function toMnist(img: Gray): Float32Array | null {
  const { data, width, height } = img;
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[y * width + x] > 0.1) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const scale = 20 / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale));
  const th = Math.max(1, Math.round(bh * scale));
  // area average: each target pixel is the mean of the source pixels whose centres fall inside it
  const patch = new Float32Array(tw * th);
  const count = new Float32Array(tw * th);
  for (let y = y0; y <= y1; y++) {
    const ty = Math.min(th - 1, Math.floor((y - y0 + 0.5) * scale));
    for (let x = x0; x <= x1; x++) {
      const tx = Math.min(tw - 1, Math.floor((x - x0 + 0.5) * scale));
      patch[ty * tw + tx] += data[y * width + x];
      count[ty * tw + tx] += 1;
    }
  }
  let mass = 0, mx = 0, my = 0;
  for (let i = 0; i < patch.length; i++) {
    if (count[i] > 0) patch[i] /= count[i];
    mass += patch[i];
    mx += patch[i] * (i % tw);
    my += patch[i] * Math.floor(i / tw);
  }
  const cx = mx / mass + 0.5;
  const cy = my / mass + 0.5;
  const ox = Math.min(28 - tw, Math.max(0, Math.round(14 - cx)));
  const oy = Math.min(28 - th, Math.max(0, Math.round(14 - cy)));
  const out = new Float32Array(784);
  for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) out[(y + oy) * 28 + x + ox] = patch[y * tw + x];
  return out;
}
