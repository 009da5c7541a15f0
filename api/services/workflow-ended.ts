import type { WorkflowExecutionDescription, WorkflowExecutionStatusName } from '@temporalio/client';
import type { WorkflowEnded } from '../../domain/api';
import type { OrderView } from '../../domain/journey';
import { isFinalOrderStage } from '../../domain/lifecycle';
import type { HandStartedRun } from '../../activities/hand-started-run';

/**
 * Temporal's closed statuses only: RUNNING and CONTINUED_AS_NEW (a describe by workflow id reads the newest run),
 * PAUSED and the unknown ones still have, or may have, a run that moves the order.
 */
const ENDED: Partial<Record<WorkflowExecutionStatusName, Exclude<WorkflowEnded['status'], 'deleted'>>> = {
  TERMINATED: 'terminated',
  FAILED: 'failed',
  TIMED_OUT: 'timed_out',
  CANCELLED: 'cancelled',
  COMPLETED: 'completed',
};

/**
 * Why a view read from the database or the intake record is not a journey under way: its stage is not final but
 * Temporal has closed the order's workflow, so nothing will move it until ops reset it. Undefined otherwise (a
 * final stage is the journey's own end, whatever became of the run afterwards).
 */
export function workflowEndedOf(
  description: Pick<WorkflowExecutionDescription, 'workflowId' | 'status' | 'closeTime'>,
  view: Pick<OrderView, 'stage'>,
  handStarted?: HandStartedRun,
): WorkflowEnded | undefined {
  const status = ENDED[description.status.name];
  if (status === undefined || isFinalOrderStage(view.stage)) return undefined;
  return {
    status,
    ...(description.closeTime ? { at: description.closeTime.toISOString() } : {}),
    hint: handStarted ? handStartedHint('order', description.workflowId, handStarted) : hintFor(status, description.workflowId),
  };
}

/**
 * An order whose rows its workflow wrote (so it was started) while Temporal knows no workflow by its id any more: it
 * was deleted (`temporal workflow delete`; a running one is terminated first) or, closed, removed by the namespace's
 * retention. Undefined when its stage is final (its end was written). Not for an order read from its intake record
 * alone: its start may still be on its way (the intake outbox).
 */
export function workflowDeletedOf(workflowId: string, view: Pick<OrderView, 'stage'>): WorkflowEnded | undefined {
  if (isFinalOrderStage(view.stage)) return undefined;
  return {
    status: 'deleted',
    hint:
      `Temporal no longer knows workflow ${workflowId}: it was deleted (a running workflow is terminated first, and the ` +
      'shipments it started that were still running were asked to cancel) or, once closed, removed by the retention ' +
      'of its namespace. Nothing moves this order any more and it cannot be reset: its rows stay as its workflow left them.',
  };
}

/**
 * A return's row that is not final while Temporal has closed its workflow (terminated from the CLI, say): nothing moves the
 * return until ops reset it. Undefined for a run that still runs, and for a row the caller knows needs no workflow (final,
 * not started yet, or received again after it had ended: the API inspects those in the database).
 */
export function returnWorkflowEndedOf(
  description: Pick<WorkflowExecutionDescription, 'workflowId' | 'status' | 'closeTime'>,
  handStarted?: HandStartedRun,
): WorkflowEnded | undefined {
  const status = ENDED[description.status.name];
  if (status === undefined) return undefined;
  const workflowId = description.workflowId;
  return {
    status,
    ...(description.closeTime ? { at: description.closeTime.toISOString() } : {}),
    // A reset run reads the return's row first and goes on from it (README "Resetting a return").
    hint: handStarted
      ? handStartedHint('return', workflowId, handStarted)
      : status === 'completed'
        ? `Workflow ${workflowId} completed but the return's row was not written as final. To go on from the row, reset it ` +
          `from the start: temporal workflow reset -w ${workflowId} --type FirstWorkflowTask (or Reset in the Web UI).`
        : `Workflow ${workflowId} ${ENDED_WORDS[status]} in Temporal: nothing moves this return any more. To resume it, reset ` +
          `it: ${resumeCommand(status, workflowId)} (or Reset in the Web UI); the new run goes on from its row.`,
  };
}

/** A return's row that is not final (and needs its workflow) while Temporal no longer knows that workflow at all. */
export function returnWorkflowDeletedOf(workflowId: string): WorkflowEnded {
  return {
    status: 'deleted',
    hint:
      `Temporal no longer knows workflow ${workflowId}: it was deleted (a running workflow is terminated first) or, once ` +
      'closed, removed by the retention of its namespace. Nothing moves this return any more and it cannot be reset: its ' +
      'row stays as its workflow left it, and no inspection can be recorded for it.',
  };
}

