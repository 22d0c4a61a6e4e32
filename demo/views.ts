// What the model has learned, drawn on this thread: a grid of test digits with the model's guesses, a
// confusion matrix, and the first layer's weights as images.

/** A grayscale image (values in [0, 1]) drawn into a canvas of its own size. */
export function drawGray(canvas: HTMLCanvasElement, values: ArrayLike<number>, width: number, height: number): void {
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d', { willReadFrequently: true })!;
  const img = g.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const v = Math.round(values[i] * 255);
    img.data[i * 4] = v;
    img.data[i * 4 + 1] = v;
    img.data[i * 4 + 2] = v;
    img.data[i * 4 + 3] = 255;
  }
  g.putImageData(img, 0, 0);
}

/** Index of the largest of n values starting at `at`. */
export function argmax(values: ArrayLike<number>, at = 0, n = values.length - at): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (values[at + i] > values[at + best]) best = i;
  return best;
}

export interface Evaluation {
  /** The model's guess for each test image. */
  guesses: Int32Array;
  /** counts[label * 10 + guess]. */
  counts: Int32Array;
  correct: number;
}

export function evaluation(labels: Int32Array, guesses: Int32Array): Evaluation {
  const counts = new Int32Array(100);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    counts[labels[i] * 10 + guesses[i]]++;
    if (labels[i] === guesses[i]) correct++;
  }
  return { guesses, counts, correct };
}

/**
 * A grid of test digits, each with the model's guess; wrong guesses are marked. The digits are images (drawn
 * once, as PNG data URLs) rather than canvases: sixty live canvases would cost the compositor on every frame.
 */
export class DigitGrid {
  private readonly cells: { root: HTMLElement; img: HTMLImageElement; label: HTMLElement }[] = [];
  private readonly scratch = document.createElement('canvas');

  constructor(root: HTMLElement, size: number) {
    for (let i = 0; i < size; i++) {
      const cell = document.createElement('figure');
      cell.className = 'cell';
      const img = document.createElement('img');
      img.width = 28;
      img.height = 28;
      img.alt = '';
      const label = document.createElement('figcaption');
      cell.append(img, label);
      root.appendChild(cell);
      this.cells.push({ root: cell, img, label });
    }
  }

  /** Shows the images `indices` (into the test set) with their guesses. */
  show(indices: number[], images: Float32Array, labels: Int32Array, guesses: Int32Array | undefined): void {
    this.cells.forEach((c, k) => {
      const i = indices[k];
      c.root.hidden = i === undefined;
      if (i === undefined) return;
      if (c.root.dataset.index !== String(i)) {
        drawGray(this.scratch, images.subarray(i * 784, (i + 1) * 784), 28, 28);
        c.img.src = this.scratch.toDataURL();
        c.img.alt = `test image ${i}`;
        c.root.dataset.index = String(i);
      }
      c.root.dataset.label = String(labels[i]);
      if (!guesses) {
        delete c.root.dataset.guess;
        c.root.classList.remove('wrong');
        c.label.textContent = '·';
        c.root.title = `test image ${i}: a ${labels[i]}`;
        return;
      }
      const guess = guesses[i];
      const wrong = guess !== labels[i];
      c.root.dataset.guess = String(guess);
      c.root.classList.toggle('wrong', wrong);
      c.label.innerHTML = wrong ? `${guess}<s>${labels[i]}</s>` : String(guess);
      c.root.title = wrong ? `test image ${i}: a ${labels[i]}, guessed ${guess}` : `test image ${i}: a ${labels[i]}, guessed right`;
    });
  }
}

/** A 10x10 table: rows are the true digits, columns the guesses. */
export class ConfusionMatrix {
  private readonly cells: HTMLTableCellElement[] = [];

