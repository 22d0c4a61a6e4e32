// A runtime that refuses to compile WebAssembly (a page whose Content-Security-Policy lacks 'wasm-unsafe-eval'):
// nn.ready() falls back to the js backend with one console notice naming it, never rejects; so does a model
// built before ready(); threads stay at one; asking for wasm by name is a NeuriteError naming the same source.
// Simulated here by stubbing WebAssembly's compile and instantiate as Chromium refuses them; each test loads
// neurite afresh, so that no earlier backend is cached.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const REFUSAL = "WebAssembly.compile(): Refused to compile or instantiate WebAssembly module because 'wasm-unsafe-eval' " +
  "is not an allowed source of script in the following Content Security Policy directive: \"script-src 'self'\"";

function refuse(): never {
  throw new WebAssembly.CompileError(REFUSAL);
}

type NN = typeof import('../src/index');

async function fresh(): Promise<NN> {
  vi.resetModules();
  return import('../src/index');
}

/** A seeded XOR model; its losses after a few epochs. */
async function xorLosses(nn: NN): Promise<number[]> {
  const m = nn.sequential({ seed: 3, layers: [nn.layers.dense({ units: 6, activation: 'tanh', inputShape: [2] }),
    nn.layers.dense({ units: 1, activation: 'sigmoid' })] });
  m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy' });
  const h = await m.fit([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]], { epochs: 5, verbose: 0 });
  return h.history.loss as number[];
}

describe('a runtime that refuses to compile WebAssembly', () => {
  let warn: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => vi.restoreAllMocks());

  const stub = () => {
    vi.spyOn(WebAssembly, 'compile').mockImplementation(async () => refuse());
    vi.spyOn(WebAssembly, 'instantiate').mockImplementation(async () => refuse());
    vi.spyOn(WebAssembly, 'Module').mockImplementation(function () { refuse(); });
    vi.spyOn(WebAssembly, 'Instance').mockImplementation(function () { refuse(); });
  };

  it("nn.ready() resolves 'js' with one notice naming 'wasm-unsafe-eval', and trains as the js backend does", async () => {
    const reference = await fresh();
    await reference.ready({ backend: 'js' });
    const expected = await xorLosses(reference);

    const nn = await fresh();
    stub();
    await expect(nn.ready()).resolves.toBe('js');
    expect(nn.getBackend()).toBe('js');
    await expect(nn.ready()).resolves.toBe('js');
    await expect(nn.ready({ threads: 2 })).resolves.toBe('js');
    expect(nn.getThreads()).toBe(1);
    const losses = await xorLosses(nn);
    expect(losses).toEqual(expected);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(warn).toHaveBeenCalledTimes(1);
    const notice = String(warn.mock.calls[0][0]);
    expect(notice).toMatch(/^neurite: the wasm backend could not be compiled or instantiated here \(CompileError: .*Refused/);
    expect(notice).toContain("script-src 'wasm-unsafe-eval'");
    expect(notice).toMatch(/using the js backend\.$/);
  });

  it('a model built before ready() falls back too (the synchronous path), with the same one notice', async () => {
    const nn = await fresh();
    stub();
    await expect(xorLosses(nn)).resolves.toHaveLength(5);
    expect(nn.getBackend()).toBe('js');
    await expect(nn.ready()).resolves.toBe('js');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/\(CompileError: .*Refused.*'wasm-unsafe-eval'; using the js backend\.$/);
  });

  it("asking for wasm by name is a NeuriteError naming 'wasm-unsafe-eval', and js keeps working", async () => {
    const nn = await fresh();
    stub();
    const asked = nn.ready({ backend: 'wasm' });
    await expect(asked).rejects.toThrow(nn.NeuriteError);
    await expect(asked).rejects.toThrow(/CompileError: .*'wasm-unsafe-eval'/);
    await expect(nn.setBackend('wasm')).rejects.toThrow(/'wasm-unsafe-eval'/);
    await expect(nn.ready({ backend: 'js' })).resolves.toBe('js');
    await expect(xorLosses(nn)).resolves.toHaveLength(5);
  });

  it('an instantiation that fails after the compile succeeds falls back the same way', async () => {
    const nn = await fresh();
    vi.spyOn(WebAssembly, 'instantiate').mockImplementation(async () => { throw new WebAssembly.LinkError('import env.memory: not shared'); });
    await expect(nn.ready()).resolves.toBe('js');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/LinkError: import env.memory: not shared.*'wasm-unsafe-eval'.*using the js backend/);
  });
});
