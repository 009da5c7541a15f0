import { Context } from '@temporalio/activity';
import { DomainError } from '../domain/errors';

/** The workflow this activity runs for; undefined when a test calls the activity as a plain function. */
function callingWorkflowId(): string | undefined {
  try {
    return Context.current().info.workflowExecution?.workflowId;
  } catch {
    return undefined;
  }
}

/**
 * Whether the workflow this activity runs for is of the frozen v1 types (`orderWorkflow`, `shipmentWorkflow`:
 * workflows/v1). Their code cannot change without breaking the histories they replay, so what they must no longer do is
 * refused here, in the activities they call.
 */
export function calledByFrozenV1(): boolean {
  try {
    const { workflowType } = Context.current().info;
    return workflowType === 'orderWorkflow' || workflowType === 'shipmentWorkflow';
  } catch {
    return false;
  }
}

/**
 * Only its own workflow runs an order's (or a return's) journey. A workflow started by hand (Temporal CLI, Web UI)
 * under another id with an existing order's or return's input would run a second journey beside the real one: its
 * stock, labels, pages and mails again. Refused at the journey's first activity, before anything is written.
 */
export function refuseForeignRun(subject: { kind: 'order' | 'return'; id: string; orderId: string }, ownerWorkflowId: string): void {
  const workflowId = callingWorkflowId();
  if (workflowId === undefined || workflowId === ownerWorkflowId) return;
  throw new DomainError('OrderStateConflict', `${subject.kind} ${subject.id} is run by ${ownerWorkflowId} only, not by ${workflowId}`, {
    orderId: subject.orderId,
    state: `run by ${workflowId}`,
    attempted: subject.kind === 'order' ? 'recordOrder' : 'loadReturn',
  });
}
