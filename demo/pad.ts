// A canvas to draw on with a mouse, pen or finger (pointer events), white strokes on black.

export class DrawingPad {
  private drawing = false;
  private last: [number, number] | undefined;
  /** True once anything was drawn since the last clear. */
  dirty = false;

  constructor(readonly canvas: HTMLCanvasElement, private readonly onChange: () => void) {
    canvas.style.touchAction = 'none';
    canvas.addEventListener('pointerdown', (e) => {
      this.drawing = true;
      this.last = this.point(e);
      canvas.setPointerCapture(e.pointerId);
      this.stroke(this.last, this.last);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this.drawing) return;
      // a fast stroke delivers several positions per frame; draw them all
      const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
      for (const ev of events.length ? events : [e]) {
        const p = this.point(ev);
        this.stroke(this.last!, p);
        this.last = p;
      }
    });
    const end = () => { this.drawing = false; this.last = undefined; };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    this.clear();
  }

  private point(e: PointerEvent): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * this.canvas.width) / r.width, ((e.clientY - r.top) * this.canvas.height) / r.height];
  }

  private stroke(a: [number, number], b: [number, number]): void {
    const g = this.canvas.getContext('2d')!;
    g.strokeStyle = '#fff';
    g.lineWidth = this.canvas.width / 13;
    g.lineCap = 'round';
    g.lineJoin = 'round';
    g.beginPath();
    g.moveTo(a[0], a[1]);
    g.lineTo(b[0], b[1]);
    g.stroke();
    this.dirty = true;
    this.onChange();
  }

  clear(): void {
    const g = this.canvas.getContext('2d', { willReadFrequently: true })!;
    g.fillStyle = '#000';
    g.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.dirty = false;
    this.onChange();
  }

  pixels(): ImageData {
    return this.canvas.getContext('2d')!.getImageData(0, 0, this.canvas.width, this.canvas.height);
  }
}
