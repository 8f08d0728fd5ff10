// Debian's chromium driven headless through playwright-core (never a downloaded browser), and the
// folder where the web tests keep their screenshots.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { REPO_ROOT } from '../helpers/daemon.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test-artifacts', 'web');

export async function launchChromium(): Promise<Browser> {
  // launch() gives every run a fresh temporary --user-data-dir of its own (it refuses one passed in args)
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The path a screenshot named `name` is written to (the folder is created and printed once). */
export function screenshotPath(name: string): string {
  if (!fs.existsSync(ARTIFACTS_DIR)) {
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    console.log(`web test screenshots: ${ARTIFACTS_DIR}`);
  }
  return path.join(ARTIFACTS_DIR, `${name}.png`);
}
