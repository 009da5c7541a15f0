import type { Payload } from '@temporalio/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CODEC_MAX_METADATA_ENTRIES,
  CODEC_MAX_PAYLOADS,
  type CodecPayload,
  CodecPayloadsSchema,
  CodecQuerySchema,
  CodecSessionSchema,
} from '../../../domain/api';
import { payloadCodec as sealingCodec } from '../../../worker/data-converter';
import { type AesGcmPayloadCodec, PayloadDecryptionError } from '../../../worker/payload-codec';
import { principalOf } from '../../plugins/app/auth';
import { ApiError, forbidden } from '../../errors';
import { errorResponses } from '../responses';
import { CODEC_SESSION_COOKIE, CODEC_SESSION_HOURS, issueCodecSession } from '../../services/codec-session';

/**
 * Temporal's remote codec endpoint, so ops read encrypted payloads in the Web UI and with
 * `temporal workflow show --codec-endpoint …/codec --codec-auth "Bearer <ops key>"`. Ops only:
 * an ops key (header) or, for the Web UI, the codec session cookie that POST /codec/session sets.
 * The Web UI calls it from its own origin, so answers carry CORS headers for the configured
 * Web UI origins only, with credentials.
 */

const CODEC_BODY_LIMIT_BYTES = 8 * 1024 * 1024;
// What one decode call may open, all payloads together. A payload sealed deflated opens to up to 64 MiB (worker/payload-codec.ts),
// so a few kB of copies of one made by /codec/encode would open to gigabytes: an answer no process can hold or serialize.
// Temporal keeps each payload under 2 MiB (its blob size limit), so a history event's payloads fit many times over.
export const CODEC_DECODED_LIMIT_BYTES = 64 * 1024 * 1024;
// What the body's one-pass scan may count (api/services/json-input.ts: every string, bracket and comma): the most
// payloads a call may carry, each with its most metadata entries (3 per entry, a dozen around them). The default
// bound (10,000) refused a call of 2,500 payloads that the schema's 10,000 admitted.
const CODEC_MAX_VALUES = CODEC_MAX_PAYLOADS * (CODEC_MAX_METADATA_ENTRIES * 3 + 12) + 16;
// The Web UI decodes a history event by event: a long history is many calls in a second.
const CODEC_BURST_FACTOR = 20;
const ALLOWED_HEADERS = 'Authorization, Authorization-Extras, Content-Type, X-Namespace, X-Api-Key';

