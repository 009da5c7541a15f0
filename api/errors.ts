import type { ApiErrorCode, ErrorDetail } from '../domain/api';

/**
 * An answer the API chose to give: thrown from a handler or hook and rendered once, in
 * plugins/app/errors.ts, into the one error shape. Anything else thrown is a bug and becomes a 500.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    /** Extra response headers, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} was not found`);
export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);
export const unavailable = (message: string) => new ApiError(503, 'unavailable', message, undefined, { 'retry-after': '5' });
