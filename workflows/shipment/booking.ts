import type { RateRequest } from '../../domain/carrier';
import { chooseCarrierService } from '../../domain/carrier-choice';
import { initialTrackingState } from '../../domain/tracking';
import { carrier, rateShop, summarised } from '../activity-options';
import { type ShipmentJourney, StopShipment } from './shipment';

/**
 * Carrier booking: one rate shop across every carrier, the cheapest service that keeps the promise
 * (domain/carrier-choice.ts), exactly one label per attempt (the purchase carries an idempotency key).
 * No carrier at all: ops decide (wait and shop again, refund, cancel).
 */
export async function bookLabel(j: ShipmentJourney, why: string): Promise<void> {
  const { shipmentId, promisedBy } = j.input;
  const parcels = j.parcels;
  if (!parcels) throw new Error('booking before packing');
  for (;;) {
    j.stopIfCancelled();
    j.takePendingAddress();
    await j.enterStage('rating', `Asking every carrier for rates (${why})`);
    const request: RateRequest = {
      shipmentId,
      from: parcels.origin,
      to: j.shipTo,
      parcels: parcels.parcels,
      shipAt: new Date().toISOString(),
    };
    const shop = await summarised(rateShop.quoteAllCarriers, `Rates from every carrier (${why})`, { request });
    const choice = chooseCarrierService(shop.quotes, promisedBy, Object.fromEntries(shop.carriers.map((c) => [c.code, c.reliability])));
    if (choice.kind === 'NoServiceAvailable') {
      const decision = await j.escalateAndWait(
        'no_carrier',
        `no carrier quoted ${parcels.parcels.length} parcel(s) to ${j.shipTo.city} (${shop.unanswered.length} of ${shop.carriers.length} failed)`,
      );
      if (decision === 'wait') continue;
      throw new StopShipment(decision === 'refund' ? 'refunded' : 'cancelled');
    }
    j.stopIfCancelled();
    const { quote } = choice;
    const attempt = j.view.labelAttempt + 1;
    await j.enterStage(
      'booking',
      `Booking ${quote.carrierCode} ${quote.serviceCode} at ${(quote.amountCents / 100).toFixed(2)} ${quote.currency}` +
        (choice.promiseMiss ? ' (no service meets the promise: fastest taken)' : ''),
    );
    const booked = await summarised(carrier.purchaseLabel, `Buy ${quote.carrierCode} ${quote.serviceCode} label #${attempt}`, {
      shipmentId,
      attempt,
      carrierCode: quote.carrierCode,
      request: { ...request, serviceCode: quote.serviceCode },
      fastestCostCents: choice.fastestAmountCents,
      promiseMiss: choice.promiseMiss,
    });
    j.saga.add({ step: 'void label', attempt });
    j.savingCents = choice.savingCents;
    j.label = {
      attempt,
      carrierCode: booked.carrierCode,
      trackingNumber: booked.trackingNumber,
      amountCents: booked.amountCents,
      supportsWebhooks: shop.carriers.find((c) => c.code === booked.carrierCode)?.supportsWebhooks ?? false,
    };
    Object.assign(j.view, {
      labelAttempt: attempt,
      carrierCode: booked.carrierCode,
      serviceCode: booked.serviceCode,
      trackingNumber: booked.trackingNumber,
      estimatedDeliveryAt: booked.estimatedDeliveryAt,
      promiseMiss: choice.promiseMiss,
      trackingStatus: 'label_created',
    });
    j.view.shippingCostCents += booked.amountCents;
    j.tracking = initialTrackingState();
    await j.enterStage('label_created', `Label ${booked.trackingNumber} bought; waiting for the carrier to collect`);
    await j.onMilestone({
      kind: 'booked',
      shipmentId,
      carrierCode: booked.carrierCode,
      trackingNumber: booked.trackingNumber,
      estimatedDeliveryAt: booked.estimatedDeliveryAt,
      promiseMiss: choice.promiseMiss,
    });
    return;
  }
}

/** Voids the label in hand unless the carrier already has the parcel; its price comes off the shipment's cost. */
export async function voidLabel(j: ShipmentJourney, why: string): Promise<void> {
  const current = j.label;
  if (!current || j.dispatched) return;
  await summarised(carrier.voidLabel, `Void label #${current.attempt} (${why})`, {
    shipmentId: j.input.shipmentId,
    attempt: current.attempt,
  });
  j.view.shippingCostCents -= current.amountCents;
  j.saga.drop({ step: 'void label', attempt: current.attempt });
  j.timeline.note('note', `label ${current.trackingNumber} voided`, why);
  j.label = undefined;
}
