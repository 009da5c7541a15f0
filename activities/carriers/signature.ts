import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures, the Stripe way: the carrier signs "<t>.<raw body>" with a secret shared with
 * us and sends `Colis-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`. Signing the raw bytes (not
 * re-serialised JSON) means a verifier must see the body exactly as it arrived; the timestamp
 * inside the signature stops an old, captured request from being replayed later.
 */

export const SIGNATURE_HEADER = 'Colis-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type SignatureCheck =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'malformed' }
  | { ok: false; reason: 'mismatch' }
  | { ok: false; reason: 'expired'; timestamp: number };

function hmacHex(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** The header value for `rawBody`, signed at `nowMs`. */
export function signPayload(rawBody: string | Buffer, secret: string, nowMs: number): string {
  const timestamp = Math.floor(nowMs / 1000);
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, rawBody)}`;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** Parses `t=…,v1=…[,v1=…]`; several v1 values let a carrier sign with an old and a new secret while rotating. */
function parseHeader(header: string): { timestamp: number; signatures: string[] } | undefined {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator <= 0) return undefined;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || timestamp !== undefined) return undefined;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!HEX_SHA256.test(value)) return undefined;
      signatures.push(value);
    }
    // Unknown schemes are skipped: a future v2 must not break today's verifier.
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures };
}

export function verifySignature(
  rawBody: string | Buffer,
  header: string | undefined,
  secret: string,
  nowMs: number,
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
): SignatureCheck {
  const parsed = header === undefined ? undefined : parseHeader(header);
  if (!parsed) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(hmacHex(secret, parsed.timestamp, rawBody), 'hex');
  const matches = parsed.signatures.some((signature) => timingSafeEqual(Buffer.from(signature, 'hex'), expected));
  if (!matches) return { ok: false, reason: 'mismatch' };
  // Checked after the HMAC, so "expired" only ever describes a genuine request that is too old.
  if (Math.abs(nowMs / 1000 - parsed.timestamp) > toleranceSeconds) return { ok: false, reason: 'expired', timestamp: parsed.timestamp };
  return { ok: true, timestamp: parsed.timestamp };
}
