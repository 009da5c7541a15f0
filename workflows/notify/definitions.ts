import { defineSignal } from '@temporalio/workflow';

/** "There is new work": sent (with signal-with-start) by the activities that write to the outbox. */
export const wakeRelaySignal = defineSignal('wake');

export const RELAY_WORKFLOW_TYPE = 'notificationRelayWorkflow';

export interface RelayInput {
  relayId: string;
}