const codec: FastifyPluginAsyncZod = async (app) => {
  // A payload typed to look sealed under no key (never one of ours) is handed back as it came, as an unsealed one is: a 400
  // failed the whole call, so `temporal workflow show --codec-endpoint …` of the workflow it was sent to hung until its deadline.
  const payloadCodec = sealingCodec({ ...app.config.payloadSealing, unsealable: 'pass' });
  const allowedOrigins = new Set(app.config.codecCorsOrigins);

  // onSend runs for every answer of these routes, refusals by the auth hook included, so the Web UI
  // can read a 401 instead of seeing an opaque CORS failure.
  app.addHook('onSend', async (request, reply) => {
    const origin = request.headers.origin;
    reply.header('vary', 'Origin');
    if (typeof origin !== 'string' || !allowedOrigins.has(origin)) return;
    reply.header('access-control-allow-origin', origin);
    reply.header('access-control-allow-credentials', 'true');
  });

  for (const path of ['/codec/encode', '/codec/decode']) {
    app.options(
      path,
      { schema: { hide: true }, config: { access: { public: true }, burstFactor: CODEC_BURST_FACTOR } },
      async (request, reply) => {
        const origin = request.headers.origin;
        if (typeof origin === 'string' && !allowedOrigins.has(origin)) throw forbidden(`origin ${origin} may not call the codec endpoint`);
        return reply
          .code(204)
          .header('access-control-allow-methods', 'POST, OPTIONS')
          .header('access-control-allow-headers', ALLOWED_HEADERS)
          .header('access-control-max-age', '600')
          .send();
      },
    );
  }

  const route = (direction: 'encode' | 'decode') =>
    app.post(
      `/codec/${direction}`,
      {
        bodyLimit: Math.max(app.config.bodyLimitBytes, CODEC_BODY_LIMIT_BYTES),
        config: {
          access: { roles: ['ops'], codecSessionMayAuthenticate: true },
          burstFactor: CODEC_BURST_FACTOR,
          // Payloads are base64 text as long as the body; the depth bound holds as everywhere.
          jsonLimits: { maxStringLength: CODEC_BODY_LIMIT_BYTES, maxValues: CODEC_MAX_VALUES },
          // The Web UI's codec protocol is Temporal's, not ours: a field a later UI sends is not the caller's mistake.
          acceptsUnknownFields: true,
        },
        schema: {
          tags: ['codec'],
          summary: direction === 'decode' ? 'Decrypt Temporal payloads (remote codec)' : 'Encrypt Temporal payloads (remote codec)',
          description:
            direction === 'decode'
              ? 'Payloads not encrypted by Colis pass through unchanged. A payload sealed with a key this API does not hold is refused (400) naming it.'
              : 'Encrypted with the newest configured key, as every Colis client and worker does.',
          security: [{ apiKey: [] }, { bearer: [] }, { codecSession: [] }],
          querystring: CodecQuerySchema,
          body: CodecPayloadsSchema,
          response: { 200: CodecPayloadsSchema, ...errorResponses({ key: true, body: true }) },
        },
      },
      async (request) => {
        const payloads = request.body.payloads.map(fromJson);
        const result = direction === 'decode' ? await decodeWithinLimit(payloadCodec, payloads) : await payloadCodec.encode(payloads);
        request.log.info({ direction, payloads: payloads.length, namespace: request.headers['x-namespace'] }, 'codec');
        return { payloads: result.map(toJson) };
      },
    );
  route('encode');
  route('decode');

  app.post(
    '/codec/session',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['codec'],
        summary: 'Let this browser decode payloads in the Temporal Web UI',
        description:
          `Sets an HttpOnly cookie (${CODEC_SESSION_HOURS} h) that authenticates the Web UI's calls to /codec; enable ` +
          '"Include cross-origin credentials" in the Web UI\'s codec settings, and open the UI and this API under the same host name.',
        response: { 200: CodecSessionSchema, ...errorResponses({ key: true, body: true }) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const key = app.config.apiKeys.find((candidate) => candidate.name === principal.name);
      if (!key) throw forbidden('this key cannot open a codec session');
      const session = issueCodecSession(key, Date.now());
      setSessionCookie(request, reply, session.token, CODEC_SESSION_HOURS * 3600);
      return { expiresAt: new Date(session.expiresAtMs).toISOString() };
    },
  );

  app.delete(
    '/codec/session',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['codec'],
        summary: 'Forget this browser’s codec session',
        security: [],
        response: { 204: z.null(), ...errorResponses({ body: true }) },
      },
    },
    async (request, reply) => {
      setSessionCookie(request, reply, '', 0);
      return reply.code(204).send(null);
    },
  );
};

function setSessionCookie(request: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number): void {
  // Strict: only pages of the same site (the Web UI on localhost and this API on localhost) ever send it.
  const secure = request.protocol === 'https' ? '; Secure' : '';
  reply.header('set-cookie', `${CODEC_SESSION_COOKIE}=${value}; Path=/codec; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`);
}

/**
 * Opens the payloads one by one, so a refusal names the payload it is about (`body.payloads.<i>`) and the
 * answer stops growing at CODEC_DECODED_LIMIT_BYTES (413) instead of exhausting the process (a 500, or worse).
 */
async function decodeWithinLimit(codec: AesGcmPayloadCodec, payloads: Payload[]): Promise<Payload[]> {
  const opened: Payload[] = [];
  let bytes = 0;
  for (const [index, payload] of payloads.entries()) {
    const path = `body.payloads.${index}`;
    let plain: Payload | undefined;
    try {
      [plain] = await codec.decode([payload]);
    } catch (error) {
      if (!(error instanceof PayloadDecryptionError)) throw error;
      throw new ApiError(400, 'validation_failed', error.message, [{ path, message: error.message }]);
    }
    if (!plain) continue;
    bytes += (plain.data?.length ?? 0) + Object.values(plain.metadata ?? {}).reduce((sum, value) => sum + value.length, 0);
    if (bytes > CODEC_DECODED_LIMIT_BYTES) {
      const message = `the payloads open to more than ${CODEC_DECODED_LIMIT_BYTES / 1024 / 1024} MiB together: send fewer at a time`;
      throw new ApiError(413, 'payload_too_large', message, [{ path, message }]);
    }
    opened.push(plain);
  }
  return opened;
}

function fromJson(payload: CodecPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value, 'base64')])),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload): CodecPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value).toString('base64')]),
    ),
    ...(payload.data && payload.data.length > 0 ? { data: Buffer.from(payload.data).toString('base64') } : {}),
  };
}

export default codec;
