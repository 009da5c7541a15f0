import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload } from '../../activities/carriers/signature';
import { createReshipActivities } from '../../activities/reships';
import { trackingToken } from '../../api/routes/pages/tracking-token';
import { DAY_MS } from '../../domain/clock';
import { loadConfig } from '../../config';
import { createHarness, type Harness, KEYS, newKey, orderRequest, WEBHOOK_SECRET } from '../api/harness';
import { insertOrder, insertShipment, startIdleWorkflow, uniqueId } from '../api/fixtures';
import { ShipEngineKeySet } from '../../activities/carriers/shipengine/webhook-signature';
import { type JwksServer, type SigningKey, serveJwks, signedHeaders, signingKey } from '../support/shipengine-signer';
import { formBody, mutated, nastyJson, nastyString, pathSegment, queryString, rawBodyText } from './arbitraries';

/**
 * Property-based fuzzing of every route: whatever a client sends — any path, query, headers, body —
 * the API never answers a 5xx (but the 503 a route documents for a workflow that does not answer in
 * time), every refusal has the error shape, and every status a documented route answers is in the
 * OpenAPI document. A bounded run in `npm test` (COLIS_FUZZ_RUNS cases per route); thousands in
 * `npm run fuzz`; what the long runs found is in test/fuzz/README.md.
 */

const config = loadConfig(process.env);
const RUNS = config.COLIS_FUZZ_RUNS;
const SEED = config.COLIS_FUZZ_SEED;

let h: Harness;
let jwks: JwksServer;
let shipEngineKey: SigningKey;
let known: {
  orderId: string;
  shipmentId: string;
  trackingNumber: string;
  escalationId: string;
  /** Delivered two days ago, no workflow: read from the database, its goods returnable. */
  deliveredOrderId: string;
  /** A return whose parcel is at the warehouse, its workflow idle: an inspection reaches it and times out. */
  returnId: string;
  /** An open carrier claim of a lost parcel. */
  claimId: string;
};
let documented: Map<string, Set<number>>;
const observed = new Map<string, Map<number, number>>();

beforeAll(async () => {
  shipEngineKey = signingKey('fuzz-key');
  jwks = await serveJwks([shipEngineKey]);
  h = await createHarness({
    // ShipEngine's track webhook reached past its signature check: swiftpost booked through ShipEngine.
    shipEngineTracking: {
      keySet: new ShipEngineKeySet({ jwksUrl: jwks.url, timeoutMs: 5_000 }),
      carrierCodes: ['swiftpost'],
      toleranceSeconds: 300,
    },
    rateLimitPerMinute: 1e9,
    authFailuresPerMinute: 1e9,
    webhooksPerMinute: 1e9,
    workflowCallTimeoutMs: 300,
    intakeStartWaitMs: 10,
  });
  const orderId = await insertOrder(h.db);
  const { shipmentId, trackingNumber } = await insertShipment(h.db, orderId);
  // Workflows that exist but that no worker runs: updates and queries reach them and time out.
  await startIdleWorkflow(h.client, `order-${orderId}`);
  await startIdleWorkflow(h.client, `shipment-${shipmentId}`);
  const escalationId = uniqueId('ESC');
  await h.db.escalation.create({
    data: { id: escalationId, orderId, shipmentId, reason: 'stuck', severity: 'low', detail: 'no scan', dedupeKey: escalationId },
  });
  const deliveredOrderId = await deliveredOrder();
  const returnId = await receivedReturn(await deliveredOrder());
  await startIdleWorkflow(h.client, `return-${returnId}`);
  // A carrier claim, as a re-ship opens one, so the claim routes are reached past their 404.
  const lost = await insertShipment(h.db, await insertOrder(h.db));
  const claimId =
    (await createReshipActivities(h.db).settleLostParcel({ shipmentId: lost.shipmentId, damaged: false })).claimId ?? 'claim-NONE';
  known = { orderId, shipmentId, trackingNumber, escalationId, deliveredOrderId, returnId, claimId };
  const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  };
  documented = new Map(
    Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, op]) => [`${method.toUpperCase()} ${path}`, new Set(Object.keys(op.responses).map(Number))]),
    ),
  );
}, 120_000);

