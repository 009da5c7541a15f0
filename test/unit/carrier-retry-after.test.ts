import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CarrierApiError, toApplicationFailure } from '../../activities/carriers/errors';
import { carrierWaitMs, RETRY_AFTER_CEILING_MS, spreadWaitMs } from '../../activities/carriers/retry-after';
import { ShipEngineCarrier } from '../../activities/carriers/shipengine/adapter';
import { ShipEngineHttp } from '../../activities/carriers/shipengine/http';
import { failureOf } from '../support/failure-of';

/**
 * ShipEngine answers a caller over its rate limit with 429 and `Retry-After` in seconds (its "Usage & Rate
 * Limits" page; its OpenAPI definition documents neither). The wait it asks for travels with the carrier error
 * to the activity failure (`nextRetryDelay`), so Temporal's next attempt comes when ShipEngine said, not on
 * its own backoff. A real HTTP server answers here, as ShipEngine would.
 */

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

const API_KEY = 'TEST_retry-after-key-0123456789';
let server: Server;
let url: string;
const answers: Answer[] = [];
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    const answer = answers.shift() ?? { status: 500, body: { errors: [{ error_type: 'system', error_code: 'unspecified' }] } };
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  answers.length = 0;
  requests.length = 0;
});

const rateLimited = (retryAfter?: string, status = 429): Answer => ({
  status,
  ...(retryAfter === undefined ? {} : { headers: { 'retry-after': retryAfter } }),
  body: { request_id: 'req-rl', errors: [{ error_source: 'shipengine', error_type: 'system', error_code: 'rate_limit_exceeded' }] },
});
const approved: Answer = { status: 200, body: { approved: true, message: 'voided' } };

function carrier(): ShipEngineCarrier {
  return new ShipEngineCarrier({
    http: new ShipEngineHttp({ apiUrl: url, apiKey: API_KEY, timeoutMs: 2_000 }),
    account: { carrierCode: 'swiftpost', carrierId: 'se-100' },
    warehouses: {},
  });
}

const nextRetryDelayOf = (failure: unknown) => (failure as ApplicationFailure).nextRetryDelay;

describe('a carrier that asks to be called back later (Retry-After)', () => {
  it('429 with Retry-After: 3 fails with a 3 s wait, and the activity failure has Temporal retry in 3 s; the next call is served', async () => {
    answers.push(rateLimited('3'), approved);
    const refused = await failureOf(carrier().voidLabel('se-label-1'));
    expect(refused).toBeInstanceOf(CarrierApiError);
    expect(refused).toMatchObject({ status: 429, retryable: true, retryAfterMs: 3_000 });

    const failure = toApplicationFailure(refused);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'CarrierApiError', nonRetryable: false });
    // Never sooner than asked, spread over up to a fifth more so the refused do not all come back at once.
    expect(nextRetryDelayOf(failure)).toBeGreaterThanOrEqual(3_000);
    expect(nextRetryDelayOf(failure)).toBeLessThanOrEqual(3_600);

    expect(await carrier().voidLabel('se-label-1')).toEqual({ voided: true });
    expect(requests).toEqual(['PUT /v1/labels/se-label-1/void', 'PUT /v1/labels/se-label-1/void']);
  });

  it('503 with an HTTP-date asks for the time until that date', async () => {
    answers.push(rateLimited(new Date(Date.now() + 20_000).toUTCString(), 503));
    const refused = await failureOf(carrier().voidLabel('se-label-2'));
    expect(refused).toMatchObject({ status: 503 });
    const waitMs = (refused as CarrierApiError).retryAfterMs ?? 0;
    // The date has whole seconds: up to one less than asked, never more.
    expect(waitMs).toBeGreaterThan(18_000);
    expect(waitMs).toBeLessThanOrEqual(20_000);
    expect(nextRetryDelayOf(toApplicationFailure(refused))).toBeGreaterThanOrEqual(waitMs);
  });

  it.each(['soon', '-3', '1.5', '3 s', '', '0', 'Thu, 31 Foo 2026 10:00:00 GMT', new Date(Date.now() - 60_000).toUTCString()])(
    'a Retry-After of %j asks for nothing: Temporal keeps its own backoff',
    async (header) => {
      answers.push(rateLimited(header));
      const refused = await failureOf(carrier().voidLabel('se-label-3'));
      expect(refused).toMatchObject({ status: 429, retryable: true });
      expect((refused as CarrierApiError).retryAfterMs).toBeUndefined();
      expect(nextRetryDelayOf(toApplicationFailure(refused))).toBeUndefined();
    },
  );

  it('a wait longer than the carrier activities ever back off for is cut to that ceiling, and to the running policy when shorter', async () => {
    answers.push(rateLimited('86400'));
    const refused = await failureOf(carrier().voidLabel('se-label-4'));
    expect(refused).toMatchObject({ retryAfterMs: RETRY_AFTER_CEILING_MS });
    expect(RETRY_AFTER_CEILING_MS).toBe(60_000);
    expect(toApplicationFailure(refused)).toMatchObject({ nextRetryDelay: RETRY_AFTER_CEILING_MS });
    // An activity whose policy backs off at most 5 s (v1's rate quotes) waits no longer.
    expect(toApplicationFailure(refused, 5_000)).toMatchObject({ nextRetryDelay: 5_000 });
  });

  it('only 429 and 503 say "later": a Retry-After on a 500 is not taken', async () => {
    answers.push({ ...rateLimited('3', 500) });
    const refused = await failureOf(carrier().voidLabel('se-label-5'));
    expect(refused).toMatchObject({ status: 500 });
    expect((refused as CarrierApiError).retryAfterMs).toBeUndefined();
  });
});

describe('reading Retry-After (RFC 9110 §10.2.3)', () => {
  const now = Date.UTC(1994, 10, 6, 8, 49, 30);
  it.each([
    ['7', 7_000],
    ['007', 7_000],
    ['Sun, 06 Nov 1994 08:49:37 GMT', 7_000],
    ['Sunday, 06-Nov-94 08:49:37 GMT', 7_000],
    ['Sun Nov  6 08:49:37 1994', 7_000],
    // Larger than any wait is honoured (RFC 9111 §1.2.2 would read it as 2^31 s): the ceiling.
    ['99999999999999999999', RETRY_AFTER_CEILING_MS],
  ])('%j is %i ms', (header, ms) => {
    expect(carrierWaitMs(header, now)).toBe(ms);
  });

  it('a wait is spread over up to a fifth more, never less', () => {
    expect(spreadWaitMs(3_000, () => 0)).toBe(3_000);
    expect(spreadWaitMs(3_000, () => 0.999)).toBe(3_599);
  });

  it.each([null, 'soon', '+7', '7.0', ' ', 'Sun, 06 Nov 1994 08:49:37 CET', 'Sun, 31 Feb 1994 08:49:37 GMT'])(
    '%j asks for nothing',
    (header) => {
      expect(carrierWaitMs(header, now)).toBeUndefined();
    },
  );
});
