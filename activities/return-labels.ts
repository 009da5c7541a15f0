import { heartbeat } from '@temporalio/activity';
import type { CarrierApi } from '../domain/carrier';
import { DomainError } from '../domain/errors';
import { returnParcel } from '../domain/return-policy';
import { isCarrierError, toApplicationFailure as carrierFailure } from './carriers/errors';
import type { CarrierRegistry } from './carriers/registry';
import type { Db } from './db';
import { asActivity } from './failures';

/**
 * Return labels, on the `colis-carriers` queue like every carrier call: bought once per return (our
 * row and the carrier's idempotency key both guard it), voided when the customer never used them.
 * The customer's address is read here from the order, so it never travels through Temporal.
 */

export interface ReturnLabel {
  carrierCode: string;
  trackingNumber: string;
  labelUrl: string;
  expiresAt: string;
  carrierPushesScans: boolean;
}

export function createReturnLabelActivities(deps: { db: Db; carriers: CarrierRegistry }) {
  const { db, carriers } = deps;

  /** The carrier that brought the goods, when it sells return labels; else the first active one that does. */
  async function returnCarrier(orderId: string, warehouseCode: string): Promise<CarrierApi & Required<Pick<CarrierApi, 'buyReturnLabel'>>> {
    const [shipment, active] = await Promise.all([
      db.shipment.findFirst({
        where: { orderId, warehouseCode, carrierCode: { not: null }, status: 'delivered' },
        orderBy: { seq: 'asc' },
        select: { carrierCode: true },
      }),
      db.carrier.findMany({ where: { active: true }, orderBy: { code: 'asc' }, select: { code: true } }),
    ]);
    const configured = new Set(carriers.codes());
    const candidates = [shipment?.carrierCode, ...active.map((c) => c.code)].filter(
      (code): code is string => typeof code === 'string' && configured.has(code),
    );
    for (const code of candidates) {
      const api = carriers.get(code);
      if (api.buyReturnLabel) return api as CarrierApi & Required<Pick<CarrierApi, 'buyReturnLabel'>>;
    }
    throw new DomainError('NoServiceAvailable', 'no configured carrier sells return labels', { carriersAsked: candidates });
  }

  return {
    buyReturnLabel(input: { returnId: string; shipAt: string; expiresAt: string }): Promise<ReturnLabel> {
      return asActivity(async () => {
        const row = await db.return.findUniqueOrThrow({
          where: { id: input.returnId },
          include: {
            lines: { include: { sku: true } },
            warehouse: true,
            order: { include: { shippingAddress: true } },
          },
        });
        const pushes = async (code: string) =>
          (await db.carrier.findUnique({ where: { code }, select: { supportsWebhooks: true } }))?.supportsWebhooks ?? false;
        if (row.carrierCode && row.trackingNumber && row.labelUrl && row.labelExpiresAt) {
          return {
            carrierCode: row.carrierCode,
            trackingNumber: row.trackingNumber,
            labelUrl: row.labelUrl,
            expiresAt: row.labelExpiresAt.toISOString(),
            carrierPushesScans: await pushes(row.carrierCode),
          };
        }
        const carrier = await returnCarrier(row.orderId, row.warehouseCode);
        const address = row.order.shippingAddress;
        const label = await carrierCall(() =>
          carrier.buyReturnLabel({
            returnId: row.id,
            idempotencyKey: `return:${row.id}`,
            from: {
              name: address.name,
              line1: address.line1,
              ...(address.line2 ? { line2: address.line2 } : {}),
              city: address.city,
              ...(address.region ? { region: address.region } : {}),
              postalCode: address.postalCode,
              countryCode: address.countryCode,
              ...(address.phone ? { phone: address.phone } : {}),
            },
            to: {
              warehouseCode: row.warehouse.code,
              name: row.warehouse.name,
              city: row.warehouse.city,
              postalCode: row.warehouse.postalCode,
              countryCode: row.warehouse.countryCode,
            },
            parcels: [returnParcel(row.lines.map((l) => ({ ...l.sku, quantity: l.quantity })))],
            shipAt: input.shipAt,
          }),
        );
        heartbeat('return label bought');
        await db.return.update({
          where: { id: row.id },
          data: {
            carrierCode: label.carrierCode,
            serviceCode: label.serviceCode,
            carrierLabelId: label.carrierLabelId,
            trackingNumber: label.trackingNumber,
            labelUrl: label.labelUrl,
            labelCostCents: label.amountCents,
            labelPurchasedAt: new Date(label.purchasedAt),
            labelExpiresAt: new Date(input.expiresAt),
          },
        });
        return {
          carrierCode: label.carrierCode,
          trackingNumber: label.trackingNumber,
          labelUrl: label.labelUrl,
          expiresAt: input.expiresAt,
          carrierPushesScans: await pushes(label.carrierCode),
        };
      });
    },

    /** Voids a return label nobody used; voiding twice is harmless. */
    voidReturnLabel(input: { returnId: string }): Promise<{ voided: boolean }> {
      return asActivity(async () => {
        const row = await db.return.findUniqueOrThrow({ where: { id: input.returnId } });
        if (!row.carrierCode || !row.carrierLabelId) return { voided: false };
        if (row.labelVoidedAt) return { voided: true };
        const carrierCode = row.carrierCode;
        const labelId = row.carrierLabelId;
        await carrierCall(() => carriers.get(carrierCode).voidLabel(labelId));
        await db.return.update({ where: { id: row.id }, data: { labelVoidedAt: new Date() } });
        return { voided: true };
      });
    },
  };
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

export type ReturnLabelActivities = ReturnType<typeof createReturnLabelActivities>;
