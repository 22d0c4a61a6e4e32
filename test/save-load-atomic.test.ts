// file:// saves are atomic: whatever fails or dies during a save, the folder holds the previous model or the new
// one, complete. Checked by failing every file operation of a save in turn (an error the save sees, and a crash
// after which nothing more runs; writes fail half-way with ENOSPC), and by SIGKILLing a child process mid-save.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { nodeFileOps, type FileOps } from '../src/io/file-target';

let root = '';
beforeAll(async () => {
  await nn.setBackend('wasm');
  root = mkdtempSync(join(tmpdir(), 'neurite-atomic-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A model whose every weight equals `value`, so a loaded folder tells which save it came from. */
function filled(value: number, units = 40) {
  const m = nn.sequential({ seed: 1, name: `v${value}`, layers: [nn.layers.dense({ units, inputShape: [30] }), nn.layers.dense({ units: 3 })] });
  m.setWeights(m.getWeights().map((w) => nn.tensor(new Float32Array(w.size).fill(value), [...w.shape])));
  return m;
}

/** Which single value every weight of the folder's model holds (throws if the model is mixed or unreadable). */
async function folderValue(dir: string): Promise<number> {
  const m = await nn.loadModel(`file://${dir}`);
  const values = new Set(m.getWeights().flatMap((w) => [...new Set(w.data)]));
  expect(values.size, `mixed weights in ${dir}`).toBe(1);
  return [...values][0];
}

const MUTATING = ['writeFile', 'rename', 'link', 'unlink', 'mkdir', 'syncDir'] as const;

/**
 * File operations that fail at mutating operation number `at` (0-based). 'error': that one throws, the rest run;
 * 'crash': it and everything after it throw, as if the process had died there. A failing writeFile first writes
 * half of its data, like a disk that fills up.
 */
async function failingOps(at: number, mode: 'error' | 'crash', log: string[] = []): Promise<FileOps> {
  const real = await nodeFileOps();
  let n = 0;
  const ops = { ...real };
  for (const name of MUTATING) {
    (ops as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const i = n++;
      log.push(name);
      if (i === at || (mode === 'crash' && i > at)) {
        if (name === 'writeFile' && i === at) await real.writeFile(args[0] as string, (args[1] as Uint8Array).subarray(0, (args[1] as Uint8Array).length >> 1));
        throw Object.assign(new Error(name === 'writeFile' ? 'no space left on device' : 'input/output error'),
          { code: name === 'writeFile' ? 'ENOSPC' : 'EIO' });
      }
      return (real[name] as (...a: unknown[]) => Promise<unknown>)(...args);
    };
  }
  return ops;
}

describe('atomic file:// saves', () => {
  it.each(['error', 'crash'] as const)('a failure (%s) at every file operation of a save leaves the old or the new model, never a mix', async (mode) => {
    const old = filled(1);
    const next = filled(2);
    const next2 = filled(3);
    // how many operations a save over an existing model takes
    const count: string[] = [];
    const probe = join(root, `probe-${mode}`);
    await old.save(`file://${probe}`);
    await next.save(nn.io.fileSystem(probe, { ops: await failingOps(Infinity, 'error', count) }));
    expect(count.length).toBeGreaterThan(8);

    let sawOld = 0, sawNew = 0;
    for (let at = 0; at < count.length; at++) {
      const dir = join(root, `${mode}-${at}`);
      await old.save(`file://${dir}`);
      let failed = false;
      try {
        await next.save(nn.io.fileSystem(dir, { ops: await failingOps(at, mode) }));
      } catch (e) {
        failed = true;
        expect(e).toBeInstanceOf(nn.NeuriteError);
        expect((e as Error).message).toMatch(/(ENOSPC|EIO).*unchanged/);
      }
      const value = await folderValue(dir);
      expect([1, 2], `failure at operation ${at} (${count[at]})`).toContain(value);
      if (failed) expect(value, `a save that threw at operation ${at} (${count[at]}) must leave the old model`).toBe(1);
      else expect(value, `a save that succeeded despite operation ${at} (${count[at]}) failing must hold the new model`).toBe(2);
      if (value === 1) sawOld++; else sawNew++;
      // the next save works and tidies up whatever the interrupted one left
      await next2.save(`file://${dir}`);
      expect(await folderValue(dir)).toBe(3);
      expect(readdirSync(dir).sort(), `after a failure at operation ${at} (${count[at]})`).toEqual(['model.json', 'weights.bin']);
    }
    expect(sawOld).toBeGreaterThan(0);
    expect(sawNew).toBeGreaterThan(0);
  });

  it('where hard links are not possible, weights.bin is written as a copy', async () => {
    const dir = join(root, 'nolink');
    const ops = { ...(await nodeFileOps()), link: async () => { throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' }); } };
    await filled(1).save(nn.io.fileSystem(dir, { ops }));
    await filled(2).save(nn.io.fileSystem(dir, { ops }));
    expect(await folderValue(dir)).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
  });

  it('child processes killed (SIGKILL) at random points while saving a 4M-weight model leave a complete model', async () => {
    // bundled once, so that each child starts in a fraction of a second (esbuild comes with tsup)
    const child = join(root, 'crash-child.mjs');
    await build({ entryPoints: [resolve(__dirname, 'save-load-crash-child.ts')], outfile: child, bundle: true, platform: 'node',
      format: 'esm', target: 'node20', logLevel: 'silent' });
    let seed = 12345; // seeded kill points
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const KILL_AT = 4; // during save 4, after saves 1-3 finished (save 3 measures how long a save takes)
    const round = async (i: number, fraction: number) => {
      const dir = join(root, `kill-${i}`);
      const p = spawn(process.execPath, [child, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      p.stderr.on('data', (d) => { stderr += d; });
      const seen = new Map<string, number>();
      let out = '';
      await new Promise<void>((done, fail) => {
        p.on('exit', (code, signal) => (signal === 'SIGKILL' ? done() : fail(new Error(`child exited (${code}): ${stderr}`))));
        p.stdout.on('data', (d) => {
          out += d;
          const lines = out.split('\n');
          out = lines.pop()!;
          for (const line of lines) {
            seen.set(line, performance.now());
            if (line === `begin ${KILL_AT}`) {
              const saveMs = seen.get('saved 3')! - seen.get('begin 3')!;
              setTimeout(() => p.kill('SIGKILL'), fraction * saveMs);
            }
          }
        });
      });
      const saved = Math.max(...[...seen.keys()].filter((l) => l.startsWith('saved ')).map((l) => Number(l.slice(6))));
      return { i, dir, saved, fraction };
    };
    // all kills first, then the checks (loading a 16 MB model here must not delay another child's kill)
    const killed = await Promise.all([0, 1, 2].map((i) => round(i, 1.2 * random())));
    const outcomes: string[] = [];
    for (const { i, dir, saved, fraction } of killed) {
      const value = await folderValue(dir);
      expect(saved).toBeGreaterThanOrEqual(KILL_AT - 1);
      expect([saved, saved + 1], `child ${i}: the folder holds save ${value}, the last finished save was ${saved}`).toContain(value);
      outcomes.push(`kill scheduled ${(fraction * 100).toFixed(0)}% into save ${KILL_AT}: [${readdirSync(dir).sort().join(' ')}] holds save ${value}, last finished ${saved}`);
    }
    console.log(`after SIGKILL:\n  ${outcomes.join('\n  ')}`);
  });
});
