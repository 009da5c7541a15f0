import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SHIPENGINE_SIGNATURE_HEADER,
  SHIPENGINE_TIMESTAMP_HEADER,
  ShipEngineKeySet,
  verifyShipEngineSignature,
} from '../../activities/carriers/shipengine/webhook-signature';
import { type JwksServer, type SigningKey, serveJwks, signedHeaders, signingKey } from '../support/shipengine-signer';

const BODY = JSON.stringify({
  resource_url: 'https://api.shipengine.com/v1/tracking?carrier_code=ups&tracking_number=1Z999',
  resource_type: 'API_TRACK',
  data: { tracking_number: '1Z999', status_code: 'DE', events: [{ occurred_at: '2030-03-04T07:59:00Z' }] },
});
const TOLERANCE_S = 300;

let current: SigningKey;
let rotated: SigningKey;
let stranger: SigningKey;
let jwks: JwksServer;

beforeAll(async () => {
  current = signingKey('key-2030-01');
  rotated = signingKey('key-2030-02');
  stranger = signingKey('key-2030-01'); // same key id, another private key: a forger's
  jwks = await serveJwks([current]);
});
afterAll(() => jwks?.stop());

const keySet = (refetchIntervalMs = 0) => new ShipEngineKeySet({ jwksUrl: jwks.url, timeoutMs: 5_000, refetchIntervalMs });

function request(body: string, headers: Record<string, string>) {
  return {
    rawBody: Buffer.from(body),
    keyId: headers['x-shipengine-rsa-sha256-key-id'],
    signature: headers[SHIPENGINE_SIGNATURE_HEADER],
    timestamp: headers[SHIPENGINE_TIMESTAMP_HEADER],
  };
}

