import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { loadConfig } from '../../config';

/**
 * Real headless Chromium for the browser tests: Debian's `chromium` package driven by
 * playwright-core. A machine without it gets it installed once (apt, as root); a machine where
 * that is impossible fails with what to do, never a silent skip.
 */

export const CHROMIUM_PATH = loadConfig(process.env).COLIS_CHROMIUM_PATH;

export function ensureChromium(log: (line: string) => void = (line) => console.log(line)): string {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = existsSync('/usr/bin/apt-get');
  if (!root || !apt) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH} and cannot be installed here (${root ? 'no apt-get' : 'not root'}). ` +
        'Install it (Debian/Ubuntu: `sudo apt-get install -y chromium`) or point COLIS_CHROMIUM_PATH at a Chromium binary.',
    );
  }
  log(`[chromium] ${CHROMIUM_PATH} is missing: installing Debian's chromium package (apt-get update && apt-get install -y chromium), once`);
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
  } catch (error) {
    throw new Error(`installing chromium with apt-get failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`apt-get installed chromium but ${CHROMIUM_PATH} is still missing`);
  log(`[chromium] installed ${CHROMIUM_PATH}`);
  return CHROMIUM_PATH;
}

export interface RunningBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** `args`: more command-line switches (e.g. `--host-resolver-rules` to open the app under a host name that is not localhost). */
export async function launchChromium(options: { args?: readonly string[] } = {}): Promise<RunningBrowser> {
  const executablePath = ensureChromium();
  const userDataDir = mkdtempSync(join(tmpdir(), 'colis-chromium-'));
  // Playwright takes the profile directory itself (it refuses --user-data-dir in args).
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    viewport: { width: 1400, height: 900 },
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(options.args ?? []),
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Screenshots are test artefacts: test-results/ is git-ignored. */
export function screenshotPath(name: string): string {
  const dir = join(process.cwd(), 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}
