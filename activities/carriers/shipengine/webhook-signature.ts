import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { z } from 'zod';
import { shipEngineInstantMs } from './timestamps';

/**
 * ShipEngine's webhook signatures: RSA-SHA256 over "<x-shipengine-timestamp>.<raw body>", the
 * signature base64 in `x-shipengine-rsa-sha256-signature`, made with the private half of the key
 * named by `x-shipengine-rsa-sha256-key-id`, whose public half ShipEngine publishes as a JWKS. The
 * key set is cached; a key id we have not seen is the sign of a rotation, so the set is fetched
 * again (at most once per `refetchIntervalMs`, so forged key ids cannot make us hammer the endpoint).
 * The timestamp is checked against a tolerance both ways (ShipEngine's clock may run ahead): an
 * older capture cannot be replayed.
 */

export const SHIPENGINE_KEY_ID_HEADER = 'x-shipengine-rsa-sha256-key-id';
export const SHIPENGINE_SIGNATURE_HEADER = 'x-shipengine-rsa-sha256-signature';
export const SHIPENGINE_TIMESTAMP_HEADER = 'x-shipengine-timestamp';

export type ShipEngineSignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'missing' | 'malformed' | 'unknown_key' | 'mismatch' | 'expired' | 'keys_unavailable' };

const JwkSchema = z.looseObject({
  kty: z.string(),
  kid: z.string().min(1),
  n: z.string().optional(),
  e: z.string().optional(),
  use: z.string().optional(),
});
const JwksSchema = z.looseObject({ keys: z.array(z.unknown()) });

export interface ShipEngineKeySetOptions {
  jwksUrl: string;
  timeoutMs: number;
  /** An unknown key id refetches the set at most this often. */
  refetchIntervalMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/** The public keys ShipEngine signs webhooks with, fetched from its JWKS endpoint and cached by key id. */
export class ShipEngineKeySet {
  private keys = new Map<string, KeyObject>();
  private lastFetchMs = Number.NEGATIVE_INFINITY;
  /** Why the last fetch failed, while it is the last: a key id not held then is unknown for want of the set, not refused. */
  private lastFetchError: Error | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly send: typeof fetch;
  private readonly now: () => number;
  private readonly refetchIntervalMs: number;

  constructor(private readonly options: ShipEngineKeySetOptions) {
    this.send = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    this.refetchIntervalMs = options.refetchIntervalMs ?? 60_000;
  }

  /** The key, or undefined when ShipEngine does not publish it; throws when the set cannot be fetched. */
  async key(keyId: string): Promise<KeyObject | undefined> {
    const known = this.keys.get(keyId);
    if (known) return known;
    if (this.now() - this.lastFetchMs < this.refetchIntervalMs && this.inFlight === undefined) {
      // Within the interval after a failed fetch, ShipEngine's keys are still unknown: a genuine webhook signed with a key
      // rotated in meanwhile is told "retry later" (503), not refused as forged (401), which a sender does not retry.
      if (this.lastFetchError) throw this.lastFetchError;
      return undefined;
    }
    this.inFlight ??= this.refresh().finally(() => {
      this.inFlight = undefined;
    });
    await this.inFlight;
    return this.keys.get(keyId);
  }

  private async refresh(): Promise<void> {
    this.lastFetchMs = this.now();
    try {
      await this.fetchKeys();
      this.lastFetchError = undefined;
    } catch (error) {
      this.lastFetchError = error instanceof Error ? error : new Error(String(error));
      throw error;
    }
  }

  private async fetchKeys(): Promise<void> {
    const response = await this.send(this.options.jwksUrl, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (!response.ok) throw new Error(`ShipEngine JWKS answered ${response.status}`);
    const set = JwksSchema.parse(await response.json());
    const keys = new Map<string, KeyObject>();
    for (const raw of set.keys) {
      const jwk = JwkSchema.safeParse(raw);
      // Only RSA signing keys; anything else in the set is not ours to use.
      if (!jwk.success || jwk.data.kty !== 'RSA' || (jwk.data.use !== undefined && jwk.data.use !== 'sig')) continue;
      try {
        keys.set(jwk.data.kid, createPublicKey({ key: { kty: 'RSA', n: jwk.data.n, e: jwk.data.e }, format: 'jwk' }));
      } catch {
        // A malformed key is skipped; the others still verify.
      }
    }
    this.keys = keys;
  }
}

/** `x-shipengine-timestamp`: ISO 8601 as ShipEngine sends it (a date alone is no signing time); Unix seconds are accepted too. */
function timestampMs(raw: string): number | undefined {
  if (/^\d{9,11}$/.test(raw)) return Number(raw) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(raw)) return undefined;
  return shipEngineInstantMs(raw);
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

export interface SignedRequest {
  rawBody: Buffer;
  keyId: string | undefined;
  signature: string | undefined;
  timestamp: string | undefined;
}

export async function verifyShipEngineSignature(
  request: SignedRequest,
  keySet: ShipEngineKeySet,
  nowMs: number,
  toleranceSeconds: number,
): Promise<ShipEngineSignatureCheck> {
  const { keyId, signature, timestamp } = request;
  if (!keyId || !signature || !timestamp) return { ok: false, reason: 'missing' };
  if (keyId.length > 200 || signature.length > 2048 || !BASE64.test(signature)) return { ok: false, reason: 'malformed' };
  const signedAtMs = timestampMs(timestamp);
  if (signedAtMs === undefined) return { ok: false, reason: 'malformed' };
  if (Math.abs(nowMs - signedAtMs) > toleranceSeconds * 1000) return { ok: false, reason: 'expired' };
  let key: KeyObject | undefined;
  try {
    key = await keySet.key(keyId);
  } catch {
    return { ok: false, reason: 'keys_unavailable' };
  }
  if (!key) return { ok: false, reason: 'unknown_key' };
  const signed = Buffer.concat([Buffer.from(`${timestamp}.`, 'utf8'), request.rawBody]);
  const valid = verify(
    'sha256',
    signed,
    key,
    Buffer.from(signature, signature.includes('-') || signature.includes('_') ? 'base64url' : 'base64'),
  );
  return valid ? { ok: true } : { ok: false, reason: 'mismatch' };
}
