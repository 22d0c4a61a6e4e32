// A small line chart on a canvas: a few series of (x, y) points, axes, a legend. Redraws only when asked.

/**
 * Calls `draw` on an animation frame at most every `ms` milliseconds however often it is asked: progress
 * arrives once per batch, far more often than anyone can read it.
 */
export function throttledFrame(draw: () => void, ms: number): () => void {
  let pending = false;
  let last = -Infinity;
  return () => {
    if (pending) return;
    pending = true;
    setTimeout(() => requestAnimationFrame(() => { pending = false; last = performance.now(); draw(); }),
      Math.max(0, last + ms - performance.now()));
  };
}

export interface Series {
  name: string;
  color: string;
  dashed?: boolean;
  /** Draw a dot at each point (for sparse series such as per-epoch validation). */
  dots?: boolean;
  points: [number, number][];
}

export class LineChart {
  readonly series: Series[];
  xMax = 1;
  /** Draws on an animation frame, at most ten times a second however many points arrive. */
  readonly requestDraw = throttledFrame(() => this.draw(), 100);

  constructor(private readonly canvas: HTMLCanvasElement, private readonly title: string,
    series: Omit<Series, 'points'>[], private readonly yRange?: [number, number]) {
    this.series = series.map((s) => ({ ...s, points: [] }));
  }

  add(name: string, x: number, y: number): void {
    this.series.find((s) => s.name === name)!.points.push([x, y]);
    this.requestDraw();
  }

  clear(xMax: number): void {
    for (const s of this.series) s.points = [];
    this.xMax = xMax;
    this.requestDraw();
  }

  draw(): void {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth, h = c.clientHeight;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const g = c.getContext('2d')!;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    // title and legend on the first row, then the plot, then the epoch axis
    const left = 44, right = 12, top = 30, bottom = 34;
    const pw = w - left - right, ph = h - top - bottom;
    const ys = this.series.flatMap((s) => s.points.map((p) => p[1]));
    let [yMin, yMax] = this.yRange ?? [0, ys.length ? Math.max(...ys) * 1.1 : 1];
    if (!(yMax > yMin)) yMax = yMin + 1;
    const X = (x: number) => left + (x / this.xMax) * pw;
    const Y = (y: number) => top + ph - ((y - yMin) / (yMax - yMin)) * ph;

    g.font = '12px system-ui, sans-serif';
    g.fillStyle = '#1f2933';
    g.textBaseline = 'alphabetic';
    g.textAlign = 'left';
    g.fillText(this.title, left, 16);
    g.strokeStyle = '#d5dbe1';
    g.lineWidth = 1;
    g.fillStyle = '#52606d';
    g.textAlign = 'right';
    for (let i = 0; i <= 4; i++) {
      const v = yMin + ((yMax - yMin) * i) / 4;
      g.beginPath();
      g.moveTo(left, Y(v));
      g.lineTo(left + pw, Y(v));
      g.stroke();
      g.fillText(v.toFixed(2), left - 6, Y(v) + 4);
    }
    g.textAlign = 'center';
    const step = Math.max(1, Math.ceil(this.xMax / 10));
    for (let e = 0; e <= this.xMax; e += step) g.fillText(String(e), X(e), top + ph + 15);
    g.fillText('epoch', left + pw / 2, top + ph + 30);

    let lx = left + pw;
    g.textAlign = 'right';
    for (const s of [...this.series].reverse()) {
      const tw = g.measureText(s.name).width;
      g.fillStyle = '#52606d';
      g.fillText(s.name, lx, 16);
      g.strokeStyle = s.color;
      g.lineWidth = 2;
      g.setLineDash(s.dashed ? [5, 3] : []);
      g.beginPath();
      g.moveTo(lx - tw - 26, 12);
      g.lineTo(lx - tw - 6, 12);
      g.stroke();
      lx -= tw + 40;
    }
    for (const s of this.series) {
      if (!s.points.length) continue;
      g.strokeStyle = s.color;
      g.fillStyle = s.color;
      g.lineWidth = 2;
      g.setLineDash(s.dashed ? [5, 3] : []);
      g.beginPath();
      s.points.forEach(([x, y], i) => (i ? g.lineTo(X(x), Y(y)) : g.moveTo(X(x), Y(y))));
      g.stroke();
      if (s.dots) for (const [x, y] of s.points) { g.beginPath(); g.arc(X(x), Y(y), 3, 0, 2 * Math.PI); g.fill(); }
    }
    g.setLineDash([]);
  }
}
