import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../api/plugins/app/auth';
import { loadConfig } from '../../config';
import { createHarness, expectErrorShape, KEYS, newKey, orderRequest, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

describe('API keys and roles', () => {
  it('answers 401 without a key and with an unknown key', async () => {
    expectErrorShape(await h.as(undefined, { method: 'GET', url: '/orders' }), 401, 'unauthorized');
    expectErrorShape(
      await h.as({ name: 'x', role: 'ops', key: 'not-a-real-key-at-all' }, { method: 'GET', url: '/orders' }),
      401,
      'unauthorized',
    );
    expectErrorShape(
      await h.app.inject({ method: 'GET', url: '/escalations', headers: { authorization: 'Basic b3BzOm9wcw==' } }),
      401,
      'unauthorized',
    );
  });

  it('accepts the key as X-Api-Key or as a bearer token', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/escalations', headers: { 'x-api-key': KEYS.ops.key } })).statusCode).toBe(200);
    expect(
      (await h.app.inject({ method: 'GET', url: '/escalations', headers: { authorization: `Bearer ${KEYS.ops.key}` } })).statusCode,
    ).toBe(200);
  });

  it('refuses two different keys in X-Api-Key and Authorization: Bearer (401 naming both), whichever is valid', async () => {
    const both = (apiKey: string, bearer: string) =>
      h.app.inject({ method: 'GET', url: '/escalations', headers: { 'x-api-key': apiKey, authorization: `Bearer ${bearer}` } });
    // Before: X-Api-Key won silently; an intake key beside an ops bearer acted as intake, and the reverse as ops.
    for (const [apiKey, bearer] of [
      [KEYS.intake.key, KEYS.ops.key],
      [KEYS.ops.key, KEYS.intake.key],
      [KEYS.ops.key, 'not-a-key'],
    ] as const) {
      const answer = await both(apiKey, bearer);
      expect(expectErrorShape(answer, 401, 'unauthorized').message).toContain('X-Api-Key and Authorization: Bearer');
      expect(answer.body).not.toContain(apiKey);
    }
    // The same key in both is one key; a non-bearer Authorization (a proxy's Basic) leaves X-Api-Key alone.
    expect((await both(KEYS.ops.key, KEYS.ops.key)).statusCode).toBe(200);
    const basic = await h.app.inject({
      method: 'GET',
      url: '/escalations',
      headers: { 'x-api-key': KEYS.ops.key, authorization: 'Basic b3BzOm9wcw==' },
    });
    expect(basic.statusCode).toBe(200);
  });

  it('keeps intake keys to intake: 403 on ops endpoints', async () => {
    for (const [method, url] of [
      ['GET', '/escalations'],
      ['GET', '/inventory'],
      ['POST', '/inventory/restock'],
      ['POST', '/escalations/E1/resolve'],
      ['POST', '/webhooks/deliveries/msg_x.whsub_y/replay'],
    ] as const) {
      expectErrorShape(await h.as(KEYS.intake, { method, url, payload: {} }), 403, 'forbidden');
    }
  });

  it('keeps carrier keys to their webhook: 403 everywhere else', async () => {
    expectErrorShape(await h.as(KEYS.swiftpost, { method: 'GET', url: '/orders' }), 403, 'forbidden');
    expectErrorShape(
      await h.as(KEYS.swiftpost, { method: 'POST', url: '/orders', headers: { 'idempotency-key': newKey() }, payload: orderRequest() }),
      403,
      'forbidden',
    );
    expectErrorShape(
      await h.as(KEYS.swiftpost, { method: 'POST', url: '/carriers/ecoroute/webhooks', payload: { events: [] } }),
      403,
      'forbidden',
    );
  });

  it('lets ops do everything an intake key can', async () => {
    const placed = await h.as(KEYS.ops, {
      method: 'POST',
      url: '/orders',
      headers: { 'idempotency-key': newKey() },
      payload: orderRequest(),
    });
    expect(placed.statusCode).toBe(202);
    expect((await h.as(KEYS.ops, { method: 'GET', url: '/orders' })).statusCode).toBe(200);
  });

  it('stores only sha256 hashes of the keys, and revokes keys dropped from the configuration', async () => {
    const rows = await h.db.apiKey.findMany({ orderBy: { name: 'asc' } });
    expect(rows.map((r) => r.name)).toEqual(['ops-desk', 'ops-night', 'shop-a', 'shop-b', 'swiftpost-hooks']);
    for (const row of rows) {
      const configured = Object.values(KEYS).find((k) => k.name === row.name);
      expect(row.keyHash).toBe(hashApiKey(configured!.key));
      expect(JSON.stringify(row)).not.toContain(configured!.key);
    }
    const reduced = await h.rebuild({ apiKeys: [KEYS.ops] });
    expect((await h.db.apiKey.findUnique({ where: { name: 'shop-a' } }))?.revokedAt).toBeInstanceOf(Date);
    expectErrorShape(
      await reduced.inject({ method: 'GET', url: '/orders', headers: { 'x-api-key': KEYS.intake.key } }),
      401,
      'unauthorized',
    );
    await h.rebuild({}); // restores the full set for the other tests' rows
    expect((await h.db.apiKey.findUnique({ where: { name: 'shop-a' } }))?.revokedAt).toBeNull();
  });

  it('starts while another API process holds the key rows for longer than Prisma’s default 5 s transaction budget', async () => {
    // Another instance syncing its keys at the same moment, slowed by a loaded machine: this start
    // waits for its commit instead of failing on an expired transaction.
    const other = new pg.Client({ connectionString: h.database.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT 1 FROM "ApiKey" FOR UPDATE');
      const releaseAfterSixSeconds = async () => {
        await new Promise((resolve) => setTimeout(resolve, 6_000));
        await other.query('COMMIT');
      };
      const [start, release] = await Promise.allSettled([h.rebuild({}), releaseAfterSixSeconds()]);
      if (release.status === 'rejected') throw release.reason;
      if (start.status === 'rejected') throw start.reason;
      const started = start.value;
      expect((await started.inject({ method: 'GET', url: '/orders', headers: { 'x-api-key': KEYS.ops.key } })).statusCode).toBe(200);
    } finally {
      await other.end();
    }
  });

  it('parses COLIS_API_KEYS and refuses malformed entries', () => {
    const parseApiKeys = (raw: string) => loadConfig({ COLIS_API_KEYS: raw }).COLIS_API_KEYS;
    expect(parseApiKeys('shop:intake:0123456789abcdef, hooks:carrier:0123456789abcdefg:swiftpost')).toEqual([
      { name: 'shop', role: 'intake', key: '0123456789abcdef' },
      { name: 'hooks', role: 'carrier', key: '0123456789abcdefg', carrierCode: 'swiftpost' },
    ]);
    expect(() => parseApiKeys('shop:admin:0123456789abcdef')).toThrow(/role/);
    expect(() => parseApiKeys('shop:intake:short')).toThrow(/16/);
    expect(() => parseApiKeys('hooks:carrier:0123456789abcdef')).toThrow(/carrier/);
    expect(() => parseApiKeys('a:ops:0123456789abcdef,a:ops:0123456789abcdeg')).toThrow(/twice/);
  });
});

describe('transport', () => {
  it('sends security headers and a request id, keeping a sane caller-given one', async () => {
    const response = await h.as(KEYS.ops, { method: 'GET', url: '/escalations' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['strict-transport-security']).toBeDefined();
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const traced = await h.as(KEYS.ops, { method: 'GET', url: '/escalations', headers: { 'x-request-id': 'trace-abc-123' } });
    expect(traced.headers['x-request-id']).toBe('trace-abc-123');
    const hostile = await h.as(KEYS.ops, { method: 'GET', url: '/escalations', headers: { 'x-request-id': 'x\ny' } });
    expect(hostile.headers['x-request-id']).not.toContain('\n');
  });

  it('marks what a key reads no-store, so no browser or shared cache keeps an order or its address', async () => {
    // Before: no cache-control at all on GET /orders/{id} (the recipient's name and address) or on the ops pages' listings.
    const placed = await h.as(KEYS.intake, {
      method: 'POST',
      url: '/orders',
      headers: { 'idempotency-key': newKey('no-store') },
      payload: orderRequest(),
    });
    expect(placed.statusCode).toBe(202);
    expect(placed.headers['cache-control']).toBe('no-store');
    const orderId = placed.json<{ orderId: string }>().orderId;
    for (const url of [`/orders/${orderId}`, `/orders/${orderId}/timeline`, '/escalations', '/orders']) {
      const read = await h.as(KEYS.ops, { method: 'GET', url });
      expect(read.statusCode, url).toBe(200);
      expect(read.headers['cache-control'], url).toBe('no-store');
    }
    // A refusal too: it says whether a key is valid.
    expect((await h.as(undefined, { method: 'GET', url: `/orders/${orderId}` })).headers['cache-control']).toBe('no-store');
    // Public pages and files keep their own rule.
    expect((await h.app.inject({ method: 'GET', url: '/favicon.ico' })).headers['cache-control']).toBe('public, max-age=86400');
  });

  it('answers unknown routes with the error shape', async () => {
    expectErrorShape(await h.as(KEYS.ops, { method: 'GET', url: '/nope' }), 404, 'not_found');
  });

  it('rate-limits per key with 429 and Retry-After, without slowing other keys', async () => {
    const limited = await h.rebuild({ rateLimitPerMinute: 3 });
    const call = (key: string) => limited.inject({ method: 'GET', url: '/escalations', headers: { 'x-api-key': key } });
    for (let i = 0; i < 3; i++) expect((await call(KEYS.ops.key)).statusCode).toBe(200);
    const refused = await call(KEYS.ops.key);
    expectErrorShape(refused, 429, 'rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const other = await limited.inject({ method: 'GET', url: '/orders', headers: { 'x-api-key': KEYS.intake.key } });
    expect(other.statusCode).toBe(200);
  });

  it('logs request ids but never keys, customer names, emails or addresses', async () => {
    h.logs.length = 0;
    const body = orderRequest();
    await h.as(KEYS.intake, { method: 'POST', url: '/orders', headers: { 'idempotency-key': newKey() }, payload: body });
    await h.as(KEYS.intake, { method: 'POST', url: '/orders', headers: { 'idempotency-key': newKey() }, payload: { ...body, lines: [] } });
    const text = h.logs.join('');
    expect(text).toContain('reqId');
    expect(text).toContain('order intake');
    for (const secret of [KEYS.intake.key, 'camille.durand@example.org', 'Camille Durand', 'rue des Lilas', '69003']) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('health and documentation', () => {
  it('answers /healthz and /readyz without a key', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { postgres: 'up', temporal: 'up' } });
  });

  it('serves the OpenAPI document generated from the zod schemas, and Swagger UI', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/orders',
        '/orders/{id}',
        '/orders/{id}/timeline',
        '/orders/{id}/cancel',
        '/orders/{id}/address',
        '/shipments/{id}',
        '/escalations',
        '/escalations/{id}/resolve',
        '/inventory',
        '/inventory/restock',
        '/carriers/{carrier}/webhooks',
        '/healthz',
        '/readyz',
      ]),
    );
    const intake = doc.paths['/orders'].post;
    expect(intake.parameters.map((p: { name: string }) => p.name)).toContain('idempotency-key');
    const body = intake.requestBody.content['application/json'].schema;
    expect(body.properties.lines.maxItems).toBe(100);
    expect(Object.keys(intake.responses)).toEqual(expect.arrayContaining(['200', '202', '400', '409', '413', '415']));
    const ui = await h.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
  });
});
