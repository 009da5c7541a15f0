import type { z } from 'zod';
import type { CarrierCode } from '../../../domain/carrier';
import {
  CarrierApiError,
  type CarrierError,
  CarrierRejected,
  CarrierTimeout,
  NOT_PROCESSED_STATUSES,
  type RejectionReason,
} from '../errors';
import { carrierWaitMs } from '../retry-after';
import { type ErrorBody, ErrorBodySchema } from './schemas';
import { ShipEngineThrottle, ThrottleWait } from './throttle';

/**
 * One HTTP exchange with ShipEngine, and the one mapping of its failures onto the typed carrier
 * errors. What leaves this module (errors, messages) carries status codes, ShipEngine's error codes
 * and its request id: never the API key, never an address (ShipEngine's free-text messages can
 * quote one, so they are not passed on).
 */

export interface ShipEngineHttpOptions {
  apiUrl: string;
  apiKey: string;
  timeoutMs: number;
  /** This process's share of the account's request rate (./throttle.ts); unthrottled when not given. */
  requestsPerMinute?: number;
  /** The longest a request waits for its turn before it is not sent (default 5 s, as long as an attempt sits out an ask). */
  maxTurnWaitMs?: number;
  /** The transport; the contract tests wrap it to steer the validating mock (`Prefer` headers). */
  fetch?: typeof fetch;
}

export interface Call<T> {
  /** For messages: "rates", "label purchase"… */
  operation: string;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  query?: Readonly<Record<string, string>>;
  body?: unknown;
  answer: z.ZodType<T>;
  /** What a 404 means for this call; without it a 404 is a rejected request. */
  notFound?: RejectionReason;
}

/**
 * A refused request (4xx) is final unless ShipEngine says it is its own trouble (`system`), a rate
 * limit, or an empty balance that ops can top up while the activity retries.
 */
const RETRYABLE_ERROR_TYPES = new Set(['system']);
const RETRYABLE_ERROR_CODES = new Set(['rate_limit_exceeded', 'insufficient_funds']);

export class ShipEngineHttp {
  private readonly send: typeof fetch;
  private readonly base: URL;
  private readonly throttle: ShipEngineThrottle | undefined;

  constructor(private readonly options: ShipEngineHttpOptions) {
    this.send = options.fetch ?? fetch;
    this.base = new URL(`${options.apiUrl.replace(/\/+$/, '')}/`);
    this.throttle =
      options.requestsPerMinute === undefined
        ? undefined
        : new ShipEngineThrottle({
            requestsPerMinute: options.requestsPerMinute,
            ...(options.maxTurnWaitMs === undefined ? {} : { maxWaitMs: options.maxTurnWaitMs }),
          });
  }

  /** The answer, or undefined when the call allows a 404 (`notFound: undefined` is not enough: pass `missingIsUndefined`). */
  async call<T>(carrierCode: CarrierCode, call: Call<T>): Promise<T> {
    const response = await this.exchange(carrierCode, call.operation, this.url(call.path, call.query), {
      method: call.method,
      headers: {
        'API-Key': this.options.apiKey,
        accept: 'application/json',
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
    });
    const text = await this.readText(carrierCode, call.operation, response);
    if (!response.ok) throw failure(carrierCode, call, response, parseError(text));
    const parsed = call.answer.safeParse(parseJson(text));
    if (!parsed.success) throw new CarrierApiError(carrierCode, response.status, `ShipEngine ${call.operation}: unexpected answer`);
    return parsed.data;
  }

  /** Like `call`, but a 404 is an answer ("there is none"), not a failure. */
  async find<T>(carrierCode: CarrierCode, call: Omit<Call<T>, 'notFound'>): Promise<T | undefined> {
    try {
      return await this.call(carrierCode, { ...call, notFound: 'unknown_label' });
    } catch (error) {
      if (error instanceof NotFound) return undefined;
      throw error;
    }
  }

  /**
   * A label file. ShipEngine's download links point at its own host; they are fetched through the
   * configured API URL (same path), so a sandbox, a proxy or the contract tests' mock serves them too.
   */
  async download(carrierCode: CarrierCode, link: string): Promise<Buffer> {
    let path: string;
    try {
      path = new URL(link, this.base).pathname;
    } catch {
      throw new CarrierApiError(carrierCode, 200, 'ShipEngine label download: not a link');
    }
    const response = await this.exchange(carrierCode, 'label download', this.url(path), {
      method: 'GET',
      headers: { 'API-Key': this.options.apiKey },
    });
    if (!response.ok) {
      const text = await this.readText(carrierCode, 'label download', response);
      throw failure(carrierCode, { operation: 'label download', notFound: 'unknown_label' }, response, parseError(text));
    }
    return Buffer.from(await response.arrayBuffer());
  }

  private url(path: string, query?: Readonly<Record<string, string>>): URL {
    const url = new URL(path.replace(/^\/+/, ''), this.base);
    for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, value);
    return url;
  }

