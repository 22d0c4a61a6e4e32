// nn.data.imageFolder: the folder listed, split and ordered as loadImageFolder does, each image decoded only when
// the dataset reaches it (to the same bits as loadImageFolder's), and a CNN trained through fitDataset on its
// batches to the weights fit gives on loadImageFolder's arrays.
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { writeShapes } from './image-helpers';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'neurite-image-dataset-'));
  await writeShapes(dir, 10, 20, 3);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const options = { size: [12, 12] as [number, number], validationSplit: 0.25, seed: 5 };

describe('nn.data.imageFolder', () => {
  it('gives loadImageFolder\'s classes, split, order and pixels, one image at a time', async () => {
    const whole = await nn.loadImageFolder(dir, options);
    const lazy = await nn.data.imageFolder(dir, options);
    expect(lazy.classNames).toEqual(['circles', 'squares']);
    expect(lazy.files.train).toEqual(whole.train.files);
    expect(lazy.files.validation).toEqual(whole.validation!.files);
    expect(lazy.train.size).toBe(15);
    expect(lazy.validation!.size).toBe(5);
    const elements = await lazy.train.toArray();
    elements.forEach((e, i) => {
      expect(e.xs.shape).toEqual([12, 12, 3]);
      expect(Array.from(e.xs.data)).toEqual(Array.from(whole.train.x.data.subarray(i * 432, (i + 1) * 432)));
      expect(Array.from((e.ys as nn.Tensor).data)).toEqual(Array.from(whole.train.oneHot.data.subarray(i * 2, i * 2 + 2)));
    });
    const byIndex = await (await nn.data.imageFolder(dir, { ...options, labels: 'index', channels: 1 })).validation!.batch(5).toArray();
    expect(byIndex).toHaveLength(1);
    const b = byIndex[0] as { xs: nn.Tensor; ys: nn.Tensor };
    expect(b.xs.shape).toEqual([5, 12, 12, 1]);
    expect(Array.from(b.ys.data)).toEqual(Array.from(whole.validation!.labels));
    await expect(nn.data.imageFolder(dir, { ...options, labels: 'onehot' as 'oneHot' })).rejects.toThrow(/data.imageFolder: labels must be 'oneHot' or 'index', got "onehot"/);
    await expect(nn.data.imageFolder(join(dir, 'nowhere'), options)).rejects.toThrow(/data.imageFolder: folder not found/);
  });

  it('reads a file only when the dataset reaches it', async () => {
    const own = await mkdtemp(join(tmpdir(), 'neurite-image-dataset-'));
    try {
      await writeShapes(own, 4, 16, 9);
      const data = await nn.data.imageFolder(own, { size: [8, 8] });
      // a file removed after listing fails when, and only when, its element is read
      const gone = data.files.train[5];
      await unlink(gone);
      const first = await data.train.take(5).toArray();
      expect(first).toHaveLength(5);
      await expect(data.train.toArray()).rejects.toThrow(`file not found: ${gone}`);
      const m = nn.sequential({ seed: 1, layers: [nn.layers.flatten({ inputShape: [8, 8, 3] }), nn.layers.dense({ units: 2, activation: 'softmax' })] });
      m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
      const e = await m.fitDataset(data.train.batch(2)).catch((x) => x);
      expect(e).toBeInstanceOf(nn.DataError);
      expect(e.message).toContain('batch 3 of epoch 1 (batch index 2)');
      expect((e.cause as Error).message).toContain(`file not found: ${gone}`);
      expect(m.optimizerIterations).toBe(2);
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  it('a CNN trained by fitDataset on its batches has the weights fit gives on loadImageFolder\'s arrays', async () => {
    const build = () => {
      const m = nn.sequential({ seed: 4, layers: [
        nn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 3] }),
        nn.layers.maxPooling2d({ poolSize: 2 }),
        nn.layers.flatten(),
        nn.layers.dense({ units: 2, activation: 'softmax' }),
      ] });
      m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      return m;
    };
    const whole = await nn.loadImageFolder(dir, options);
    const lazy = await nn.data.imageFolder(dir, options);
    const a = build();
    const b = build();
    const ha = await a.fit(whole.train.x, whole.train.oneHot, { epochs: 3, batchSize: 4, shuffle: false,
      validationData: [whole.validation!.x, whole.validation!.oneHot] });
    const hb = await b.fitDataset(lazy.train.batch(4).prefetch(2), { epochs: 3, validationData: lazy.validation!.batch(4) });
    expect(hb.history).toEqual(ha.history);
    const bits = (m: nn.LayersModel) => m.getWeights().flatMap((w) => Array.from(new Uint32Array(w.data.buffer, w.data.byteOffset, w.data.length)));
    expect(bits(b)).toEqual(bits(a));
  });
});
