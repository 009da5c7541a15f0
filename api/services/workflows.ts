import {
  ApplicationFailure,
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import { ApiError, unavailable } from '../errors';

/** The workflow's description, or undefined when Temporal has never heard of it. */
export async function describeWorkflow(client: Client, workflowId: string): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/** Queries and updates wait for a worker; without one they would hang, so every call has a deadline. */
export function withinDeadline<T>(client: Client, timeoutMs: number, call: () => Promise<T>): Promise<T> {
  return client.withDeadline(Date.now() + timeoutMs, call);
}

export function webUiUrl(temporalUiUrl: string, namespace: string, workflowId: string): string {
  return `${temporalUiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/**
 * An update the workflow refused (its validator, or an `OrderStateConflict` failure from the
 * handler) is the caller's conflict with the order's state; a timeout means no worker answered.
 * `EscalationNotOpen` is neither: the escalation's row is stored a moment before its workflow learns
 * it, so an answer in that moment is refused for now, and a retry a second later gets the real one.
 */
export function updateFailureToApiError(error: unknown, what: string): ApiError | undefined {
  if (error instanceof WorkflowUpdateFailedError) {
    const cause = error.cause;
    const reason = cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : error.message;
    if (cause instanceof ApplicationFailure && cause.type === 'EscalationNotOpen') {
      return new ApiError(503, 'unavailable', `${what}: ${reason} yet; retry in a second`, undefined, { 'retry-after': '1' });
    }
    return new ApiError(409, 'order_state_conflict', `${what} was refused: ${reason}`);
  }
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isDeadlineExceeded(error)) {
    return unavailable(`${what} got no answer from the workflow in time; no worker may be running — retry later`);
  }
  return undefined;
}

export function isDeadlineExceeded(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  return code === 4 /* grpc DEADLINE_EXCEEDED */ || /deadline/i.test(error.message);
}

export const isTemporalUnavailable = (error: unknown) => error instanceof ServiceError;