async function deliveredOrder(): Promise<string> {
  const orderId = await insertOrder(h.db, { submittedBy: KEYS.intake.name });
  const { shipmentId } = await insertShipment(h.db, orderId);
  await h.db.order.update({ where: { id: orderId }, data: { shopId: KEYS.intake.name, status: 'completed' } });
  await h.db.shipment.update({ where: { id: shipmentId }, data: { status: 'delivered', deliveredAt: new Date(Date.now() - 2 * DAY_MS) } });
  return orderId;
}

async function receivedReturn(orderId: string): Promise<string> {
  const returnId = uniqueId('RMA').replace(/-/g, '').replace(/^RMA/, 'RMA-');
  await h.db.return.create({
    data: {
      id: returnId,
      orderId,
      idempotencyKey: `fuzz:${returnId}`,
      requestHash: 'h',
      channel: 'shop',
      requestedBy: KEYS.intake.name,
      reason: 'defective',
      status: 'received',
      warehouseCode: 'PAR1',
      workflowId: `return-${returnId}`,
      startedAt: new Date(),
      receivedAt: new Date(),
      currency: 'EUR',
      lines: { create: [{ lineNo: 1, orderLineId: `${orderId}-L1`, skuCode: 'MUG-CER-350', quantity: 1, unitPriceCents: 1290 }] },
    },
  });
  return returnId;
}

afterAll(async () => {
  const lines = [...observed].map(([route, statuses]) => `${route}: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}`);
  console.log(`fuzz: ${RUNS} cases per route${SEED === undefined ? '' : `, seed ${SEED}`}\n${lines.join('\n')}`);
  await h?.close();
  await jwks?.stop();
});

const openApiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');

