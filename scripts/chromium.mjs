// The Chromium that the browser tests and the demo screenshot drive: `CHROMIUM_PATH` when set, else the build that
// the @sparticuz/chromium dev dependency ships inside its npm package, unpacked into the temp directory on first
// use. Nothing is downloaded and no system browser is needed.
import { existsSync } from 'node:fs';

/** Flags for a headless run on a machine without a display, a GPU or a network. */
export const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The path of the Chromium executable to launch. */
export async function chromiumPath() {
  const override = process.env.CHROMIUM_PATH;
  if (override) {
    if (!existsSync(override)) throw new Error(`CHROMIUM_PATH is ${override}, but no file is there`);
    return override;
  }
  const { default: packaged } = await import('@sparticuz/chromium');
  return packaged.executablePath();
}

/** Launches headless Chromium through playwright-core. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: await chromiumPath(), args: CHROMIUM_ARGS, headless: true });
}
