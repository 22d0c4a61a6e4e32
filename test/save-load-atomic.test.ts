// file:// saves are atomic and serialised: whatever fails or dies during a save, and however many saves run at once
// (in one process or several), the folder holds one complete model, never a mix, and a reader loading meanwhile
// gets one complete model. Checked by failing every file operation of a save in turn (an error the save sees, and a
// crash after which nothing more runs; writes fail half-way with ENOSPC), by SIGKILLing a child process mid-save, by
// simultaneous saves and loads in one process and in two, and by lock files left in every state.
import { build } from 'esbuild';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { LOCK_FILE, LOCK_STALE_MS, nodeFileOps, type FileOps } from '../src/io/file-target';

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

/** What a folder holds after a completed save: model.json and the one weights file it names. */
function expectTidy(dir: string, context: string): void {
  const files = readdirSync(dir).sort();
  expect(files, context).toHaveLength(2);
  expect(files[0], context).toBe('model.json');
  expect(files[1], context).toMatch(/^weights\.[0-9a-f]{16}\.bin$/);
  expect(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).weightsManifest[0].paths, context).toEqual([files[1]]);
}

/** Bundles a child script once, so that each child starts in a fraction of a second (esbuild comes with tsup). */
async function bundle(name: string): Promise<string> {
  const out = join(root, `${name}.mjs`);
  await build({ entryPoints: [resolve(__dirname, `${name}.ts`)], outfile: out, bundle: true, platform: 'node',
    format: 'esm', target: 'node20', logLevel: 'silent' });
  return out;
}

