import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmPayloadCodec, PayloadKeyRing } from '../../worker/payload-codec';
import { testPayloadKeys } from '../support/temporal';
import { createHarness, expectErrorShape, type Harness, KEYS } from './harness';

/**
 * The remote codec endpoint as the Temporal Web UI and `temporal --codec-endpoint` call it:
 * Temporal's JSON form of payloads in and out, ops only, CORS for the Web UI's origin alone.
 */
let h: Harness;
const UI_ORIGIN = 'http://localhost:8233';
beforeAll(async () => {
  h = await createHarness({ codecCorsOrigins: [UI_ORIGIN] });
});
afterAll(async () => h?.close());

const customer = { name: 'Camille Durand', email: 'camille.durand@example.org', line1: '12 rue des Lilas' };
const asJson = (payload: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(payload.data ?? []).toString('base64'),
});
const fromJson = (payload: { metadata?: Record<string, string>; data?: string }) =>
  defaultPayloadConverter.fromPayload({
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(payload.data ?? '', 'base64'),
  });
const encrypted = async (value: unknown, keys = testPayloadKeys, compress = true) =>
  asJson((await new AesGcmPayloadCodec(keys, { compress }).encode([defaultPayloadConverter.toPayload(value)]))[0] ?? {});

describe('POST /codec/decode and /codec/encode', () => {
  it('decodes what the workers encrypted, for the ops key given as a bearer token (what --codec-auth sends)', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/codec/decode?preserveStorageRefs=true',
      headers: { authorization: `Bearer ${KEYS.ops.key}`, 'x-namespace': 'default' },
      payload: { payloads: [await encrypted(customer)] },
    });
    expect(response.statusCode).toBe(200);
    const [payload] = (response.json() as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
    expect(fromJson(payload ?? {})).toEqual(customer);
  });

  it('decodes deflated payloads and payloads sealed before compression alike (what the Web UI shows of any history)', async () => {
    const household = [customer, { ...customer, name: 'Jules Durand' }];
    const deflated = await encrypted(household);
    const uncompressed = await encrypted(household, testPayloadKeys, false);
    expect(Buffer.from(deflated.metadata.encoding ?? '', 'base64').toString()).toBe('binary/encrypted-z1');
    expect(Buffer.from(uncompressed.metadata.encoding ?? '', 'base64').toString()).toBe('binary/encrypted');
    const response = await h.as(KEYS.ops, { method: 'POST', url: '/codec/decode', payload: { payloads: [deflated, uncompressed] } });
    expect(response.statusCode).toBe(200);
    const payloads = (response.json() as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
    expect(payloads.map(fromJson)).toEqual([household, household]);
  });

  it('encode then decode is the identity, and encode never answers the value in clear', async () => {
    const plain = asJson(defaultPayloadConverter.toPayload(customer));
    const encoded = await h.as(KEYS.ops, { method: 'POST', url: '/codec/encode', payload: { payloads: [plain] } });
    expect(encoded.statusCode).toBe(200);
    expect(Buffer.from(encoded.body).toString()).not.toContain('Camille');
    const decoded = await h.as(KEYS.ops, { method: 'POST', url: '/codec/decode', payload: encoded.json() });
    expect(fromJson((decoded.json() as { payloads: never[] }).payloads[0] ?? {})).toEqual(customer);
  });

  it('answers no payloads for none, sent as the CLI sends a signal without input (an empty body: protobuf JSON drops the empty list)', async () => {
    for (const direction of ['encode', 'decode']) {
      const response = await h.as(KEYS.ops, { method: 'POST', url: `/codec/${direction}`, payload: {} });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual({ payloads: [] });
    }
  });

  it('passes payloads that were never encrypted through unchanged', async () => {
    const plain = asJson(defaultPayloadConverter.toPayload(customer));
    const response = await h.as(KEYS.ops, { method: 'POST', url: '/codec/decode', payload: { payloads: [plain] } });
    expect((response.json() as { payloads: unknown[] }).payloads).toEqual([plain]);
  });

  it('refuses a payload sealed with a key it does not hold with a 400 naming the key, not a 500', async () => {
    const foreign = await encrypted(customer, new PayloadKeyRing([{ id: 'someone-elses', key: randomBytes(32) }]));
    const error = expectErrorShape(
      await h.as(KEYS.ops, { method: 'POST', url: '/codec/decode', payload: { payloads: [foreign] } }),
      400,
      'validation_failed',
    );
    expect(error.message).toContain('"someone-elses"');
  });

  it('hands back unchanged a payload naming no key id, or a key id no configuration can hold: the rest of its history still opens', async () => {
    // Typed with the CLI past the codec (`--input-meta encoding=binary/encrypted`), never sealed by a Colis process. A 400
    // failed the whole call: `temporal workflow show --codec-endpoint …` of the workflow that got it hung until its deadline.
    const sealed = await encrypted(customer);
    const { 'encryption-key-id': _, ...withoutId } = sealed.metadata;
    const hostileId = Buffer.from(`<img src=x>${'k'.repeat(50_000)}`).toString('base64');
    const unsealable = [
      { ...sealed, metadata: withoutId },
      { ...sealed, metadata: { ...sealed.metadata, 'encryption-key-id': hostileId } },
      { metadata: { encoding: Buffer.from('binary/encrypted').toString('base64') }, data: Buffer.from('"x"').toString('base64') },
    ];
    const response = await h.as(KEYS.ops, { method: 'POST', url: '/codec/decode', payload: { payloads: [sealed, ...unsealable] } });
    expect(response.statusCode, response.body).toBe(200);
    const [opened, ...handedBack] = (response.json() as { payloads: unknown[] }).payloads;
    expect(opened).toEqual(asJson(defaultPayloadConverter.toPayload(customer)));
    expect(handedBack).toEqual(unsealable);
  });

  it('refuses callers without the ops role: 401 without a key or with a wrong one, 403 for intake and carrier keys', async () => {
    const body = { payloads: [await encrypted(customer)] };
    expectErrorShape(await h.as(undefined, { method: 'POST', url: '/codec/decode', payload: body }), 401, 'unauthorized');
    for (const headers of [{ authorization: 'Bearer not-a-colis-key-0000' }, { 'x-api-key': 'not-a-colis-key-0000' }]) {
      expectErrorShape(await h.app.inject({ method: 'POST', url: '/codec/decode', headers, payload: body }), 401, 'unauthorized');
    }
    expectErrorShape(await h.as(KEYS.intake, { method: 'POST', url: '/codec/decode', payload: body }), 403, 'forbidden');
    expectErrorShape(await h.as(KEYS.swiftpost, { method: 'POST', url: '/codec/encode', payload: body }), 403, 'forbidden');
  });

  it('validates the body: not base64, not an array, too many payloads', async () => {
    const notBase64 = expectErrorShape(
      await h.as(KEYS.ops, { method: 'POST', url: '/codec/decode', payload: { payloads: [{ data: 'not base64!' }] } }),
      400,
      'validation_failed',
    );
    expect(notBase64.details?.[0]?.path).toBe('body.payloads.0.data');
    expectErrorShape(await h.as(KEYS.ops, { method: 'POST', url: '/codec/decode', payload: { payloads: 'x' } }), 400, 'validation_failed');
    const many = { payloads: Array.from({ length: 10_001 }, () => ({})) };
    const tooMany = expectErrorShape(
      await h.as(KEYS.ops, { method: 'POST', url: '/codec/decode', payload: many }),
      400,
      'validation_failed',
    );
    expect(tooMany.details?.[0]?.path).toBe('body.payloads');
    const labels = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`label-${i}`, 'eA==']));
    const labelled = expectErrorShape(
      await h.as(KEYS.ops, { method: 'POST', url: '/codec/decode', payload: { payloads: [{ metadata: labels }] } }),
      400,
      'validation_failed',
    );
    expect(labelled.details?.[0]?.path).toBe('body.payloads.0.metadata');
  });

  it('decodes as many payloads as its schema admits, each with its metadata (2,500 were refused as "more than 10000 values")', async () => {
    const payload = asJson(defaultPayloadConverter.toPayload({ sku: 'MUG-CER-350' }));
    const answer = await h.as(KEYS.ops, {
      method: 'POST',
      url: '/codec/decode',
      payload: { payloads: Array.from({ length: 10_000 }, () => payload) },
    });
    expect(answer.statusCode, answer.body.slice(0, 300)).toBe(200);
    expect(answer.json().payloads).toHaveLength(10_000);
  });

  it('refuses payloads that open to more than 64 MiB together with a 413 naming the first over, not a 500 or an exhausted API', async () => {
    // 4 MiB of zeros, sealed deflated: a few kB that open to 4 MiB each; 17 copies would answer 68 MiB (100 answered a 500).
    const zeros = asJson(
      (await new AesGcmPayloadCodec(testPayloadKeys, { compress: true }).encode([{ data: Buffer.alloc(4 * 1024 * 1024) }]))[0] ?? {},
    );
    expect(zeros.data.length).toBeLessThan(16_384);
    const within = await h.as(KEYS.ops, { method: 'POST', url: '/codec/decode', payload: { payloads: [zeros, zeros] } });
    expect(within.statusCode).toBe(200);
    const over = expectErrorShape(
      await h.as(KEYS.ops, { method: 'POST', url: '/codec/decode', payload: { payloads: Array.from({ length: 17 }, () => zeros) } }),
      413,
      'payload_too_large',
    );
    expect(over.details).toEqual([{ path: 'body.payloads.16', message: expect.stringMatching(/more than 64 MiB together/) }]);
  });

  it('names the payload it cannot open among several', async () => {
    const foreign = await encrypted(customer, new PayloadKeyRing([{ id: 'someone-elses', key: randomBytes(32) }]));
    const error = expectErrorShape(
      await h.as(KEYS.ops, { method: 'POST', url: '/codec/decode', payload: { payloads: [await encrypted(customer), foreign] } }),
      400,
      'validation_failed',
    );
    expect(error.details?.map((detail) => detail.path)).toEqual(['body.payloads.1']);
  });

  it('refuses a body over its 8 MiB limit with a 413, and asks for the key before reading one', async () => {
    const oversized = JSON.stringify({ payloads: [{ data: randomBytes(7 * 1024 * 1024).toString('base64') }] });
    const headers = { 'content-type': 'application/json' };
    expectErrorShape(await h.as(KEYS.ops, { method: 'POST', url: '/codec/decode', headers, payload: oversized }), 413, 'payload_too_large');
    expectErrorShape(await h.as(undefined, { method: 'POST', url: '/codec/decode', headers, payload: oversized }), 401, 'unauthorized');
  });
});

