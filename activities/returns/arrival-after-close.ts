import { FINAL_RETURN_STATUSES } from '../../domain/return-policy';
import type { NormalisedTrackingEvent } from '../../domain/tracking';
import type { Db } from '../db';
import { lockOrder } from '../inventory';
import { type RelayWaker, withMilestones } from '../notifications/outbox';
import { lockedReturn, returnScanRows } from './return-rows';
import { statusMilestones } from './status-milestones';

/** A finished return whose parcel the carrier delivered to the warehouse after all: what its webhook scan says. */
export interface ArrivalAfterClose {
  returnId: string;
  /** The batch's scans of the return's parcel, the `delivered` one among them, in the tracking model's terms. */
  scans: NormalisedTrackingEvent[];
  at: string;
}

/**
 * The goods of a return that ended without them (refunded without the goods, expired or cancelled once its label was
 * used) reach the warehouse: its workflow has closed, so nothing would count them back into stock. The return is
 * received again, waiting for the inspection (`/ops/returns`), which settles it in the database once
 * (api/services/late-return-arrivals.ts); `closedAt` stays, saying it had closed first. A return refunded without
 * its goods keeps that refund and owes no other (`customerSettledBy: refund`); one expired or cancelled owes what the
 * inspection finds, as any return does. The scans are stored, so the carrier's repeat is a duplicate. Answers whether
 * this call received it: false for a return inspected already, not finished, received again before, or another parcel.
 */
export async function receiveReturnAfterClose(db: Db, waker: RelayWaker, input: ArrivalAfterClose): Promise<boolean> {
  return withMilestones(db, waker, async (tx) => {
    const head = await tx.return.findUnique({ where: { id: input.returnId }, select: { orderId: true } });
    if (!head) return { result: false, milestones: [] };
    await lockOrder(tx, head.orderId);
    const row = await lockedReturn(tx, input.returnId);
    const facts = await tx.return.findUniqueOrThrow({ where: { id: row.id }, select: { inspectedAt: true, closeReason: true } });
    const delivered = input.scans.some((scan) => scan.status === 'delivered' && scan.trackingNumber === row.trackingNumber);
    if (!FINAL_RETURN_STATUSES.includes(row.status) || facts.inspectedAt || !delivered) return { result: false, milestones: [] };
    await tx.returnScan.createMany({ data: returnScanRows(row.id, 'webhook', input.scans), skipDuplicates: true });
    const lastScanAt = new Date(Math.max(...input.scans.map((e) => Date.parse(e.occurredAt))));
    await tx.return.update({
      where: { id: row.id },
      data: {
        status: 'received',
        receivedAt: new Date(input.at),
        lastScanAt,
        ...(row.status === 'completed' ? { customerSettledBy: 'refund' } : {}),
      },
    });
    const why = `the parcel arrived after the return was closed (${facts.closeReason ?? row.status})`;
    return { result: true, milestones: statusMilestones(row, 'received', why, []) };
  });
}
