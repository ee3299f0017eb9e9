/**
 * Headless Chromium for the report page's tests: the DOM it builds from a page and a screenshot
 * of it, each in a fresh profile removed afterwards. The flags keep it off the network: no
 * background updates, sync, pings or component downloads, and no host name resolves.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const candidates = ['chromium', 'chromium-browser'];

/** The Chromium binary, or a failure saying how to get it (tests fail, never skip). */
export function chromiumPath(): string {
  for (const name of candidates) {
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
      const full = path.join(dir, name);
      if (dir !== '' && existsSync(full)) return full;
    }
  }
  throw new Error(
    'The report page tests need Chromium (headless) to open the page: install it with `npm run setup` (Debian/Ubuntu: apt-get install chromium).',
  );
}

const quiet = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-domain-reliability',
  '--disable-breakpad',
  '--no-pings',
  '--metrics-recording-only',
  '--disable-features=Translate,MediaRouter,OptimizationHints',
  // Nothing to resolve on a page that loads nothing: a stray request fails at once.
  '--host-resolver-rules=MAP * ~NOTFOUND',
  '--hide-scrollbars',
];

async function chromium(args: readonly string[], page: string): Promise<string> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'rabbit-lab-chromium-'));
  try {
    return await new Promise((resolve, reject) => {
      execFile(
        chromiumPath(),
        [...quiet, `--user-data-dir=${profile}`, ...args, pathToFileURL(page).href],
        { timeout: 60_000, maxBuffer: 64 << 20 },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`chromium failed: ${error.message}\n${stderr}`));
          else resolve(stdout);
        },
      );
    });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The page's DOM as Chromium serialises it once loaded (scripts in it have run). */
export function dumpDom(page: string): Promise<string> {
  return chromium(['--dump-dom'], page);
}

/** A PNG of the page's first `width` × `height` pixels. */
export async function screenshot(
  page: string,
  png: string,
  width = 1280,
  height = 2000,
): Promise<void> {
  await chromium([`--screenshot=${png}`, `--window-size=${width},${height}`], page);
}
