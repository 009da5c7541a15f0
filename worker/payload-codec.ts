import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { UNREADABLE_ENCODING, UNREADABLE_REASONS, type UnreadableReason } from '../domain/unreadable-payload';
import { PAYLOAD_DICTIONARY_1 } from './payload-dictionary';

/**
 * Encrypts every payload Colis hands to Temporal (workflow and activity inputs and results,
 * signals, queries, updates, memos, summaries, failure messages) with AES-256-GCM, so the
 * server, its database and anyone reading histories without the key see ciphertext only.
 *
 * An encrypted payload says which key sealed it (`encryption-key-id` in its metadata): new
 * payloads use the newest key, older ones are opened with the key they name, so keys rotate by
 * adding one. Payloads written before encryption existed (no such encoding) pass through
 * untouched on decode, which keeps recorded histories and running workflows readable.
 *
 * Before sealing, the payload is deflated (raw deflate, from the preset dictionary of Colis's field
 * names in worker/payload-dictionary.ts) when that makes it smaller: most payloads are under 200 bytes
 * of JSON whose field names plain deflate has nothing earlier to point to, and history bytes are what
 * the server stores and bills. Ciphertext does not compress, so it is done before the cipher or not at
 * all. A deflated payload says so in its encoding (`binary/encrypted-z1`: deflate, dictionary 1), which
 * is also authenticated with the data, so a payload cannot be relabelled from one form to the other. Decoding opens both forms, whatever the switch:
 * the switch (COLIS_PAYLOAD_COMPRESSION) only says whether this process writes the new form, for
 * rolling upgrades, since a process of an earlier release cannot open it (README, "Upgrading").
 */

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const COMPRESSED_ENCRYPTED_ENCODING = 'binary/encrypted-z1';
export const KEY_ID_METADATA = 'encryption-key-id';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
// Far above any payload Temporal accepts (2 MiB by default): a bound on inflating, not a limit of use.
const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

const text = new TextEncoder();
const readText = new TextDecoder();
// @temporalio/proto is CommonJS: reached through its default export under native ESM.
const { Payload: PayloadMessage } = proto.temporal.api.common.v1;

export interface PayloadKey {
  id: string;
  /** 32 bytes. */
  key: Uint8Array;
}

/** The keys a process holds: all of them decrypt, the newest (last) encrypts. */
export class PayloadKeyRing {
  readonly current: PayloadKey;
  private readonly byId: ReadonlyMap<string, Uint8Array>;

  constructor(keys: readonly PayloadKey[]) {
    const newest = keys.at(-1);
    if (!newest) throw new Error('a payload key ring needs at least one key');
    const byId = new Map<string, Uint8Array>();
    for (const { id, key } of keys) {
      if (!KEY_ID.test(id)) throw new Error(`payload key id "${id}" must be 1–64 letters, digits, ".", "_" or "-"`);
      if (key.length !== 32) throw new Error(`payload key "${id}" must be 32 bytes (AES-256), got ${key.length}`);
      if (byId.has(id)) throw new Error(`payload key id "${id}" appears twice`);
      byId.set(id, key);
    }
    this.current = newest;
    this.byId = byId;
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  key(id: string): Uint8Array | undefined {
    return this.byId.get(id);
  }
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Why no key opens a payload. The id comes from the payload, which the codec endpoint takes from its
 * caller: one that no configuration could hold is described, never repeated (an error message is logged).
 */
function unknownKeyReason(id: string, held: readonly string[]): string {
  if (id === '') return `encrypted payload names no key (metadata "${KEY_ID_METADATA}" missing or empty)`;
  if (!KEY_ID.test(id))
    return `encrypted payload names a key id no configuration can hold (${id.length} characters, not 1–64 of A-Z a-z 0-9 . _ -)`;
  return `payload encrypted with key "${id}", which this process does not hold (it has ${held.join(', ')}): keep retired keys configured`;
}

/** Thrown on decode when a payload names a key this process does not hold, or fails authentication. */
export class PayloadDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

/**
 * A payload that looks sealed but that no Colis process could have sealed (no key named, a key id no configuration can
 * hold, too short to hold a nonce and tag): typed with the CLI (`--input-meta encoding=binary/encrypted`), never a
 * key missing from this process's configuration, which stays a PayloadDecryptionError to retry until the key is there.
 */
class UnsealablePayloadError extends PayloadDecryptionError {
  constructor(
    message: string,
    readonly reason: UnreadableReason,
  ) {
    super(message);
  }
}

export interface PayloadCodecOptions {
  /** Deflate payloads before sealing them when that makes them smaller. Decoding opens both forms either way. */
  compress: boolean;
  /**
   * What decoding does with a payload no Colis process could have sealed (UnsealablePayloadError): `throw`; `mark` it
   * unreadable (encoding `colis/unreadable`, the reason as its data) for the workflows' payload converter
   * (worker/payload-converter.ts), so the message guards drop such a signal instead of the worker failing the workflow
   * task on every retry; or `pass` it back unchanged, as the codec endpoint does, so the rest of the history it sits in
   * still opens (a 400 failed the whole call). Every other failure (a key not held, a payload that does not
   * authenticate) throws whatever this says.
   */
  unsealable?: 'throw' | 'mark' | 'pass';
}

export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(
    private readonly keys: PayloadKeyRing,
    private readonly options: PayloadCodecOptions,
  ) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.seal(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.openOrMark(payload));
  }

