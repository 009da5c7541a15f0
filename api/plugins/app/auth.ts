import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../../../activities/db';
import type { ApiRole } from '../../../domain/api';
import type { ConfiguredApiKey } from '../../config';
import { ApiError, forbidden } from '../../errors';
import { CODEC_SESSION_COOKIE, cookieValue, verifyCodecSession } from '../../services/codec-session';

/**
 * API keys with roles. The configured keys are written to the ApiKey table as sha256 hashes at
 * start-up (keys no longer configured are revoked), and a request's key is hashed and compared
 * with the stored hashes: the key itself is never stored or logged.
 *
 * Every route declares who may call it in `config.access`; a route that declares nothing is ops-only.
 *   intake  — create orders and read its own
 *   ops     — everything
 *   carrier — its own carrier's webhook only
 * A carrier webhook may also arrive with no key at all: its HMAC signature is then the credential
 * (checked in the carriers route), which is how carriers call webhooks in practice. The codec
 * endpoint also takes the codec session cookie an ops key bought (services/codec-session.ts),
 * because the Temporal Web UI can send cookies but no key header.
 */

export interface Principal {
  name: string;
  role: ApiRole;
  carrierCode?: string;
}

export type RouteAccess =
  | { public: true }
  | { roles: readonly ApiRole[]; signatureMayAuthenticate?: boolean; codecSessionMayAuthenticate?: boolean };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** Upserts the configured keys (hashed) and revokes the stored ones no longer configured; returns the live hashes. */
export async function syncApiKeys(db: Db, keys: readonly ConfiguredApiKey[]): Promise<Map<string, Principal>> {
  const now = new Date();
  await db.$transaction(async (tx) => {
    for (const key of keys) {
      const data = { role: key.role, keyHash: hashApiKey(key.key), carrierCode: key.carrierCode ?? null, revokedAt: null };
      // A hash may move between names when keys are renamed: free it first so the unique index holds.
      await tx.apiKey.deleteMany({ where: { keyHash: data.keyHash, name: { not: key.name } } });
      await tx.apiKey.upsert({ where: { name: key.name }, create: { id: `key-${key.name}`, name: key.name, ...data }, update: data });
    }
    await tx.apiKey.updateMany({
      where: { name: { notIn: keys.map((key) => key.name) }, revokedAt: null },
      data: { revokedAt: now },
    });
  });
  const live = await db.apiKey.findMany({ where: { revokedAt: null } });
  return new Map(
    live.map((row) => [row.keyHash, { name: row.name, role: row.role, ...(row.carrierCode ? { carrierCode: row.carrierCode } : {}) }]),
  );
}

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  return undefined;
}

const DOCS_PREFIX = '/docs';

export interface AuthOptions {
  db: Db;
  apiKeys: readonly ConfiguredApiKey[];
}

export default fp<AuthOptions>(
  async function auth(app: FastifyInstance, options: AuthOptions) {
    const principals = await syncApiKeys(options.db, options.apiKeys);
    app.decorateRequest('principal', undefined);

    app.addHook('onRequest', async (request) => {
      if (request.is404) return;
      const routeUrl = request.routeOptions.url ?? '';
      const access: RouteAccess =
        request.routeOptions.config.access ?? (routeUrl.startsWith(DOCS_PREFIX) ? { public: true } : { roles: ['ops'] });
      if ('public' in access) return;

      const key = presentedKey(request);
      if (key === undefined) {
        if (access.signatureMayAuthenticate) return;
        const session = access.codecSessionMayAuthenticate ? cookieValue(request.headers.cookie, CODEC_SESSION_COOKIE) : undefined;
        if (session !== undefined) {
          const owner = verifyCodecSession(session, options.apiKeys, Date.now());
          if (!owner) throw new ApiError(401, 'unauthorized', 'the codec session is not valid or has expired: enter the ops key again');
          request.principal = { name: owner.name, role: owner.role };
          if (!access.roles.includes(owner.role)) throw forbidden(`the ${owner.role} role may not call ${request.method} ${routeUrl}`);
          return;
        }
        throw new ApiError(401, 'unauthorized', 'an API key is required (X-Api-Key header or Authorization: Bearer)');
      }
      const principal = principals.get(hashApiKey(key));
      if (!principal) throw new ApiError(401, 'unauthorized', 'the API key is not valid');
      request.principal = principal;
      if (!access.roles.includes(principal.role)) throw forbidden(`the ${principal.role} role may not call ${request.method} ${routeUrl}`);
    });
  },
  { name: 'colis-auth' },
);

/** The caller's principal on a route that requires a key. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ApiError(401, 'unauthorized', 'an API key is required');
  return request.principal;
}

/** Intake keys see only the orders they placed; ops see all. */
export function mayReadOrderOf(principal: Principal | undefined, submittedBy: string | undefined): boolean {
  if (!principal) return false;
  if (principal.role === 'ops') return true;
  return principal.role === 'intake' && submittedBy === principal.name;
}
