import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, expectErrorShape, type Harness, KEYS } from './harness';

/**
 * What a hostile or careless client reaches at the API's edges, each found by probing every route: a listing that read no
 * query answered everything for `?limit=…`; a PATCH with only a misspelt field was told to "give displayName or
 * returnWindowDays" without naming it; a URL the router cannot decode (`/track/%E0%A4%A`) or a path segment too long
 * answered without the security headers every other answer carries, and the first as JSON to a person's browser.
 */

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const paths = (response: { json(): unknown }) =>
  ((response.json() as { error: { details?: { path: string }[] } }).error.details ?? []).map((d) => d.path);

/** The headers helmet gives every routed answer, and the one that keeps a customer's parcel out of search engines. */
function expectSecurityHeaders(headers: Record<string, unknown>): void {
  expect(headers['content-security-policy']).toContain("default-src 'self'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('SAMEORIGIN');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['x-robots-tag']).toBe('noindex, nofollow');
}

describe('listings that read no query refuse one', () => {
  it.each([
    ['ops', '/warehouses?limit=5', 'query.limit'],
    ['ops', '/carriers/unmapped-statuses?carrierCode=swiftpost', 'query.carrierCode'],
    ['intake', '/webhooks/subscriptions?status=active', 'query.status'],
    ['ops', '/webhooks/subscriptions?shopId=shop-b&shopId=shop-a', 'query.shopId'],
  ] as const)('%s key, GET %s: 400 naming %s', async (role, url, path) => {
    const response = await h.as(KEYS[role], { method: 'GET', url });
    expectErrorShape(response, 400, 'validation_failed');
    expect(paths(response)).toContain(path);
  });

  it('the same listings without a query still answer', async () => {
    for (const [key, url] of [
      [KEYS.ops, '/warehouses'],
      [KEYS.ops, '/carriers/unmapped-statuses'],
      [KEYS.intake, '/webhooks/subscriptions'],
    ] as const)
      expect((await h.as(key, { method: 'GET', url })).statusCode, url).toBe(200);
  });
});

describe('a query parameter sent to an endpoint that changes something and reads none', () => {
  it('is a 400 naming it, and nothing changes (it may be an option the client meant: ?dryRun=true)', async () => {
    const before = (await h.as(KEYS.intake, { method: 'GET', url: '/shops/shop-a' })).json();
    const response = await h.as(KEYS.intake, {
      method: 'PATCH',
      url: '/shops/shop-a?dryRun=true',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ displayName: 'Renamed for real' }),
    });
    expectErrorShape(response, 400, 'validation_failed');
    expect(paths(response)).toEqual(['query.dryRun']);
    expect((await h.as(KEYS.intake, { method: 'GET', url: '/shops/shop-a' })).json()).toEqual(before);
    const rotate = await h.as(KEYS.ops, { method: 'POST', url: '/webhooks/subscriptions/whsub_nope/rotate?force=1' });
    expect(paths(rotate)).toEqual(['query.force']);
  });

  it('a GET that reads none still ignores it (nothing to change)', async () => {
    expect((await h.as(KEYS.intake, { method: 'GET', url: '/shops/shop-a?fields=id' })).statusCode).toBe(200);
  });
});

describe('PATCH /shops/{id} with only fields it does not know', () => {
  it('names each one, and changes nothing', async () => {
    const before = (await h.as(KEYS.intake, { method: 'GET', url: '/shops/shop-a' })).json();
    const response = await h.as(KEYS.intake, {
      method: 'PATCH',
      url: '/shops/shop-a',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ displayname: 'Renamed', return_window_days: 5 }),
    });
    const error = expectErrorShape(response, 400, 'validation_failed');
    expect(paths(response)).toEqual(expect.arrayContaining(['body.displayname', 'body.return_window_days']));
    expect(error.details?.find((d) => d.path === 'body.displayname')?.message).toMatch(/not a field/);
    expect((await h.as(KEYS.intake, { method: 'GET', url: '/shops/shop-a' })).json()).toEqual(before);
  });
});

