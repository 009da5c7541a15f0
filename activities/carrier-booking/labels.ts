import { log } from '@temporalio/activity';
import { CarrierRejected } from '../carriers/errors';
import { carrierCall } from './carrier-calls';
import type { CarrierActivityDeps } from './deps';
import { type BookedLabel, type LabelPurchase, purchase } from './label-purchase';

/** Buying and voiding labels. */
export function createLabelActivities(deps: CarrierActivityDeps) {
  const { db, carriers } = deps;
  return {
    purchaseLabel(input: LabelPurchase): Promise<BookedLabel> {
      return purchase(deps, input, false);
    },

    /** v1 (workflows/v1): the same purchase, and the shipment's status set to label_created; remove with v1. */
    buyLabel(input: LabelPurchase): Promise<BookedLabel> {
      return purchase(deps, input, true);
    },

    /**
     * Voids a label that has not been used; voiding twice is harmless. The refund comes off the shipment's cost. A
     * carrier's refusal (it scanned the label, its void window passed) is answered, not thrown: asking again cannot
     * change it, and a failure would fail the cancel, the re-booking or the re-ship that asked. The label stays bought.
     */
    voidLabel(input: { shipmentId: string; attempt: number }): Promise<{ voided: boolean; refused?: string }> {
      return carrierCall(async () => {
        const label = await db.label.findUnique({
          where: { shipmentId_attempt: { shipmentId: input.shipmentId, attempt: input.attempt } },
        });
        if (!label) return { voided: false };
        if (label.status === 'voided') return { voided: true };
        try {
          await carriers.get(label.carrierCode).voidLabel(label.carrierLabelId);
        } catch (error) {
          if (!(error instanceof CarrierRejected)) throw error;
          log.warn('the carrier refused to void the label', { shipmentId: input.shipmentId, attempt: input.attempt, reason: error.reason });
          return { voided: false, refused: error.message };
        }
        await db.$transaction([
          db.label.update({ where: { id: label.id }, data: { status: 'voided', voidedAt: new Date() } }),
          db.shipment.update({
            where: { id: input.shipmentId },
            data: { shippingCostCents: { decrement: label.costCents ?? label.amountCents } },
          }),
        ]);
        return { voided: true };
      });
    },
  };
}
