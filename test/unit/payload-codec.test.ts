import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config';
import { payloadKeyRing } from '../../worker/data-converter';
import { AesGcmPayloadCodec, PayloadDecryptionError, PayloadKeyRing } from '../../worker/payload-codec';

const key = (id: string) => ({ id, key: randomBytes(32) });
const customer = { name: 'Camille Durand', email: 'camille.durand@example.org', street: '12 rue des Lilas' };
const payloadOf = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

describe('the AES-256-GCM payload codec', () => {
  it('encrypts: neither the data nor the metadata shows the customer, and it decodes back to the same payload', async () => {
    const codec = new AesGcmPayloadCodec(new PayloadKeyRing([key('k1')]));
    const original = payloadOf(customer);
    const [sealed] = await codec.encode([original]);
    if (!sealed) throw new Error('nothing encoded');
    const visible =
      text(sealed.data) +
      Object.values(sealed.metadata ?? {})
        .map(text)
        .join('');
    for (const secret of Object.values(customer)) expect(visible).not.toContain(secret);
    expect(text(sealed.metadata?.encoding)).toBe('binary/encrypted');
    expect(text(sealed.metadata?.['encryption-key-id'])).toBe('k1');
    const [opened] = await codec.decode([sealed]);
    expect(defaultPayloadConverter.fromPayload(opened as Payload)).toEqual(customer);
  });

  it('never encrypts the same value to the same bytes (a fresh nonce each time)', async () => {
    const codec = new AesGcmPayloadCodec(new PayloadKeyRing([key('k1')]));
    const [a, b] = await codec.encode([payloadOf(customer), payloadOf(customer)]);
    expect(text(a?.data)).not.toEqual(text(b?.data));
  });

  it('rotation: new payloads use the newest key, payloads of the older key still decrypt', async () => {
    const k1 = key('2026-11');
    const k2 = key('2027-02');
    const [old] = await new AesGcmPayloadCodec(new PayloadKeyRing([k1])).encode([payloadOf(customer)]);
    const rotated = new AesGcmPayloadCodec(new PayloadKeyRing([k1, k2]));
    const [fresh] = await rotated.encode([payloadOf(customer)]);
    expect(text(fresh?.metadata?.['encryption-key-id'])).toBe('2027-02');
    const opened = await rotated.decode([old as Payload, fresh as Payload]);
    expect(opened.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([customer, customer]);
  });

  it('a payload sealed with a key the process no longer holds fails with the key id named, not silently', async () => {
    const [old] = await new AesGcmPayloadCodec(new PayloadKeyRing([key('retired')])).encode([payloadOf(customer)]);
    const codec = new AesGcmPayloadCodec(new PayloadKeyRing([key('current')]));
    await expect(codec.decode([old as Payload])).rejects.toThrow(PayloadDecryptionError);
    await expect(codec.decode([old as Payload])).rejects.toThrow(/"retired"/);
  });

  it('a tampered payload, or one relabelled with another key id, does not authenticate', async () => {
    const k1 = key('k1');
    const k2 = key('k2');
    const codec = new AesGcmPayloadCodec(new PayloadKeyRing([k1, k2]));
    const [sealed] = await codec.encode([payloadOf(customer)]);
    if (!sealed?.data) throw new Error('nothing encoded');
    const flipped = Uint8Array.from(sealed.data);
    flipped[20] = (flipped[20] ?? 0) ^ 1;
    await expect(codec.decode([{ ...sealed, data: flipped }])).rejects.toThrow(/does not authenticate/);
    const relabelled = { ...sealed, metadata: { ...sealed.metadata, 'encryption-key-id': new TextEncoder().encode('k1') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(/does not authenticate/);
  });

  it('payloads written before encryption (recorded histories, running workflows) pass through decode unchanged', async () => {
    const codec = new AesGcmPayloadCodec(new PayloadKeyRing([key('k1')]));
    const plain = payloadOf(customer);
    const [decoded] = await codec.decode([plain]);
    expect(decoded).toBe(plain);
  });
});

describe('COLIS_PAYLOAD_KEYS', () => {
  const b64 = () => randomBytes(32).toString('base64');
  const parsePayloadKeys = (raw: string) => payloadKeyRing(loadConfig({ COLIS_PAYLOAD_KEYS: raw }));

  it('the last key encrypts, all decrypt', () => {
    const ring = parsePayloadKeys(`old:${b64()}, new:${b64()}`);
    expect(ring.current.id).toBe('new');
    expect(ring.ids()).toEqual(['old', 'new']);
  });

  it('refuses keys that are not 32 bytes, not base64, duplicated or badly named', () => {
    expect(() => parsePayloadKeys(`k:${randomBytes(16).toString('base64')}`)).toThrow(/32 bytes/);
    expect(() => parsePayloadKeys('k:not base64!')).toThrow(/base64/);
    expect(() => parsePayloadKeys(`k:${b64()},k:${b64()}`)).toThrow(/twice/);
    expect(() => parsePayloadKeys(`bad id:${b64()}`)).toThrow(/key id/);
    expect(() => parsePayloadKeys(b64())).toThrow(/not keyId:base64Key/);
    // The refusal never echoes the keys themselves.
    expect(() => parsePayloadKeys(`k:${randomBytes(16).toString('base64')}`)).toThrow(/withheld/);
  });

  it('is required in production; development falls back to a fixed key so restarts read old histories', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/COLIS_PAYLOAD_KEYS/);
    expect(payloadKeyRing(loadConfig({})).current.id).toBe('dev-1');
    expect(Buffer.from(payloadKeyRing(loadConfig({})).current.key)).toEqual(Buffer.from(payloadKeyRing(loadConfig({})).current.key));
  });
});
