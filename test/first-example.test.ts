// The README's first program (examples/first.ts): it runs, learns XOR, prints what the README says it prints,
// and the README shows the file as it is (with the package's import). Also the README's first steps.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..');
const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
const example = readFileSync(resolve(root, 'examples/first.ts'), 'utf8');
/** The fenced code blocks of the README, in order, with their language tag. */
const blocks = [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], code: m[2] }));

describe('the README first program', () => {
  it('starts with npm install neurite', () => {
    expect(blocks[0]).toEqual({ lang: 'sh', code: 'npm install neurite\n' });
    expect(readme.indexOf('```sh\nnpm install neurite')).toBeLessThan(readme.indexOf('\n## '));
  });

  it('shows examples/first.ts as it is, importing the package instead of src/', () => {
    const lines = example.split('\n');
    expect(lines[2]).toBe("import * as nn from '../src/index'; // in your project: import * as nn from 'neurite';");
    const program = ["import * as nn from 'neurite';", ...lines.slice(3)].join('\n');
    expect(blocks[1]).toEqual({ lang: 'ts', code: program });
  });

  it('runs, learns XOR and prints what the README says', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/first.ts'], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = r.stdout.trimEnd().split('\n');
    expect(out).toHaveLength(6);
    const loss = Number(/^trained 300 epochs, loss (\d\.\d{4})$/.exec(out[0])?.[1]);
    expect(loss).toBeLessThan(0.01);
    const want = [0, 1, 1, 0];
    out.slice(1, 5).forEach((line, i) => {
      const m = /^([01]) xor ([01]) -> (\d\.\d{3})$/.exec(line);
      expect(m).not.toBeNull();
      expect(Number(m![1]) ^ Number(m![2])).toBe(want[i]);
      expect(Math.abs(Number(m![3]) - want[i])).toBeLessThan(0.05);
    });
    expect(out[5]).toBe('accuracy 1');
    // the README's block after "It prints:" is this output, digit for digit (the run is seeded)
    const printed = blocks[2];
    expect(readme.slice(0, readme.indexOf(printed.code)).trimEnd().endsWith('It prints:\n\n```')).toBe(true);
    expect(printed.code).toBe(`${out.join('\n')}\n`);
  });

  it('links the API reference and the examples, and its quick-start commands are scripts that exist', () => {
    expect(readme).toContain('`npm run docs`');
    expect(readme).toContain('](docs/api/index.html)');
    expect(readme).toContain('](examples/)');
    const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
    for (const script of ['start', 'test', 'docs']) {
      expect(readme).toContain(`npm ${script === 'docs' ? 'run docs' : script}`);
      expect(pkg.scripts[script]).toBeTruthy();
    }
    expect(readme).toMatch(/```sh\nnpm install +#/);
  });
});