/** The routes to fuzz: every declared route but Swagger UI's static files. */
function routes(): { method: string; url: string }[] {
  const seen = new Set<string>();
  return h.app.routeTable.filter((route) => {
    const id = `${route.method} ${route.url}`;
    if (route.url.includes('*') || route.url.startsWith('/docs/static') || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

const QUERY_NAMES: Record<string, readonly string[]> = {
  '/orders': ['status', 'customerId', 'createdFrom', 'createdTo', 'escalated'],
  '/escalations': ['open', 'severity', 'reason', 'orderId'],
  '/inventory': ['warehouseCode', 'skuCode'],
  '/process': ['window', 'from', 'to'],
  '/process.svg': ['window', 'from', 'to'],
  '/reports/fulfilment': ['from', 'to'],
  '/track/:orderId': ['t'],
  '/shipments/:id/label': ['format'],
  '/returns': ['status', 'limit'],
  '/claims': ['status', 'orderId', 'carrierCode', 'limit'],
  '/track/:orderId/returns': ['t'],
};

/** Routes a browser posts a form to (application/x-www-form-urlencoded), not JSON. */
const FORM_ROUTES = new Set(['/track/:orderId/returns']);
/** Customer pages behind a tracking token: a valid one is sent half the time, so the page itself is reached. */
const TOKEN_ROUTES = new Set(['/track/:orderId', '/track/:orderId/returns']);

function validBody(url: string): unknown {
  switch (url) {
    case '/orders':
      return orderRequest();
    case '/orders/:id/cancel':
      return { reason: 'customer asked' };
    case '/orders/:id/address':
      return { shipTo: { name: 'Ana Silva', line1: '5 rue Neuve', city: 'Lille', postalCode: '59000', countryCode: 'FR' } };
    case '/escalations/:id/resolve':
      return { decision: 'wait', note: 'give it a day' };
    case '/inventory/restock':
      return { warehouseCode: 'PAR1', skuCode: 'MUG-CER-350', quantity: 5, reference: uniqueId('ASN') };
    case '/carriers/shipengine/track':
      return {
        resource_url: `https://api.shipengine.com/v1/tracking?carrier_code=ups&tracking_number=${known.trackingNumber}`,
        resource_type: 'API_TRACK',
        data: {
          tracking_number: known.trackingNumber,
          status_code: 'IT',
          events: [{ occurred_at: new Date().toISOString(), description: 'Arrived at facility' }],
        },
      };
    case '/carriers/:carrier/webhooks':
      return {
        events: [
          {
            carrierCode: 'swiftpost',
            eventId: uniqueId('E'),
            trackingNumber: known.trackingNumber,
            statusCode: 'IN_TRANSIT',
            occurredAt: new Date().toISOString(),
          },
        ],
      };
    case '/orders/:id/returns':
      return { lines: [{ sku: 'MUG-CER-350', quantity: 1 }], reason: 'defective', comment: 'the handle came off' };
    case '/returns/:id/inspection':
      return { lines: [{ lineNo: 1, restock: 1, writeOff: 0 }], note: 'as new' };
    case '/claims/:id/status':
      return { status: 'submitted', note: 'filed with the carrier' };
    case '/codec/encode':
    case '/codec/decode':
      // json/plain `{"a":1}`: what the Web UI sends; not encrypted, so decode passes it through.
      return { payloads: [{ metadata: { encoding: 'anNvbi9wbGFpbg==' }, data: 'eyJhIjoxfQ==' }] };
    default:
      return {};
  }
}

const keyHeaders = fc.constantFrom<Record<string, string | string[]>>(
  { 'x-api-key': KEYS.ops.key },
  { 'x-api-key': KEYS.ops.key },
  { 'x-api-key': KEYS.intake.key },
  { 'x-api-key': KEYS.swiftpost.key },
  { authorization: `Bearer ${KEYS.ops.key}` },
  { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
  {},
  { 'x-api-key': 'not-a-key-000000000' },
  { 'x-api-key': [KEYS.ops.key, KEYS.intake.key] },
  { 'x-api-key': KEYS.ops.key, authorization: 'Bearer other-key-000000' },
);

const idempotencyHeaders = fc.oneof(
  fc.constant<Record<string, string | string[]>>({}),
  fc.constant(null).map(() => ({ 'idempotency-key': newKey('fz') })),
  nastyString.map((key) => ({ 'idempotency-key': key })),
  fc.constant<Record<string, string | string[]>>({ 'idempotency-key': ['dup-key-0001', 'dup-key-0002'] }),
);

const contentTypes = fc.constantFrom<Record<string, string>>(
  { 'content-type': 'application/json' },
  { 'content-type': 'application/json' },
  { 'content-type': 'application/json; charset=utf-8' },
  { 'content-type': 'application/json; charset=latin1' },
  { 'content-type': 'text/plain' },
  { 'content-type': 'application/x-www-form-urlencoded' },
  { 'content-type': 'multipart/form-data; boundary=x' },
  { 'content-type': 'application/vnd.api+json' },
  {},
);

function requestFor(route: { method: string; url: string }): fc.Arbitrary<InjectOptions & { label: string }> {
  const params = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1] ?? '');
  const ids = [
    known.orderId,
    known.shipmentId,
    known.escalationId,
    known.deliveredOrderId,
    known.returnId,
    known.claimId,
    'swiftpost',
    'parcelnord',
    'ORD-NONE',
    'RMA-NONE',
    'x',
  ];
  const base = validBody(route.url);
  const form = FORM_ROUTES.has(route.url);
  const body =
    route.method === 'POST' && form
      ? fc.oneof({ weight: 6, arbitrary: formBody('MUG-CER-350') }, { weight: 1, arbitrary: rawBodyText })
      : route.method === 'POST'
        ? fc.oneof(
            { weight: 2, arbitrary: fc.constant(base).map((b) => JSON.stringify(b)) },
            { weight: 4, arbitrary: mutated(base).map((b) => JSON.stringify(b)) },
            { weight: 2, arbitrary: nastyJson.map((b) => JSON.stringify(b) ?? 'null') },
            { weight: 2, arbitrary: rawBodyText },
          )
        : fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: rawBodyText });
  return fc
    .record({
      segments: fc.tuple(...params.map(() => pathSegment(ids))),
      query: queryString(QUERY_NAMES[route.url] ?? []),
      key: keyHeaders,
      idempotency: idempotencyHeaders,
      contentType: form
        ? fc.oneof({ weight: 4, arbitrary: fc.constant({ 'content-type': 'application/x-www-form-urlencoded' }) }, contentTypes)
        : contentTypes,
      validToken: fc.boolean(),
      body,
      otherMethod: fc.option(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), { freq: 8 }),
      sign: fc.boolean(),
      extra: fc.option(
        fc.dictionary(
          fc.constantFrom('x-request-id', 'accept', 'x-forwarded-for', 'colis-signature', 'content-length-x', 'cookie', 'origin'),
          nastyString.filter((s) => /^[\x20-\x7e]*$/.test(s)),
          { maxKeys: 2 },
        ),
        { freq: 3 },
      ),
    })
    .map((r) => {
      let i = 0;
      const path = route.url.replace(/:([A-Za-z]+)/g, () => r.segments[i++] ?? 'x');
      // The token of the order in the path (if it is one of ours): the page and its form are reached, not only the 404.
      const token = TOKEN_ROUTES.has(route.url) && r.validToken ? trackingToken(r.segments[0] ?? '', h.app.config.trackingSecret) : '';
      const query = token ? `${r.query}${r.query ? '&' : '?'}t=${token}` : r.query;
      const headers: Record<string, string | string[]> = {
        ...r.key,
        ...r.idempotency,
        ...(r.body !== undefined ? r.contentType : {}),
        ...(r.extra ?? {}),
      };
      if (route.url === '/carriers/:carrier/webhooks' && r.sign && r.body !== undefined) {
        headers['colis-signature'] = signPayload(r.body, WEBHOOK_SECRET, Date.now());
        delete headers['x-api-key'];
      }
      if (route.url === '/carriers/shipengine/track' && r.sign && r.body !== undefined) {
        Object.assign(headers, signedHeaders(r.body, shipEngineKey));
        delete headers['x-api-key'];
      }
      const method = (r.otherMethod ?? route.method) as InjectOptions['method'];
      return {
        method,
        url: `${path}${query}`,
        headers,
        ...(r.body !== undefined ? { payload: r.body } : {}),
        label: `${method} ${path}${query}`,
      };
    });
}

