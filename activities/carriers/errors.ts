import { ApplicationFailure } from '@temporalio/common';
import type { CarrierCode } from '../../domain/carrier';
import { RETRY_AFTER_CEILING_MS, spreadWaitMs } from './retry-after';

/**
 * What can go wrong when talking to a carrier. Every error says whether retrying can help, and
 * carries a stable `type` so Temporal retry policies (`nonRetryableErrorTypes`) and the API can
 * branch on it without parsing messages.
 */

/** Named like the classes and like domain/errors.ts types, so one naming scheme reaches Temporal. */
export type CarrierErrorType = 'CarrierApiError' | 'CarrierTimeout' | 'CarrierRejected' | 'CarrierUnavailable';

/** For `nonRetryableErrorTypes` in the carrier activities' retry policy. */
export const NON_RETRYABLE_CARRIER_ERROR_TYPES: readonly CarrierErrorType[] = ['CarrierRejected', 'CarrierUnavailable'];

export abstract class CarrierError extends Error {
  abstract readonly type: CarrierErrorType;
  abstract readonly retryable: boolean;

  protected constructor(
    readonly carrierCode: CarrierCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The carrier answered with a server-side failure (5xx, 429): the same request may succeed later. `retryAfterMs`:
 * the wait the carrier asked for before the next call (its Retry-After on a 429 or 503, read by ./retry-after.ts),
 * which the activity failure hands to Temporal as the next attempt's delay.
 */
export class CarrierApiError extends CarrierError {
  readonly type = 'CarrierApiError';
  readonly retryable = true;

  constructor(
    carrierCode: CarrierCode,
    readonly status: number,
    message = `${carrierCode} answered ${status}`,
    readonly retryAfterMs?: number,
    /**
     * A request made after the carrier sold the label it failed in (ShipEngine: the tracking registration, the
     * estimate of a label found again): its 429 or 503 says that request was not processed, not that nothing was bought.
     */
    readonly afterSale = false,
  ) {
    super(carrierCode, message);
  }

  /** The carrier turned the call away unprocessed (NOT_PROCESSED_STATUSES) and no label was bought by it: it may go elsewhere. */
  get nothingBought(): boolean {
    return NOT_PROCESSED_STATUSES.includes(this.status) && !this.afterSale;
  }
}

/** The same failure, of a request made once the label was bought: retried with the purchase's key, never given away. */
export function failedAfterSale(error: unknown, carrierLabelId: string): unknown {
  if (!(error instanceof CarrierApiError) || error.afterSale) return error;
  return new CarrierApiError(
    error.carrierCode,
    error.status,
    `${error.message} (label ${carrierLabelId} bought)`,
    error.retryAfterMs,
    true,
  );
}

/**
 * No answer in time. The carrier may still have done the work (a label bought, the response lost),
 * which is why purchases carry an idempotency key: the retry gets the same label back.
 */
export class CarrierTimeout extends CarrierError {
  readonly type = 'CarrierTimeout';
  readonly retryable = true;

  constructor(
    carrierCode: CarrierCode,
    readonly timeoutMs: number,
    operation: string,
  ) {
    super(carrierCode, `${carrierCode} ${operation} timed out after ${timeoutMs} ms`);
  }
}

/**
 * Statuses by which a carrier says it did not process the request at all (RFC 9110: 503 Service
 * Unavailable, 429 Too Many Requests). Only these let a booking go elsewhere without risking a label
 * bought twice: after a 500 or a timeout the carrier may have sold it, and only a retry with the same
 * idempotency key finds out.
 */
export const NOT_PROCESSED_STATUSES: readonly number[] = [429, 503];

/**
 * A label purchase the carrier turned away unprocessed several times in a row (NOT_PROCESSED_STATUSES):
 * nothing was bought, and the booking may take its next-best service with another carrier rather than
 * wait for this one (workflows/shipment/booking.ts).
 */
export class CarrierUnavailable extends CarrierError {
  readonly type = 'CarrierUnavailable';
  readonly retryable = false;

  constructor(
    carrierCode: CarrierCode,
    readonly refusals: number,
    lastError: CarrierApiError,
  ) {
    super(carrierCode, `${carrierCode} turned the label purchase away ${refusals} times (${lastError.message}); nothing was bought`);
  }
}

export const REJECTION_REASONS = [
  'invalid_request',
  'unsupported_destination',
  'unknown_service',
  'parcel_too_heavy',
  'parcel_too_long',
  'idempotency_conflict',
  'unknown_label',
  'unknown_tracking_number',
  'invalid_address',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** The carrier refused the request itself: sending it again unchanged can only be refused again. */
export class CarrierRejected extends CarrierError {
  readonly type = 'CarrierRejected';
  readonly retryable = false;

  constructor(
    carrierCode: CarrierCode,
    readonly reason: RejectionReason,
    message: string,
  ) {
    super(carrierCode, message);
  }
}

export function isCarrierError(error: unknown): error is CarrierError {
  return error instanceof CarrierError;
}

/**
 * The one mapping from carrier errors to Temporal failures, for the activities that call carriers.
 * Unknown errors pass through unchanged so Temporal's default (retry) applies. A carrier that asked for
 * a wait gets it (spread: ./retry-after.ts) as `nextRetryDelay`, which replaces the retry policy's backoff for
 * that one attempt: at most `maxRetryDelayMs` (the running activity's maximum interval), so an ask never
 * outwaits the policy.
 */
export function toApplicationFailure(error: unknown, maxRetryDelayMs = RETRY_AFTER_CEILING_MS): unknown {
  if (!isCarrierError(error)) return error;
  const details =
    error instanceof CarrierRejected ? [{ carrierCode: error.carrierCode, reason: error.reason }] : [{ carrierCode: error.carrierCode }];
  const askedMs = error instanceof CarrierApiError ? error.retryAfterMs : undefined;
  return ApplicationFailure.create({
    type: error.type,
    message: error.message,
    nonRetryable: !error.retryable,
    details,
    cause: error,
    ...(askedMs === undefined ? {} : { nextRetryDelay: Math.min(spreadWaitMs(askedMs), maxRetryDelayMs) }),
  });
}