describe('the Web UI calling the codec from its own origin', () => {
  it('answers the preflight for the Web UI origin with credentials allowed, and refuses a foreign origin', async () => {
    const preflight = await h.app.inject({
      method: 'OPTIONS',
      url: '/codec/decode',
      headers: { origin: UI_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/X-Namespace/);
    const foreign = await h.app.inject({ method: 'OPTIONS', url: '/codec/decode', headers: { origin: 'https://evil.example' } });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('a refusal still carries the CORS headers, so the UI can tell "not logged in" from a network error', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: { origin: UI_ORIGIN },
      payload: { payloads: [] },
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
  });

  it('the ops key buys a codec session cookie that authenticates /codec only, until it is dropped', async () => {
    const session = await h.as(KEYS.ops, { method: 'POST', url: '/codec/session' });
    expect(session.statusCode).toBe(200);
    const setCookie = String(session.headers['set-cookie']);
    expect(setCookie).toMatch(/^colis_codec_session=[^;]+; Path=\/codec; HttpOnly; SameSite=Strict; Max-Age=28800/);
    expect(setCookie).not.toContain(KEYS.ops.key);
    const cookie = setCookie.split(';')[0] ?? '';

    const body = { payloads: [await encrypted(customer)] };
    const decoded = await h.app.inject({ method: 'POST', url: '/codec/decode', headers: { cookie, origin: UI_ORIGIN }, payload: body });
    expect(decoded.statusCode).toBe(200);
    expect(fromJson((decoded.json() as { payloads: never[] }).payloads[0] ?? {})).toEqual(customer);
    // The cookie is no API key: the rest of the API still wants one.
    expectErrorShape(await h.app.inject({ method: 'GET', url: '/escalations', headers: { cookie } }), 401, 'unauthorized');

    const forged = cookie.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    expectErrorShape(
      await h.app.inject({ method: 'POST', url: '/codec/decode', headers: { cookie: forged }, payload: body }),
      401,
      'unauthorized',
    );
    const dropped = await h.app.inject({ method: 'DELETE', url: '/codec/session' });
    expect(String(dropped.headers['set-cookie'])).toMatch(/colis_codec_session=; .*Max-Age=0/);
  });

  it('an intake key cannot open a codec session', async () => {
    expectErrorShape(await h.as(KEYS.intake, { method: 'POST', url: '/codec/session' }), 403, 'forbidden');
  });
});
