import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { CONFLICT_STATES, type ConflictState } from '../../domain/errors';
import { rootApplicationFailure } from '../errors';

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

/**
 * Runs `attempt` (a workflow update); refused only because another change of the same kind is being made (a form
 * submitted twice under two keys, two clients at once), it waits for that change and asks again, so the request is
 * judged against what that change left. Past `budgetMs` the refusal stands (409, "try again").
 */
export async function afterChangeInProgress<T>(budgetMs: number, attempt: () => Promise<T>): Promise<T> {
  const giveUpAt = Date.now() + budgetMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (conflictStateOf(error) !== CONFLICT_STATES.changeInProgress || Date.now() >= giveUpAt) throw error;
      await sleep(CHANGE_POLL_MS);
    }
  }
}

const CHANGE_POLL_MS = 250;

/** The `state` a workflow's refusal gives when it is about timing, not the request (workflows/shared/failures.ts). */
export function conflictStateOf(error: unknown): ConflictState | undefined {
  const [details] = rootApplicationFailure(error)?.details ?? [];
  const state = typeof details === 'object' && details !== null && 'state' in details ? details.state : undefined;
  return Object.values(CONFLICT_STATES).find((known) => known === state);
}

export function webUiUrl(temporalUiUrl: string, namespace: string, workflowId: string): string {
  return `${temporalUiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
