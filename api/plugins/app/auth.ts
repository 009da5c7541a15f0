import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../../../activities/db';
import type { ApiRole } from '../../../domain/api';
import type { ConfiguredApiKey } from '../../config';
import { ApiError, forbidden } from '../../errors';
import { clientOf } from '../../services/client-address';
import { CODEC_SESSION_COOKIE, cookieValue, verifyCodecSession } from '../../services/codec-session';
import { RateLimiter, type Verdict } from '../../services/rate-limiter';

/**
 * Who is calling, and how often they may. API keys with roles: the configured keys are written to
 * the ApiKey table as sha256 hashes at start-up (keys no longer configured are revoked), and a
 * request's key is hashed and compared with the stored hashes: the key itself is never stored or logged.
 *
 * Every route declares who may call it in `config.access`; a route that declares nothing is ops-only.
 *   intake  — create orders and read its own
 *   ops     — everything
 *   carrier — its own carrier's webhook only
 * A carrier webhook may also arrive with no key at all: its HMAC signature is then the credential
 * (checked in the carriers route), which is how carriers call webhooks in practice. The codec
 * endpoint also takes the codec session cookie an ops key bought (services/codec-session.ts),
 * because the Temporal Web UI can send cookies but no key header.
 *
 * Rate limits, one bucket per caller: a key's requests count against its name whichever header
 * carried it; keyless webhooks against their carrier; anything else public against the client
 * address (an IPv6 client's /64: services/client-address.ts). A failed authentication (a wrong key or codec session, a bad webhook signature, a wrong or
 * missing tracking token) counts against the client address in a small bucket of its own: once it is
 * spent the client gets 429 with Retry-After instead of another guess. A request with no key at all
 * guesses nothing: its 401 counts at the client's usual rate.
 */

export interface Principal {
  name: string;
  role: ApiRole;
  carrierCode?: string;
}

export type RouteAccess =
  | { public: true }
  | { roles: readonly ApiRole[]; signatureMayAuthenticate?: boolean; codecSessionMayAuthenticate?: boolean };

