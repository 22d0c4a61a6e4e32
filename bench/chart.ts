// The SVG chart the README shows: three panels of horizontal bars, written by hand (no chart library).
//  1. Matrix multiply: neurite wasm and tfjs-wasm as a fraction of the register-only SIMD peak.
//  2. MNIST MLP training: samples/s per library.
//  3. One-sample predict latency per library (shorter is better).
//  4. MNIST CNN training: samples/s per library, with neurite's per-round ratio to each peer.
import type { CnnResult } from './cnn';
import type { GemmResult } from './gemm';
import type { MnistResult } from './mnist';
import type { Meta } from './report';

const W = 760;
const LABEL = 210;
const BAR_W = 440;
const ROW = 18;
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';
const NEURITE = '#2f7d4f';
const PEER = '#9aa3ad';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

interface Bar {
  label: string;
  value: number;
  text: string;
  color: string;
}

/** One panel: a title, then bars scaled to `max`; returns the SVG fragment and its height. */
function panel(y: number, title: string, bars: Bar[], max: number, rule?: { at: number; text: string }): [string, number] {
  const parts: string[] = [`<text x="10" y="${y + 16}" font-size="14" font-weight="600" ${FONT}>${esc(title)}</text>`];
  let cy = y + 28;
  const top = cy;
  for (const b of bars) {
    const w = Number.isFinite(b.value) ? Math.max(1, (Math.min(b.value, max) / max) * BAR_W) : 0;
    parts.push(
      `<text x="${LABEL - 6}" y="${cy + 12}" font-size="11" text-anchor="end" ${FONT}>${esc(b.label)}</text>`,
      `<rect x="${LABEL}" y="${cy + 2}" width="${w.toFixed(1)}" height="${ROW - 5}" fill="${b.color}"/>`,
      `<text x="${(LABEL + w + 4).toFixed(1)}" y="${cy + 12}" font-size="10.5" ${FONT}>${esc(b.text)}</text>`,
    );
    cy += ROW;
  }
  if (rule) {
    const rx = LABEL + (rule.at / max) * BAR_W;
    parts.push(
      `<line x1="${rx.toFixed(1)}" y1="${top - 2}" x2="${rx.toFixed(1)}" y2="${cy}" stroke="#c0392b" stroke-dasharray="3,3"/>`,
      `<text x="${(rx + 3).toFixed(1)}" y="${top - 4}" font-size="10" fill="#c0392b" ${FONT}>${esc(rule.text)}</text>`,
    );
  }
  return [parts.join('\n'), cy - y + 14];
}

export function chartSvg(meta: Meta, gemm: readonly GemmResult[], mnist: MnistResult | null, cnn: CnnResult | null = null): string {
  const parts: string[] = [];
  let y = 8;
  if (gemm.length) {
    const bars: Bar[] = [];
    for (const r of gemm) {
      if (r.error) continue;
      const name = `${r.layout} ${r.shape.replace(/x/g, '×')}`;
      bars.push({ label: name, value: r.ofPeak, text: `neurite ${r.ofPeak.toFixed(2)}`, color: NEURITE });
      if (r.tfjsWasmGflops !== null) {
        const v = r.tfjsWasmGflops / r.peakGflops;
        bars.push({ label: '', value: v, text: `tfjs-wasm ${v.toFixed(2)}`, color: PEER });
      }
    }
    const [svg, h] = panel(y, 'Matrix multiply: fraction of the register-only WebAssembly SIMD peak (same run)', bars, 1,
      { at: 0.85, text: '0.85' });
    parts.push(svg);
    y += h;
  }
  if (mnist) {
    const ok = mnist.train.filter((r) => !r.error);
    const max = Math.max(...ok.map((r) => r.samplesPerSecond));
    const [svg, h] = panel(y, 'MNIST MLP 784-128-64-10, Adam, batch 64: training samples/s (CPU time)', ok.map((r) => ({
      label: r.library,
      value: r.samplesPerSecond,
      text: `${Math.round(r.samplesPerSecond).toLocaleString('en-US')}${r.scope === 'full epoch' ? '' : ` (${r.scope})`}` +
        ` · ${(r.testAccuracy * 100).toFixed(1)} % test`,
      color: r.library.startsWith('neurite') ? NEURITE : PEER,
    })), max);
    parts.push(svg);
    y += h;
    const inf = mnist.infer.filter((r) => !r.error && r.oneSampleSeconds !== null);
    const maxL = Math.max(...inf.map((r) => r.oneSampleSeconds!));
    const [svg2, h2] = panel(y, 'Predict one sample: latency in µs (shorter is better)', inf.map((r) => ({
      label: r.library,
      value: r.oneSampleSeconds!,
      text: `${(r.oneSampleSeconds! * 1e6).toFixed(1)} µs`,
      color: r.library.startsWith('neurite') ? NEURITE : PEER,
    })), maxL);
    parts.push(svg2);
    y += h2;
  }
  if (cnn) {
    const ok = cnn.train.filter((r) => !r.error);
    const max = Math.max(...ok.map((r) => r.samplesPerSecond));
    const bars: Bar[] = cnn.train.map((r) => (r.error ? { label: r.library, value: NaN, text: r.error, color: PEER } : {
      label: r.library,
      value: r.samplesPerSecond,
      text: `${Math.round(r.samplesPerSecond).toLocaleString('en-US')}${r.scope === 'full epoch' ? '' : ` (${r.scope})`}` +
        ` · ${(r.testAccuracy * 100).toFixed(1)} % test` +
        (r.library.startsWith('neurite') || r.neuriteRatio === null ? '' : ` · neurite ${r.neuriteRatio.toFixed(0)}× this`),
      color: r.library.startsWith('neurite') ? NEURITE : PEER,
    }));
    // Headroom on the right for the longest bar's label.
    const [svg, h] = panel(y, 'MNIST CNN conv5x5x8-pool-conv5x5x16-pool-dense10, Adam, batch 64: training samples/s (CPU time)', bars, max * 1.3);
    parts.push(svg);
    y += h;
  }
  const foot = `${meta.cpu}, ${meta.cores} cores · Node ${meta.node} · ${meta.date.slice(0, 10)} · load ${meta.loadavg.start.join(' ')} · ${meta.command}`;
  parts.push(`<text x="10" y="${y + 8}" font-size="10" fill="#555" ${FONT}>${esc(foot)}</text>`);
  y += 18;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}">`,
    `<rect width="${W}" height="${y}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
