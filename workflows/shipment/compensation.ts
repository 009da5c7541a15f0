import type { FinalShipmentStage } from '../../domain/lifecycle';
import { carrier, stock } from '../activity-options';
import type { Compensation } from './saga';
import type { ShipmentJourney, StopShipment } from './shipment';

/**
 * The order called the shipment off before it left, or ops ended it: what the shipment did is undone in
 * reverse (its saga: stock released, pick slot freed, label voided), and a label voided before the carrier
 * took the parcel comes off its cost.
 */
export async function compensate(j: ShipmentJourney, stage: StopShipment['stage']): Promise<FinalShipmentStage> {
  const { orderId, shipmentId } = j.input;
  /** The carrier's refusal to void the label (./label-void.ts): the cancel goes on, the label's cost stays. */
  let voidRefused: string | undefined;
  const undo = (step: Compensation): Promise<unknown> => {
    switch (step.step) {
      case 'release stock':
        return stock.releaseReservations({ orderId, shipmentId, reason: 'shipment cancelled' });
      case 'free pick slot':
        return j.warehouse.releasePickSlot({ shipmentId });
      case 'void label':
        return carrier.voidLabel({ shipmentId, attempt: step.attempt }).then((answer) => {
          voidRefused ??= answer.refused;
        });
    }
  };
  await j.saga.compensate(undo, shipmentId);
  if (j.label && !j.dispatched && voidRefused === undefined) j.view.shippingCostCents -= j.label.amountCents;
  if (j.label && voidRefused !== undefined)
    j.timeline.note('note', `label ${j.label.trackingNumber} could not be voided`, `${stage}: ${voidRefused}; its cost stays`);
  return stage;
}
