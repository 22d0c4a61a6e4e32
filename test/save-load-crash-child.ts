// Child process for the crash test in save-load-atomic.test.ts: saves a 4M-weight model (16 MB) into one folder over and
// over, every weight of save k equal to k, announcing "begin k" before and "saved k" after each save. The test kills
// it with SIGKILL somewhere in between.
import * as nn from '../src/index';

const dir = process.argv[2];
const model = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 2000, inputShape: [2000] })] });
const shapes = model.getWeights().map((w) => w.shape);

for (let k = 1; ; k++) {
  model.setWeights(shapes.map((s) => nn.tensor(new Float32Array(s.reduce((a, b) => a * b, 1)).fill(k), [...s])));
  process.stdout.write(`begin ${k}\n`);
  await model.save(`file://${dir}`);
  process.stdout.write(`saved ${k}\n`);
}
