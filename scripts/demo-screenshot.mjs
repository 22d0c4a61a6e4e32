// Takes the README's screenshots of the demo: headless Chromium opens the built demo (demo/dist, from
// `node demo/build.mjs`), draws a 7 on the pad as training starts, lets it train and compare backends, and saves the whole page
// (1280 pixels wide) as docs/demo.png; then it teaches the "teach it" page three classes of drawn shapes from
// picture files, trains it, tries an unseen picture and saves docs/teach.png.
// `node scripts/demo-screenshot.mjs [out.png [teach.png]]`.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDemo } from '../demo/serve.mjs';
import { drawShape, rng } from '../demo/shapes.mjs';
import { launchChromium } from './chromium.mjs';

const out = process.argv[2] ?? fileURLToPath(new URL('../docs/demo.png', import.meta.url));
const teachOut = process.argv[3] ?? fileURLToPath(new URL('../docs/teach.png', import.meta.url));
const server = await serveDemo(fileURLToPath(new URL('../demo/dist/', import.meta.url)), 0);
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  // a 7, drawn as training starts, so that the chips under the pad show its guess after each epoch: the top bar,
  // then the diagonal
  await page.waitForFunction(() => ['training', 'done', 'error'].includes(document.body.dataset.state), null, { timeout: 60_000 });
  const pad = await page.locator('#pad').boundingBox();
  const at = (x, y) => [pad.x + pad.width * x, pad.y + pad.height * y];
  const stroke = async (points) => {
    await page.mouse.move(...at(...points[0]));
    await page.mouse.down();
    for (const p of points.slice(1)) await page.mouse.move(...at(...p), { steps: 8 });
    await page.mouse.up();
  };
  await stroke([[0.25, 0.2], [0.75, 0.2], [0.45, 0.85]]);
  await page.waitForFunction(() => document.getElementById('speed').dataset.state === 'done' ||
    document.body.dataset.state === 'error', null, { timeout: 180_000 });
  if ((await page.getAttribute('body', 'data-state')) === 'error') throw new Error(await page.textContent('#status'));
  await page.waitForFunction(() => document.getElementById('probs').dataset.probs !== undefined);
  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`saved ${out}: ${await page.textContent('#status')} ${await page.textContent('#guess')}`);

  // "teach it": 8 pictures of each of three shapes as PNG files (encoded by the page's canvas), then an unseen one
  const teach = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  await teach.goto(`http://127.0.0.1:${server.address().port}/teach.html`);
  await teach.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 60_000 });
  const next = rng(99);
  const png = async (kind, i) => {
    const rgb = Array.from(drawShape(kind, 64, next));
    const url = await teach.evaluate((px) => {
      const c = document.createElement('canvas');
      c.width = c.height = 64;
      const ctx = c.getContext('2d');
      const img = ctx.createImageData(64, 64);
      for (let p = 0; p < 64 * 64; p++) img.data.set([px[3 * p], px[3 * p + 1], px[3 * p + 2], 255], 4 * p);
      ctx.putImageData(img, 0, 0);
      return c.toDataURL('image/png');
    }, rgb);
    return { name: `${kind}-${i}.png`, mimeType: 'image/png', buffer: Buffer.from(url.split(',')[1], 'base64') };
  };
  const kinds = ['circle', 'triangle', 'bar'];
  for (const [c, kind] of kinds.entries()) {
    await teach.fill(`.class[data-class="${c}"] input[type="text"]`, `${kind}s`);
    const files = [];
    for (let i = 0; i < 8; i++) files.push(await png(kind, i));
    await teach.setInputFiles(`.class[data-class="${c}"] input[type="file"]`, files);
  }
  await teach.waitForFunction(() => !document.getElementById('train').disabled);
  await teach.click('#train');
  await teach.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), null, { timeout: 60_000 });
  if ((await teach.getAttribute('body', 'data-state')) === 'error') throw new Error(await teach.textContent('#status'));
  await teach.setInputFiles('#try', [await png('triangle', 100)]);
  await teach.waitForFunction(() => document.getElementById('teach-probs').dataset.probs !== undefined);
  await teach.screenshot({ path: teachOut, fullPage: true });
  console.log(`saved ${teachOut}: ${await teach.textContent('#status')} ${await teach.textContent('#guess')}`);
} finally {
  await browser.close();
  server.close();
}
