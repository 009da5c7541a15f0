import type { Client } from '@temporalio/client';
import { TASK_QUEUES } from '../../domain/ids';
import { relayIds } from '../../domain/notifications';
import { RELAY_WORKFLOW_TYPE, type RelayInput, wakeRelaySignal } from '../../workflows/notify/definitions';
import type { RelayWaker } from './outbox';

/**
 * Wakes relays with signal-with-start: the relay workflow starts if it is not running, on the orders queue (its
 * deliveries run on the notify queue; workflows/notify/relay.ts).
 */
export function temporalRelayWaker(client: Client): RelayWaker {
  return {
    async wake(ids) {
      await Promise.all(
        ids.map((relayId) =>
          client.workflow.signalWithStart<(input: RelayInput) => Promise<void>, []>(RELAY_WORKFLOW_TYPE, {
            workflowId: relayIds.workflowId(relayId),
            taskQueue: TASK_QUEUES.orders,
            args: [{ relayId }],
            signal: wakeRelaySignal,
            signalArgs: [],
            staticSummary: relayId === relayIds.mail ? 'Customer mail relay' : `Webhook relay of subscription ${relayId.slice(9)}`,
          }),
        ),
      );
    },
  };
}