  private async exchange(carrierCode: CarrierCode, operation: string, url: URL, init: RequestInit): Promise<Response> {
    await this.turn(carrierCode, operation);
    let response: Response;
    try {
      response = await this.send(url, { ...init, signal: AbortSignal.timeout(this.options.timeoutMs) });
    } catch (error) {
      throw transportFailure(carrierCode, operation, this.options.timeoutMs, error);
    }
    if (NOT_PROCESSED_STATUSES.includes(response.status)) {
      // The account is told to wait, not this request: every request of the process waits with it.
      const waitMs = carrierWaitMs(response.headers.get('retry-after'), Date.now());
      if (waitMs !== undefined) this.throttle?.pause(waitMs);
    }
    return response;
  }

  /** This request's turn within the account's rate; a turn too far off is a refusal nothing was sent for. */
  private async turn(carrierCode: CarrierCode, operation: string): Promise<void> {
    try {
      await this.throttle?.turn();
    } catch (error) {
      if (!(error instanceof ThrottleWait)) throw error;
      const message = `ShipEngine ${operation} not sent: ${error.message}`;
      throw new CarrierApiError(carrierCode, 429, message, error.waitMs);
    }
  }

  private async readText(carrierCode: CarrierCode, operation: string, response: Response): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      throw transportFailure(carrierCode, operation, this.options.timeoutMs, error);
    }
  }
}

/** A 404 on a call that names what is missing: a rejection, with a class the `find` helper recognises. */
export class NotFound extends CarrierRejected {}

function transportFailure(carrierCode: CarrierCode, operation: string, timeoutMs: number, error: unknown): CarrierError {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') return new CarrierTimeout(carrierCode, timeoutMs, `ShipEngine ${operation}`);
  // Connection refused, reset, DNS: nothing reached ShipEngine or the answer was lost; a retry is safe (purchases look up first).
  return new CarrierApiError(carrierCode, 0, `ShipEngine ${operation}: no answer (${name || 'network error'})`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function parseError(text: string): ErrorBody | undefined {
  const parsed = ErrorBodySchema.safeParse(parseJson(text));
  return parsed.success ? parsed.data : undefined;
}

function failure(
  carrierCode: CarrierCode,
  call: Pick<Call<unknown>, 'operation' | 'notFound'>,
  response: Pick<Response, 'status' | 'headers'>,
  body: ErrorBody | undefined,
): CarrierError {
  const { status } = response;
  const message = `ShipEngine ${call.operation} answered ${status}${described(body)}`;
  if (status === 404 && call.notFound) return new NotFound(carrierCode, call.notFound, message);
  if (NOT_PROCESSED_STATUSES.includes(status)) {
    // ShipEngine's rate limit sends Retry-After on its 429 (in seconds); RFC 9110 gives it the same sense on a 503.
    const waitMs = carrierWaitMs(response.headers.get('retry-after'), Date.now());
    const asked = waitMs === undefined ? '' : `; asked to wait ${Math.ceil(waitMs / 1_000)} s`;
    return new CarrierApiError(carrierCode, status, `${message}${asked}`, waitMs);
  }
  if (status === 408 || status >= 500 || status === 401 || status === 403) {
    return new CarrierApiError(carrierCode, status, message);
  }
  return refusal(carrierCode, status, message, body?.errors ?? []);
}

/** ShipEngine's error codes and request id, for messages: never its free text. */
function described(body: ErrorBody | undefined): string {
  const codes = (body?.errors ?? []).map((e) => e.error_code ?? e.error_type ?? 'unknown').join(', ');
  return `${codes ? ` (${codes})` : ''}${body?.request_id ? ` request ${body.request_id}` : ''}`;
}

function refusal(carrierCode: CarrierCode, status: number, message: string, errors: NonNullable<ErrorBody['errors']>): CarrierError {
  const retryable = errors.some((e) => RETRYABLE_ERROR_TYPES.has(e.error_type ?? '') || RETRYABLE_ERROR_CODES.has(e.error_code ?? ''));
  if (retryable) return new CarrierApiError(carrierCode, status, message);
  const reason: RejectionReason = errors.some((e) => e.error_code === 'invalid_address') ? 'invalid_address' : 'invalid_request';
  return new CarrierRejected(carrierCode, reason, message);
}

/**
 * Errors ShipEngine reports inside an answer (a rate response with no rate, `status: error`): read as a refused
 * request's errors are, retried or final, and said by their codes (`what`: "rates: no rate").
 */
export function errorsInAnswer(carrierCode: CarrierCode, what: string, body: ErrorBody): CarrierError {
  return refusal(carrierCode, 200, `ShipEngine ${what}${described(body)}`, body.errors ?? []);
}
