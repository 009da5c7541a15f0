import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ConfiguredApiKey } from '../config';

/**
 * A browser's proof that an ops person typed the ops key, for the Temporal Web UI's calls to the
 * codec endpoint: the UI can send cookies with its cross-origin requests ("include cross-origin
 * credentials") but no API key header. The cookie names the key and an expiry and is signed with
 * the key itself, so any API process configured with that key accepts it, and revoking the key
 * ends every session made with it. The key is never in the cookie.
 */

export const CODEC_SESSION_COOKIE = 'colis_codec_session';
export const CODEC_SESSION_HOURS = 8;

export function issueCodecSession(key: ConfiguredApiKey, nowMs: number): { token: string; expiresAtMs: number } {
  const expiresAtMs = nowMs + CODEC_SESSION_HOURS * 3_600_000;
  return { token: `${key.name}.${expiresAtMs}.${sign(key, expiresAtMs)}`, expiresAtMs };
}

/** The ops key a session cookie was made with, if it is genuine, unexpired and that key is still an ops key. */
export function verifyCodecSession(token: string, keys: readonly ConfiguredApiKey[], nowMs: number): ConfiguredApiKey | undefined {
  const match = /^([^.]{1,128})\.(\d{13})\.([0-9a-f]{64})$/.exec(token);
  if (!match) return undefined;
  const [, name, expires, signature] = match;
  const expiresAtMs = Number(expires);
  if (!(expiresAtMs > nowMs)) return undefined;
  const key = keys.find((candidate) => candidate.name === name && candidate.role === 'ops');
  if (!key || !signature) return undefined;
  const expected = Buffer.from(sign(key, expiresAtMs), 'hex');
  const given = Buffer.from(signature, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given) ? key : undefined;
}

function sign(key: ConfiguredApiKey, expiresAtMs: number): string {
  return createHmac('sha256', key.key).update(`colis-codec-session:${key.name}:${expiresAtMs}`).digest('hex');
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
