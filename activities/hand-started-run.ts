import type { Client, WorkflowExecutionDescription, WorkflowExecutionStatusName } from '@temporalio/client';
import proto, { type temporal } from '@temporalio/proto';
import { ids } from '../domain/ids';
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
 * once the run had closed) with an input the journey cannot take (of no journey's shape, or another order's whole input). Temporal's start terminated the run that moved the
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
  const failure = history?.events?.[0]?.workflowExecutionFailedEventAttributes?.failure;
  if ((FAILED_ON_ITS_INPUT as readonly (string | null | undefined)[]).includes(failure?.applicationFailureInfo?.type)) return true;
  // An input that cannot be read (sealed with a key no longer held) tells nothing: the generic hint stands.
  return refusedAsConflict(failure) && (await startedWithAnotherOrder(client, workflowId, runId).catch(() => false));
}

/**
 * An order's run started by hand on its id with another order's input, whole (so its shape passes): the journey's first
 * activity refuses it as a run beside that other order's own (activities/workflow-owner.ts), and the run fails with that
 * OrderStateConflict, its type in clear in the close event (the message is sealed). A reset of that run replays the same
 * input and fails the same way.
 */
function refusedAsConflict(failure: temporal.api.failure.v1.IFailure | null | undefined): boolean {
  return failure?.applicationFailureInfo?.type === 'OrderStateConflict';
}

/**
 * Whether the run's input names another order than its workflow id does: told apart from the order's other conflicts (a
 * cancelled order's journey run again, an update refused), which come with its own input. Only the input's `orderId` is
 * read, never logged.
 */
async function startedWithAnotherOrder(client: Client, workflowId: string, runId: string): Promise<boolean> {
  // An order's run only: a shipment's or a return's input names its order too, under an id of its own.
  if (!workflowId.startsWith(ids.orderWorkflowId(''))) return false;
  const { history } = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1,
  });
  let payloads = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  if (payloads.length === 0) return false;
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  for (const codec of [...payloadCodecs].reverse()) payloads = await codec.decode(payloads);
  const [first] = payloads;
  const input: unknown = first ? payloadConverter.fromPayload(first) : undefined;
  const orderId = typeof input === 'object' && input !== null && 'orderId' in input ? input.orderId : undefined;
  return typeof orderId === 'string' && ids.orderWorkflowId(orderId) !== workflowId;
}
