import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CarrierApiError } from '../../activities/carriers/errors';
import { ShipEngineCarrier } from '../../activities/carriers/shipengine/adapter';
import { ShipEngineHttp } from '../../activities/carriers/shipengine/http';
import { ShipEngineThrottle, ThrottleWait } from '../../activities/carriers/shipengine/throttle';
import { failureOf } from '../support/failure-of';

/**
 * One ShipEngine account's request rate, shared by every activity of a process: no minute holds more than the
 * quota, a 429/503 `Retry-After` holds every request, and a turn too far off is handed back as a wait (nothing sent).
 */

function fakeClock() {
  let now = 1_000_000;
  const slept: number[] = [];
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    slept,
    sleep: async (ms: number) => {
      slept.push(ms);
    },
  };
}

describe('the ShipEngine throttle', () => {
  it('lets a burst within the quota leave at once, then spaces the rest so no sliding minute holds more', async () => {
    const clock = fakeClock();
    const throttle = new ShipEngineThrottle({ requestsPerMinute: 3, maxWaitMs: 120_000, ...clock });
    for (let i = 0; i < 3; i += 1) await throttle.turn();
    expect(clock.slept).toEqual([]);
    clock.advance(10_000);
    await throttle.turn();
    // The fourth waits until the first is a minute old.
    expect(clock.slept).toEqual([50_000]);
  });

  it('hands a turn more than maxWaitMs off back as a wait, taking no turn', async () => {
    const clock = fakeClock();
    const throttle = new ShipEngineThrottle({ requestsPerMinute: 1, maxWaitMs: 5_000, ...clock });
    await throttle.turn();
    clock.advance(20_000);
    await expect(throttle.turn()).rejects.toEqual(new ThrottleWait(40_000));
    clock.advance(38_000);
    // 2 s off now: waited, not refused (the refused request above took no turn).
    await throttle.turn();
    expect(clock.slept).toEqual([2_000]);
  });

  it('after a pause asked for, nothing leaves before it ends', async () => {
    const clock = fakeClock();
    const throttle = new ShipEngineThrottle({ requestsPerMinute: 200, maxWaitMs: 5_000, ...clock });
    throttle.pause(3_000);
    await throttle.turn();
    expect(clock.slept).toEqual([3_000]);
    throttle.pause(30_000);
    await expect(throttle.turn()).rejects.toBeInstanceOf(ThrottleWait);
  });
});

describe('ShipEngine calls through the throttle', () => {
  let server: Server;
  let url: string;
  const arrivals: { at: number; path: string }[] = [];
  const answers: { status: number; headers?: Record<string, string> }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      arrivals.push({ at: Date.now(), path: request.url ?? '' });
      const answer = answers.shift() ?? { status: 200 };
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      response.end(
        JSON.stringify(
          answer.status === 200
            ? { approved: true, message: 'voided' }
            : { errors: [{ error_source: 'shipengine', error_type: 'system', error_code: 'rate_limit_exceeded' }] },
        ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const carrierOn = (http: ShipEngineHttp) =>
    new ShipEngineCarrier({ http, account: { carrierCode: 'swiftpost', carrierId: 'se-100' }, warehouses: {} });

  it("a 429 asking for 2 s holds the process's next request, from another activity, for those 2 s", async () => {
    const http = new ShipEngineHttp({ apiUrl: url, apiKey: 'TEST_throttle-key-0123456789', timeoutMs: 5_000, requestsPerMinute: 200 });
    arrivals.length = 0;
    answers.push({ status: 429, headers: { 'retry-after': '2' } });
    const refusedAt = Date.now();
    await expect(carrierOn(http).voidLabel('se-label-1')).rejects.toMatchObject({ status: 429, retryAfterMs: 2_000 });
    await carrierOn(http).voidLabel('se-label-2');
    expect(arrivals).toHaveLength(2);
    expect((arrivals[1]?.at ?? 0) - refusedAt).toBeGreaterThanOrEqual(1_900);
  });

  it('a 429 asking for 30 s: the next request is not sent, and comes back as a 429 to retry in about 30 s', async () => {
    const http = new ShipEngineHttp({ apiUrl: url, apiKey: 'TEST_throttle-key-0123456789', timeoutMs: 5_000, requestsPerMinute: 200 });
    arrivals.length = 0;
    answers.push({ status: 429, headers: { 'retry-after': '30' } });
    await expect(carrierOn(http).voidLabel('se-label-3')).rejects.toMatchObject({ status: 429 });
    const held = await failureOf(carrierOn(http).voidLabel('se-label-4'));
    expect(held).toBeInstanceOf(CarrierApiError);
    expect(held).toMatchObject({ status: 429, message: expect.stringContaining('not sent') });
    expect((held as CarrierApiError).retryAfterMs).toBeGreaterThan(25_000);
    expect(arrivals).toHaveLength(1);
  });
});