  constructor(table: HTMLTableElement) {
    const head = table.createTHead().insertRow();
    head.appendChild(document.createElement('th'));
    for (let d = 0; d < 10; d++) {
      const th = document.createElement('th');
      th.textContent = String(d);
      th.scope = 'col';
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (let label = 0; label < 10; label++) {
      const row = body.insertRow();
      const th = document.createElement('th');
      th.textContent = String(label);
      th.scope = 'row';
      row.appendChild(th);
      for (let guess = 0; guess < 10; guess++) {
        const td = row.insertCell();
        td.dataset.label = String(label);
        td.dataset.guess = String(guess);
        if (label === guess) td.className = 'diag';
        this.cells.push(td);
      }
    }
  }

  show(counts: Int32Array | undefined): void {
    for (let label = 0; label < 10; label++) {
      let total = 0;
      for (let g = 0; g < 10; g++) total += counts ? counts[label * 10 + g] : 0;
      for (let g = 0; g < 10; g++) {
        const td = this.cells[label * 10 + g];
        const n = counts ? counts[label * 10 + g] : 0;
        td.textContent = counts && n > 0 ? String(n) : '';
        td.dataset.count = String(n);
        // shade by the share of the row: blue on the diagonal, orange for mistakes
        const share = total > 0 ? n / total : 0;
        const a = label === g ? share : Math.min(1, share * 4);
        td.style.background = n > 0 ? (label === g ? `rgba(47, 111, 222, ${(0.12 + 0.7 * a).toFixed(3)})` : `rgba(224, 120, 47, ${(0.15 + 0.6 * a).toFixed(3)})`) : '';
        td.style.color = label === g && a > 0.6 ? '#fff' : '';
      }
    }
  }
}

/**
 * The first layer's weights as images, in one canvas: a tile per hidden unit of a dense layer on 784 pixels (its
 * 28x28 input weights), or per filter of a convolution. Blue where a bright pixel raises the unit, orange where
 * it lowers it, each tile scaled to its own largest value.
 */
export class WeightTiles {
  private image: ImageData | undefined;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly max: number) {}

  /**
   * kernel: [h * w, units] row-major (dense [784, units] or conv [kh, kw, 1, filters]); with `start` (a kernel
   * of the same size), shows kernel - start: what training has changed.
   */
  show(kernel: Float32Array, start: Float32Array | undefined, h: number, w: number, units: number): void {
    const n = Math.min(units, this.max);
    const cols = n <= 8 ? 4 : 8;
    const rows = Math.ceil(n / cols);
    const c = this.canvas;
    const width = cols * (w + 1) - 1;
    const height = rows * (h + 1) - 1;
    if (c.width !== width || c.height !== height) {
      c.width = width;
      c.height = height;
      this.image = undefined;   // gaps between tiles stay transparent
    }
    c.dataset.units = String(units);
    c.dataset.tiles = String(n);
    c.dataset.tile = `${w}x${h}`;
    c.dataset.cols = String(cols);
    const g = c.getContext('2d', { willReadFrequently: true })!;
    this.image ??= g.createImageData(width, height);
    const px = this.image.data;
    // one pass in the kernel's own order for each tile's largest value, one to colour the pixels
    const max = new Float32Array(n).fill(1e-12);
    for (let p = 0; p < h * w; p++) {
      const row = p * units;
      for (let j = 0; j < n; j++) {
        const v = Math.abs(start ? kernel[row + j] - start[row + j] : kernel[row + j]);
        if (v > max[j]) max[j] = v;
      }
    }
    for (let p = 0; p < h * w; p++) {
      const row = p * units;
      const py = Math.floor(p / w);
      const pxInTile = p % w;
      for (let j = 0; j < n; j++) {
        const v = (start ? kernel[row + j] - start[row + j] : kernel[row + j]) / max[j];
        const t = v < 0 ? -v : v;
        const at = ((Math.floor(j / cols) * (h + 1) + py) * width + (j % cols) * (w + 1) + pxInTile) * 4;
        // white at 0, towards blue (#2f6fde) for positive, towards orange (#e0782f) for negative
        if (v >= 0) {
          px[at] = 255 - 208 * t;
          px[at + 1] = 255 - 144 * t;
          px[at + 2] = 255 - 33 * t;
        } else {
          px[at] = 255 - 31 * t;
          px[at + 1] = 255 - 135 * t;
          px[at + 2] = 255 - 208 * t;
        }
        px[at + 3] = 255;
      }
    }
    g.putImageData(this.image, 0, 0);
  }
}
