/**
 * Business errors as values. Each `type` is also the Temporal `ApplicationFailure` type an activity throws
 * (non-retryable: retrying cannot create stock or fix an address) and the key the API maps to an HTTP status.
 * Pure module: no Temporal import, so workflows, activities and the API can all share it.
 */

export const DOMAIN_ERROR_TYPES = [
  'OutOfStock',
  'InvalidAddress',
  'NoServiceAvailable',
  'UnknownSku',
  'OrderStateConflict',
  'EscalationNotOpen',
  'NoPickSlot',
  'WarehouseDown',
] as const;
export type DomainErrorType = (typeof DOMAIN_ERROR_TYPES)[number];

export interface DomainErrorDetails {
  OutOfStock: { shortages: { lineId: string; skuCode: string; missing: number }[] };
  InvalidAddress: { reason: string; field?: string };
  NoServiceAvailable: { shipmentId?: string; carriersAsked?: string[] };
  UnknownSku: { skuCodes: string[] };
  OrderStateConflict: { orderId: string; state: string; attempted: string };
  /** The workflow does not hold this escalation open: never opened by it, already answered, or not yet known to it. */
  EscalationNotOpen: { escalationId: string; owner: string };
  /** The warehouse has no pick capacity left within the days it books ahead. */
  NoPickSlot: { warehouseCode: string; horizonDays: number };
  /** The warehouse is down (or the shipment already left it for `movedTo`): nothing is picked there. */
  WarehouseDown: { warehouseCode: string; movedTo?: string };
}

/**
 * An OrderStateConflict's `state` when the refusal is about timing, not the request: another change of the same kind is
 * being made (ask again after it), or the order already is as asked (answer it as it stands).
 */
export const CONFLICT_STATES = { changeInProgress: 'change_in_progress', nothingToChange: 'nothing_to_change' } as const;
export type ConflictState = (typeof CONFLICT_STATES)[keyof typeof CONFLICT_STATES];

/** The discriminated union: `switch (error.type)` narrows `details`. */
export type DomainErrorValue = {
  [T in DomainErrorType]: { type: T; message: string; details: DomainErrorDetails[T] };
}[DomainErrorType];

/** Every domain error is a business outcome: retrying the same call gives the same answer. */
export const NON_RETRYABLE_ERROR_TYPES: readonly DomainErrorType[] = DOMAIN_ERROR_TYPES;

export function isDomainErrorType(value: unknown): value is DomainErrorType {
  return typeof value === 'string' && (DOMAIN_ERROR_TYPES as readonly string[]).includes(value);
}

export function domainError<T extends DomainErrorType>(
  type: T,
  message: string,
  details: DomainErrorDetails[T],
): Extract<DomainErrorValue, { type: T }> {
  return { type, message, details } as Extract<DomainErrorValue, { type: T }>;
}

/**
 * The throwable form, for code paths where a value cannot be returned (an activity that must fail).
 * Activities convert it once to `ApplicationFailure.nonRetryable(message, type, details)`.
 */
export class DomainError<T extends DomainErrorType = DomainErrorType> extends Error {
  readonly type: T;
  readonly details: DomainErrorDetails[T];

  constructor(type: T, message: string, details: DomainErrorDetails[T]) {
    super(message);
    this.name = type;
    this.type = type;
    this.details = details;
  }

  static fromValue<T extends DomainErrorType>(value: { type: T; message: string; details: DomainErrorDetails[T] }): DomainError<T> {
    return new DomainError(value.type, value.message, value.details);
  }

  toValue(): DomainErrorValue {
    return { type: this.type, message: this.message, details: this.details } as DomainErrorValue;
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError && isDomainErrorType(error.type);
}
