import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, expectErrorShape, type Harness, KEYS } from './harness';

/**
 * What a hostile or careless client reaches at the API's edges, each found by probing every route: a listing that read no
 * query answered everything for `?limit=…`; a PATCH with only a misspelt field was told to "give displayName or
 * returnWindowDays" without naming it.
 */

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const paths = (response: { json(): unknown }) =>
  ((response.json() as { error: { details?: { path: string }[] } }).error.details ?? []).map((d) => d.path);

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
