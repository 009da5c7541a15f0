import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiErrorCode, ErrorDetail, ErrorResponse } from '../../../domain/api';
import { ApiError, toApiError } from '../../errors';
import { sendErrorPage, speaksCustomerLanguage } from '../../error-pages';
import { learnLinkLanguage } from '../../services/customer-language';
import { repeatedQueryParameters, unknownQueryParameters } from './query-checks';
import {
  charsetProblem,
  contentCodingProblem,
  JSON_LIMITS,
  type JsonLimits,
  parseJsonInput,
  textProblem,
  UNKNOWN_FIELD,
  unknownFields,
  utf8Text,
} from '../../services/json-input';

/**
 * Every error leaves the API in one shape, `{ error: { code, message, details? }, requestId }`:
 * our own ApiErrors, the typed failures `toApiError` knows (domain, Temporal, PostgreSQL), schema
 * validation, Fastify's parser errors (too large, wrong media type) and the rate limiter's. Anything
 * unexpected is logged with its stack and answered with a bare 500 that reveals nothing. A person's browser gets each
 * of these as a page instead (api/error-pages.ts).
 * Bodies are parsed here (bounded before any recursive work, see services/json-input.ts), and a query
 * or path parameter with a control character or invalid Unicode is refused before any handler.
 */

const LOCATION: Record<string, string> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

const CODE_BY_STATUS: Record<number, ApiErrorCode> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

export function errorBody(request: FastifyRequest, code: ApiErrorCode, message: string, details?: ErrorDetail[]): ErrorResponse {
  return { error: { code, message, ...(details && details.length > 0 ? { details } : {}) }, requestId: request.id };
}

function validationDetails(error: FastifyError): ErrorDetail[] {
  const where = LOCATION[error.validationContext ?? 'body'] ?? 'body';
  const issues = hasZodFastifySchemaValidationErrors(error) ? error.validation : (error.validation ?? []);
  return issues.slice(0, 50).flatMap((issue) => {
    const path = [where, ...issue.instancePath.split('/').filter((segment) => segment !== '')];
    // A strict schema's unknown keys are reported on the object that holds them ("body: Unrecognized key"): each is
    // named instead, as unknownFields names them on every other endpoint.
    const keys = issue.keyword === 'unrecognized_keys' ? (issue.params as { keys?: unknown }).keys : undefined;
    if (Array.isArray(keys) && keys.length > 0)
      return keys.slice(0, 20).map((key) => ({ path: [...path, String(key)].join('.'), message: UNKNOWN_FIELD }));
    return [{ path: path.join('.'), message: issue.message ?? 'is invalid' }];
  });
}

/**
 * The top-level fields of a refused body that its schema does not declare. A body refused for another reason is answered
 * before the unknown-field check runs (it needs the validated body): PATCH /shops/{id} with only `displayname` was told
 * "give displayName or returnWindowDays" and never which field it had sent instead.
 */
function undeclaredBodyFields(request: FastifyRequest): ErrorDetail[] {
  const schema = request.routeOptions.schema?.body;
  const body = request.body;
  if (request.routeOptions.config?.acceptsUnknownFields || !(schema instanceof z.ZodObject) || schema.def.catchall !== undefined) return [];
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return [];
  return Object.keys(body)
    .filter((key) => !Object.hasOwn(schema.shape, key))
    .slice(0, 20)
    .map((key) => ({ path: `body.${key.slice(0, 40)}`, message: UNKNOWN_FIELD }));
}

/** A body's validation issues and its undeclared fields, each path once (a strict schema reports the latter itself). */
function bodyValidationDetails(request: FastifyRequest, error: FastifyError): ErrorDetail[] {
  const details = validationDetails(error);
  if ((error.validationContext ?? 'body') !== 'body') return details;
  const named = new Set(details.map((detail) => detail.path));
  return [...details, ...undeclaredBodyFields(request).filter((detail) => !named.has(detail.path))];
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && ('statusCode' in error || 'code' in error || 'validation' in error);
}

/**
 * Fastify's own refusals of a body, reworded to name what is at fault: its "Unsupported Media Type" and "Request body is
 * too large" told a client neither which header nor what limit, where every other 4xx names the field.
 */