describe('URLs the router refuses', () => {
  it.each(['/track/%E0%A4%A', '/ops/%E0%A4%A', '/track/ORD-1%ZZ?t=abc'])(
    '%s: a 400 page for the browser, with the security headers',
    async (url) => {
      const response = await h.app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toContain('<!doctype html>');
      expect(response.body).not.toContain('%E0');
      expect(response.headers['x-request-id']).toBeTruthy();
      expectSecurityHeaders(response.headers);
    },
  );

  it('an ops page whose query holds a control character: the page, not JSON; the API keeps JSON naming the parameter', async () => {
    for (const url of ['/ops?x=%00', '/ops/escalations?view=%07']) {
      const page = await h.app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
      expect(page.statusCode, url).toBe(400);
      expect(page.headers['content-type'], url).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('This address is not valid');
      expectSecurityHeaders(page.headers);
    }
    const api = await h.as(KEYS.ops, { method: 'GET', url: '/orders?limit=%00' });
    expectErrorShape(api, 400, 'validation_failed');
    expect(paths(api)).toEqual(['query.limit']);
  });

  it('a malformed API URL stays JSON naming the URL, with the security headers', async () => {
    const response = await h.as(KEYS.ops, { method: 'GET', url: '/orders/%E0%A4%A' });
    expectErrorShape(response, 400, 'validation_failed');
    expect(paths(response)).toEqual(['url']);
    expectSecurityHeaders(response.headers);
  });

  it('a path segment longer than any id: the page (browser) or JSON (API), each with the security headers', async () => {
    const long = 'A'.repeat(150);
    const page = await h.app.inject({ method: 'GET', url: `/track/${long}?t=abc` });
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expectSecurityHeaders(page.headers);
    const api = await h.as(KEYS.ops, { method: 'GET', url: `/orders/${long}` });
    expectErrorShape(api, 400, 'validation_failed');
    expectSecurityHeaders(api.headers);
  });
});

describe('pages are kept out of search engines', () => {
  it.each(['/ops', '/ops/escalations', '/track/ORD-NOPE?t=abc', '/track/nope/more'])('%s carries X-Robots-Tag: noindex', async (url) => {
    const response = await h.app.inject({ method: 'GET', url });
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expectSecurityHeaders(response.headers);
  });
});

/** A request over 16 KiB written to the listening API (inject() skips Node's parser, which refuses it), and the raw answer. */
async function oversize(path: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const address = h.app.server.listening ? '' : await h.app.listen({ port: 0, host: '127.0.0.1' });
  const port = address ? Number(new URL(address).port) : (h.app.server.address() as { port: number }).port;
  const answer = await new Promise<string>((resolve, reject) => {
    let text = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${path}${'T0KEN'.repeat(4_000)} HTTP/1.1\r\nHost: colis\r\n\r\n`));
    socket.on('data', (chunk) => {
      text += chunk.toString();
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
  const split = answer.indexOf('\r\n\r\n');
  const headers = Object.fromEntries(
    answer
      .slice(0, split)
      .split('\r\n')
      .slice(1)
      .map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  return { status: Number(answer.slice(9, 12)), headers, body: answer.slice(split + 4) };
}

describe('a URL over 16 KiB (refused by Node before Fastify)', () => {
  it('a tracking link gets the page, with the security headers, echoing nothing', async () => {
    const answer = await oversize('/track/ORD-X?t=');
    expect(answer.status).toBe(431);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.body).toContain('<!doctype html>');
    expect(answer.body).not.toContain('T0KEN');
    expectSecurityHeaders(answer.headers);
  });

  it('an API call keeps the JSON error shape, with the security headers', async () => {
    const answer = await oversize('/orders?cursor=');
    expect(answer.status).toBe(431);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'validation_failed' } });
    expectSecurityHeaders(answer.headers);
  });
});

describe('POST /inventory/restock for goods that do not exist', () => {
  it('changes nothing: its Idempotency-Key stays free for the corrected receipt', async () => {
    const key = `restock-typo-${Date.now().toString(36)}`;
    const receipt = { warehouseCode: 'PAR1', skuCode: 'MUG-CER-350', quantity: 3, reference: `ASN-${key}` };
    const send = (body: Record<string, unknown>) =>
      h.as(KEYS.ops, {
        method: 'POST',
        url: '/inventory/restock',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        payload: JSON.stringify(body),
      });
    for (const typo of [{ warehouseCode: 'PRA1' }, { skuCode: 'MUG-CER-530' }]) {
      const refused = await send({ ...receipt, ...typo });
      expectErrorShape(refused, 400);
      expect(paths(refused)).toEqual([`body.${Object.keys(typo)[0]}`]);
    }
    expect(await h.db.opsAction.count({ where: { actor: KEYS.ops.name, idempotencyKey: key } })).toBe(0);
    const corrected = await send(receipt);
    expect(corrected.statusCode, corrected.body).toBe(200);
    expect(corrected.json()).toMatchObject({ applied: true, warehouseCode: 'PAR1', skuCode: 'MUG-CER-350' });
  });
});
