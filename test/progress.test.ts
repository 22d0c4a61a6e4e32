// The progress bar of fit({ verbose: 1 }) on a fake terminal of given columns, with an injected clock.
import { describe, expect, it } from 'vitest';
import { ProgressBar, type Sink } from '../src/progress';

/** A terminal of `columns` columns: \r returns, ESC[2K clears the line, \n moves down, text wraps at the edge. */
class FakeTerminal implements Sink {
  readonly isTTY = true;
  writes: string[] = [];
  private rows: string[] = [''];
  private col = 0;
  constructor(readonly columns: number) {}
  write(s: string): boolean {
    this.writes.push(s);
    for (let i = 0; i < s.length; i++) {
      if (s.startsWith('\x1b[2K', i)) { this.rows[this.rows.length - 1] = ''; i += 3; continue; }
      const ch = s[i]!;
      if (ch === '\r') this.col = 0;
      else if (ch === '\n') { this.rows.push(''); this.col = 0; } else {
        if (this.col === this.columns) { this.rows.push(''); this.col = 0; } // a wrap
        const row = this.rows[this.rows.length - 1]!;
        this.rows[this.rows.length - 1] = row.slice(0, this.col).padEnd(this.col) + ch + row.slice(this.col + 1);
        this.col++;
      }
    }
    return true;
  }
  /** What the screen shows, without the empty row the cursor sits on at the end. */
  screen(): string[] {
    return this.rows.at(-1) === '' ? this.rows.slice(0, -1) : this.rows;
  }
  /** Every line drawn: the text of each write, without the control sequences. */
  drawn(): string[] {
    return this.writes.map((w) => w.replace('\r\x1b[2K', '').replace(/\n$/, ''));
  }
}

/** Runs a fit-like sequence: `epochs` epochs of `total` samples in batches of `batch`, `msPerBatch` apart. */
function run(out: Sink, { epochs = 3, total = 60000, batch = 64, msPerBatch = 3, logs = { loss: 0.2345, accuracy: 0.9312 } as Record<string, number> } = {}) {
  let now = 1000;
  let dueCalls = 0;
  const bar = new ProgressBar(epochs, total, out, () => now);
  for (let e = 0; e < epochs; e++) {
    bar.epochBegin();
    for (let done = batch; done < total + batch; done += batch) {
      now += msPerBatch;
      dueCalls++;
      if (bar.due()) bar.update(e, Math.min(done, total), { loss: logs.loss! * (1 + done / total), accuracy: logs.accuracy! });
    }
    bar.epochEnd(e, logs);
  }
  return { elapsedMs: now - 1000, dueCalls };
}

describe('progress bar', () => {
  it.each([80, 60, 120, 40])('on %i columns no line reaches the edge and the screen ends with one line per epoch', (columns) => {
    const t = new FakeTerminal(columns);
    run(t);
    for (const line of t.drawn()) expect(line.length).toBeLessThan(columns);
    const screen = t.screen();
    expect(screen).toHaveLength(3);
    screen.forEach((row, e) => expect(row).toMatch(new RegExp(`^epoch ${e + 1}/3 `)));
    expect(screen[0]).toContain(columns >= 80 ? 'accuracy 0.9312' : 'acc 0.9312');
    if (columns >= 80) expect(screen[0]).toMatch(/· \d+ samples\/s · \d+(\.\d)?s$/);
  });

  it('keeps one bar width for the whole run, live lines show an ETA', () => {
    const t = new FakeTerminal(80);
    run(t, { epochs: 2 });
    const live = t.drawn().filter((l) => l.includes('['));
    expect(live.length).toBeGreaterThan(10);
    const widths = new Set(live.map((l) => /\[[=> ]*\]/.exec(l)![0].length));
    expect(widths.size).toBe(1);
    expect([...widths][0]).toBeGreaterThanOrEqual(12); // 10 to 30 cells plus the brackets
    for (const l of live) expect(l).toMatch(/^epoch [12]\/2 \[[=> ]+\] +\d+\/60000 · ETA \d+(\.\d)?s +· loss /);
  });

  it('redraws at most every 100 ms of the clock, however often it is asked', () => {
    const t = new FakeTerminal(80);
    // 938 batches per epoch, 1 ms apart: 938 ms per epoch, so at most 10 live lines per epoch
    const { elapsedMs, dueCalls } = run(t, { epochs: 3, msPerBatch: 1 });
    const live = t.writes.filter((w) => !w.endsWith('\n'));
    expect(dueCalls).toBe(3 * 938);
    expect(live.length).toBeLessThanOrEqual(3 * Math.ceil(938 / 100));
    expect(live.length).toBeGreaterThanOrEqual(3 * Math.floor(938 / 100));
    expect(live.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / 100) + 3);
  });

  it('draws the first live line of an epoch at once, then waits 100 ms', () => {
    let now = 0;
    const t = new FakeTerminal(80);
    const bar = new ProgressBar(1, 100, t, () => now);
    bar.epochBegin();
    expect(bar.due()).toBe(true);
    now = 1;
    bar.update(0, 10, { loss: 1 });
    expect(t.writes).toHaveLength(1);
    now = 100;
    expect(bar.due()).toBe(false);
    bar.update(0, 20, { loss: 1 });
    expect(t.writes).toHaveLength(1);
    now = 101;
    bar.update(0, 30, { loss: 1 });
    expect(t.writes).toHaveLength(2);
  });

  it('without a terminal writes only the final lines, in full', () => {
    const writes: string[] = [];
    const out: Sink = { isTTY: false, columns: 40, write: (s: string) => writes.push(s) };
    run(out, { epochs: 3, logs: { loss: 0.2345, accuracy: 0.9312, val_loss: 0.3456, val_accuracy: 0.9101 } });
    expect(writes).toHaveLength(3);
    writes.forEach((w, e) => expect(w).toMatch(new RegExp(
      `^epoch ${e + 1}/3 · loss 0\\.2345 · accuracy 0\\.9312 · val_loss 0\\.3456 · val_accuracy 0\\.9101 · \\d+ samples/s · \\d+(\\.\\d)?s\\n$`)));
  });

  it('with validation metrics, the final line on 80 columns takes the short names and still fits', () => {
    const t = new FakeTerminal(80);
    run(t, { epochs: 2, logs: { loss: 0.2345, accuracy: 0.9312, val_loss: 0.3456, val_accuracy: 0.9101 } });
    const screen = t.screen();
    expect(screen).toHaveLength(2);
    for (const row of screen) {
      expect(row.length).toBeLessThan(80);
      expect(row).toMatch(/^epoch \d\/2 loss 0\.2345 acc 0\.9312 val loss 0\.3456 val acc 0\.9101 \d+(\.\d)?s$/);
    }
  });
});