function bodyRefusal(request: FastifyRequest, error: FastifyError): ApiError | undefined {
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const contentType = request.headers['content-type'];
    const message =
      typeof contentType === 'string' && contentType.trim() !== ''
        ? `the body's Content-Type ${contentType.split(';')[0]?.trim().slice(0, 80)} is not accepted: send application/json`
        : 'the body has no Content-Type: send it as application/json';
    return new ApiError(415, 'unsupported_media_type', message, [{ path: 'headers.content-type', message }]);
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const limit = request.routeOptions.bodyLimit;
    const message = `the body is larger than this endpoint reads${limit ? ` (${limit} bytes)` : ''}`;
    return new ApiError(413, 'payload_too_large', message, [{ path: 'body', message }]);
  }
  return undefined;
}

/** Query and path values: no control character, no invalid Unicode, whatever the route's schema says. */
function urlTextProblems(request: FastifyRequest): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const check = (where: string, values: unknown) => {
    if (values === null || typeof values !== 'object') return;
    for (const [key, value] of Object.entries(values)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (typeof item !== 'string') continue;
        const problem = textProblem(key, 'url') ?? textProblem(item, 'url');
        if (problem) problems.push({ path: `${where}.${textProblem(key, 'url') ? '?' : key}`, message: problem });
      }
    }
  };
  check('query', request.query);
  check('params', request.params);
  return problems;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route whose fields are legitimately bigger than ours (the codec's payloads) widens the body's bounds. */
    jsonLimits?: Partial<JsonLimits>;
    /** A protocol we do not own (the Temporal codec's payloads) may grow fields: they are dropped rather than refused. */
    acceptsUnknownFields?: boolean;
    /** A route without a body schema that reads its body itself (the tracking page's form): its Content-Type is kept. */
    parsesItsOwnBody?: boolean;
  }
}

/**
 * A JSON body's bytes as text: refused, naming the header or the byte, when it declares a content coding or another charset
 * than UTF-8 (415) or is not UTF-8 (400), rather than read with U+FFFD in place of what the client sent.
 */
export function jsonBodyText(request: FastifyRequest, body: Buffer): { ok: true; text: string } | { ok: false; error: ApiError } {
  const coding = contentCodingProblem(request.headers['content-encoding']);
  if (coding)
    return {
      ok: false,
      error: new ApiError(415, 'unsupported_media_type', `the body's ${coding}`, [{ path: 'headers.content-encoding', message: coding }]),
    };
  const contentType = request.headers['content-type'];
  const charset = charsetProblem(typeof contentType === 'string' ? contentType : undefined);
  if (charset)
    return {
      ok: false,
      error: new ApiError(415, 'unsupported_media_type', `the body's ${charset}`, [{ path: 'headers.content-type', message: charset }]),
    };
  const text = utf8Text(body);
  if (!text.ok) return { ok: false, error: new ApiError(400, 'invalid_json', text.message, [{ path: 'body', message: text.message }]) };
  return text;
}

/** Each JSON body as parsed, before its schema stripped the fields it does not declare. */
const receivedBodies = new WeakMap<FastifyRequest, unknown>();

