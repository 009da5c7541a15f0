import { allHandlersFinished, condition } from '@temporalio/workflow';
import { RETURN_WORKFLOW_INPUT } from '../../domain/workflow-input-shapes';
import { shieldedFromCancelRequests } from '../shared/cancel-request';
import { requireStartInput } from '../shared/message-guards';
import type { ReturnOutcome, ReturnWorkflowInput } from './definitions';
import { followParcel } from './following';
import { ReturnJourney } from './journey';

/**
 * return-<returnId>: a customer's goods coming back. Label → drop-off (or expiry and void) → inbound
 * tracking with stall and late escalations → inspection at the warehouse (restock or write off) →
 * ledger movements and the refund due to the shop. A carrier return starts received and waits for the inspection only.
 */
export async function returnWorkflow(input: ReturnWorkflowInput): Promise<ReturnOutcome> {
  requireStartInput('return workflow', RETURN_WORKFLOW_INPUT, input);
  const journey = new ReturnJourney(input);
  journey.listen();
  return shieldedFromCancelRequests(
    () => bringBack(journey),
    () => journey.takeCancelRequest(),
  );
}

async function bringBack(journey: ReturnJourney): Promise<ReturnOutcome> {
  await journey.load();
  let outcome: ReturnOutcome | undefined = journey.ended ? journey.outcome() : undefined;
  // A parcel the carrier brought back (workflows/shipment/carrier-return.ts) is at the warehouse already.
  if (!outcome && journey.atWarehouseWithoutLabel) outcome = await journey.awaitInspection();
  if (!outcome && !journey.hasLabel && !(await journey.bookLabel())) outcome = journey.outcome();
  outcome ??= await followParcel(journey);
  await journey.receiveArrivalAfterClose();
  // An inspection or an ops answer may still be finishing its reply.
  await condition(allHandlersFinished);
  return outcome;
}
