import { ApplicationFailure } from '@temporalio/common';
import { type DomainError, isDomainError } from '../domain/errors';

/**
 * The one place a domain error becomes a Temporal failure: non-retryable, typed, with its details,
 * so the workflow can branch on `failure.type` and Temporal never retries a business "no".
 */
export function toApplicationFailure(error: DomainError): ApplicationFailure {
  return ApplicationFailure.create({
    message: error.message,
    type: error.type,
    nonRetryable: true,
    details: [error.details],
  });
}

/** Wraps an activity body: domain errors leave as non-retryable failures, everything else is retried. */
export async function asActivity<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (isDomainError(error)) throw toApplicationFailure(error);
    throw error;
  }
}
