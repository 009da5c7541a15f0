import { heartbeat } from '@temporalio/activity';
import { DomainError } from '../domain/errors';
import { carrierCall } from './carrier-booking/carrier-calls';
import { CarrierRejected } from './carriers/errors';
import { fetchLabelDocuments } from './carriers/label-documents';
import type { CarrierRegistry } from './carriers/registry';
import { parcelTrackingOf } from './carriers/tracking-mode';
import type { Db } from './db';
import { asActivity } from './failures';

/**
 * Return labels, on the `colis-carriers` queue like every carrier call: bought once per return (our
 * row and the carrier's idempotency key both guard it) from the label the goods came on, so the carrier
 * already knows both addresses and none travels through Temporal; voided when the customer never used them.
 */

export interface ReturnLabel {
  carrierCode: string;
  trackingNumber: string;
  labelUrl: string;
  expiresAt: string;
  carrierPushesScans: boolean;
  /** Set for a carrier polled although it pushes scans (ShipEngine): polled every this fraction of the stall window, as outbound parcels are. */
  pollStallFraction?: number;
}

export function createReturnLabelActivities(deps: { db: Db; carriers: CarrierRegistry }) {
  const { db, carriers } = deps;

  /** The label the goods came on: the return label is bought from it, with the carrier that carried them. */
  async function outboundLabel(orderId: string, warehouseCode: string): Promise<{ carrierCode: string; carrierLabelId: string }> {
    const label = await db.label.findFirst({
      where: { status: 'purchased', shipment: { orderId, warehouseCode, status: 'delivered' } },
      orderBy: [{ shipmentId: 'asc' }, { attempt: 'desc' }],
      select: { carrierCode: true, carrierLabelId: true },
    });
    if (!label) throw new DomainError('NoServiceAvailable', `no delivered label of order ${orderId} from ${warehouseCode}`, {});
    return label;
  }

  return {
    buyReturnLabel(input: { returnId: string; expiresAt: string }): Promise<ReturnLabel> {
      return asActivity(async () => {
        const row = await db.return.findUniqueOrThrow({
          where: { id: input.returnId },
        });
        const tracking = async (code: string) => {
          const mode = await parcelTrackingOf(db, carriers, code);
          return {
            carrierPushesScans: mode.pushesScans,
            ...(mode.pollStallFraction === undefined ? {} : { pollStallFraction: mode.pollStallFraction }),
          };
        };
        if (row.carrierCode && row.trackingNumber && row.labelUrl && row.labelExpiresAt) {
          return {
            carrierCode: row.carrierCode,
            trackingNumber: row.trackingNumber,
            labelUrl: row.labelUrl,
            expiresAt: row.labelExpiresAt.toISOString(),
            ...(await tracking(row.carrierCode)),
          };
        }
        const outbound = await outboundLabel(row.orderId, row.warehouseCode);
        const api = carriers.codes().includes(outbound.carrierCode) ? carriers.get(outbound.carrierCode) : undefined;
        const buy = api?.returnLabel?.bind(api);
        if (!api || !buy) {
          throw new DomainError('NoServiceAvailable', `carrier ${outbound.carrierCode} sells no return label here`, {
            carriersAsked: [outbound.carrierCode],
          });
        }
        const label = await carrierCall(() => buy({ carrierLabelId: outbound.carrierLabelId, idempotencyKey: `return:${row.id}` }));
        heartbeat('return label bought');
        // The customer prints the label from Colis (tracking page, return mail): its files are kept with the label.
        const documents = await carrierCall(() => fetchLabelDocuments(api, label.carrierLabelId));
        await db.$transaction([
          db.return.update({
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
          }),
          db.returnLabelDocument.createMany({
            data: documents.map((document) => ({ returnId: row.id, format: document.format, content: new Uint8Array(document.content) })),
            skipDuplicates: true,
          }),
        ]);
        return {
          carrierCode: label.carrierCode,
          trackingNumber: label.trackingNumber,
          labelUrl: label.labelUrl,
          expiresAt: input.expiresAt,
          ...(await tracking(label.carrierCode)),
        };
      });
    },

    /** Voids a return label nobody used; voiding twice is harmless. */
    /**
     * The carrier's refusal (it scanned the label, its void window passed) is answered, not thrown: asking again cannot
     * change it, and a failure would fail the return's cancel or expiry. The label stays bought.
     */
    voidReturnLabel(input: { returnId: string }): Promise<{ voided: boolean; refused?: string }> {
      return asActivity(async () => {
        const row = await db.return.findUniqueOrThrow({ where: { id: input.returnId } });
        if (!row.carrierCode || !row.carrierLabelId) return { voided: false };
        if (row.labelVoidedAt) return { voided: true };
        const carrierCode = row.carrierCode;
        const labelId = row.carrierLabelId;
        const refused = await carrierCall(() =>
          carriers
            .get(carrierCode)
            .voidLabel(labelId)
            .then(
              () => undefined,
              (error: unknown) => {
                if (error instanceof CarrierRejected) return error.message;
                throw error;
              },
            ),
        );
        if (refused !== undefined) return { voided: false, refused };
        await db.return.update({ where: { id: row.id }, data: { labelVoidedAt: new Date() } });
        return { voided: true };
      });
    },
  };
}

export type ReturnLabelActivities = ReturnType<typeof createReturnLabelActivities>;
