import { createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config';
import proto from '@temporalio/proto';
import { payloadKeyRing, payloadSealing } from '../../worker/data-converter';
import { AesGcmPayloadCodec, KEY_ID_METADATA, PayloadDecryptionError, type PayloadKey, PayloadKeyRing } from '../../worker/payload-codec';
import { dictionaryHash, PAYLOAD_DICTIONARY_1 } from '../../worker/payload-dictionary';
import { payloadConverter } from '../../worker/payload-converter';
import { UNREADABLE_REASONS, unreadablePayload } from '../../domain/unreadable-payload';

const key = (id: string) => ({ id, key: randomBytes(32) });
const customer = { name: 'Camille Durand', email: 'camille.durand@example.org', street: '12 rue des Lilas' };
const payloadOf = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const ON = { compress: true };
const OFF = { compress: false };

describe('the AES-256-GCM payload codec', () => {
  it('encrypts: neither the data nor the metadata shows the customer, and it decodes back to the same payload', async () => {
    const codec = new AesGcmPayloadCodec(new PayloadKeyRing([key('k1')]), OFF);
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
    const codec = new AesGcmPayloadCodec(new PayloadKeyRing([key('k1')]), ON);
    const [a, b] = await codec.encode([payloadOf(customer), payloadOf(customer)]);
    expect(text(a?.data)).not.toEqual(text(b?.data));
  });

  it('rotation: new payloads use the newest key, payloads of the older key still decrypt', async () => {
    const k1 = key('2026-11');
    const k2 = key('2027-02');
    const [old] = await new AesGcmPayloadCodec(new PayloadKeyRing([k1]), ON).encode([payloadOf(customer)]);
    const rotated = new AesGcmPayloadCodec(new PayloadKeyRing([k1, k2]), ON);
    const [fresh] = await rotated.encode([payloadOf(customer)]);
    expect(text(fresh?.metadata?.['encryption-key-id'])).toBe('2027-02');
    const opened = await rotated.decode([old as Payload, fresh as Payload]);
    expect(opened.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([customer, customer]);
  });

  it('a payload sealed with a key the process no longer holds fails with the key id named, not silently', async () => {
    const [old] = await new AesGcmPayloadCodec(new PayloadKeyRing([key('retired')]), ON).encode([payloadOf(customer)]);
    const codec = new AesGcmPayloadCodec(new PayloadKeyRing([key('current')]), ON);
    await expect(codec.decode([old as Payload])).rejects.toThrow(PayloadDecryptionError);
    await expect(codec.decode([old as Payload])).rejects.toThrow(/"retired"/);
  });

  it('a payload naming no key id, or one no configuration can hold, is refused saying so, the id never repeated', async () => {
    const [sealed] = await new AesGcmPayloadCodec(new PayloadKeyRing([key('current')]), ON).encode([payloadOf(customer)]);
    const codec = new AesGcmPayloadCodec(new PayloadKeyRing([key('current')]), ON);
    const relabelled = (id: string | undefined): Payload => {
      const metadata = { ...sealed?.metadata };
      if (id === undefined) delete metadata[KEY_ID_METADATA];
      else metadata[KEY_ID_METADATA] = Buffer.from(id);
      return { ...sealed, metadata };
    };
    await expect(codec.decode([relabelled(undefined)])).rejects.toThrow(/names no key \(metadata "encryption-key-id" missing or empty\)/);
    const hostile = `<script>${'x'.repeat(10_000)}`;
    const refusal = await codec.decode([relabelled(hostile)]).then(
      () => '',
      (error: unknown) => (error instanceof PayloadDecryptionError ? error.message : String(error)),
    );
    expect(refusal).toMatch(/names a key id no configuration can hold \(10008 characters/);
    expect(refusal).not.toContain('<script>');
    expect(refusal.length).toBeLessThan(200);
  });

  it("marked unreadable for the workers (`unsealable: 'mark'`) when no Colis process could have sealed it, read so by the workflows' converter; a key not held still throws, to be retried", async () => {
    const codec = new AesGcmPayloadCodec(new PayloadKeyRing([key('current')]), { ...ON, unsealable: 'mark' });
    const typed = (metadata: Record<string, string>, data: string): Payload => ({
      metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v)])),
      data: Buffer.from(data),
    });
    const marked = await codec.decode([
      typed({ encoding: 'binary/encrypted-z1' }, '{"x":1}'),
      typed({ encoding: 'binary/encrypted', [KEY_ID_METADATA]: 'no such id!' }, '{"x":1}'),
      typed({ encoding: 'binary/encrypted', [KEY_ID_METADATA]: 'current' }, 'short'),
    ]);
    expect(marked.map((p) => payloadConverter.fromPayload(p))).toEqual([
      unreadablePayload(UNREADABLE_REASONS.noKey),
      unreadablePayload(UNREADABLE_REASONS.keyIdImpossible),
      unreadablePayload(UNREADABLE_REASONS.tooShort),
    ]);
    // Another environment's key, or one missing from this process: thrown, so the task waits for the key, nothing dropped.
    const [foreign] = await new AesGcmPayloadCodec(new PayloadKeyRing([key('staging')]), ON).encode([payloadOf(customer)]);
    await expect(codec.decode([foreign as Payload])).rejects.toThrow(/"staging", which this process does not hold/);
    // The codec endpoint's codec (no option) refuses all three, as before.
    await expect(
      new AesGcmPayloadCodec(new PayloadKeyRing([key('current')]), ON).decode([typed({ encoding: 'binary/encrypted' }, 'x')]),
    ).rejects.toThrow(/names no key/);
  });

  it("the workflows' converter reads an encoding no Colis process writes, and json/plain that is no JSON, as unreadable; every payload we write reads as before", () => {
    const typed = (encoding: string, data: string): Payload => ({ metadata: { encoding: Buffer.from(encoding) }, data: Buffer.from(data) });
    expect(payloadConverter.fromPayload(typed('foo/bar', '{"reason":"x"}'))).toEqual(unreadablePayload(UNREADABLE_REASONS.unknownEncoding));
    expect(payloadConverter.fromPayload(typed('json/protobuf', '{}'))).toEqual(unreadablePayload(UNREADABLE_REASONS.unknownEncoding));
    expect(payloadConverter.fromPayload(typed('json/plain', 'not json {'))).toEqual(unreadablePayload(UNREADABLE_REASONS.notJson));
    for (const value of [customer, 'text', 42, null, undefined, new Uint8Array([1, 2])]) {
      const written = payloadConverter.toPayload(value);
      expect(written).toEqual(defaultPayloadConverter.toPayload(value));
      expect(payloadConverter.fromPayload(written)).toEqual(value);
    }
  });

  it('a tampered payload, or one relabelled with another key id, does not authenticate', async () => {
    const k1 = key('k1');
    const k2 = key('k2');
    const codec = new AesGcmPayloadCodec(new PayloadKeyRing([k1, k2]), ON);
    const [sealed] = await codec.encode([payloadOf(customer)]);
    if (!sealed?.data) throw new Error('nothing encoded');
    const flipped = Uint8Array.from(sealed.data);
    flipped[20] = (flipped[20] ?? 0) ^ 1;
    await expect(codec.decode([{ ...sealed, data: flipped }])).rejects.toThrow(/does not authenticate/);
    const relabelled = { ...sealed, metadata: { ...sealed.metadata, 'encryption-key-id': new TextEncoder().encode('k1') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(/does not authenticate/);
  });

  it('payloads written before encryption (recorded histories, running workflows) pass through decode unchanged', async () => {
    const codec = new AesGcmPayloadCodec(new PayloadKeyRing([key('k1')]), ON);
    const plain = payloadOf(customer);
    const [decoded] = await codec.decode([plain]);
    expect(decoded).toBe(plain);
  });
});

/** A shipment's view as workflows pass it around: JSON whose field names repeat, line after line. */
const shipmentView = {
  shipmentId: 'SHP-20261130-0001',
  shipTo: { ...customer, city: 'Lyon', postalCode: '69002', countryCode: 'FR' },
  lines: Array.from({ length: 6 }, (_, i) => ({ sku: `SKU-${1000 + i}`, quantity: 1 + i, weightGrams: 250, description: 'ceramic mug' })),
  timeline: Array.from({ length: 8 }, (_, i) => ({ at: `2026-11-30T0${i}:00:00.000Z`, kind: 'stage', label: 'in transit', details: '' })),
};

const { Payload: PayloadMessage } = proto.temporal.api.common.v1;

/** How the release before compression opened a payload (nonce ‖ ciphertext ‖ tag, the key id as AAD): the rolling-upgrade reader. */
function openAsPreviousRelease(payload: Payload, { id, key: secret }: PayloadKey): Payload {
  const data = Buffer.from(payload.data ?? []);
  const decipher = createDecipheriv('aes-256-gcm', secret, data.subarray(0, 12));
  decipher.setAAD(new TextEncoder().encode(id));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return PayloadMessage.decode(Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]));
}

