import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Db } from '../../activities/db';
import { signPayload } from '../../activities/carriers/signature';
import { type AppDeps, buildApp } from '../../api/app';
import { loadApiConfig, type ApiConfig, type ConfiguredApiKey } from '../../api/config';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import type { OrderRequest } from '../../domain/order';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { type Journey, startJourney } from '../support/journey';
import { type ShopReceiver, startShopReceiver } from '../support/shop-receiver';
import { connectDevServer } from '../support/temporal';

/**
 * The API as a client meets it: buildApp on a private copy of the seeded database and the run's
 * Temporal dev server. No worker runs here: intake, idempotency and every check before a workflow
 * must answer are decidable without one.
 */

export const KEYS = {
  intake: { name: 'shop-a', role: 'intake', key: 'shop-a-secret-key-0001' },
  intakeB: { name: 'shop-b', role: 'intake', key: 'shop-b-secret-key-0002' },
  ops: { name: 'ops-desk', role: 'ops', key: 'ops-desk-secret-key-0003' },
  opsNight: { name: 'ops-night', role: 'ops', key: 'ops-night-secret-key-0005' },
  swiftpost: { name: 'swiftpost-hooks', role: 'carrier', key: 'swiftpost-secret-key-0004', carrierCode: 'swiftpost' },
} as const satisfies Record<string, ConfiguredApiKey>;

export const WEBHOOK_SECRET = 'test-webhook-secret-swiftpost';
export const TRACKING_SECRET = 'test-tracking-secret-0123456789';

/**
 * What the API tests send that no log line may ever carry, at any level: keys, secrets, tracking
 * tokens and the personal data of the fixtures (names, e-mails, streets, cities).
 */
export const NEVER_LOGGED: readonly (string | RegExp)[] = [
  ...Object.values(KEYS).map((k) => k.key),
  WEBHOOK_SECRET,
  TRACKING_SECRET,
  /[?&]t=[A-Za-z0-9_-]{8,}/,
  'Camille Durand',
  'Léa Martin',
  'Fixture Customer',
  'camille.durand@example.org',
  '12 rue des Lilas',
  '1 Main St',
  'Lyon',
  'Paris',
];

/** The log lines that carry something of NEVER_LOGGED, each with what it carries (the value itself withheld). */
export function logLeaks(lines: readonly string[]): string[] {
  return lines.flatMap((line) =>
    NEVER_LOGGED.filter((secret) => (typeof secret === 'string' ? line.includes(secret) : secret.test(line))).map(
      (secret) =>
        `${String(secret).slice(0, 4)}… in a log line of ${line.length} characters: ${line.slice(0, 80).replace(/"[^"]{4,}"/g, '"…"')}`,
    ),
  );
}

export interface Harness {
  app: FastifyInstance;
  db: Db;
  database: TestDatabase;
  env: TestWorkflowEnvironment;
  client: Client;
  config: ApiConfig;
  logs: string[];
  /** inject() with the given key's X-Api-Key header. */
  as(key: ConfiguredApiKey | undefined, options: InjectOptions): Promise<LightMyRequestResponse>;
  rebuild(overrides: Partial<ApiConfig>): Promise<FastifyInstance>;
  close(): Promise<void>;
}

/** A log destination that keeps every line, for logLeaks. */
export function capturedLogs(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, lines };
}

export async function createHarness(overrides: Partial<ApiConfig> = {}): Promise<Harness> {
  const database = await createTestDatabase(5);
  const env = await connectDevServer();
  const { stream: logStream, lines: logs } = capturedLogs();
  const makeConfig = (extra: Partial<ApiConfig>) =>
    loadApiConfig(
      { COLIS_CARRIER_SECRET_SWIFTPOST: WEBHOOK_SECRET, COLIS_TRACKING_SECRET: TRACKING_SECRET },
      // Intake waits for the workflow start here, so a test can describe the workflow right after the 202.
      // Every level is logged, so the leak check at close() sees everything the API could ever write.
      // No worker runs here, so no order ever leaves its first stretch: the adaptive start limit would hold every start after the first few.
      {
        apiKeys: Object.values(KEYS),
        workflowCallTimeoutMs: 1500,
        intakeStartWaitMs: 30_000,
        intakeAdaptiveStarts: false,
        logLevel: 'trace',
        ...overrides,
        ...extra,
      },
    );
  const config = makeConfig({});
  const apps: FastifyInstance[] = [];
  const app = await buildApp({ db: database.db, temporalClient: env.client, config, logStream });
  apps.push(app);
  return {
    app,
    db: database.db,
    database,
    env,
    client: env.client,
    config,
    logs,
    as: (key, options) => app.inject({ ...options, headers: { ...(key ? { 'x-api-key': key.key } : {}), ...(options.headers ?? {}) } }),
    rebuild: async (extra) => {
      const other = await buildApp({ db: database.db, temporalClient: env.client, config: makeConfig(extra), logStream });
      apps.push(other);
      return other;
    },
    close: async () => {
      for (const each of apps) await each.close();
      await env.teardown();
      await database.drop();
      const leaks = logLeaks(logs);
      if (leaks.length > 0) throw new Error(`secrets or personal data in ${leaks.length} log line(s):\n${leaks.slice(0, 10).join('\n')}`);
    },
  };
}

