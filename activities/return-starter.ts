import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { TASK_QUEUES } from '../domain/ids';
import { returnIds } from '../domain/return-policy';
import { RETURN_WORKFLOW_TYPE, type ReturnWorkflowInput, returnStartAttributes } from '../workflows/returns/definitions';

/**
 * Starts a return's workflow from an activity (a carrier return, opened by the shipment's workflow). Not a child
 * workflow: the return outlives the shipment by however long the inspection takes, and owes it nothing.
 */
export interface ReturnStarter {
  start(input: ReturnWorkflowInput): Promise<void>;
}

/** Starts `return-<id>` once: a start that finds it running (or finished) is a success. */
export function temporalReturnStarter(client: Client): ReturnStarter {
  return {
    async start(input) {
      try {
        await client.workflow.start(RETURN_WORKFLOW_TYPE, {
          workflowId: returnIds.workflowId(input.returnId),
          taskQueue: TASK_QUEUES.orders,
          args: [input],
          // A carrier return is opened received: the parcel is back at the warehouse (activities/returns/carrier-return.ts).
          typedSearchAttributes: returnStartAttributes(input, 'received'),
          staticSummary: `Return ${input.returnId} of order ${input.orderId}: brought back by the carrier`,
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
    },
  };
}
