import { heartbeat } from '@temporalio/activity';
import type { BuyLabelRequest, CarrierTrackingEvent, PurchasedLabel, RateQuote, RateRequest } from '../domain/carrier';
import type { CarrierRegistry } from './carriers/registry';
import { toApplicationFailure as carrierFailure, isCarrierError } from './carriers/errors';
import type { Db } from './db';

export interface BookedLabel extends PurchasedLabel {
  attempt: number;
}

/** Carrier errors leave as typed failures: rejections non-retryable, outages and timeouts retried. */
async function carrierCall<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (isCarrierError(error)) throw carrierFailure(error);
    throw error;
  }
}

/**
 * Everything that talks to a carrier. These run on the `colis-carriers` task queue so a slow or
 * failing carrier API ties up carrier workers only.
 */
export function createCarrierActivities(deps: { db: Db; carriers: CarrierRegistry }) {
  const { db, carriers } = deps;
  return {
    /** The carriers to ask, with the reliability the choice breaks ties on. */
    async listCarriers(): Promise<{ code: string; reliability: number; supportsWebhooks: boolean }[]> {
      const rows = await db.carrier.findMany({ where: { active: true }, orderBy: { code: 'asc' } });
      const configured = new Set(carriers.codes());
      return rows
        .filter((r) => configured.has(r.code))
        .map((r) => ({ code: r.code, reliability: r.reliability, supportsWebhooks: r.supportsWebhooks }));
    },

    quoteRates(input: { carrierCode: string; request: RateRequest }): Promise<RateQuote[]> {
      return carrierCall(() => carriers.get(input.carrierCode).quote(input.request));
    },

    /**
     * Buys the label for one booking attempt. Two guards against a second label: our own row
     * (unique per shipment and attempt) and the carrier's idempotency key, which makes a retry
     * after a lost response return the label already bought instead of charging again.
     */
    buyLabel(input: {
      shipmentId: string;
      attempt: number;
      carrierCode: string;
      request: Omit<BuyLabelRequest, 'idempotencyKey'>;
      fastestCostCents?: number;
      promiseMiss: boolean;
    }): Promise<BookedLabel> {
      return carrierCall(async () => {
        const existing = await db.label.findUnique({
          where: { shipmentId_attempt: { shipmentId: input.shipmentId, attempt: input.attempt } },
        });
        if (existing) {
          const shipment = await db.shipment.findUniqueOrThrow({ where: { id: input.shipmentId } });
          return {
            attempt: existing.attempt,
            carrierCode: existing.carrierCode,
            serviceCode: existing.serviceCode,
            carrierLabelId: existing.carrierLabelId,
            trackingNumber: existing.trackingNumber,
            amountCents: existing.amountCents,
            currency: existing.currency,
            labelUrl: existing.labelUrl ?? '',
            estimatedDeliveryAt: (shipment.estimatedDeliveryAt ?? shipment.promisedBy).toISOString(),
            purchasedAt: existing.purchasedAt.toISOString(),
          };
        }
        const idempotencyKey = `${input.shipmentId}:${input.attempt}`;
        const label = await carriers.get(input.carrierCode).buyLabel({ ...input.request, idempotencyKey });
        heartbeat('label bought');
        await db.$transaction([
          db.label.upsert({
            where: { idempotencyKey },
            create: {
              id: `${input.shipmentId}-LBL${input.attempt}`,
              shipmentId: input.shipmentId,
              attempt: input.attempt,
              carrierCode: label.carrierCode,
              serviceCode: label.serviceCode,
              carrierLabelId: label.carrierLabelId,
              trackingNumber: label.trackingNumber,
              idempotencyKey,
              amountCents: label.amountCents,
              currency: label.currency,
              labelUrl: label.labelUrl,
              purchasedAt: new Date(label.purchasedAt),
            },
            update: {},
          }),
          db.shipment.update({
            where: { id: input.shipmentId },
            data: {
              status: 'label_created',
              carrierCode: label.carrierCode,
              serviceCode: label.serviceCode,
              trackingNumber: label.trackingNumber,
              estimatedDeliveryAt: new Date(label.estimatedDeliveryAt),
              shippingCostCents: { increment: label.amountCents },
              promiseMiss: input.promiseMiss,
              ...(input.fastestCostCents !== undefined ? { fastestCostCents: input.fastestCostCents } : {}),
            },
          }),
        ]);
        return { ...label, attempt: input.attempt };
      });
    },

    /** Voids a label that has not been used; voiding twice is harmless. The refund comes off the shipment's cost. */
    voidLabel(input: { shipmentId: string; attempt: number }): Promise<{ voided: boolean }> {
      return carrierCall(async () => {
        const label = await db.label.findUnique({
          where: { shipmentId_attempt: { shipmentId: input.shipmentId, attempt: input.attempt } },
        });
        if (!label) return { voided: false };
        if (label.status === 'voided') return { voided: true };
        await carriers.get(label.carrierCode).voidLabel(label.carrierLabelId);
        await db.$transaction([
          db.label.update({ where: { id: label.id }, data: { status: 'voided', voidedAt: new Date() } }),
          db.shipment.update({
            where: { id: input.shipmentId },
            data: { shippingCostCents: { decrement: label.amountCents } },
          }),
        ]);
        return { voided: true };
      });
    },

    /** Polling, for carriers without webhooks and as the safety net when webhooks go missing. */
    pollTracking(input: { carrierCode: string; trackingNumber: string }): Promise<CarrierTrackingEvent[]> {
      return carrierCall(() => carriers.get(input.carrierCode).track(input.trackingNumber));
    },
  };
}
