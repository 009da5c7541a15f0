import type { ServerResponse } from 'node:http';
import type { FastifyError, FastifyRequest } from 'fastify';
import { errorBody } from './plugins/app/errors';
import { errorPageFor } from './error-pages';
import { setSecurityHeaders } from './plugins/external/helmet';

/** The longest path parameter the router matches: every id of ours is at most 80 characters. */
export const MAX_PATH_SEGMENT = 100;

interface PlainReply {
  raw: ServerResponse;
  header(name: string, value: string): PlainReply;
  code(status: number): PlainReply;
  type(contentType: string): PlainReply;
  send(body: unknown): unknown;
}

/**
 * A URL the router cannot decode (bytes that are not UTF-8 in a path) or whose path segment is longer than the router
 * matches: Fastify answers it here, before any hook, so the security headers are set here too. A person's browser gets its
 * page (api/error-pages.ts); an API client the one error shape, saying which of the two it is.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: unknown): void {
  // The reply's type here is the schema-typed one; these answers are fixed and need none of it.
  const plain = reply as PlainReply;
  setSecurityHeaders(request.raw, plain.raw);
  plain.header('x-request-id', request.id);
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  // A link a person opened (an id pasted twice into a tracking link, a link cut in a mail) gets a page, never cached:
  // its URL may carry a tracking token.
  const page = errorPageFor(request, tooLong ? 404 : 400);
  if (page !== undefined) {
    plain
      .code(tooLong ? 404 : 400)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(page);
    return;
  }
  const [message, detail] = tooLong
    ? [`the URL has a path segment longer than ${MAX_PATH_SEGMENT} characters`, 'has a segment longer than any id']
    : error.code === 'FST_ERR_BAD_URL'
      ? ['the URL is not valid (malformed percent-encoding)', 'is not a valid URL component']
      : ['the URL is not valid', 'is invalid'];
  plain.code(400).send(errorBody(request, 'validation_failed', message, [{ path: 'url', message: detail }]));
}