let counter = 0;
/** A distinct, valid Idempotency-Key per call. */
/**
 * The API in front of a journey's workers: every test key, quiet logs, and what each suite sets
 * (call timeouts, whether intake waits for the workflow's start).
 */
export function journeyApi(
  journey: Journey,
  settings: Partial<ApiConfig> = {},
  deps: Omit<AppDeps, 'db' | 'temporalClient' | 'config'> = {},
): Promise<FastifyInstance> {
  return buildApp({
    db: journey.database.db,
    temporalClient: journey.env.client,
    config: loadApiConfig({}, { apiKeys: Object.values(KEYS), logLevel: 'warn', ...settings }),
    ...deps,
  });
}

/** The whole journey with its notify relays, the API over it, and a shop's webhook endpoint: what a shop sees of an order. */
export interface ShopJourney {
  journey: Journey;
  app: FastifyInstance;
  receiver: ShopReceiver;
}

export async function startShopJourney(): Promise<ShopJourney> {
  const journey = await startJourney({ notify: true });
  const app = await journeyApi(journey, { workflowCallTimeoutMs: 10_000, intakeStartWaitMs: 30_000 });
  return { journey, app, receiver: await startShopReceiver() };
}

export async function stopShopJourney(parts: Partial<ShopJourney>): Promise<void> {
  await parts.app?.close();
  await parts.receiver?.close();
  await parts.journey?.teardown();
}

/** `as(key, method, url, payload?, headers?)`: a request to the app `app()` returns, made with `key`'s API key. */
export function requestsAs(app: () => FastifyInstance) {
  return (
    key: { key: string },
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> =>
    app().inject({ method, url, headers: { 'x-api-key': key.key, ...headers }, ...(payload ? { payload } : {}) });
}

export const newKey = (label = 'k') => `${label}-${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export function orderRequest(overrides: Partial<OrderRequest> = {}): Record<string, unknown> {
  return {
    customer: { id: 'CUST-1', name: 'Camille Durand', email: 'camille.durand@example.org' },
    shipTo: { name: 'Camille Durand', line1: '12 rue des Lilas', city: 'Lyon', postalCode: '69003', countryCode: 'FR' },
    lines: [
      { sku: 'MUG-CER-350', quantity: 2 },
      { sku: 'TEA-GREEN-100G', quantity: 1 },
    ],
    serviceLevel: 'standard',
    ...overrides,
  };
}

/** The error envelope every failure must have. */
export function expectErrorShape(
  response: LightMyRequestResponse,
  status: number,
  code?: string,
): { code: string; message: string; details?: { path: string; message: string }[] } {
  if (response.statusCode !== status) throw new Error(`expected ${status}, got ${response.statusCode}: ${response.body}`);
  const body = response.json() as {
    error?: { code: string; message: string; details?: { path: string; message: string }[] };
    requestId?: string;
  };
  if (!body.error || typeof body.error.code !== 'string' || typeof body.error.message !== 'string' || typeof body.requestId !== 'string') {
    throw new Error(`not the error shape: ${response.body}`);
  }
  if (code !== undefined && body.error.code !== code) throw new Error(`expected code ${code}, got ${body.error.code}: ${response.body}`);
  if (body.requestId !== response.headers['x-request-id']) throw new Error('requestId differs from the x-request-id header');
  return body.error;
}

/** A carrier's scans pushed to the API as the carrier sends them: its webhook, signed with its configured secret. */
export function carrierWebhook(app: FastifyInstance, carrier: string, events: readonly CarrierTrackingEvent[]) {
  const body = JSON.stringify({ events });
  return app.inject({
    method: 'POST',
    url: `/carriers/${carrier}/webhooks`,
    headers: {
      'content-type': 'application/json',
      'colis-signature': signPayload(body, app.config.webhookSecretFor(carrier) ?? '', Date.now()),
    },
    payload: body,
  });
}
