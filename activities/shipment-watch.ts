import { Context, heartbeat } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ShipmentOutcome } from '../workflows/shipment/types';

/**
 * The outcome of a shipment journey its order did not start in this run. An operator who resets an order
 * (`temporal workflow reset`, the Web UI's Reset) to a point before its shipments started gets a new run that
 * finds them still running: they keep their stock, slot and label, and the new run adopts them instead of
 * failing (workflows/order/adoption.ts). Not the new run's children, so their outcome comes through the client.
 */
export interface ShipmentWatcher {
  outcome(workflowId: string): Promise<ShipmentOutcome>;
}

export function temporalShipmentWatcher(client: Client): ShipmentWatcher {
  return {
    // Follows the journey across continue-as-new to its last run, as a child's result would.
    outcome: (workflowId) => client.workflow.getHandle(workflowId).result() as Promise<ShipmentOutcome>,
  };
}

/** Heartbeats while waiting: a worker that dies mid-wait is noticed and the wait resumed on another. */
const HEARTBEAT_EVERY_MS = 10_000;

export function createShipmentWatchActivities(watcher?: ShipmentWatcher) {
  return {
    async awaitShipmentOutcome({ workflowId }: { workflowId: string }): Promise<ShipmentOutcome> {
      if (!watcher) throw ApplicationFailure.retryable('this worker has no Temporal client to watch shipments with', 'NoShipmentWatcher');
      const beat = setInterval(() => heartbeat(workflowId), HEARTBEAT_EVERY_MS);
      try {
        // The order ending (a cancel that called the shipment off settles it first) cancels the wait.
        return await Promise.race([watcher.outcome(workflowId), Context.current().cancelled]);
      } finally {
        clearInterval(beat);
      }
    },
  };
}