/** Everything a reader without the key sees of a sealed payload, and what its data inflates to if it happens to. */
function visibleWithoutKey(sealed: Payload): string {
  const data = Buffer.from(sealed.data ?? []);
  let inflated = '';
  for (const start of [0, 12]) {
    try {
      inflated += inflateRawSync(data.subarray(start)).toString('utf8');
    } catch {
      // Ciphertext is not a deflate stream: nothing more to read.
    }
  }
  return [data.toString('utf8'), inflated, ...Object.values(sealed.metadata ?? {}).map(text)].join('\n');
}

describe('payload compression before sealing', () => {
  it('deflates a payload that shrinks, says so in its encoding, and opens it back to the same payload', async () => {
    const k1 = key('k1');
    const original = payloadOf(shipmentView);
    const [deflated] = await new AesGcmPayloadCodec(new PayloadKeyRing([k1]), ON).encode([original]);
    const [uncompressed] = await new AesGcmPayloadCodec(new PayloadKeyRing([k1]), OFF).encode([original]);
    if (!deflated?.data || !uncompressed?.data) throw new Error('nothing encoded');
    expect(text(deflated.metadata?.encoding)).toBe('binary/encrypted-z1');
    expect(deflated.data.length).toBeLessThan(uncompressed.data.length * 0.7);
    const [opened] = await new AesGcmPayloadCodec(new PayloadKeyRing([k1]), OFF).decode([deflated]);
    expect(defaultPayloadConverter.fromPayload(opened as Payload)).toEqual(shipmentView);
    expect(text(opened?.metadata?.encoding)).toBe(text(original.metadata?.encoding));
  });

  it('the deflated form is still encrypted: no name, e-mail or street in clear, nor in what its bytes inflate to', async () => {
    const codec = new AesGcmPayloadCodec(new PayloadKeyRing([key('k1')]), ON);
    const [sealed] = await codec.encode([payloadOf(shipmentView)]);
    if (!sealed) throw new Error('nothing encoded');
    expect(text(sealed.metadata?.encoding)).toBe('binary/encrypted-z1');
    const visible = visibleWithoutKey(sealed);
    for (const secret of [...Object.values(customer), 'SKU-1000', 'ceramic mug', 'json/plain']) expect(visible).not.toContain(secret);
  });

  it('a payload that deflating would not shrink is sealed in the uncompressed form', async () => {
    const codec = new AesGcmPayloadCodec(new PayloadKeyRing([key('k1')]), ON);
    const noise = { data: randomBytes(300), metadata: { encoding: new TextEncoder().encode('binary/plain') } };
    const [sealed] = await codec.encode([noise, payloadOf(1)]);
    expect(text(sealed?.metadata?.encoding)).toBe('binary/encrypted');
    const [opened] = await codec.decode([sealed as Payload]);
    expect(Buffer.from(opened?.data ?? [])).toEqual(Buffer.from(noise.data));
  });

  it('compression off writes the form the release before it reads, byte for byte as that release opened it', async () => {
    const k1 = key('k1');
    const [sealed] = await new AesGcmPayloadCodec(new PayloadKeyRing([k1]), OFF).encode([payloadOf(shipmentView)]);
    if (!sealed) throw new Error('nothing encoded');
    expect(text(sealed.metadata?.encoding)).toBe('binary/encrypted');
    expect(defaultPayloadConverter.fromPayload(openAsPreviousRelease(sealed, k1))).toEqual(shipmentView);
    // The deflated form is exactly what that release cannot open: hence the switch.
    const [deflated] = await new AesGcmPayloadCodec(new PayloadKeyRing([k1]), ON).encode([payloadOf(shipmentView)]);
    expect(() => openAsPreviousRelease(deflated as Payload, k1)).toThrow();
  });

  it('payloads recorded before compression (a v3 order history of v3-early, sealed with the development key) still open', async () => {
    const history = JSON.parse(readFileSync(new URL('../workflows/histories/v3-early/happy-path.order.json', import.meta.url), 'utf8')) as {
      events: {
        workflowExecutionStartedEventAttributes?: { input?: { payloads?: { metadata: Record<string, string>; data: string }[] } };
      }[];
    };
    const recorded = history.events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    if (!recorded) throw new Error('the recorded history has no start input');
    const payload: Payload = {
      metadata: Object.fromEntries(Object.entries(recorded.metadata).map(([name, value]) => [name, Buffer.from(value, 'base64')])),
      data: Buffer.from(recorded.data, 'base64'),
    };
    expect(text(payload.metadata?.encoding)).toBe('binary/encrypted');
    const codec = new AesGcmPayloadCodec(payloadKeyRing(loadConfig({})), ON);
    const [opened] = await codec.decode([payload]);
    expect(defaultPayloadConverter.fromPayload<{ orderId: string }>(opened as Payload).orderId).toMatch(/^ORD-/);
  });

  it('refuses a tampered deflated payload, and one relabelled from either form to the other', async () => {
    const codec = new AesGcmPayloadCodec(new PayloadKeyRing([key('k1')]), ON);
    const [deflated] = await codec.encode([payloadOf(shipmentView)]);
    const [plain] = await new AesGcmPayloadCodec(new PayloadKeyRing([key('k1')]), OFF).encode([payloadOf(shipmentView)]);
    if (!deflated?.data || !plain) throw new Error('nothing encoded');
    const flipped = Uint8Array.from(deflated.data);
    flipped[30] = (flipped[30] ?? 0) ^ 1;
    await expect(codec.decode([{ ...deflated, data: flipped }])).rejects.toThrow(/does not authenticate/);
    const encodingOf = (value: string) => new TextEncoder().encode(value);
    const asUncompressed = { ...deflated, metadata: { ...deflated.metadata, encoding: encodingOf('binary/encrypted') } };
    await expect(codec.decode([asUncompressed])).rejects.toThrow(/does not authenticate/);
    const asDeflated = { ...plain, metadata: { ...plain.metadata, encoding: encodingOf('binary/encrypted-z1') } };
    await expect(codec.decode([asDeflated])).rejects.toThrow(PayloadDecryptionError);
  });
});

