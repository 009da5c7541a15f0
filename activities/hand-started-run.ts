import type { Client, WorkflowExecutionDescription, WorkflowExecutionStatusName } from '@temporalio/client';
import proto from '@temporalio/proto';
import { FAILED_ON_ITS_INPUT } from '../domain/workflow-input-shapes';

// @temporalio/proto is CommonJS: reached through its default export under native ESM.
const CLOSE_EVENT = proto.temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;

/** How many earlier runs of one workflow id are looked at for the one to resume (each failed one costs a history read). */
const RUNS_LOOKED_AT = 20;

/** A run that failed on its own input, started by hand, and the run before it that ops can resume from, if any. */
export interface HandStartedRun {
  runId: string;
  /** The newest earlier run that did not fail on its input: what the hand start replaced (or what ran before it). */
  replaced?: { runId: string; status: WorkflowExecutionStatusName };
}

/**
 * A journey's newest run that failed on its input: started by hand (`temporal workflow start --id-conflict-policy
 * TerminateExisting`, `signal-with-start` or `start-update-with-start` on the order's id, the Web UI's Start Workflow
 * once the run had closed) with an input the journey cannot take. Temporal's start terminated the run that moved the
 * order, or came after it had closed; the new run failed at once. A reset of that run replays the same input and fails
 * again, so the run to resume is the one before it, which this finds. Undefined for any other run.
 *
 * Reads the failure's type only (in clear: the message is sealed and may quote what was typed).
 */
export async function handStartedRunOf(
  client: Client,
  description: Pick<WorkflowExecutionDescription, 'workflowId' | 'runId' | 'status'>,
): Promise<HandStartedRun | undefined> {
  const { workflowId, runId } = description;
  if (description.status.name !== 'FAILED' || !(await failedOnItsInput(client, workflowId, runId))) return undefined;
  // Ids are ours (`order-<orderId>`, `return-<returnId>`); one holding a quote is not, and is no query to build.
  if (/["'\\]/.test(workflowId)) return { runId };
  const earlier: { runId: string; status: WorkflowExecutionStatusName; startedMs: number }[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    if (run.runId !== runId) earlier.push({ runId: run.runId, status: run.status.name, startedMs: run.startTime.getTime() });
  }
  earlier.sort((a, b) => b.startedMs - a.startedMs);
  for (const run of earlier.slice(0, RUNS_LOOKED_AT)) {
    if (run.status === 'FAILED' && (await failedOnItsInput(client, workflowId, run.runId))) continue;
    return { runId, replaced: { runId: run.runId, status: run.status } };
  }
  return { runId };
}

async function failedOnItsInput(client: Client, workflowId: string, runId: string): Promise<boolean> {
  const { history } = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
    historyEventFilterType: CLOSE_EVENT,
  });
  const type = history?.events?.[0]?.workflowExecutionFailedEventAttributes?.failure?.applicationFailureInfo?.type;
  return (FAILED_ON_ITS_INPUT as readonly (string | null | undefined)[]).includes(type);
}
