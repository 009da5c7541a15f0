import type { FinalShipmentStage } from '../../domain/lifecycle';
import { SHIPMENT_WORKFLOW_INPUT } from '../../domain/workflow-input-shapes';
import { shieldedFromCancelRequests } from '../shared/cancel-request';
import { ids } from '../../domain/ids';
import { requireOwnWorkflowId, requireStartInput } from '../shared/message-guards';
import type { Generation } from '../shared/generation';
import { bookLabel } from './booking';
import { compensate } from './compensation';
import { EndedBeforeThisRun, endAsEndedBefore } from './ended';
import { answerMessages } from './messages';
import { LabelledBeforeThisRun, resumeAtLabel } from './resume';
import { ShipmentJourney, StopShipment } from './shipment';
import { track } from './tracking';
import type { ShipmentInput, ShipmentOutcome } from './types';
import { prepareInWarehouse } from './warehouse';

export type { ShipmentInput, ShipmentOutcome } from './types';

/**
 * shipment-<id>: one parcel group from one warehouse to the customer's door.
 * pick slot → pick → pack (box choice) → rate shop → book → track until a final state, with escalations
 * on the way; compensation (void label, release stock, free the slot) in reverse when the order calls it
 * off. A continued run (weeks of tracking) picks up at tracking.
 */
export async function shipmentWorkflowV3(input: ShipmentInput): Promise<ShipmentOutcome> {
  return runShipment(input, 'v3');
}

/** Shipments started before v3 run to their end on the commands they recorded (shared/generation.ts). */
export async function shipmentWorkflowV2(input: ShipmentInput): Promise<ShipmentOutcome> {
  return runShipment(input, 'v2');
}

async function runShipment(input: ShipmentInput, generation: Generation): Promise<ShipmentOutcome> {
  requireStartInput(`shipment workflow (${generation})`, SHIPMENT_WORKFLOW_INPUT, input);
  requireOwnWorkflowId(`shipment ${input.shipmentId}`, ids.shipmentWorkflowId(input.shipmentId));
  const journey = new ShipmentJourney(input, generation);
  answerMessages(journey);
  return shieldedFromCancelRequests(
    () => travel(journey),
    () => journey.takeCancelRequest(),
  );
}

async function travel(journey: ShipmentJourney): Promise<ShipmentOutcome> {
  const { input } = journey;
  let stage: FinalShipmentStage;
  try {
    if (!input.carriedOver) await prepareAndBook(journey);
    stage = await track(journey);
  } catch (error) {
    if (error instanceof EndedBeforeThisRun) return endAsEndedBefore(journey, error.ended);
    if (!(error instanceof StopShipment)) throw error;
    stage = await compensate(journey, error.stage);
  }
  await journey.finish(stage);
  const { view } = journey;
  return {
    shipmentId: input.shipmentId,
    stage,
    packagingCostCents: view.packagingCostCents,
    shippingCostCents: view.shippingCostCents,
    promiseMiss: view.promiseMiss,
    savingCents: journey.savingCents,
    ...(journey.replacement ? { reshipped: journey.replacement } : {}),
  };
}

/** Warehouse and booking; a run reset after the label was bought goes on from it instead (./resume.ts). */
async function prepareAndBook(journey: ShipmentJourney): Promise<void> {
  try {
    await prepareInWarehouse(journey);
  } catch (error) {
    if (error instanceof LabelledBeforeThisRun) return resumeAtLabel(journey, error.labelled);
    throw error;
  }
  await bookLabel(journey, 'first booking');
  // Waiting for collection counts from here (tracking.ts, stallBaseMovedToLabel): a weekend spent waiting for the pick slot is not a stall.
  journey.watch.labelledAtMs = Date.now();
}
