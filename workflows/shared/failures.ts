import { ApplicationFailure } from '@temporalio/workflow';

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
