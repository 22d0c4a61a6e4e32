// examples/transfer.ts runs end to end on real MNIST: a frozen CNN base from the digits 0-4, a new head for 5-9,
// fine-tuning; each stage prints its test accuracy on the new digits.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

it('examples/transfer.ts trains a new head on a frozen base and fine-tunes it, better than chance', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/transfer.ts', '--base-samples', '3000', '--new-samples', '100'],
    { cwd: root, encoding: 'utf8', timeout: 300_000 });
  expect(r.status, r.stderr).toBe(0);
  const acc = (label: string) => {
    const m = new RegExp(`${label}.*test accuracy (\\d\\.\\d+)`).exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    return Number(m![1]);
  };
  expect(r.stdout).toContain('base: trained on 3000 images of the digits 0-4');
  // five classes: chance is 0.2
  expect(acc('frozen base \\+ new head \\(100 images of 5-9\\)')).toBeGreaterThan(0.5);
  expect(acc('fine-tuned')).toBeGreaterThan(0.5);
  expect(acc('from scratch')).toBeGreaterThan(0.2);
});
