// npm run bench [-- --quick] [-- --only gemm|mlp]
// Kernel and end-to-end training benchmarks, wasm vs js. Prints markdown tables and writes
// bench/results/latest.json (quick runs: bench/results/quick.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchGemm, SKIP_SECONDS, type GemmResult } from './gemm';
import { benchMlp, type MlpResult } from './mlp';
import { collectMeta, gemmTable, header, mlpTable } from './report';
import type { BenchOptions } from './util';

interface Args {
  quick: boolean;
  only: 'gemm' | 'mlp' | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, only: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--only') {
      const v = argv[++i];
      if (v !== 'gemm' && v !== 'mlp') throw new Error(`--only takes gemm or mlp, got ${v}`);
      args.only = v;
    } else throw new Error(`unknown option ${a}; options: --quick, --only gemm|mlp`);
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const opts: BenchOptions = { quick: args.quick, maxTime: args.quick ? 0.25 : 1 };
  const meta = collectMeta(args.quick, opts.maxTime);
  if (args.only) meta.command += ` -- --only ${args.only}`;
  const log = (line: string) => console.error(line);
  const started = performance.now();

  let gemm: GemmResult[] = [];
  let mlp: MlpResult | null = null;
  if (args.only !== 'mlp') {
    log('gemm: wasm vs js');
    gemm = await benchGemm(opts, log);
  }
  if (args.only !== 'gemm') {
    log('mlp training step: wasm vs js');
    mlp = await benchMlp(opts, log);
  }
  meta.loadavg.end = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const seconds = (performance.now() - started) / 1000;

  const out: string[] = [header(meta), ''];
  if (gemm.length) {
    out.push(
      '## Matrix multiply (f32, no epilogue)',
      '',
      gemmTable(gemm),
      '',
      'Times are per call: benchmark.js mean, the median of its samples, and its relative margin of error (95 %).',
      'GFLOP/s = 2·m·n·k / mean. nn: A[m,k]·B[k,n]; nt: A[m,k]·B[n,k]ᵀ; tn: A[k,m]ᵀ·B[k,n].',
      `A backend is skipped at a size where one call takes over ${SKIP_SECONDS} s.`,
    );
    const both = gemm.filter((r) => r.maxRelDiff !== null);
    const mismatch = both.filter((r) => r.maxRelDiff! > 1e-4);
    if (mismatch.length) {
      out.push(`**Warning**: wasm and js results differ (max |Δ| / max |C| > 1e-4) for ${mismatch.map((r) => `${r.kernel} ${r.shape}`).join(', ')}.`);
    } else if (both.length) {
      const worst = Math.max(...both.map((r) => r.maxRelDiff!));
      out.push(`wasm and js outputs agree in all ${both.length} rows that ran on both: largest max |Δ| / max |C| is ` +
        `${worst === 0 ? '0 (identical bits)' : worst.toExponential(1)}.`);
    }
    out.push('');
  }
  if (mlp) {
    out.push(
      `## MLP training step (batch ${mlp.batchSize})`,
      '',
      mlpTable(mlp),
      '',
      `Model ${mlp.model}, random data. One timed iteration is \`model.fit(x, y, { epochs: 1, batchSize: ${mlp.batchSize} })\``,
      `on ${mlp.samples} samples (${mlp.steps} steps), as a deferred (async) benchmark.js benchmark after one warm-up fit;`,
      'per-step figures divide it by the step count, so they include fit\'s staging, amortised over the steps.',
      '',
    );
  }
  out.push(`Total run time: ${seconds.toFixed(0)} s.`);
  console.log(out.join('\n'));

  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${args.quick ? 'quick' : 'latest'}${args.only ? `-${args.only}` : ''}.json`;
  writeFileSync(file, `${JSON.stringify({ meta, seconds: Math.round(seconds), gemm, mlp }, null, 2)}\n`);
  log(`wrote ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
