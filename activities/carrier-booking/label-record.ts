import type { LabelDocument, PurchasedLabel } from '../../domain/carrier';
import type { Db } from '../db';
import { type StageRecord, upsertStage } from '../stage-timing';
import type { LabelPurchase } from './label-purchase';

/**
 * The visits a label's purchase writes: those handed over, the last (booking) ended now, and `label_created`
 * begun now. Now is never before the booking began: a time-skipping test server's workflow clock runs ahead
 * of the wall clock, and a visit may not end before it starts. Without a visit in progress to end there is
 * nothing to write: the workflow, told no stage was written, writes it itself.
 */
export function labelStage(stages: readonly StageRecord[], nowMs: number): { visits: StageRecord[]; enteredAt: string } | undefined {
  const booking = stages.at(-1);
  if (!booking || booking.endedAt !== undefined) return undefined;
  const enteredAt = new Date(Math.max(nowMs, Date.parse(booking.startedAt))).toISOString();
  const { orderId, shipmentId } = booking;
  return {
    visits: [
      ...stages.slice(0, -1),
      { ...booking, endedAt: enteredAt, outcome: 'ok' },
      { orderId, ...(shipmentId ? { shipmentId } : {}), stage: 'label_created', startedAt: enteredAt },
    ],
    enteredAt,
  };
}

/** What a bought label writes, in one transaction: the stage visits, the label, its documents, and the shipment booked on it. */
export interface LabelRecord {
  input: LabelPurchase;
  idempotencyKey: string;
  label: PurchasedLabel;
  documents: LabelDocument[];
  costCents: number | undefined;
  countedCents: number;
  stage: ReturnType<typeof labelStage>;
  v1Status: boolean;
}

export async function recordLabel(db: Db, record: LabelRecord): Promise<void> {
  const { input, idempotencyKey, label, documents, costCents, stage } = record;
  const labelId = `${input.shipmentId}-LBL${input.attempt}`;
  await db.$transaction([
    ...(stage ? stage.visits.map((visit) => upsertStage(db, visit)) : []),
    db.label.upsert({
      where: { idempotencyKey },
      create: {
        id: labelId,
        shipmentId: input.shipmentId,
        attempt: input.attempt,
        carrierCode: label.carrierCode,
        serviceCode: label.serviceCode,
        carrierLabelId: label.carrierLabelId,
        trackingNumber: label.trackingNumber,
        idempotencyKey,
        amountCents: label.amountCents,
        currency: label.currency,
        ...(costCents === undefined ? {} : { costCents }),
        labelUrl: label.labelUrl,
        purchasedAt: new Date(label.purchasedAt),
      },
      update: {},
    }),
    db.labelDocument.createMany({
      data: documents.map((document) => ({ labelId, format: document.format, content: new Uint8Array(document.content) })),
      skipDuplicates: true,
    }),
    db.shipment.update({
      where: { id: input.shipmentId },
      data: {
        ...(record.v1Status || stage ? { status: 'label_created' as const } : {}),
        carrierCode: label.carrierCode,
        serviceCode: label.serviceCode,
        trackingNumber: label.trackingNumber,
        estimatedDeliveryAt: new Date(label.estimatedDeliveryAt),
        shippingCostCents: { increment: record.countedCents },
        promiseMiss: input.promiseMiss,
        ...(input.fastestCostCents !== undefined ? { fastestCostCents: input.fastestCostCents } : {}),
        ...(input.riskPremiumCents !== undefined ? { riskPremiumCents: { increment: input.riskPremiumCents } } : {}),
        ...(input.onTimeProbability !== undefined ? { bookedOnTimeProbability: input.onTimeProbability } : {}),
      },
    }),
  ]);
}