  private openOrMark(payload: Payload): Payload {
    try {
      return this.open(payload);
    } catch (error) {
      const unsealable = this.options.unsealable ?? 'throw';
      if (unsealable === 'throw' || !(error instanceof UnsealablePayloadError)) throw error;
      if (unsealable === 'pass') return payload;
      return { metadata: { encoding: text.encode(UNREADABLE_ENCODING) }, data: text.encode(error.reason) };
    }
  }

  private seal(payload: Payload): Payload {
    const { id, key } = this.keys.current;
    const plain = PayloadMessage.encode(payload).finish();
    const deflated = this.options.compress ? deflateRawSync(plain, { dictionary: PAYLOAD_DICTIONARY_1 }) : undefined;
    const compressed = deflated !== undefined && deflated.length < plain.length;
    const encoding = compressed ? COMPRESSED_ENCRYPTED_ENCODING : ENCRYPTED_ENCODING;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(additionalData(id, encoding));
    const body = compressed ? deflated : plain;
    const sealed = Buffer.concat([nonce, cipher.update(body), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        encoding: text.encode(encoding),
        // No cipher name: the encoding is AES-256-GCM's, and ~32 bytes on each of an order's ~55 payloads is
        // ~1.8 kB of history. Payloads sealed before carry an `encryption-cipher` entry, which opening ignores.
        [KEY_ID_METADATA]: text.encode(id),
      },
      data: sealed,
    };
  }

  private open(payload: Payload): Payload {
    const encodingBytes = payload.metadata?.encoding;
    const encoding = encodingBytes ? readText.decode(encodingBytes) : undefined;
    if (encoding !== ENCRYPTED_ENCODING && encoding !== COMPRESSED_ENCRYPTED_ENCODING) return payload;
    const idBytes = payload.metadata?.[KEY_ID_METADATA];
    const id = idBytes ? readText.decode(idBytes) : '';
    if (id === '') throw new UnsealablePayloadError(unknownKeyReason(id, []), UNREADABLE_REASONS.noKey);
    if (!KEY_ID.test(id)) throw new UnsealablePayloadError(unknownKeyReason(id, []), UNREADABLE_REASONS.keyIdImpossible);
    const data = payload.data ?? new Uint8Array();
    if (data.length < NONCE_BYTES + TAG_BYTES)
      throw new UnsealablePayloadError(`encrypted payload too short (${data.length} bytes)`, UNREADABLE_REASONS.tooShort);
    const key = this.keys.key(id);
    if (!key) throw new PayloadDecryptionError(unknownKeyReason(id, this.keys.ids()));
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE_BYTES));
    decipher.setAAD(additionalData(id, encoding));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `encrypted payload does not authenticate with key "${id}" (tampered, or a different key under that id)`,
      );
    }
    if (encoding === ENCRYPTED_ENCODING) return PayloadMessage.decode(plain);
    let inflated: Buffer;
    try {
      inflated = inflateRawSync(plain, { dictionary: PAYLOAD_DICTIONARY_1, maxOutputLength: MAX_INFLATED_BYTES });
    } catch (error) {
      // Authenticated, so written by a holder of the key: a bug or a bomb, never a payload to pass on.
      throw new PayloadDecryptionError(`compressed payload does not inflate: ${error instanceof Error ? error.message : String(error)}`);
    }
    return PayloadMessage.decode(inflated);
  }
}

/**
 * What is authenticated with the data besides it: the key id, so a payload relabelled with another key id
 * fails to open, and for the deflated form its encoding too, so neither form passes for the other. The
 * uncompressed form keeps the key id alone, as every payload sealed before compression existed has it.
 */
function additionalData(keyId: string, encoding: string): Uint8Array {
  return text.encode(encoding === COMPRESSED_ENCRYPTED_ENCODING ? `${keyId}\n${encoding}` : keyId);
}

/** What `npm start` and the tests use when no keys are configured: fixed, so restarts can read old histories. */
export function developmentKeyRing(): PayloadKeyRing {
  return new PayloadKeyRing([
    { id: 'dev-1', key: createHash('sha256').update('colis development payload key, never for production').digest() },
  ]);
}