function record(route: string, status: number) {
  const statuses = observed.get(route) ?? new Map<number, number>();
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
  observed.set(route, statuses);
}

describe('every route, fuzzed', () => {
  it('walks every route the API declares', () => {
    expect(routes().length).toBeGreaterThan(20);
  });

  it.each([0])(
    'no 5xx, the error shape, documented statuses (%#)',
    async () => {
      for (const route of routes()) {
        const id = `${route.method} ${openApiPath(route.url)}`;
        const statuses = documented.get(id);
        await fc.assert(
          fc.asyncProperty(requestFor(route), async (request) => {
            let response: Awaited<ReturnType<typeof h.app.inject>>;
            try {
              response = await h.app.inject(request);
            } catch (error) {
              // A request Node itself would never send (a header with a line break): nothing reached the API.
              if (error instanceof Error && /Invalid|header|character/i.test(error.message)) return;
              throw error;
            }
            // A path with a `..` segment (`%2e%2e` too) is resolved by the URL parser before routing: it is another route's request.
            const resolved = new URL(String(request.url), 'http://fuzz.invalid').pathname;
            const sameRoute = request.method === route.method && resolved.split('/').length === route.url.split('/').length;
            if (sameRoute) record(id, response.statusCode);
            const documented503 = statuses?.has(503) ?? false;
            expect(
              response.statusCode >= 500 && !(response.statusCode === 503 && documented503),
              `${request.label} → ${response.statusCode} ${response.body.slice(0, 300)}`,
            ).toBe(false);
            if (
              response.statusCode >= 400 &&
              request.method !== 'HEAD' &&
              !response.headers['content-type']?.toString().startsWith('text/html')
            ) {
              const body = response.json() as { error?: { code?: unknown; message?: unknown }; requestId?: unknown; status?: unknown };
              if (route.url !== '/readyz') {
                expect(typeof body.error?.code, `${request.label} → ${response.body.slice(0, 200)}`).toBe('string');
                expect(body.requestId).toBe(response.headers['x-request-id']);
              }
            }
            if (sameRoute && statuses) {
              expect(
                statuses.has(response.statusCode),
                `${request.label} answered ${response.statusCode}, undocumented (${[...statuses]})`,
              ).toBe(true);
            }
          }),
          { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }), interruptAfterTimeLimit: 600_000 },
        );
      }
    },
    3_600_000,
  );
});
