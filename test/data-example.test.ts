// examples/data-bigger-than-memory.ts: it runs, learns, streams more data than its memory cap, and prints what
// the README says it prints (the run is seeded).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

const root = resolve(__dirname, '..');

it('examples/data-bigger-than-memory.ts trains through a 16 MiB cap and prints what the README shows', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/data-bigger-than-memory.ts'], { cwd: root, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const out = r.stdout.trimEnd().split('\n');
  expect(out).toHaveLength(4);
  const accuracies = out.slice(0, 3).map((line) => Number(/accuracy (\d\.\d{3})$/.exec(line)?.[1]));
  for (const a of accuracies) expect(a).toBeGreaterThan(0.9);
  const m = /^streamed (\d+) MiB of signals; the memory held at most (\d+\.\d) MiB of its 16 MiB cap$/.exec(out[3]);
  expect(m).not.toBeNull();
  expect(Number(m![1])).toBeGreaterThan(4 * 16);
  expect(Number(m![2])).toBeLessThan(16);
  const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
  expect(readme).toContain('`npx tsx examples/data-bigger-than-memory.ts`');
  expect(readme).toContain(`It prints:\n\n\`\`\`\n${out.join('\n')}\n\`\`\`\n`);
});
