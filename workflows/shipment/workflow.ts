import type { FinalShipmentStage } from '../../domain/lifecycle';
import { bookLabel } from './booking';
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
export async function shipmentWorkflowV2(input: ShipmentInput): Promise<ShipmentOutcome> {
  const journey = new ShipmentJourney(input);
  let stage: FinalShipmentStage;
  try {
    if (!input.carriedOver) {
      await prepareInWarehouse(journey);
      await bookLabel(journey, 'first booking');
    }
    stage = await track(journey);
  } catch (error) {
    if (!(error instanceof StopShipment)) throw error;
    stage = await journey.compensate(error.stage);
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