const MUTATING = ['writeFile', 'createExclusive', 'rename', 'unlink', 'mkdir', 'syncDir'] as const;

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
      expectTidy(dir, `after a failure at operation ${at} (${count[at]})`);
    }
    expect(sawOld).toBeGreaterThan(0);
    expect(sawNew).toBeGreaterThan(0);
  });

  it('a save that cannot read the current model.json removes nothing: after a full disk too, the old model loads', async () => {
    const real = await nodeFileOps();
    const readError = { ...real, readFile: async (p: string, max: number) => {
      if (p.endsWith('model.json')) throw Object.assign(new Error('input/output error'), { code: 'EIO' });
      return real.readFile(p, max);
    } };
    const full = { ...readError, writeFile: async (p: string, data: Uint8Array) => {
      await real.writeFile(p, data.subarray(0, data.length >> 1));
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    } };
    const dir = join(root, 'read-error');
    await filled(1).save(`file://${dir}`);
    await filled(1).save(`file://${dir}`); // the folder's weights file now has a weights.<id>.bin name
    await expect(filled(2).save(nn.io.fileSystem(dir, { ops: full }))).rejects.toThrow(/ENOSPC.*unchanged/);
    expect(await folderValue(dir)).toBe(1);
    // a read error alone: the save goes ahead, and the old weights file stays until a save that can read model.json
    await filled(3).save(nn.io.fileSystem(dir, { ops: readError }));
    expect(await folderValue(dir)).toBe(3);
    expect(readdirSync(dir).filter((f) => f.endsWith('.bin'))).toHaveLength(2);
    await filled(4).save(`file://${dir}`);
    expect(await folderValue(dir)).toBe(4);
    expectTidy(dir, 'after a save that could read model.json');
  });

  it('child processes killed (SIGKILL) at random points while saving a 4M-weight model leave a complete model', async () => {
    const child = await bundle('save-load-crash-child');
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

describe('simultaneous file:// saves and loads', () => {
  it('150 pairs of simultaneous saves to one folder each: every folder loads, holding the save called last', async () => {
    const a = filled(1), b = filled(2);
    const dirs = Array.from({ length: 150 }, (_, i) => join(root, `pair-${i}`));
    await Promise.all(dirs.slice(0, 75).map((d) => filled(3).save(`file://${d}`))); // half of them over an old model
    await Promise.all(dirs.flatMap((d) => [a.save(`file://${d}`), b.save(`file://${d}`)]));
    for (const d of dirs) {
      expect(await folderValue(d), d).toBe(2); // saves to one folder run in the order they were called
      expectTidy(d, d);
    }
  });

  it('a load while saves replace the model gets one complete model, every time', async () => {
    const dir = join(root, 'read-while-writing');
    const models = [filled(1), filled(2)];
    await models[0].save(`file://${dir}`);
    let saving = true, saves = 0;
    const writer = (async () => {
      for (; saves < 60; saves++) await models[saves % 2].save(`file://${dir}`);
      saving = false;
    })();
    const seen = new Map<number, number>();
    let loads = 0;
    while (saving || loads < 20) {
      const v = await folderValue(dir); // throws on a failed or mixed load
      seen.set(v, (seen.get(v) ?? 0) + 1);
      loads++;
    }
    await writer;
    expect([...seen.keys()].every((v) => v === 1 || v === 2)).toBe(true);
    expect(loads).toBeGreaterThanOrEqual(20);
    console.log(`${loads} loads during ${saves} saves: ${[...seen].map(([v, n]) => `${n} × model ${v}`).join(', ')}`);
  });

  it('a load whose weights file a save removed starts again and returns the new model', async () => {
    const dir = join(root, 'replaced-mid-load');
    await filled(1).save(`file://${dir}`);
    const real = await nodeFileOps();
    let jsonReads = 0, saved = false;
    const ops: FileOps = { ...real,
      readFile: (p, max) => { if (p.endsWith('model.json')) jsonReads++; return real.readFile(p, max); },
      // between reading model.json and the weights, a save replaces the model (and removes the old weights file)
      size: async (p) => {
        if (!saved) { saved = true; await filled(2).save(`file://${dir}`); }
        return real.size(p);
      } };
    const m = await nn.loadModel(nn.io.fileSystem(dir, { ops }));
    expect(new Set(m.getWeights().flatMap((w) => [...new Set(w.data)]))).toEqual(new Set([2]));
    expect(jsonReads).toBe(3); // the first read, the check that it changed, the second read
  });

  it('file-system errors while loading are FormatErrors that name the file', async () => {
    const dir = join(root, 'missing-parts');
    await filled(1).save(`file://${dir}`);
    const weights = readdirSync(dir).find((f) => f.endsWith('.bin'))!;
    unlinkSync(join(dir, weights));
    const err = await nn.loadModel(`file://${dir}`).catch((e) => e);
    expect(err).toBeInstanceOf(nn.FormatError);
    expect(err.message).toContain(`the weights file "${weights}" does not exist`);
    expect(err.message).not.toMatch(/ENOENT/);
    const none = await nn.loadModel(`file://${join(root, 'no-such-folder')}`).catch((e) => e);
    expect(none).toBeInstanceOf(nn.FormatError);
    expect(none.message).toMatch(/^no model at file:\/\/.*no-such-folder\/model\.json \(the file does not exist\)$/);
    mkdirSync(join(root, 'json-is-a-folder', 'model.json'), { recursive: true });
    const folder = await nn.loadModel(`file://${join(root, 'json-is-a-folder')}`).catch((e) => e);
    expect(folder).toBeInstanceOf(nn.FormatError);
    expect(folder.message).toMatch(/model\.json: is not a regular file/);
  });

  it('two processes saving to one folder, while this one loads from it: every load and the final folder hold one complete model', async () => {
    const child = await bundle('save-load-writer-child');
    const dir = join(root, 'two-processes');
    await filled(1).save(`file://${dir}`);
    const COUNT = 30;
    const run = (base: number) => new Promise<void>((done, fail) => {
      const p = spawn(process.execPath, [child, dir, String(base), String(COUNT)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '', err = '';
      p.stdout.on('data', (d) => { out += d; });
      p.stderr.on('data', (d) => { err += d; });
      p.on('exit', (code) => (code === 0 && out === 'done\n' ? done() : fail(new Error(`writer ${base} exited (${code}): ${err}`))));
    });
    let running = true;
    const writers = Promise.all([run(100), run(200)]).finally(() => { running = false; });
    const seen = new Set<number>();
    let loads = 0;
    while (running) {
      const m = await nn.loadModel(`file://${dir}`); // throws on a failed load
      const values = new Set(m.getWeights().flatMap((w) => [...new Set(w.data)]));
      expect(values.size, 'a load mixed two saves').toBe(1);
      seen.add([...values][0]);
      loads++;
    }
    await writers;
    for (const v of seen) expect(v === 1 || (v > 100 && v <= 100 + COUNT) || (v > 200 && v <= 200 + COUNT), `value ${v}`).toBe(true);
    const m = await nn.loadModel(`file://${dir}`);
    const final = new Set(m.getWeights().flatMap((w) => [...new Set(w.data)]));
    expect([...final].length).toBe(1);
    expect([100 + COUNT, 200 + COUNT]).toContain([...final][0]); // the last save of one of the two
    expectTidy(dir, 'after both writers finished');
    console.log(`two writers × ${COUNT} saves, ${loads} loads meanwhile saw ${seen.size} different saves`);
  });
});

describe('the folder lock', () => {
  const lockAt = (dir: string, info: object, ageMs = 0) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(info));
    if (ageMs > 0) utimesSync(join(dir, LOCK_FILE), new Date(Date.now() - ageMs), new Date(Date.now() - ageMs));
  };
  const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

  it('a lock left by a process that has died is taken over at once', async () => {
    const dir = join(root, 'lock-dead');
    await filled(1).save(`file://${dir}`);
    lockAt(dir, { pid: deadPid(), host: hostname(), token: 'left-by-a-crash' });
    await filled(2).save(nn.io.fileSystem(dir, { lockTimeout: 0 }));
    expect(await folderValue(dir)).toBe(2);
    expectTidy(dir, 'the stale lock is gone');
  });

  it('a lock older than the bound is taken over, whoever holds it; unreadable lock files too', async () => {
    for (const [i, info] of [{ pid: process.ppid, host: hostname(), token: 'alive-but-stuck' }, { pid: 1, host: 'another-host' }, 'not json'].entries()) {
      const dir = join(root, `lock-old-${i}`);
      lockAt(dir, typeof info === 'string' ? {} : info, LOCK_STALE_MS + 60_000);
      if (typeof info === 'string') {
        writeFileSync(join(dir, LOCK_FILE), info);
        utimesSync(join(dir, LOCK_FILE), 0, 0);
      }
      await filled(2).save(nn.io.fileSystem(dir, { lockTimeout: 0 }));
      expect(await folderValue(dir)).toBe(2);
      expectTidy(dir, `old lock ${JSON.stringify(info)}`);
    }
  });

  it('a fresh lock of a live process (or of another host) is waited for: after the timeout the save fails and changes nothing', async () => {
    for (const [i, info] of [{ pid: process.ppid, host: hostname(), token: 'busy' }, { pid: 1, host: 'another-host', token: 'busy' }].entries()) {
      const dir = join(root, `lock-live-${i}`);
      await filled(1).save(`file://${dir}`);
      lockAt(dir, info);
      const err = await filled(2).save(nn.io.fileSystem(dir, { lockTimeout: 50 })).catch((e) => e);
      expect(err).toBeInstanceOf(nn.NeuriteError);
      expect(err.message).toMatch(new RegExp(`another save \\(process ${info.pid} on ${info.host}\\) held the folder's lock .*${LOCK_FILE} for more than 50 ms; the model that was there before is unchanged`));
      expect(await folderValue(dir)).toBe(1);
      expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toEqual(info); // not ours to remove
      // once the holder releases it, saves go ahead
      unlinkSync(join(dir, LOCK_FILE));
      await filled(2).save(`file://${dir}`);
      expect(await folderValue(dir)).toBe(2);
    }
  });

  it('a save waits for a lock that is released while it waits', async () => {
    const dir = join(root, 'lock-released');
    await filled(1).save(`file://${dir}`);
    lockAt(dir, { pid: process.ppid, host: hostname(), token: 'soon-done' });
    const saving = filled(2).save(`file://${dir}`);
    await new Promise((r) => setTimeout(r, 30));
    expect(await folderValue(dir)).toBe(1); // still waiting
    unlinkSync(join(dir, LOCK_FILE));
    await saving;
    expect(await folderValue(dir)).toBe(2);
    expectTidy(dir, 'after the wait');
  });

  it('a save whose lock another process took over meanwhile does not commit', async () => {
    const dir = join(root, 'lock-lost');
    await filled(1).save(`file://${dir}`);
    const real = await nodeFileOps();
    const thief = { pid: process.ppid, host: hostname(), token: 'took-it-over' };
    const ops: FileOps = { ...real, syncDir: async (p) => {
      // just before the commit, another process judges the lock stale and replaces it with its own
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify(thief));
      return real.syncDir(p);
    } };
    await expect(filled(2).save(nn.io.fileSystem(dir, { ops }))).rejects.toThrow(/another process took over the folder's lock.*unchanged/);
    expect(await folderValue(dir)).toBe(1);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toEqual(thief);
  });
});
