import { Context, heartbeat } from '@temporalio/activity';
import { type Client, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure, TerminatedFailure } from '@temporalio/common';
import { FAILED_ON_ITS_INPUT } from '../domain/workflow-input-shapes';
import { handStartedRunOf } from './hand-started-run';
import { SHIPMENT_DELETED, SHIPMENT_TERMINATED, type ShipmentOutcome, type TerminatedAnswer } from '../workflows/shipment/types';

/**
 * The outcome of a shipment journey its order did not start in this run. An operator who resets an order
 * (`temporal workflow reset`, the Web UI's Reset) to a point before its shipments started gets a new run that
 * finds them still running: they keep their stock, slot and label, and the new run adopts them instead of
 * failing (workflows/order/adoption.ts). Not the new run's children, so their outcome comes through the client.
 */
export interface ShipmentWatcher {
  outcome(workflowId: string, whenTerminated: TerminatedAnswer, reportDeleted: boolean): Promise<ShipmentOutcome>;
  /** Resolves once the shipment's newest run is no longer one waiting to be reset (see `awaitShipmentResumed`). */
  resumed(workflowId: string): Promise<ShipmentResumed>;
}

/** How a terminated shipment came back: a run carries it again (or has already ended), or it was deleted from Temporal. */
export type ShipmentResumed = 'resumed' | 'deleted';

/** How often a terminated shipment's newest run is read while ops have not reset it. */
const RESUME_LOOK_EVERY_MS = 5_000;

export function temporalShipmentWatcher(client: Client): ShipmentWatcher {
  return {
    // Follows the journey across continue-as-new to its last run, as a child's result would.
    outcome: async (workflowId, whenTerminated, reportDeleted) => {
      const journey = () => client.workflow.getHandle(workflowId);
      for (;;) {
        try {
          return (await journey().result()) as ShipmentOutcome;
        } catch (error) {
          // Deleted from Temporal (a running one is terminated first): nothing to reset, the order starts it again.
          if (error instanceof WorkflowNotFoundError && reportDeleted) throw deleted(workflowId);
          if (error instanceof WorkflowFailedError && failedOnItsInput(error)) throw await startedByHand(client, workflowId);
          if (!(error instanceof WorkflowFailedError && error.cause instanceof TerminatedFailure)) throw error;
          // A reset ends the run it replaces as terminated: the journey goes on in the new run, follow it.
          const latest = await journey()
            .describe()
            .catch((gone: unknown) => {
              if (gone instanceof WorkflowNotFoundError && reportDeleted) return undefined;
              throw gone;
            });
          if (latest === undefined) throw deleted(workflowId);
          if (latest.status.name !== 'TERMINATED') continue;
          // Terminated in Temporal and not reset yet (workflows/order/terminated-shipment.ts): say what ops can do.
          // Not the termination's reason: ops type it freely, and it is in the shipment's own history already.
          const message = `${workflowId} is terminated: reset it to resume (temporal workflow reset -w ${workflowId} --type LastWorkflowTask)`;
          throw whenTerminated === 'report'
            ? ApplicationFailure.nonRetryable(message, SHIPMENT_TERMINATED)
            : ApplicationFailure.retryable(message, SHIPMENT_TERMINATED);
        }
      }
    },
    resumed: (workflowId) => untilResumed(client, workflowId),
  };
}

/**
 * Waits while the shipment's newest run is the terminated one, or a run started by hand that failed on its input, which
 * replaced it: ops have not reset it yet. Any other run (running, or ended since) carries the journey again.
 */
async function untilResumed(client: Client, workflowId: string): Promise<ShipmentResumed> {
  for (;;) {
    const latest = await client.workflow
      .getHandle(workflowId)
      .describe()
      .catch((gone: unknown) => {
        if (gone instanceof WorkflowNotFoundError) return undefined;
        throw gone;
      });
    if (latest === undefined) return 'deleted';
    // Replaced by a run started by hand: this attempt fails saying which run to reset (the order's pending activity shows
    // it), and the next one looks again.
    if ((await handStartedRunOf(client, latest)) !== undefined) throw await startedByHand(client, workflowId);
    if (latest.status.name !== 'TERMINATED') return 'resumed';
    await new Promise((resolve) => setTimeout(resolve, RESUME_LOOK_EVERY_MS));
  }
}

