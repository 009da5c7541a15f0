import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../activities/db';
import { buildApp } from '../../api/app';
import { trackingPath, trackingToken } from '../../api/routes/pages/tracking-token';
import { Prisma } from '../../prisma/generated/client';
import { insertOrder, insertShipment } from './fixtures';
import { createHarness, expectErrorShape, type Harness, KEYS, TRACKING_SECRET } from './harness';

/**
 * One error, two readers (api/error-pages.ts): a person's browser (a page route, or `Accept` preferring text/html) gets a
 * small page with the status and what to do; an API client that asks for JSON gets the error shape it always got, naming the
 * field. Before, the return form posted with a wrong token and a rate-limited page answered the browser with JSON.
 */

let h: Harness;
let orderId = '';
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const JSON_CLIENT = 'application/json';
const FORM = 'application/x-www-form-urlencoded';

beforeAll(async () => {
  h = await createHarness();
  orderId = await insertOrder(h.db, { status: 'completed' });
  const { shipmentId } = await insertShipment(h.db, orderId);
  await h.db.shipment.update({ where: { id: shipmentId }, data: { status: 'delivered', deliveredAt: new Date() } });
});
afterAll(async () => {
  await h?.close();
});

const wrongToken = 'A'.repeat(32);
const formBody = 'qty.MUG-CER-350=1&reason=damaged&key=form-key-0123456789abcdef';

function expectPage(response: LightMyRequestResponse, status: number): string {
  expect([response.statusCode, response.headers['content-type']], response.body.slice(0, 200)).toEqual([
    status,
    'text/html; charset=utf-8',
  ]);
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.body).toMatch(/^<!doctype html>/);
  return response.body;
}

describe('the return form posted with a wrong token', () => {
  const post = (accept?: string) =>
    h.app.inject({
      method: 'POST',
      url: `/track/${orderId}/returns?t=${wrongToken}`,
      headers: { 'content-type': FORM, ...(accept ? { accept } : {}) },
      payload: formBody,
    });

  it('a browser gets the 404 page "We cannot find this order"', async () => {
    for (const accept of [BROWSER, undefined]) {
      const body = expectPage(await post(accept), 404);
      expect(body).toContain('We cannot find this order');
      expect(body).not.toContain(wrongToken);
    }
  });

  it('a JSON client still gets the JSON 404', async () => {
    expectErrorShape(await post(JSON_CLIENT), 404, 'not_found');
  });

  it('a form over the limit without a valid token: the 413 page for a browser, the JSON 413 for a JSON client', async () => {
    const big = (accept: string) =>
      h.app.inject({
        method: 'POST',
        url: `/track/${orderId}/returns?t=${wrongToken}`,
        headers: { 'content-type': FORM, accept },
        payload: `${formBody}&comment=${'a'.repeat(20_000)}`,
      });
    expect(expectPage(await big(BROWSER), 413)).toMatch(/too (long|large)/);
    expectErrorShape(await big(JSON_CLIENT), 413, 'payload_too_large');
  });

  it('a token longer than any (tampered): the page for a browser, the JSON 400 naming query.t for a JSON client', async () => {
    const long = (accept: string) =>
      h.app.inject({
        method: 'POST',
        url: `/track/${orderId}/returns?t=${'A'.repeat(80)}`,
        headers: { 'content-type': FORM, accept },
        payload: formBody,
      });
    expect(expectPage(await long(BROWSER), 400)).toContain('We cannot find this order');
    expect(expectErrorShape(await long(JSON_CLIENT), 400, 'validation_failed').details?.map((d) => d.path)).toEqual(['query.t']);
  });
});

