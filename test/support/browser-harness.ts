import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { createHarness, type Harness } from '../api/harness';
import { launchChromium, type RunningBrowser } from './chromium';

/** The app of a browser test (no worker), listening on a free port, and one Chromium page. */
export interface ServedApp {
  readonly h: Harness;
  readonly page: Page;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
}

/**
 * Starts Chromium and the app before the file's tests and stops both after them; call at the top of a test file. The
 * answer's fields are read in tests (they exist once `beforeAll` has run).
 */
export function servedInChromium(): ServedApp {
  let browser: RunningBrowser | undefined;
  const served = { h: undefined, page: undefined, base: '' } as unknown as { h: Harness; page: Page; base: string };
  beforeAll(async () => {
    browser = await launchChromium();
    served.h = await createHarness();
    await served.h.app.listen({ host: '127.0.0.1', port: 0 });
    served.base = `http://127.0.0.1:${(served.h.app.server.address() as AddressInfo).port}`;
    served.page = await browser.context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await served.h?.close();
  });
  return served;
}
