import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TerminatedFailure } from '@temporalio/workflow';
import { SHIPMENT_DELETED, SHIPMENT_TERMINATED, type ShipmentOutcome } from '../shipment/types';
import { LATER_PATCHES, takesLater } from '../shared/generation';
import { adoption, summarised } from '../activity-options';
import { adoptedShipment, type ShipmentChild } from './adoption';
import type { OrderJourney } from './order';

/**
 * A shipment terminated from Temporal itself (the Web UI's Terminate, `temporal workflow terminate`)
 * ends with no outcome and nothing compensated: its stock, pick slot, label and parcel stay as they were.
 * The order does not fail with it (it would strand all of that): it notes the termination, shows it as
 * escalated (`Escalated = true`, its current details) and waits for the shipment's next run, as it
 * waits for one it adopted after a reset. Ops resume the shipment with a reset (`temporal workflow
 * reset -w shipment-… --type LastWorkflowTask`, the Web UI's Reset): it carries on where it stopped and
 * the order ends as the journey does. Until then the order refuses cancel and address changes (a signal
 * to a terminated run is lost) with the same instruction. A shipment **deleted** from Temporal (`temporal workflow
 * delete`: a running one is terminated first, then its history is gone) cannot be reset: the order starts its journey
 * again under the same id, which goes on from its work as recorded (each step finds it done: nothing bought or moved
 * twice), and notes it.
 */
export async function shipmentOutcomeOf(o: OrderJourney, child: ShipmentChild): Promise<ShipmentOutcome> {
  try {
    return await child.result();
  } catch (error) {
    const reason = terminationOf(error);
    if (reason === undefined && !isDeletion(error)) throw error;
    // Which shipment the handle is, looked up only now: the journey's own path pays nothing for it.
    const shipmentId = [...o.children].find(([, started]) => started === child)?.[0];
    if (shipmentId === undefined) throw error;
    if (reason !== undefined) return awaitResumed(o, shipmentId, child.workflowId, reason);
    const restart = o.restarts.get(shipmentId);
    if (restart === undefined) throw error;
    return startedAgain(o, shipmentId, child.workflowId, restart);
  }
}

/** Only watches asked to report a deleted shipment (since) fail so: no earlier history holds this failure. */
const isDeletion = (error: unknown) =>
  error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === SHIPMENT_DELETED;

async function startedAgain(
  o: OrderJourney,
  shipmentId: string,
  workflowId: string,
  restart: () => Promise<ShipmentChild>,
): Promise<ShipmentOutcome> {
  // It no longer waits to be reset (if it did): cancels and address changes reach the new run.
  o.terminatedShipments.delete(shipmentId);
  o.timeline.note(
    'note',
    'shipment workflow deleted',
    `${workflowId} was deleted from Temporal: its journey is started again and goes on from its work as recorded (nothing bought or moved twice)`,
  );
  o.publishEscalated();
  o.showDetails();
  return shipmentOutcomeOf(o, await restart());
}

/**
 * The reason to note when `error` says the shipment was terminated, else undefined. A child of this run reports it
 * as its failure; a shipment it adopted, or kept through a reset, through the watch's report (adoption.ts).
 */
function terminationOf(error: unknown): string | undefined {
  if (error instanceof ChildWorkflowFailure && error.cause instanceof TerminatedFailure) {
    // Orders whose history holds the failure before this change failed with it: they replay so.
    return takesLater(LATER_PATCHES.terminatedShipmentAwaited) ? error.cause.message : undefined;
  }
  // Only watches that report a termination (asked since) fail so: no earlier history holds this failure.
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === SHIPMENT_TERMINATED) {
    return 'terminated (the reason is in its own history)';
  }
  return undefined;
}

async function awaitResumed(o: OrderJourney, shipmentId: string, workflowId: string, reason: string): Promise<ShipmentOutcome> {
  o.terminatedShipments.set(shipmentId, workflowId);
  o.timeline.note(
    'escalation',
    'shipment terminated in Temporal',
    `${workflowId}: ${reason || 'no reason given'}. ${resumeHint(workflowId)}`,
  );
  o.publishEscalated();
  o.showDetails();
  const resumed = adoptedShipment(workflowId, `Wait for ${workflowId} to be reset (it was terminated)`, 'retry');
  o.children.set(shipmentId, resumed);
  if (takesLater(LATER_PATCHES.terminatedShipmentResumedAtReset)) await untilReset(o, shipmentId, workflowId);
  // Deleted while it waited: started again (startedAgain), which no longer waits for a reset.
  const outcome = await shipmentOutcomeOf(o, resumed);
  if (!o.terminatedShipments.delete(shipmentId)) return outcome;
  o.timeline.note('note', 'shipment resumed', `${workflowId} was reset and ended ${outcome.stage.replace(/_/g, ' ')}`);
  o.publishEscalated();
  o.showDetails();
  return outcome;
}

/**
 * The order takes the shipment as resumed once ops reset it, not once the resumed journey ends: before, it showed the
 * shipment terminated (and escalated) and refused cancels and address changes with "reset it" for the rest of the parcel's
 * journey, days after the reset. One deleted meanwhile is left to the watch, which starts it again (startedAgain).
 */
async function untilReset(o: OrderJourney, shipmentId: string, workflowId: string): Promise<void> {
  const came = await summarised(adoption.awaitShipmentResumed, `Wait for ${workflowId} to be reset (it was terminated)`, { workflowId });
  if (came === 'deleted' || !o.terminatedShipments.delete(shipmentId)) return;
  o.timeline.note('note', 'shipment resumed', `${workflowId} was reset: the order follows it again`);
  o.publishEscalated();
  o.showDetails();
}

export const resumeHint = (workflowId: string) =>
  `Its stock, pick slot and label are as it left them; reset it to resume (temporal workflow reset -w ${workflowId} --type LastWorkflowTask, or Reset in the Web UI): the order waits for it.`;

/** Why the order cannot change while a shipment waits to be reset; undefined when none does. */
export function terminatedRefusal(o: OrderJourney): string | undefined {
  const [first] = o.terminatedShipments.values();
  return first === undefined ? undefined : `shipment ${first} was terminated in Temporal. ${resumeHint(first)}`;
}
