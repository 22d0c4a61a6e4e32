// npm run bench [-- --quick] [-- --only act|gemm|mnist|cnn|native|threads|resnet|mobilenet|dropin]
// The f32x4 exp/sigmoid/tanh/elu kernels against the scalar ones they replaced, matrix multiply against the SIMD peak and TF.js's wasm backend, MNIST MLP training and inference
// against TF.js (wasm, cpu), ConvNetJS and brain.js, MNIST CNN training against ConvNetJS and TF.js
// (cpu; wasm cannot train it), and neurite on two threads against one. Prints markdown tables; writes
// bench/results/latest.json and bench/results/latest.svg (quick runs: quick.json / quick.svg).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { chartSvg } from './chart';
// The suites are imported when they run: gemm.ts loads the AssemblyScript compiler (for the peak loop),
// which alone takes seconds to import.
import type { ActResult } from './act';
import type { CnnResult } from './cnn';
import type { GemmResult, MicroKernelResult } from './gemm';
import type { MnistResult } from './mnist';
import type { MobilenetResult } from './mobilenet';
import type { DropinResult } from './tfjs-dropin';
import type { NativeResult } from './native';
import type { ResnetResult } from './resnet';
import { actNotes, actTable, cnnNotes, cnnTable, collectMeta, copiesNotes, copiesTable, gemmTable, header, inferTable, threadsNotes, threadsTable, trainTable } from './report';
import type { ThreadsResult } from './threads';
import type { BenchOptions } from './util';

interface Args {
  quick: boolean;
  only: Suite | null;
}

const SUITES = ['act', 'gemm', 'mnist', 'cnn', 'native', 'threads', 'resnet', 'mobilenet', 'dropin'] as const;
type Suite = (typeof SUITES)[number];

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, only: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--only') {
      const v = argv[++i];
      if (!(SUITES as readonly string[]).includes(v)) throw new Error(`--only takes ${SUITES.join(', ')}, got ${v}`);
      args.only = v as Suite;
    } else throw new Error(`unknown option ${a}; options: --quick, --only ${SUITES.join('|')}`);
  }
  return args;
}