describe('the preset dictionary of binary/encrypted-z1', () => {
  it('is frozen: payloads sealed with it open only with the same bytes (a new dictionary gets a new encoding)', () => {
    expect(dictionaryHash(PAYLOAD_DICTIONARY_1)).toBe('acd2940deb08157b9054ffc7695754d566669e54eb7ec8d6e88195b94880d39c');
  });

  it('makes a small payload smaller than plain deflate could, and a deflated payload opens only with it', () => {
    const small = PayloadMessage.encode(payloadOf({ shipmentId: 'SHP-1', stage: 'in_transit', carrierCode: 'ups' })).finish();
    const withDictionary = deflateRawSync(small, { dictionary: PAYLOAD_DICTIONARY_1 });
    expect(withDictionary.length).toBeLessThan(deflateRawSync(small).length * 0.8);
    expect(withDictionary.length).toBeLessThan(small.length * 0.7);
    expect(() => inflateRawSync(withDictionary)).toThrow();
  });
});

describe('COLIS_PAYLOAD_COMPRESSION', () => {
  it('is on by default, off with false or 0, and refuses anything else naming the variable', () => {
    expect(payloadSealing(loadConfig({})).compress).toBe(true);
    expect(payloadSealing(loadConfig({ COLIS_PAYLOAD_COMPRESSION: 'false' })).compress).toBe(false);
    expect(payloadSealing(loadConfig({ COLIS_PAYLOAD_COMPRESSION: '0' })).compress).toBe(false);
    expect(() => loadConfig({ COLIS_PAYLOAD_COMPRESSION: 'sometimes' })).toThrow(/COLIS_PAYLOAD_COMPRESSION/);
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