export default fp(
  async function errors(app: FastifyInstance) {
    // The one JSON parser: bounded before parsing, text checked after (a route may replace it, as the webhooks do, through parseJsonInput).
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
      // The chunked twin of the empty-body case below: a route that takes no body answers an empty chunked one too
      // (`Transfer-Encoding: chunked` then `0`, as streaming clients send), which the onRequest hook cannot see as empty.
      if (body.length === 0 && !request.routeOptions.schema?.body) return done(null, undefined);
      const text = jsonBodyText(request, body);
      if (!text.ok) return done(text.error, undefined);
      const parsed = parseJsonInput(text.text, { ...JSON_LIMITS, ...request.routeOptions.config?.jsonLimits });
      if (parsed.ok) {
        receivedBodies.set(request, parsed.value);
        done(null, parsed.value);
      } else done(new ApiError(400, parsed.code, parsed.message, parsed.details), undefined);
    });

    // A route that takes no body (a rotation, a replay, a session, a DELETE) answers a request with an empty body whatever
    // its Content-Type says: clients that set `Content-Type: application/json` on every call send no document, and were
    // told "the body is empty; send a JSON document" (or 415 for text/plain) by an endpoint that reads none.
    app.addHook('onRequest', async (request) => {
      if (request.routeOptions.schema?.body || request.routeOptions.config?.parsesItsOwnBody) return;
      const { headers } = request;
      const empty =
        headers['transfer-encoding'] === undefined && (headers['content-length'] === undefined || headers['content-length'] === '0');
      if (empty && headers['content-type'] !== undefined) delete headers['content-type'];
    });

    // After validation, before any handler: a field the route's schema does not declare is refused, never dropped in silence.
    app.addHook('preHandler', async (request) => {
      if (!request.routeOptions.schema?.body || request.routeOptions.config?.acceptsUnknownFields) return;
      if (!receivedBodies.has(request)) return;
      const unknown = unknownFields(receivedBodies.get(request), request.body);
      if (unknown.length > 0)
        throw new ApiError(400, 'validation_failed', 'the request body has fields this endpoint does not know', unknown);
    });

    app.addHook('preValidation', async (request) => {
      const problems = urlTextProblems(request);
      if (problems.length > 0) throw new ApiError(400, 'validation_failed', 'the URL has text that cannot be accepted', problems);
      const repeated = repeatedQueryParameters(request);
      if (repeated.length > 0) throw new ApiError(400, 'validation_failed', 'the request query is invalid', repeated);
      const unknown = unknownQueryParameters(request);
      if (unknown.length > 0)
        throw new ApiError(400, 'validation_failed', 'the request query has parameters this endpoint does not read', unknown);
    });

    // One answer per refusal: the error page to a person's browser (api/error-pages.ts), the error shape to an API client.
    const answer = (
      request: FastifyRequest,
      reply: FastifyReply,
      status: number,
      code: ApiErrorCode,
      message: string,
      details?: ErrorDetail[],
    ) => sendErrorPage(request, reply, status, details) ?? reply.code(status).send(errorBody(request, code, message, details));

    app.setErrorHandler(async (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
      // A customer's link refused before its route ran (429, a query its schema refuses): its page in the order's language.
      if (!speaksCustomerLanguage(request)) await learnLinkLanguage(app, request);
      const known = toApiError(error);
      if (known) {
        if (known.statusCode >= 500) request.log.warn({ code: known.code }, known.message);
        if (known.headers) reply.headers(known.headers);
        if (known.statusCode === 401 && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', WWW_AUTHENTICATE);
        return answer(request, reply, known.statusCode, known.code, known.message, known.details);
      }
      if (isFastifyError(error)) {
        const refused = bodyRefusal(request, error);
        if (refused) return answer(request, reply, refused.statusCode, refused.code, refused.message, refused.details);
        if (error.validation) {
          const where = LOCATION[error.validationContext ?? 'body'] ?? 'body';
          const verb = where === 'headers' || where === 'params' ? 'are' : 'is';
          return answer(
            request,
            reply,
            400,
            'validation_failed',
            `the request ${where} ${verb} invalid`,
            bodyValidationDetails(request, error),
          );
        }
        const status = error.statusCode ?? 500;
        if (status >= 400 && status < 500) {
          const code = CODE_BY_STATUS[status] ?? 'validation_failed';
          // Fastify's own messages name the limit or the media type, never the body.
          return answer(request, reply, status in CODE_BY_STATUS ? status : 400, code, error.message);
        }
      }
      request.log.error({ err: error }, 'unhandled error');
      return answer(request, reply, 500, 'internal', 'an internal error occurred; quote the request id when reporting it');
    });
  },
  { name: 'colis-errors' },
);

/** The credentials a 401 asks for (RFC 9110 §11.6.1): an API key in X-Api-Key, or the same key as a bearer token. */
export const WWW_AUTHENTICATE = 'ApiKey realm="colis", header="X-Api-Key", Bearer realm="colis"';