/**
 * Built from the status and the workflow id alone, never from the termination reason or the failure message:
 * those are typed freely (by ops, by an activity) and may name the customer.
 */
function hintFor(status: Exclude<WorkflowEnded['status'], 'deleted'>, workflowId: string): string {
  // A completed run wrote its end but the row missed it: a reset from the start re-runs the journey, which adopts the
  // shipments it started (nothing reserved or shipped twice) and writes the end again (README "Resetting an order").
  if (status === 'completed') {
    return (
      `Workflow ${workflowId} completed but the order's stage was not written as final. To write its end again, reset it ` +
      `from the start: temporal workflow reset -w ${workflowId} --type FirstWorkflowTask (or Reset in the Web UI).`
    );
  }
  // The run's children are started with the REQUEST_CANCEL parent-close policy: any close of it asks them to cancel.
  // Not those a reset run kept or adopted: they are another run's children, or none's (README "Resetting an order").
  return (
    `Workflow ${workflowId} ${ENDED_WORDS[status]} in Temporal: nothing moves this order any more. The shipments this ` +
    'run started and that were still running were asked to cancel (one the carrier already has goes on alone). To ' +
    `resume the order, reset it: ${resumeCommand(status, workflowId)} (or Reset in the Web UI); the new run hears the ` +
    'shipments it keeps.'
  );
}

/**
 * The reset that resumes a closed run. A failed run failed in its last workflow task (an activity failure it took, a
 * `temporal activity fail`): reset there, the new run takes the same failure and fails again, so it starts from the
 * first and goes on from the rows (it adopts what they say was done). A run terminated, cancelled or timed out had
 * finished its last task normally: it goes on from there.
 */
function resumeCommand(status: Exclude<WorkflowEnded['status'], 'completed' | 'deleted'>, workflowId: string): string {
  return status === 'failed'
    ? `temporal workflow reset -w ${workflowId} --type FirstWorkflowTask (its last task is the one that failed it)`
    : `temporal workflow reset -w ${workflowId} --type LastWorkflowTask`;
}

/**
 * The newest run was started by hand with an input the journey cannot take (api/services/hand-started-run.ts): resetting
 * it fails again (before, the hint said to, and ops who followed it got one more failed run). The run to resume is the
 * one before it, named by its run id: a reset by workflow id alone takes the newest run.
 */
function handStartedHint(subject: 'order' | 'return', workflowId: string, { runId, replaced }: HandStartedRun): string {
  const failed =
    `The newest run of workflow ${workflowId} (${runId}) was started by hand with an input it cannot take and failed at ` +
    'once: a reset of that run fails the same way.';
  if (replaced === undefined) {
    return `${failed} Temporal holds no earlier run of it to resume from (deleted, or past retention): nothing moves this ${subject} any more.`;
  }
  const words = REPLACED_WORDS[replaced.status] ?? 'ended';
  // A failed run failed in its last task and a completed one wrote its end: both resume from the first (resumeCommand).
  const type = replaced.status === 'FAILED' || replaced.status === 'COMPLETED' ? 'FirstWorkflowTask' : 'LastWorkflowTask';
  const shipments =
    subject === 'order'
      ? ' The shipments that run started and that were still running when it closed were asked to cancel (one the carrier already has goes on alone); the new run hears the shipments it keeps.'
      : ' The new run goes on from its row.';
  return (
    `${failed} The run before it (${replaced.runId}) ${words}: resume the ${subject} from that run: temporal workflow ` +
    `reset -w ${workflowId} -r ${replaced.runId} --type ${type} (or Reset on that run in the Web UI).${shipments}`
  );
}

const REPLACED_WORDS: Partial<Record<WorkflowExecutionStatusName, string>> = {
  TERMINATED: 'was terminated (a start that replaces a running workflow terminates it)',
  FAILED: 'failed',
  TIMED_OUT: 'timed out',
  CANCELLED: 'was cancelled',
  COMPLETED: 'completed',
  CONTINUED_AS_NEW: 'continued as new',
};

const ENDED_WORDS: Record<Exclude<WorkflowEnded['status'], 'completed' | 'deleted'>, string> = {
  terminated: 'was terminated',
  failed: 'failed',
  timed_out: 'timed out',
  cancelled: 'was cancelled',
};
