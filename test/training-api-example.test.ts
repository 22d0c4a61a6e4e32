// examples/training-api.ts: it runs and prints what its features promise: a right custom gradient passes
// checkGradients and a wrong one fails, the custom MAE trains to the built-in MAE's bits, class weights raise the rare
// class's recall, the custom metric reaches History, and the saved model needs customObjects to load.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

const root = resolve(__dirname, '..');

it('examples/training-api.ts: custom loss and metric, checkGradients, class weights, customObjects', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/training-api.ts'], { cwd: root, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const out = r.stdout.trimEnd().split('\n');
  expect(out).toHaveLength(7);
  expect(out[0]).toBe('data: 400 samples, 42 of the rare class');
  expect(out[1]).toBe('checkGradients: myMae ok true, wrongMae ok false');
  expect(out[2]).toBe('custom MAE and built-in MAE after 3 epochs: the same weights, bit for bit');
  const line = /^(no class weights|class weights 1:9): val recall of the rare class (\d\.\d{3}), val accuracy (\d\.\d{3}), mean probability (\d\.\d{3})$/;
  const [plain, weighted] = [out[3], out[4]].map((l) => line.exec(l)!);
  expect(plain[1]).toBe('no class weights');
  expect(weighted[1]).toBe('class weights 1:9');
  // the weights trade a little accuracy for the rare class: its recall goes up, and so does the mean probability
  expect(Number(weighted[2])).toBeGreaterThan(Number(plain[2]));
  expect(Number(weighted[4])).toBeGreaterThan(Number(plain[4]));
  for (const m of [plain, weighted]) expect(Number(m[3])).toBeGreaterThan(0.9);
  expect(out[5]).toBe('loading without customObjects: FormatError (names myMae)');
  expect(out[6]).toBe('reloaded with customObjects: the same prediction true, and it trains on: 1 epoch');
  expect(readFileSync(resolve(root, 'README.md'), 'utf8')).toContain('`npx tsx examples/training-api.ts`');
});
