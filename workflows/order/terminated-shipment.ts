import { ChildWorkflowFailure, TerminatedFailure } from '@temporalio/workflow';
import type { ShipmentOutcome } from '../shipment/types';
import { LATER_PATCHES, takesLater } from '../shared/generation';
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
 * to a terminated run is lost) with the same instruction.
 */
export async function shipmentOutcomeOf(o: OrderJourney, child: ShipmentChild): Promise<ShipmentOutcome> {
  try {
    return await child.result();
  } catch (error) {
    if (!(error instanceof ChildWorkflowFailure && error.cause instanceof TerminatedFailure)) throw error;
    // Orders whose history holds the failure before this change failed with it: they replay so.
    if (!takesLater(LATER_PATCHES.terminatedShipmentAwaited)) throw error;
    // Which shipment the handle is, looked up only now: the journey's own path pays nothing for it.
    const shipmentId = [...o.children].find(([, started]) => started === child)?.[0];
    if (shipmentId === undefined) throw error;
    return awaitResumed(o, shipmentId, child.workflowId, error.cause.message);
  }
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
  const resumed = adoptedShipment(workflowId, `Wait for ${workflowId} to be reset (it was terminated)`);
  o.children.set(shipmentId, resumed);
  const outcome = await resumed.result();
  o.terminatedShipments.delete(shipmentId);
  o.timeline.note('note', 'shipment resumed', `${workflowId} was reset and ended ${outcome.stage.replace(/_/g, ' ')}`);
  o.publishEscalated();
  o.showDetails();
  return outcome;
}

export const resumeHint = (workflowId: string) =>
  `Its stock, pick slot and label are as it left them; reset it to resume (temporal workflow reset -w ${workflowId} --type LastWorkflowTask, or Reset in the Web UI): the order waits for it.`;

/** Why the order cannot change while a shipment waits to be reset; undefined when none does. */
export function terminatedRefusal(o: OrderJourney): string | undefined {
  const [first] = o.terminatedShipments.values();
  return first === undefined ? undefined : `shipment ${first} was terminated in Temporal. ${resumeHint(first)}`;
}
