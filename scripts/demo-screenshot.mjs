// Takes the README's screenshot of the demo: headless Chromium opens the built demo (demo/dist, from
// `node demo/build.mjs`), draws a 7 on the pad as training starts, lets it train and compare backends, and saves the whole page
// (1280 pixels wide) as docs/demo.png.
// `node scripts/demo-screenshot.mjs [out.png]`.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDemo } from '../demo/serve.mjs';
import { launchChromium } from './chromium.mjs';

const out = process.argv[2] ?? fileURLToPath(new URL('../docs/demo.png', import.meta.url));
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
} finally {
  await browser.close();
  server.close();
}
