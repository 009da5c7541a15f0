import { ApplicationFailure } from '@temporalio/workflow';
import type { ConflictState, DomainErrorDetails } from '../../domain/errors';

/** The ApplicationFailure behind an activity failure, where business errors carry their type. */
export function rootFailure(error: unknown): ApplicationFailure | undefined {
  let current: unknown = error;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure) return current;
    current = (current as Error & { cause?: unknown }).cause;
  }
  return undefined;
}

/** An update the workflow refuses in its validator: the reason reaches the caller (the API answers 409). */
export function refuse(message: string): never {
  throw ApplicationFailure.nonRetryable(message, 'OrderStateConflict');
}

/**
 * Refused for a reason of timing (CONFLICT_STATES): `state` in the failure's details says which, so the API waits for
 * the change in progress and asks again, or answers an order already as asked as it stands, rather than a 409
 * (api/services/workflows.ts, `afterChangeInProgress`). The CLI sees the message, as for any refusal.
 */
export function refuseAs(state: ConflictState, message: string, details: { orderId: string; attempted: string }): never {
  const conflict: DomainErrorDetails['OrderStateConflict'] = { ...details, state };
  throw ApplicationFailure.create({ message, type: 'OrderStateConflict', nonRetryable: true, details: [conflict] });
}
