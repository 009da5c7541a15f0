import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ApiErrorCode, ErrorDetail, ErrorResponse } from '../../../domain/api';
import { ApiError } from '../../errors';

/**
 * Every error leaves the API in one shape, `{ error: { code, message, details? }, requestId }`:
 * our own ApiErrors, schema validation, Fastify's parser errors (bad JSON, too large, wrong media
 * type) and the rate limiter's. Anything unexpected is logged with its stack and answered with a
 * bare 500 that reveals nothing.
 */

const LOCATION: Record<string, string> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

const CODE_BY_STATUS: Record<number, ApiErrorCode> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'idempotency_conflict',
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
  if (hasZodFastifySchemaValidationErrors(error)) {
    return error.validation.map((issue) => ({
      path: [where, ...issue.instancePath.split('/').filter((segment) => segment !== '')].join('.'),
      message: issue.message ?? 'is invalid',
    }));
  }
  return (error.validation ?? []).map((issue) => ({
    path: [where, ...issue.instancePath.split('/').filter((segment) => segment !== '')].join('.'),
    message: issue.message ?? 'is invalid',
  }));
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && ('statusCode' in error || 'code' in error || 'validation' in error);
}

/** PostgreSQL cannot store NUL, and no field of ours means a control character: refuse them at the door. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's job
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function controlCharacterPaths(value: unknown, path: string, found: string[]): string[] {
  if (found.length >= 20) return found;
  if (typeof value === 'string') {
    if (CONTROL.test(value)) found.push(path);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      controlCharacterPaths(item, `${path}.${i}`, found);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) controlCharacterPaths(item, `${path}.${key}`, found);
  }
  return found;
}

export default fp(
  async function errors(app: FastifyInstance) {
    app.addHook('preValidation', async (request) => {
      const paths = controlCharacterPaths(request.body, 'body', []);
      if (paths.length > 0) {
        throw new ApiError(
          400,
          'validation_failed',
          'text fields may not contain control characters',
          paths.map((path) => ({ path, message: 'contains a control character' })),
        );
      }
    });

    app.setErrorHandler(async (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
      if (error instanceof ApiError) {
        if (error.statusCode >= 500) request.log.warn({ code: error.code }, error.message);
        if (error.headers) reply.headers(error.headers);
        return reply.code(error.statusCode).send(errorBody(request, error.code, error.message, error.details));
      }
      if (isFastifyError(error)) {
        if (error.validation) {
          const where = LOCATION[error.validationContext ?? 'body'] ?? 'body';
          return reply.code(400).send(errorBody(request, 'validation_failed', `the request ${where} is invalid`, validationDetails(error)));
        }
        const status = error.statusCode ?? 500;
        if (status >= 400 && status < 500) {
          const jsonProblem = typeof error.code === 'string' && /JSON/.test(error.code);
          const code = jsonProblem ? 'invalid_json' : (CODE_BY_STATUS[status] ?? 'validation_failed');
          return reply.code(status in CODE_BY_STATUS ? status : 400).send(errorBody(request, code, error.message));
        }
      }
      request.log.error({ err: error }, 'unhandled error');
      return reply.code(500).send(errorBody(request, 'internal', 'an internal error occurred; quote the request id when reporting it'));
    });

    app.setNotFoundHandler(async (request, reply) =>
      reply.code(404).send(errorBody(request, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`)),
    );
  },
  { name: 'colis-errors' },
);
