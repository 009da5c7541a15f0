import {
  ApplicationFailure,
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import type { ApiErrorCode, ErrorDetail } from '../domain/api';
import { type DomainErrorType, isDomainError, isDomainErrorType } from '../domain/errors';
import { Prisma } from '../prisma/generated/client';
import { PayloadDecryptionError } from '../worker/payload-codec';

/**
 * An answer the API chose to give: thrown from a handler or hook and rendered once, in
 * plugins/app/errors.ts, into the one error shape. Anything else thrown goes through `toApiError`,
 * the one table from typed failures (domain errors, Temporal's, PostgreSQL's) to HTTP; what it does
 * not know is a bug and becomes a bare 500.
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

/**
 * A request whose Idempotency-Key was already used for another body (or is still being applied): the header is what
 * the client must change or wait on, so the detail names it like any other refused field.
 */
export const idempotencyConflict = (message: string, detail: string, headers?: Record<string, string>) =>
  new ApiError(409, 'idempotency_conflict', message, [{ path: 'headers.idempotency-key', message: detail }], headers);

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} was not found`);
export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);
export const unavailable = (message: string, retryAfterSeconds = 5) =>
  new ApiError(503, 'unavailable', message, undefined, { 'retry-after': String(retryAfterSeconds) });

/**
 * Every business refusal a workflow or an activity can give, as the client meets it. Keyed by the
 * domain error types themselves: a new type does not compile until it has its answer here.
 */
export const DOMAIN_ERROR_HTTP: Readonly<Record<DomainErrorType, { status: number; code: ApiErrorCode }>> = {
  OutOfStock: { status: 409, code: 'out_of_stock' },
  InvalidAddress: { status: 400, code: 'validation_failed' },
  NoServiceAvailable: { status: 409, code: 'no_service_available' },
  UnknownSku: { status: 400, code: 'unknown_sku' },
  OrderStateConflict: { status: 409, code: 'order_state_conflict' },
  EscalationNotOpen: { status: 409, code: 'escalation_not_open' },
  // The warehouse has no pick capacity within its booking horizon: the order's state, not the request, is the obstacle.
  NoPickSlot: { status: 409, code: 'order_state_conflict' },
  // A pick refused at a warehouse that is down: the shipment moves; no client request meets it, but it has its answer.
  WarehouseDown: { status: 409, code: 'order_state_conflict' },
};

/** The ApplicationFailure at the root of a Temporal failure chain, where business errors carry their type. */
export function rootApplicationFailure(error: unknown): ApplicationFailure | undefined {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth += 1) {
    if (current instanceof ApplicationFailure) return current;
    current = (current as Error & { cause?: unknown }).cause;
  }
  return undefined;
}

/** The domain error type of a Temporal failure (an activity's or an update validator's), if it carries one. */
export function domainErrorTypeOf(error: unknown): DomainErrorType | undefined {
  const type = rootApplicationFailure(error)?.type;
  return type && isDomainErrorType(type) ? type : undefined;
}

function fromDomainType(type: DomainErrorType, message: string, prefix: string): ApiError {
  const { status, code } = DOMAIN_ERROR_HTTP[type];
  return new ApiError(status, code, `${prefix}${message}`);
}

/**
 * The one mapping of failures to answers. `what` names the action for the message ("cancel").
 * Returns undefined for what is not a known failure: the caller answers 500 and logs it.
 */
export function toApiError(error: unknown, what?: string): ApiError | undefined {
  if (error instanceof ApiError) return error;
  const prefix = what ? `${what} was refused: ` : '';
  if (isDomainError(error)) return fromDomainType(error.type, error.message, prefix);
  if (error instanceof WorkflowUpdateFailedError) {
    const failure = rootApplicationFailure(error.cause) ?? rootApplicationFailure(error);
    const reason = failure?.message ?? error.message;
    if (failure?.type && isDomainErrorType(failure.type)) return fromDomainType(failure.type, reason, prefix);
    // A refusal without a domain type (a workflow older than its typed validators): still the caller's conflict with its state.
    return new ApiError(409, 'order_state_conflict', `${prefix}${reason}`);
  }
  if (error instanceof WorkflowNotFoundError) return notFound(what ? `the workflow of this ${what}` : 'the workflow');
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isDeadlineExceeded(error)) {
    return unavailable(
      `${what ?? 'the call'} got no answer from the workflow in time; no worker may be running, or its workflow tasks fail (temporal workflow show says why) — retry later`,
    );
  }
  if (error instanceof ServiceError) return unavailable('Temporal cannot be reached right now; retry later');
  if (error instanceof Prisma.PrismaClientKnownRequestError) return fromPrisma(error);
  // A payload sent to the codec endpoint that no key of ours opens: the client's payload, named.
  if (error instanceof PayloadDecryptionError)
    return new ApiError(400, 'validation_failed', error.message, [{ path: 'body.payloads', message: error.message }]);
  if (error instanceof Prisma.PrismaClientInitializationError || isLostConnection(error))
    return unavailable('the database cannot be reached right now; retry later');
  return undefined;
}

/**
 * What node-postgres throws, with no SQLSTATE, when PostgreSQL went away under a connection or could not be reached in
 * time; Prisma's pg adapter passes these on untouched (within an interactive transaction, a statement after the
 * connection died gets "…is not queryable"), and inside an interactive transaction its own DriverAdapterError (57P01
 * "terminating connection…") is not wrapped either. An outage, not a bug: found by a drill that killed PostgreSQL -9
 * while returns were asked for, each then answered 500.
 */
const PG_CONNECTION_LOST = [
  'Connection terminated unexpectedly',
  'Client has encountered a connection error and is not queryable',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
];

function isLostConnection(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // Within an interactive transaction the adapter's own error comes through unwrapped (not as P2010/P2039).
  if (error.name === 'DriverAdapterError' && isOutageCause(error.cause)) return true;
  const message = error.message;
  return PG_CONNECTION_LOST.some(
    (lost) => message === lost || (error instanceof Prisma.PrismaClientUnknownRequestError && message.includes(lost)),
  );
}

/** What PostgreSQL refuses of a value that passed validation is still the request's fault; a lost connection is not. */
function fromPrisma(error: Prisma.PrismaClientKnownRequestError): ApiError | undefined {
  switch (error.code) {
    case 'P2000':
      return new ApiError(400, 'validation_failed', 'a value is too long to be stored');
    case 'P2002':
      return new ApiError(409, 'conflict', 'the request conflicts with a record that already exists');
    case 'P1001':
    case 'P1002':
    case 'P1008':
    case 'P1017':
    case 'P2024':
      return unavailable('the database cannot be reached right now; retry later');
    // PostgreSQL's own code, passed through as Prisma maps it to none of the above: a server starting up or shutting down
    // (57P01-57P03, "the database system is starting up" for the seconds a restarted PostgreSQL replays its log) or a
    // connection exception (class 08) is an outage too, not a bug: 503 with Retry-After, as above.
    case 'P2010':
    case 'P2039':
      return isUnavailableServer(error.meta) ? unavailable('the database cannot be reached right now; retry later') : undefined;
    default:
      return undefined;
  }
}

function isUnavailableServer(meta: Record<string, unknown> | undefined): boolean {
  return isOutageCause((meta?.driverAdapterError as { cause?: unknown } | undefined)?.cause);
}

/** A driver adapter error's cause that says the server went away or cannot be reached, not that the statement was wrong. */
function isOutageCause(cause: unknown): boolean {
  if (typeof cause !== 'object' || cause === null) return false;
  const { originalCode: code, kind } = cause as { originalCode?: unknown; kind?: unknown };
  if (typeof kind === 'string' && ['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout'].includes(kind)) return true;
  return typeof code === 'string' && (code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code));
}

export function isDeadlineExceeded(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  return code === 4 /* gRPC DEADLINE_EXCEEDED */;
}