export interface RateLimits {
  /** Requests per minute per API key, and per client address on public routes. */
  perMinute: number;
  /** Failed authentications per minute per client address. */
  authFailuresPerMinute: number;
  /** Keyless (signed) webhook requests per minute per carrier. */
  webhooksPerMinute: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
    /** The route's webhook carrier comes from this path parameter: keyless calls count against that carrier. */
    webhookCarrierParam?: string;
    /** A route whose keyless (signed) calls all come from one sender (ShipEngine): they count against this bucket. */
    webhookSender?: string;
    /** Not counted against any bucket (liveness probes). */
    unlimited?: boolean;
    /**
     * A route a tool calls in bursts (the Web UI decodes a history event by event) counts in a bucket of
     * its own per caller, this many times the usual allowance, so the burst neither fails nor spends the
     * caller's allowance for everything else.
     */
    burstFactor?: number;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
  }
  interface FastifyInstance {
    /** Counts a failed authentication decided by a route (a bad signature, a wrong token); throws 429 once the client's allowance is spent. */
    failedAuthentication(request: FastifyRequest): void;
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

/**
 * The key a request presents: X-Api-Key, else `Authorization: Bearer <key>`; undefined when neither carries one.
 * Two different keys in the two headers are refused rather than one chosen: a client (or a proxy adding its own
 * header) would otherwise act under a key it did not mean, and the answer would not say which one counted.
 */
const TWO_KEYS = Symbol('two different keys');

function presentedKey(request: FastifyRequest): string | typeof TWO_KEYS | undefined {
  const header = request.headers['x-api-key'];
  const authorization = request.headers.authorization;
  const bearer = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
  if (typeof header === 'string' && header !== '') {
    return bearer !== undefined && bearer !== header ? TWO_KEYS : header;
  }
  if (typeof authorization === 'string') return bearer ?? authorization;
  return undefined;
}

const DOCS_PREFIX = '/docs';

export interface AuthOptions {
  db: Db;
  apiKeys: readonly ConfiguredApiKey[];
  limits: RateLimits;
  /** Whether a webhook path names a carrier we know (only those get a bucket of their own). */
  knownCarrier(code: string): boolean;
  limiter?: RateLimiter;
}

function tooMany(verdict: Verdict, what: string): ApiError {
  return new ApiError(429, 'rate_limited', `${what}: ${verdict.limit} per minute; retry in ${verdict.resetSeconds} s`, undefined, {
    'retry-after': String(verdict.resetSeconds),
  });
}

function setLimitHeaders(reply: FastifyReply, verdict: Verdict): void {
  reply.header('x-ratelimit-limit', String(verdict.limit));
  reply.header('x-ratelimit-remaining', String(verdict.remaining));
  reply.header('x-ratelimit-reset', String(verdict.resetSeconds));
}

/** A codec session cookie came with the request, on a route that takes one (valid or not). */
function codecSessionPresented(request: FastifyRequest, access: Exclude<RouteAccess, { public: true }>): boolean {
  return access.codecSessionMayAuthenticate === true && cookieValue(request.headers.cookie, CODEC_SESSION_COOKIE) !== undefined;
}

function refusal(request: FastifyRequest, access: Exclude<RouteAccess, { public: true }>, key: string | undefined): string {
  if (key !== undefined) return 'the API key is not valid';
  if (codecSessionPresented(request, access)) {
    return 'the codec session is not valid or has expired: enter the ops key again';
  }
  return 'an API key is required (X-Api-Key header or Authorization: Bearer)';
}

export default fp<AuthOptions>(
  async function auth(app: FastifyInstance, options: AuthOptions) {
    const principals = await syncApiKeys(options.db, options.apiKeys);
    const limiter = options.limiter ?? new RateLimiter();
    const { limits } = options;
    app.decorateRequest('principal', undefined);

    const failedAuthentication = (request: FastifyRequest) => {
      const verdict = limiter.take(`auth-failures:${clientOf(request.ip)}`, limits.authFailuresPerMinute);
      if (!verdict.allowed) throw tooMany(verdict, 'too many failed authentications from this client');
    };
    app.decorate('failedAuthentication', failedAuthentication);

    app.addHook('onRequest', async (request, reply) => {
      const config = request.routeOptions.config;
      if (config?.unlimited) return;
      const client = clientOf(request.ip);
      // A client that spent its failed-authentication allowance is refused everywhere until the window ends.
      const lockedOut = limiter.exhausted(`auth-failures:${client}`, limits.authFailuresPerMinute);
      if (lockedOut) throw tooMany(lockedOut, 'too many failed authentications from this client');
      const routeUrl = request.routeOptions.url ?? '';
      const access: RouteAccess =
        request.is404 || routeUrl.startsWith(DOCS_PREFIX) ? { public: true } : (config?.access ?? { roles: ['ops'] });

      const burst = config?.burstFactor;
      const perMinute = burst === undefined ? limits.perMinute : burst * limits.perMinute;
      const bucket = (caller: string) => (burst === undefined ? caller : `${caller}:${routeUrl}`);
      if ('public' in access) {
        setLimitHeaders(reply, checked(limiter.take(bucket(`client:${client}`), perMinute), 'request rate from this client'));
        return;
      }
      // What a key reads is someone's order, address or stock: no browser or shared cache keeps it. A cache that keys on the
      // URL alone (X-Api-Key is no Authorization header to it) would hand one caller's answer to the next. Routes may say more.
      reply.header('cache-control', 'no-store');
      const key = presentedKey(request);
      if (key === TWO_KEYS) {
        failedAuthentication(request);
        throw new ApiError(401, 'unauthorized', 'X-Api-Key and Authorization: Bearer carry different keys: send one of them');
      }
      const principal = key === undefined ? codecSessionOwner(request, access) : principals.get(hashApiKey(key));
      if (!principal) {
        const sender = config?.webhookSender;
        if (key === undefined && access.signatureMayAuthenticate && sender !== undefined) {
          setLimitHeaders(reply, checked(limiter.take(`webhooks:${sender}`, limits.webhooksPerMinute), `webhooks of ${sender}`));
          return;
        }
        const carrier = config?.webhookCarrierParam ? (request.params as Record<string, string>)[config.webhookCarrierParam] : undefined;
        if (key === undefined && access.signatureMayAuthenticate && carrier !== undefined) {
          // The signature, checked by the route, is the credential; the carrier's bucket is apart from everyone else's.
          const bucket = options.knownCarrier(carrier) ? `webhooks:${carrier}` : `client:${client}`;
          setLimitHeaders(reply, checked(limiter.take(bucket, limits.webhooksPerMinute), `webhooks of ${carrier}`));
          return;
        }
        // No credential at all guesses nothing: it counts at the client's usual rate, not as a failed authentication.
        // The Temporal Web UI calls /codec without its session cookie until ops tick "include credentials": counted
        // as failures, its calls (86 in one page view) locked ops' own address out of the whole API.
        if (key === undefined && !codecSessionPresented(request, access))
          checked(limiter.take(`client:${client}`, limits.perMinute), 'request rate from this client');
        else failedAuthentication(request);
        throw new ApiError(401, 'unauthorized', refusal(request, access, key));
      }
      request.principal = principal;
      setLimitHeaders(reply, checked(limiter.take(bucket(`key:${principal.name}`), perMinute), `request rate of key ${principal.name}`));
      if (!access.roles.includes(principal.role)) throw forbidden(`the ${principal.role} role may not call ${request.method} ${routeUrl}`);
    });

    // The Temporal Web UI can send cookies but no key header: the codec session an ops key bought stands for that key.
    function codecSessionOwner(request: FastifyRequest, access: Exclude<RouteAccess, { public: true }>): Principal | undefined {
      const session = access.codecSessionMayAuthenticate ? cookieValue(request.headers.cookie, CODEC_SESSION_COOKIE) : undefined;
      if (session === undefined) return undefined;
      const owner = verifyCodecSession(session, options.apiKeys, Date.now());
      return owner ? { name: owner.name, role: owner.role } : undefined;
    }

    function checked(verdict: Verdict, what: string): Verdict {
      if (!verdict.allowed) throw tooMany(verdict, what);
      return verdict;
    }
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
