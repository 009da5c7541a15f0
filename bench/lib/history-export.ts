import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { RunHistory } from './actions';

// @temporalio/proto is CommonJS: reached through its default export under native ESM (tsx runs the benches so).
const { temporal } = proto;

/**
 * Exports one order's histories from the server: the order workflow, every child it started
 * (recursively), every run of each (continue-as-new followed both ways), and any workflow named in
 * `related` (work an order causes outside the parent–child tree, e.g. the reference app's billing
 * workflow, started by its API). Works for any application on the server: nothing here knows Colis.
 */

const { EventType } = temporal.api.enums.v1;

export interface ExportedOrder {
  runs: RunHistory[];
  /** Sum of the server's own `historySizeBytes` (DescribeWorkflowExecution) over the runs. */
  serverHistoryBytes: number;
}

export async function exportOrderHistories(
  client: Client,
  rootWorkflowId: string,
  related: readonly string[] = [],
): Promise<ExportedOrder> {
  const seen = new Map<string, RunHistory>();
  const pending: { workflowId: string; runId?: string }[] = [
    { workflowId: rootWorkflowId },
    ...related.map((workflowId) => ({ workflowId })),
  ];
  while (pending.length > 0) {
    const next = pending.shift()!;
    const run = await fetchRun(client, next.workflowId, next.runId);
    if (seen.has(run.runId)) continue;
    seen.set(run.runId, run);
    for (const event of run.history.events ?? []) {
      const started = event.workflowExecutionStartedEventAttributes;
      if (started?.continuedExecutionRunId) pending.push({ workflowId: run.workflowId, runId: started.continuedExecutionRunId });
      const continued = event.workflowExecutionContinuedAsNewEventAttributes;
      if (continued?.newExecutionRunId) pending.push({ workflowId: run.workflowId, runId: continued.newExecutionRunId });
      const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
      if (event.eventType === EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED && child?.workflowId && child.runId) {
        pending.push({ workflowId: child.workflowId, runId: child.runId });
      }
    }
  }
  const runs = [...seen.values()];
  let serverHistoryBytes = 0;
  for (const run of runs) serverHistoryBytes += await serverHistorySize(client, run.workflowId, run.runId);
  return { runs, serverHistoryBytes };
}

async function fetchRun(client: Client, workflowId: string, runId?: string): Promise<RunHistory> {
  const handle = client.workflow.getHandle(workflowId, runId);
  const history = await handle.fetchHistory();
  const resolvedRunId = runId ?? (await currentRunId(client, workflowId));
  return { workflowId, runId: resolvedRunId, history };
}

/**
 * The raw description, not `handle.describe()`: that one decodes the memo, which an application
 * whose payloads are encrypted (Colis's) stores in a form only its own codec reads.
 */
async function currentRunId(client: Client, workflowId: string): Promise<string> {
  const described = await client.workflowService.describeWorkflowExecution({
    namespace: client.options.namespace,
    execution: { workflowId },
  });
  const runId = described.workflowExecutionInfo?.execution?.runId;
  if (!runId) throw new Error(`no run of ${workflowId}`);
  return runId;
}

/** The server's own figure for the run's history size; 0 where the server does not report it. */
async function serverHistorySize(client: Client, workflowId: string, runId: string): Promise<number> {
  const described = await client.workflowService.describeWorkflowExecution({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
  });
  return Number(described.workflowExecutionInfo?.historySizeBytes ?? 0);
}
