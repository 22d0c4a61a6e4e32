/** Output a progress bar can write to: a TTY redraws one line, anything else gets plain lines. */
export interface Sink {
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
  if (!Number.isFinite(s) || s < 0) return '?';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Shorter names for the final line when the long one does not fit the terminal. */
const SHORT: Record<string, string> = { accuracy: 'acc', val_loss: 'val loss', val_accuracy: 'val acc' };

/** Cuts s to at most n characters, marking the cut. */
const fit = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, Math.max(0, n - 1))}…`);

/** Milliseconds between redraws of the live line. */
const REDRAW_MS = 100;

/**
 * The `verbose: 1` display of fit. In a terminal, a live line per epoch (bar, samples done, loss, accuracy, ETA)
 * redrawn at most every 100 ms, then one final line per epoch; every line fits the terminal's width (read once,
 * when fit starts) so none wraps, and the bar keeps one width for the whole run. Without a terminal, only the
 * final lines, one per epoch, in full.
 */
export class ProgressBar {
  private readonly out: Sink | undefined;
  private readonly tty: boolean;
  /** Characters a line may take: one less than the terminal's columns, so the cursor never wraps. */
  private readonly room: number;
  private barWidth = -1;
  private start = 0;
  private lastDraw = -Infinity;
  constructor(private readonly epochs: number, private readonly total: number, sink?: Sink,
    private readonly clock: () => number = () => performance.now()) {
    this.out = sink ?? nodeStdout();
    this.tty = !!this.out?.isTTY;
    const cols = this.out?.columns;
    this.room = Math.max(20, (typeof cols === 'number' && cols > 0 ? cols : 80) - 1);
  }
  private line(s: string, final: boolean): void {
    if (this.out) {
      if (this.tty) this.out.write(`\r\x1b[2K${fit(s, this.room)}${final ? '\n' : ''}`);
      else if (final) this.out.write(`${s}\n`);
    } else if (final) {
      console.log(s);
    }
  }
  epochBegin(): void {
    this.start = this.clock();
    this.lastDraw = -Infinity;
  }
  private bar(done: number): string {
    const width = this.barWidth;
    if (width <= 0) return '';
    const filled = Math.min(width, Math.round((done / this.total) * width));
    return ` [${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (done >= this.total ? '=' : '>') : ''}${' '.repeat(width - filled)}]`;
  }
  private metrics(logs: Record<string, number>, short = false): string {
    return Object.entries(logs).map(([k, v]) => `${short ? (SHORT[k] ?? k) : k} ${fmt(v)}`).join(short ? ' ' : ' · ');
  }
  /** True when update() would draw now: lets the caller skip building the logs between draws. */
  due(): boolean {
    return this.tty && this.clock() - this.lastDraw >= REDRAW_MS;
  }
  update(epoch: number, done: number, logs: Record<string, number>): void {
    if (!this.due()) return;
    const now = this.clock();
    this.lastDraw = now;
    const elapsed = (now - this.start) / 1000;
    const rate = done / elapsed;
    const head = `epoch ${String(epoch + 1).padStart(String(this.epochs).length)}/${this.epochs}`;
    // a total of 0: not known beforehand (a dataset's epoch), so no bar and no ETA
    const tail = this.total === 0 ? ` ${done} samples · ${this.metrics(logs)}`
      : ` ${String(done).padStart(String(this.total).length)}/${this.total} · ETA ${seconds((this.total - done) / rate).padEnd(6)} · ${this.metrics(logs)}`;
    // the bar takes what the first line leaves (at most 30 columns), then keeps that width for the run
    if (this.barWidth < 0) {
      const left = Math.min(30, this.room - head.length - tail.length - 3);
      this.barWidth = left >= 5 && this.total > 0 ? left : 0;
    }
    this.line(`${head}${this.bar(done)}${tail}`, false);
  }
  /** The epoch's final line; `done`: the samples it trained (default: the total given to the constructor). */
  epochEnd(epoch: number, logs: Record<string, number>, done = this.total): void {
    const elapsed = (this.clock() - this.start) / 1000;
    const head = `epoch ${String(epoch + 1).padStart(String(this.epochs).length)}/${this.epochs}`;
    const long = `${head} · ${this.metrics(logs)} · ${Math.round(done / elapsed)} samples/s · ${seconds(elapsed)}`;
    const short = `${head} ${this.metrics(logs, true)} ${seconds(elapsed)}`;
    this.line(!this.tty || long.length <= this.room ? long : short, true);
  }
}
