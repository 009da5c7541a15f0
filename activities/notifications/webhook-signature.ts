import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signatures (standardwebhooks.com): `webhook-signature` is `v1,<base64 HMAC-SHA256>`
 * of `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the secret's bytes (the base64 after
 * `whsec_`). Several signatures, space-separated, while a rotated secret is still honoured.
 */

const PREFIX = 'whsec_';

/** 32 random bytes, as the convention serialises secrets. */
export function newWebhookSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  if (!secret.startsWith(PREFIX)) throw new Error('a webhook secret starts with whsec_');
  return Buffer.from(secret.slice(PREFIX.length), 'base64');
}

export function signWebhook(input: { id: string; timestampSeconds: number; body: string; secrets: readonly string[] }): string {
  const content = `${input.id}.${input.timestampSeconds}.${input.body}`;
  return input.secrets.map((secret) => `v1,${createHmac('sha256', keyOf(secret)).update(content, 'utf8').digest('base64')}`).join(' ');
}

/** The receiver's side, for the simulator of a shop and for tests that must not trust the signer. */
export function verifyWebhook(input: {
  id: string;
  timestampSeconds: number;
  body: string;
  signatureHeader: string;
  secret: string;
  nowSeconds: number;
  toleranceSeconds?: number;
}): boolean {
  if (Math.abs(input.nowSeconds - input.timestampSeconds) > (input.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook({ ...input, secrets: [input.secret] }).slice(3), 'base64');
  return input.signatureHeader.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