describe('rate limited', () => {
  it('a page: 429 page with Retry-After; the same to a JSON client: the JSON 429; an API call: the JSON 429', async () => {
    const app = await h.rebuild({ authFailuresPerMinute: 2 });
    for (let i = 0; i < 2; i += 1) await app.inject({ method: 'GET', url: `/track/${orderId}?t=${wrongToken}` });
    const page = await app.inject({ method: 'GET', url: trackingPath(orderId, TRACKING_SECRET), headers: { accept: BROWSER } });
    const retryAfter = page.headers['retry-after'];
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(expectPage(page, 429)).toContain(`${retryAfter} seconds`);
    const json = await app.inject({ method: 'GET', url: trackingPath(orderId, TRACKING_SECRET), headers: { accept: JSON_CLIENT } });
    expectErrorShape(json, 429, 'rate_limited');
    expect(Number(json.headers['retry-after'])).toBeGreaterThan(0);
    const api = await app.inject({ method: 'GET', url: '/orders?limit=1', headers: { 'x-api-key': KEYS.ops.key } });
    expectErrorShape(api, 429, 'rate_limited');
    // The form posted once the client is locked out: the page, not JSON.
    const form = await app.inject({
      method: 'POST',
      url: `/track/${orderId}/returns?t=${trackingToken(orderId, TRACKING_SECRET)}`,
      headers: { 'content-type': FORM, accept: BROWSER },
      payload: formBody,
    });
    expect(expectPage(form, 429)).toContain('Too many');
  });
});

describe('other refusals of a page', () => {
  it('a method a page does not take: the 405 page with Allow for a browser, the JSON 405 for a JSON client', async () => {
    const browser = await h.app.inject({
      method: 'POST',
      url: `/track/${orderId}`,
      headers: { 'content-type': FORM, accept: BROWSER },
      payload: formBody,
    });
    expectPage(browser, 405);
    expect(browser.headers.allow).toBe('GET, HEAD');
    const json = await h.app.inject({ method: 'DELETE', url: '/ops/escalations', headers: { accept: JSON_CLIENT } });
    expectErrorShape(json, 405, 'method_not_allowed');
  });

  it('an API call a browser opens (Accept prefers text/html) names the refused field on a page, escaped', async () => {
    const opened = (url: string) => h.app.inject({ method: 'GET', url, headers: { 'x-api-key': KEYS.ops.key, accept: BROWSER } });
    expect(expectPage(await opened('/orders?limit=0'), 400)).toContain('<code>query.limit</code>');
    const hostile = expectPage(await opened('/orders?%3Cscript%3Ealert(1)%3C%2Fscript%3E=1'), 400);
    expect(hostile).toContain('query.&lt;script&gt;');
    expect(hostile).not.toContain('<script>');
    // Without Accept, with */* or with JSON first: the JSON it always was.
    for (const accept of [undefined, '*/*', 'application/json, text/html']) {
      const json = await h.app.inject({
        method: 'GET',
        url: '/orders?limit=0',
        headers: { 'x-api-key': KEYS.ops.key, ...(accept ? { accept } : {}) },
      });
      expect(expectErrorShape(json, 400, 'validation_failed').details?.map((d) => d.path)).toEqual(['query.limit']);
    }
  });

  it('the database down: the 503 page with Retry-After for a browser, the JSON 503 for a JSON client', async () => {
    let down = false;
    const outage = () =>
      Promise.reject(new Prisma.PrismaClientInitializationError("Can't reach database server", Prisma.prismaVersion.client));
    const db = new Proxy(h.db, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (!down || typeof value !== 'object' || value === null) return value;
        return new Proxy(value, {
          get: (model, name) => (typeof Reflect.get(model, name) === 'function' ? outage : Reflect.get(model, name)),
        });
      },
    }) as Db;
    const app = await buildApp({ db, temporalClient: h.client, config: h.config });
    try {
      down = true;
      const page = await app.inject({ method: 'GET', url: trackingPath(orderId, TRACKING_SECRET), headers: { accept: BROWSER } });
      expect(expectPage(page, 503)).toMatch(/try again/i);
      expect(Number(page.headers['retry-after'])).toBeGreaterThan(0);
      const json = await app.inject({ method: 'GET', url: trackingPath(orderId, TRACKING_SECRET), headers: { accept: JSON_CLIENT } });
      expectErrorShape(json, 503, 'unavailable');
      expect(Number(json.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      down = false;
      await app.close();
    }
  });
});
