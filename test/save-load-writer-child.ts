// Child process for the two-process test in save-load-atomic.test.ts: saves `count` models into one folder, every
// weight of save k equal to base + k, then prints "done". Two of these run at once on the same folder.
import * as nn from '../src/index';

const [dir, base, count] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const model = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 200, inputShape: [200] }), nn.layers.dense({ units: 3 })] });
const shapes = model.getWeights().map((w) => w.shape);

for (let k = 1; k <= count; k++) {
  model.setWeights(shapes.map((s) => nn.tensor(new Float32Array(s.reduce((a, b) => a * b, 1)).fill(base + k), [...s])));
  await model.save(`file://${dir}`);
}
process.stdout.write('done\n');