const failedOnItsInput = (error: WorkflowFailedError) =>
  error.cause instanceof ApplicationFailure && (FAILED_ON_ITS_INPUT as readonly (string | null | undefined)[]).includes(error.cause.type);

/**
 * The shipment's newest run was started by hand with an input it cannot take (`temporal workflow start
 * --id-conflict-policy TerminateExisting --input '{}'`, which terminated the run that carried the parcel) and failed at
 * once. Retried, as a terminated run is while ops have not reset it: once they reset the run before it, the next attempt
 * follows the new run. Says which run to reset, by its id: the order's own note says to reset the workflow, and a reset
 * by workflow id alone takes the newest run, which fails again (before, each attempt failed with the bare
 * `WorkflowFailedError`, and nothing said why).
 */
async function startedByHand(client: Client, workflowId: string): Promise<ApplicationFailure> {
  const latest = await client.workflow.getHandle(workflowId).describe();
  const found = await handStartedRunOf(client, latest);
  const resume = found?.replaced
    ? `reset the run before it to resume: temporal workflow reset -w ${workflowId} -r ${found.replaced.runId} --type ${found.replaced.status === 'FAILED' ? 'FirstWorkflowTask' : 'LastWorkflowTask'}`
    : 'no earlier run of it is left to reset';
  return ApplicationFailure.retryable(
    `${workflowId}'s newest run (${latest.runId}) was started by hand with an input it cannot take and failed: a reset of that run fails again; ${resume}`,
    SHIPMENT_STARTED_BY_HAND,
  );
}

/** The watch's failure while a shipment's newest run is one started by hand that failed on its input (retried). */
export const SHIPMENT_STARTED_BY_HAND = 'ShipmentStartedByHand';

const deleted = (workflowId: string) => ApplicationFailure.nonRetryable(`${workflowId} was deleted from Temporal`, SHIPMENT_DELETED);

/** Heartbeats while waiting: a worker that dies mid-wait is noticed and the wait resumed on another. */
const HEARTBEAT_EVERY_MS = 10_000;

export function createShipmentWatchActivities(watcher?: ShipmentWatcher) {
  return {
    /**
     * `whenTerminated` and `reportDeleted` are absent from watches scheduled before they existed: those retry, as they
     * always did.
     */
    async awaitShipmentOutcome({
      workflowId,
      whenTerminated = 'retry',
      reportDeleted = false,
    }: {
      workflowId: string;
      whenTerminated?: TerminatedAnswer;
      reportDeleted?: boolean;
    }): Promise<ShipmentOutcome> {
      if (!watcher) throw ApplicationFailure.retryable('this worker has no Temporal client to watch shipments with', 'NoShipmentWatcher');
      const beat = setInterval(() => heartbeat(workflowId), HEARTBEAT_EVERY_MS);
      try {
        // The order ending (a cancel that called the shipment off settles it first) cancels the wait.
        return await Promise.race([watcher.outcome(workflowId, whenTerminated, reportDeleted), Context.current().cancelled]);
      } finally {
        clearInterval(beat);
      }
    },

    /**
     * Waits for ops to reset a shipment terminated in Temporal (workflows/order/terminated-shipment.ts): the order then
     * says so at once, and takes cancels and address changes again, instead of showing it terminated until the resumed
     * journey ends.
     */
    async awaitShipmentResumed({ workflowId }: { workflowId: string }): Promise<ShipmentResumed> {
      if (!watcher) throw ApplicationFailure.retryable('this worker has no Temporal client to watch shipments with', 'NoShipmentWatcher');
      const beat = setInterval(() => heartbeat(workflowId), HEARTBEAT_EVERY_MS);
      try {
        return await Promise.race([watcher.resumed(workflowId), Context.current().cancelled]);
      } finally {
        clearInterval(beat);
      }
    },
  };
}