describe("ShipEngine's webhook signatures (RSA-SHA256 over timestamp.body, keys from its JWKS)", () => {
  it('a body signed with a published key verifies, and the key set is fetched once for many webhooks', async () => {
    jwks.publish([current]);
    const keys = keySet(60_000);
    const before = jwks.fetches;
    for (let i = 0; i < 3; i += 1) {
      expect(await verifyShipEngineSignature(request(BODY, signedHeaders(BODY, current)), keys, Date.now(), TOLERANCE_S)).toEqual({
        ok: true,
      });
    }
    expect(jwks.fetches - before).toBe(1);
  });

  it('a signature made with another private key under a published key id is a mismatch', async () => {
    jwks.publish([current]);
    const check = await verifyShipEngineSignature(request(BODY, signedHeaders(BODY, stranger)), keySet(), Date.now(), TOLERANCE_S);
    expect(check).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('a tampered body fails, even one that parses to the same JSON', async () => {
    jwks.publish([current]);
    const headers = signedHeaders(BODY, current);
    const keys = keySet();
    expect(await verifyShipEngineSignature(request(BODY.replace('"DE"', '"EX"'), headers), keys, Date.now(), TOLERANCE_S)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(
      await verifyShipEngineSignature(request(JSON.stringify(JSON.parse(BODY), null, 1), headers), keys, Date.now(), TOLERANCE_S),
    ).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('an unknown key id fetches the set again: a rotated key verifies once ShipEngine publishes it', async () => {
    jwks.publish([current]);
    const keys = keySet(0);
    expect(await verifyShipEngineSignature(request(BODY, signedHeaders(BODY, current)), keys, Date.now(), TOLERANCE_S)).toEqual({
      ok: true,
    });
    const before = jwks.fetches;
    jwks.publish([current, rotated]);
    expect(await verifyShipEngineSignature(request(BODY, signedHeaders(BODY, rotated)), keys, Date.now(), TOLERANCE_S)).toEqual({
      ok: true,
    });
    expect(jwks.fetches - before).toBe(1);
  });

  it('a key id ShipEngine does not publish is refused, and forged key ids refetch at most once per interval', async () => {
    jwks.publish([current]);
    const keys = keySet(60_000);
    await verifyShipEngineSignature(request(BODY, signedHeaders(BODY, current)), keys, Date.now(), TOLERANCE_S);
    const before = jwks.fetches;
    for (const kid of ['forged-1', 'forged-2', 'forged-3']) {
      const check = await verifyShipEngineSignature(request(BODY, signedHeaders(BODY, { ...current, kid })), keys, Date.now(), TOLERANCE_S);
      expect(check).toEqual({ ok: false, reason: 'unknown_key' });
    }
    expect(jwks.fetches - before).toBe(0);
  });

  it('a genuine signature older or further ahead than the tolerance is expired (a replay)', async () => {
    jwks.publish([current]);
    const now = Date.now();
    const keys = keySet();
    const stale = signedHeaders(BODY, current, new Date(now - (TOLERANCE_S + 1) * 1000));
    const ahead = signedHeaders(BODY, current, new Date(now + (TOLERANCE_S + 1) * 1000));
    const justInside = signedHeaders(BODY, current, new Date(now - (TOLERANCE_S - 5) * 1000));
    expect(await verifyShipEngineSignature(request(BODY, stale), keys, now, TOLERANCE_S)).toEqual({ ok: false, reason: 'expired' });
    expect(await verifyShipEngineSignature(request(BODY, ahead), keys, now, TOLERANCE_S)).toEqual({ ok: false, reason: 'expired' });
    expect(await verifyShipEngineSignature(request(BODY, justInside), keys, now, TOLERANCE_S)).toEqual({ ok: true });
  });

  it('missing or malformed headers are refused without fetching anything', async () => {
    const keys = keySet();
    const before = jwks.fetches;
    const headers = signedHeaders(BODY, current);
    expect(await verifyShipEngineSignature({ ...request(BODY, headers), signature: undefined }, keys, Date.now(), TOLERANCE_S)).toEqual({
      ok: false,
      reason: 'missing',
    });
    expect(await verifyShipEngineSignature({ ...request(BODY, headers), timestamp: 'yesterday' }, keys, Date.now(), TOLERANCE_S)).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(await verifyShipEngineSignature({ ...request(BODY, headers), signature: 'not base64!' }, keys, Date.now(), TOLERANCE_S)).toEqual(
      {
        ok: false,
        reason: 'malformed',
      },
    );
    expect(jwks.fetches).toBe(before);
  });

  it('after a failed fetch, a key id not held yet is "keys unavailable" until the set is fetched again, not a forgery', async () => {
    jwks.publish([current]);
    let reachable = true;
    let clockMs = Date.now();
    const keys = new ShipEngineKeySet({
      jwksUrl: jwks.url,
      timeoutMs: 5_000,
      refetchIntervalMs: 60_000,
      now: () => clockMs,
      fetch: (input, init) => (reachable ? fetch(input, init) : Promise.reject(new TypeError('fetch failed'))),
    });
    const verify = (key: SigningKey) => verifyShipEngineSignature(request(BODY, signedHeaders(BODY, key)), keys, Date.now(), TOLERANCE_S);
    expect(await verify(current)).toEqual({ ok: true });
    // ShipEngine rotates while its JWKS cannot be reached: the webhooks signed with the new key are ones to retry (503),
    // the first (whose refetch failed) and those within the interval after it alike (these were refused as forged, 401).
    reachable = false;
    jwks.publish([current, rotated]);
    clockMs += 61_000;
    expect(await verify(rotated)).toEqual({ ok: false, reason: 'keys_unavailable' });
    clockMs += 10_000;
    expect(await verify(rotated)).toEqual({ ok: false, reason: 'keys_unavailable' });
    // Once the set is fetched again, the rotated key verifies.
    reachable = true;
    clockMs += 61_000;
    expect(await verify(rotated)).toEqual({ ok: true });
    // A key held before the failure still verifies.
    expect(await verify(current)).toEqual({ ok: true });
  });

  it('an unreachable key set is "keys unavailable", not a verdict on the signature', async () => {
    const keys = new ShipEngineKeySet({ jwksUrl: 'http://127.0.0.1:9/jwks', timeoutMs: 2_000, refetchIntervalMs: 0 });
    expect(await verifyShipEngineSignature(request(BODY, signedHeaders(BODY, current)), keys, Date.now(), TOLERANCE_S)).toEqual({
      ok: false,
      reason: 'keys_unavailable',
    });
  });
});