function gemmNotes(gemm: readonly GemmResult[], micro: MicroKernelResult | null): string[] {
  const ok = gemm.filter((r) => !r.error);
  const lines = [
    'GFLOP/s = 2·m·n·k ÷ median CPU time per call. nn: A[m,k]·B[k,n]; nt: A[m,k]·B[n,k]ᵀ; tn: A[k,m]ᵀ·B[k,n];',
    'tfjs-wasm runs tf.matMul on the same stored layouts (transposeA for tn, transposeB for nt). The peak is',
    'bench/peak.ts, f32x4 mul and add chains with no memory traffic, measured in the same rounds: "of peak" and',
    '"× tfjs-wasm" are medians of per-round ratios. js runs only where one call stays well under a second.',
  ];
  const worst = Math.max(...ok.map((r) => r.maxRelDiffTfjs ?? 0));
  const js = ok.filter((r) => r.jsIdentical !== null);
  lines.push(`neurite and TF.js results agree to ${worst.toExponential(1)} (max |Δ| ÷ max |C|); ` +
    `neurite wasm and js give identical bits in ${js.filter((r) => r.jsIdentical).length} of ${js.length} rows where js ran.`);
  if (micro) {
    lines.push(`The 5x8 micro-kernel every product runs (ukr_5x8), alone on packed panels that stay in L1 (k = 256; no packing,`,
      `no epilogue, no cache misses), interleaved with the peak in ${micro.rounds} more rounds: ${micro.microGflops.toFixed(1)} GFLOP/s, ` +
      `${micro.ofPeak.toFixed(2)} of the peak (rounds ${micro.lowest.toFixed(2)}-${micro.highest.toFixed(2)}): the ceiling of "of peak" for any row above.`);
  }
  return lines;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const opts: BenchOptions = { quick: args.quick, maxTime: args.quick ? 0.25 : 1 };
  const command = `npm run bench${args.quick || args.only ? ' --' : ''}${args.quick ? ' --quick' : ''}${args.only ? ` --only ${args.only}` : ''}`;
  const meta = collectMeta(args.quick, command);
  const log = (line: string) => console.error(line);
  const started = performance.now();

  let act: ActResult[] = [];
  let gemm: GemmResult[] = [];
  let microKernel: MicroKernelResult | null = null;
  let mnist: MnistResult | null = null;
  let cnn: CnnResult | null = null;
  let threads: ThreadsResult | null = null;
  let native: NativeResult | null = null;
  let resnet: ResnetResult | null = null;
  let mobilenet: MobilenetResult | null = null;
  let dropin: DropinResult | null = null;
  const runs = (suite: Suite) => args.only === null || args.only === suite;
  if (runs('act')) {
    log('activations: f32x4 exp, sigmoid, tanh, elu against the scalar kernels they replaced (interleaved)');
    act = await (await import('./act')).benchAct(opts, log);
  }
  if (runs('gemm')) {
    log('matrix multiply: peak, neurite wasm, tfjs-wasm (interleaved), neurite js');
    const suite = await import('./gemm');
    gemm = await suite.benchGemm(opts, log);
    microKernel = await suite.benchMicroKernel(opts, log);
  }
  if (runs('mnist')) {
    log('MNIST MLP: training, test accuracy, inference');
    mnist = await (await import('./mnist')).benchMnist(opts, log);
  }
  if (runs('cnn')) {
    log('MNIST CNN: training in interleaved rounds (neurite wasm, ConvNetJS, tfjs-cpu), test accuracy; tfjs-wasm');
    cnn = await (await import('./cnn')).benchCnn(opts, log);
  }
  if (runs('native')) {
    log('native reference: neurite and PyTorch in interleaved rounds (MLP, CNN, CIFAR-shaped CNN; one-sample predict)');
    native = await (await import('./native')).benchNative(opts, log);
  }
  if (runs('threads')) {
    log('threads: neurite on 1 and 2 threads in interleaved rounds (matrix multiply, MNIST MLP, CNN step), wall clock');
    threads = await (await import('./threads')).benchThreads(opts, log);
  }
  if (runs('resnet')) {
    log('ResNet-style graph model: predict and training, neurite wasm on 1 and 2 threads, tfjs-cpu, tfjs-wasm (interleaved, wall clock)');
    resnet = await (await import('./resnet')).benchResnet(opts, log);
  }
  if (runs('mobilenet')) {
    log('MobileNet v2 1.0 224: predict (1 image, batch of 16) and fine-tuning a head, neurite wasm on 1 and 2 threads, tfjs-wasm, tfjs-cpu (interleaved, wall clock)');
    mobilenet = await (await import('./mobilenet')).benchMobilenet(opts, log);
  }
  if (runs('dropin')) {
    log('neurite/tfjs as a drop-in: TF.js\'s MNIST CNN tutorial program on @tensorflow/tfjs (cpu, wasm) and on neurite/tfjs (interleaved, wall clock)');
    dropin = await (await import('./tfjs-dropin')).benchDropinSuite(opts, log);
  }
  meta.loadavg.end = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const seconds = (performance.now() - started) / 1000;

  const out: string[] = [header(meta), ''];
  if (act.length) {
    out.push('## Activations: f32x4 against the scalar kernels they replaced', '', actTable(act), '', ...actNotes(act), '');
  }
  if (gemm.length) {
    out.push('## Matrix multiply (f32, no epilogue)', '', gemmTable(gemm), '', ...gemmNotes(gemm, microKernel), '');
  }
  if (mnist) {
    out.push(
      '## Training: MNIST MLP, one epoch',
      '',
      trainTable(mnist),
      '',
      `Model ${mnist.model}; ${mnist.trainCount.toLocaleString('en-US')} training and ${mnist.testCount.toLocaleString('en-US')} test images`,
      '(nn.loadMnist()). Fast libraries train one full epoch; slow ones train on the first N images and their',
      'samples/s is that run\'s rate ("trained on" says which; their accuracy is after those N images only).',
      'samples/s uses process CPU time; wall-clock seconds are shown too.',
      `Peers: ${Object.entries(mnist.versions).map(([k, v]) => `${k} ${v}`).join(', ')}; TF.js runs single-threaded in Node.`,
      '',
      '## Inference',
      '',
      inferTable(mnist),
      '',
      'One sample: median CPU time of one predict call on one test image, scores read back as numbers',
      `(tfjs: model.predict + dataSync). Batched: the ${mnist.testCount.toLocaleString('en-US')} test images in one predict call`,
      '(batchSize 256 for neurite and TF.js; ConvNetJS and brain.js run one sample at a time).',
      '',
    );
  }
  if (cnn) {
    out.push('## Training: MNIST CNN', '', cnnTable(cnn), '', ...cnnNotes(cnn), '');
  }
  if (native) out.push(...(await import('./native')).nativeReport(native));
  if (threads) {
    out.push(`## Threads: 1 against ${threads.threads}`, '', threadsTable(threads), '', ...threadsNotes(threads), '');
    if (threads.copies?.length) {
      out.push('### The machine\'s two-thread ceiling: two independent copies', '', copiesTable(threads), '', ...copiesNotes(threads), '');
    }
  }
  if (resnet) out.push(...(await import('./resnet')).resnetReport(resnet));
  if (mobilenet) out.push(...(await import('./mobilenet')).mobilenetReport(mobilenet));
  if (dropin) out.push(...(await import('./tfjs-dropin')).dropinReport(dropin));
  out.push(`Total run time: ${seconds.toFixed(0)} s.`);
  console.log(out.join('\n'));

  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const name = `${args.quick ? 'quick' : 'latest'}${args.only ? `-${args.only}` : ''}`;
  writeFileSync(`${dir}${name}.json`, `${JSON.stringify({ meta, seconds: Math.round(seconds), act, gemm, microKernel, mnist, cnn, native, threads, resnet, mobilenet, dropin }, null, 2)}\n`);
  writeFileSync(`${dir}${name}.svg`, chartSvg(meta, gemm, mnist, cnn));
  writeFileSync(`${dir}${name}.md`, `${out.join('\n')}\n`);
  log(`wrote ${dir}${name}.json, .svg and .md`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
