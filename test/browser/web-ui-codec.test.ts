import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../api/app';
import { loadApiConfig } from '../../api/config';
import { ids, TASK_QUEUES } from '../../domain/ids';
import { OrderRequestSchema, type OrderWorkflowInput } from '../../domain/order';
import { freePort } from '../../scripts/lib/ports';
import { type RunningDevServer, startTemporalDevServer } from '../../scripts/temporal-dev-server';
import { KEYS } from '../api/harness';
import { launchChromium, type RunningBrowser, screenshotPath } from '../support/chromium';
import { onAFreePort } from '../support/free-port';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { testDataConverter } from '../support/temporal';

/**
 * Ops read encrypted payloads in the real Temporal Web UI, decoded by the API's codec endpoint:
 * the dev server runs with its UI pointed at `<api>/codec` (as `npm start` does), an order's input
 * is stored encrypted, and Chromium shows the customer's name only after the ops key was entered
 * on the ops pages (the codec session cookie) with the UI sending credentials to the codec.
 * The UI and the API are both opened as `localhost`, so the cookie is same-site.
 */
const CUSTOMER_NAME = 'Zoé Confidentielle';
const STREET = '7 impasse des Secrets';

/** The dev server's log; a start-up failure quotes its last lines, so it is removed after the run. */
const devServerLog = join(tmpdir(), `colis-web-ui-codec-${process.pid}.log`);
let database: TestDatabase;
let devServer: RunningDevServer;
let connection: Connection;
let app: FastifyInstance;
let browser: RunningBrowser;
let page: Page;
let apiBase = '';
let uiBase = '';
let workflowId = '';

beforeAll(async () => {
  const [apiPort, uiPort] = [await freePort(), await freePort()];
  apiBase = `http://localhost:${apiPort}`;
  uiBase = `http://localhost:${uiPort}`;
  [browser, database, devServer] = await Promise.all([
    launchChromium(),
    createTestDatabase(3),
    // A port called free can be taken before the server binds it (seen once in a full run): another is tried.
    onAFreePort((grpcPort) =>
      startTemporalDevServer({
        cliPath: inject('temporalCliPath'),
        port: grpcPort,
        uiPort,
        namespace: 'default',
        logFile: devServerLog,
        uiCodecEndpoint: `${apiBase}/codec`,
      }),
    ),
  ]);
  connection = await Connection.connect({ address: devServer.address });
  const client = new Client({ connection, namespace: 'default', dataConverter: testDataConverter });
  app = await buildApp({
    db: database.db,
    temporalClient: client,
    config: loadApiConfig({}, { apiKeys: Object.values(KEYS), logLevel: 'warn', temporalUiUrl: uiBase }),
  });
  await app.listen({ host: '127.0.0.1', port: apiPort });

  // No worker: the order's input, stored encrypted in its first history event, is what the UI must decode.
  const orderId = `ORD-UI${Date.now().toString(36).toUpperCase()}`;
  const request = OrderRequestSchema.parse({
    customer: { id: 'CUST-UI', name: CUSTOMER_NAME },
    shipTo: { name: CUSTOMER_NAME, line1: STREET, city: 'Lyon', postalCode: '69002', countryCode: 'FR' },
    lines: [{ sku: 'MUG-CER-350', quantity: 1 }],
  });
  const input: OrderWorkflowInput = {
    orderId,
    idempotencyKey: orderId,
    requestHash: orderId,
    receivedAt: new Date().toISOString(),
    promisedBy: new Date(Date.now() + 5 * 86_400_000).toISOString(),
    request,
    timeScale: 1,
  };
  workflowId = ids.orderWorkflowId(orderId);
  await client.workflow.start('orderWorkflow', { workflowId, taskQueue: TASK_QUEUES.orders, args: [input] });
  page = await browser.context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await connection?.close();
  await devServer?.stop();
  await database?.drop();
  rmSync(devServerLog, { force: true });
});

const workflowPage = () => `${uiBase}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`;

describe('the Temporal Web UI decodes payloads through the API codec endpoint', () => {
  it('without the codec session the UI shows no customer data: the stored input is ciphertext', async () => {
    await page.goto(uiBase);
    await page.evaluate((endpoint) => {
      const { localStorage } = globalThis as unknown as { localStorage: { setItem(key: string, value: string): void } };
      // The UI's own codec settings ("Codec Server" in its settings panel): this browser's endpoint, with credentials.
      localStorage.setItem('endpoint', JSON.stringify(endpoint));
      localStorage.setItem('includeCredentials', 'true');
      localStorage.setItem('overrideRemoteCodecConfiguration', 'true');
    }, `${apiBase}/codec`);
    // The UI asks the codec, is refused (no session), and shows the stored payload as it is.
    const refused = page.waitForResponse((response) => response.url().includes('/codec/decode') && response.status() === 401);
    await page.goto(workflowPage());
    await refused;
    await page.getByText('Codec Server could not connect').first().waitFor({ state: 'attached', timeout: 60_000 });
    const text = (await page.textContent('body')) ?? '';
    expect(text).not.toContain(CUSTOMER_NAME);
    expect(text).not.toContain(STREET);
    await page.screenshot({ path: screenshotPath('web-ui-encrypted'), fullPage: true });
  });

  it('once the ops key was entered on the ops pages, the same page shows the decrypted input', async () => {
    await page.goto(`${apiBase}/ops`);
    const session = page.waitForResponse((response) => response.url().endsWith('/codec/session') && response.status() === 200);
    await page.fill('#ops-key', KEYS.ops.key);
    await page.click('#key-panel button[type=submit]');
    await session;

    await page.goto(workflowPage());
    await page.getByText(CUSTOMER_NAME).first().waitFor({ timeout: 60_000 });
    const text = (await page.textContent('body')) ?? '';
    expect(text).toContain(STREET);
    await page.screenshot({ path: screenshotPath('web-ui-decrypted'), fullPage: true });
  });
});
