import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';

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
