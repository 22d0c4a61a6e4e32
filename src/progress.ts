/** Output a progress bar can write to: a TTY redraws one line, anything else gets plain lines. */
interface Sink {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

function nodeStdout(): Sink | undefined {
  const p = (globalThis as { process?: { stdout?: Sink } }).process;
  return p?.stdout && typeof p.stdout.write === 'function' ? p.stdout : undefined;
}

const fmt = (v: number) => (Math.abs(v) >= 1000 || v === 0 ? v.toFixed(0) : v.toPrecision(4));
function seconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

/**
 * The `verbose: 1` display of fit: one redrawn line per epoch in a terminal (loss, accuracy, samples/s, ETA),
 * plain lines otherwise. Draws at most every 100 ms.
 */
export class ProgressBar {
  private readonly out: Sink | undefined;
  private readonly tty: boolean;
  private start = 0;
  private lastDraw = 0;
  constructor(private readonly epochs: number, private readonly total: number, sink?: Sink) {
    this.out = sink ?? nodeStdout();
    this.tty = !!this.out?.isTTY;
  }
  private line(s: string, final: boolean): void {
    if (this.out) {
      if (this.tty) this.out.write(`\r\x1b[2K${s}${final ? '\n' : ''}`);
      else if (final) this.out.write(`${s}\n`);
    } else if (final) {
      console.log(s);
    }
  }
  epochBegin(): void {
    this.start = performance.now();
    this.lastDraw = 0;
  }
  private bar(done: number, width: number): string {
    const filled = Math.round((done / this.total) * width);
    return `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (done >= this.total ? '=' : '>') : ''}${' '.repeat(width - filled)}]`;
  }
  private metrics(logs: Record<string, number>): string {
    return Object.entries(logs).map(([k, v]) => `${k} ${fmt(v)}`).join(' · ');
  }
  /** True when update() would draw now: lets the caller skip building the logs between draws. */
  due(): boolean {
    return this.tty && performance.now() - this.lastDraw >= 100;
  }
  update(epoch: number, done: number, logs: Record<string, number>): void {
    if (!this.due()) return;
    const now = performance.now();
    this.lastDraw = now;
    const elapsed = (now - this.start) / 1000;
    const rate = done / elapsed;
    const width = Math.max(10, Math.min(30, (this.out?.columns ?? 100) - 90));
    this.line(`epoch ${epoch + 1}/${this.epochs} ${this.bar(done, width)} ${done}/${this.total} · ${this.metrics(logs)} · ` +
      `${Math.round(rate)} samples/s · ETA ${seconds((this.total - done) / rate)}`, false);
  }
  epochEnd(epoch: number, logs: Record<string, number>): void {
    const elapsed = (performance.now() - this.start) / 1000;
    const rate = this.total / elapsed;
    const bar = this.tty ? ` ${this.bar(this.total, 20)}` : '';
    this.line(`epoch ${epoch + 1}/${this.epochs}${bar} ${this.total}/${this.total} · ${this.metrics(logs)} · ` +
      `${Math.round(rate)} samples/s · ${seconds(elapsed)}`, true);
  }
}
