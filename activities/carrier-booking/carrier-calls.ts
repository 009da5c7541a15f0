import { Context } from '@temporalio/activity';
import { toApplicationFailure as carrierFailure, isCarrierError } from '../carriers/errors';

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Carrier errors leave as typed failures: rejections non-retryable, outages and timeouts retried. */
export async function carrierCall<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (isCarrierError(error)) throw carrierFailure(error);
    throw error;
  }
}

/**
 * Now, for dating scans on receipt: the wall clock, or the server's time for this attempt when it is
 * ahead (a time-skipping test server, whose simulated carriers date their scans on its clock).
 */
export function receivedNowMs(): number {
  try {
    return Math.max(Date.now(), Context.current().info.currentAttemptScheduledTimestampMs);
  } catch {
    return Date.now();
  }
}
