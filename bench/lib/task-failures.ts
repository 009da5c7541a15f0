import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

// @temporalio/proto is CommonJS: reached through its default export under native ESM (tsx runs the benches so).
const { temporal } = proto;
const { EventType, WorkflowTaskFailedCause } = temporal.api.enums.v1;

/**
 * What every history of a namespace says about its workflow tasks: each `WorkflowTaskFailed` event by cause (a
 * release that cannot replay what an older one recorded fails its tasks with NON_DETERMINISTIC_ERROR), and every
 * run by how it closed. Read from the server's own histories, every run (continued-as-new ones included).
 */
export interface TaskFailureScan {
  runs: number;
  /** Runs by execution status (RUNNING, COMPLETED, CONTINUED_AS_NEW, FAILED, TERMINATED, …). */
  runsByStatus: Record<string, number>;
  /** Runs by workflow type, to show what the scan covered. */
  runsByType: Record<string, number>;
  /** WorkflowTaskFailed events by cause, e.g. NON_DETERMINISTIC_ERROR: 2. */
  taskFailuresByCause: Record<string, number>;
  /** Task failures that are nondeterminism: the cause, or the SDK's message for one (a TS worker names it). */
  nondeterministic: number;
  /** Task failures neither nondeterminism nor one of Temporal's ordinary races (ORDINARY_TASK_FAILURES). */
  unexpected: number;
  /** The first few nondeterminism or unexpected failures: which workflow, the cause, the start of the message. */
  examples: { workflowId: string; runId: string; type: string; cause: string; message: string }[];
}

const NONDETERMINISM = /nondetermin|determinism ?violation/i;

/**
 * Task failures that are Temporal's ordinary races, not code failing: a signal that arrived while the task completing
 * the workflow ran (the server refuses the completion, the worker runs the task again with it), a sticky queue reset.
 * Any other cause is workflow code that threw (on a history of the old release, say: a recorded result of another
 * shape), retried for ever.
 */
export const ORDINARY_TASK_FAILURES: readonly string[] = ['UNHANDLED_COMMAND', 'RESET_STICKY_TASK_QUEUE'];

export async function scanTaskFailures(client: Client): Promise<TaskFailureScan> {
  const scan: TaskFailureScan = {
    runs: 0,
    runsByStatus: {},
    runsByType: {},
    taskFailuresByCause: {},
    nondeterministic: 0,
    unexpected: 0,
    examples: [],
  };
  for await (const run of client.workflow.list()) {
    scan.runs += 1;
    bump(scan.runsByStatus, run.status.name);
    bump(scan.runsByType, run.type);
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    for (const event of history.events ?? []) {
      if (event.eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) continue;
      const attributes = event.workflowTaskFailedEventAttributes;
      const cause = (WorkflowTaskFailedCause[attributes?.cause ?? 0] ?? 'UNSPECIFIED').replace(/^WORKFLOW_TASK_FAILED_CAUSE_/, '');
      const message = attributes?.failure?.message ?? '';
      bump(scan.taskFailuresByCause, cause);
      if (cause === 'NON_DETERMINISTIC_ERROR' || NONDETERMINISM.test(message)) scan.nondeterministic += 1;
      else if (ORDINARY_TASK_FAILURES.includes(cause)) continue;
      else scan.unexpected += 1;
      if (scan.examples.length < 10)
        scan.examples.push({ workflowId: run.workflowId, runId: run.runId, type: run.type, cause, message: message.slice(0, 300) });
    }
  }
  return scan;
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
