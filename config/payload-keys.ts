import { z } from 'zod';
import { type PayloadKey, PayloadKeyRing } from '../worker/payload-codec';
import { listEntries } from './forms';

/**
 * `keyId:base64Key,…`: the Temporal payload codec's keys, newest last (it encrypts; all decrypt).
 * Each key is 32 bytes (AES-256); ids name the key in every payload it sealed, so they never change.
 */
export const payloadKeysForm = z.string().transform((raw, ctx): PayloadKeyRing => {
  const keys: PayloadKey[] = [];
  const entries = listEntries(raw);
  for (const [i, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const encoded = entry.slice(colon + 1);
    if (colon <= 0) {
      ctx.addIssue({ code: 'custom', message: `entry ${i + 1} is not keyId:base64Key` });
      return z.NEVER;
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
      ctx.addIssue({ code: 'custom', message: `the key of entry ${i + 1} is not base64` });
      return z.NEVER;
    }
    keys.push({ id: entry.slice(0, colon), key: Buffer.from(encoded, 'base64') });
  }
  try {
    return new PayloadKeyRing(keys);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
    return z.NEVER;
  }
});
