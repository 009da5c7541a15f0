import { RETURN_EXPIRED_REASON, type ReturnStatus } from '../../domain/return-policy';
import type { NormalisedTrackingEvent } from '../../domain/tracking';
import type { CarrierRegistry } from '../carriers/registry';
import { parcelTrackingOf } from '../carriers/tracking-mode';
import type { EscalationView } from '../../domain/journey';
import type { Db } from '../db';
import { asActivity } from '../failures';
import { type RelayWaker, withMilestones } from '../notifications/outbox';
import { refuseForeignRun } from '../workflow-owner';
import { lockedReturn, returnScanRows } from './return-rows';
import { statusMilestones } from './status-milestones';

/** What the workflow needs to know about its return; never a name or an address. */
export interface ReturnFacts {
  returnId: string;
  orderId: string;
  status: ReturnStatus;
  warehouseCode: string;
  lines: { lineNo: number; skuCode: string; quantity: number }[];
  carrierCode?: string;
  trackingNumber?: string;
  labelExpiresAt?: string;
  /** Whether the return's carrier pushes scans; when not, the workflow polls. */
  carrierPushesScans: boolean;
  /** Set for a carrier polled although it pushes scans (ShipEngine): every this fraction of the stall window. */
  pollStallFraction?: number;
  /** A carrier return: the carrier brought the parcel back, received already; only its inspection is left. */
  broughtBackByCarrier?: true;
  /**
   * The refund a completed return settled, for a run that starts on it (an operator's reset to the first workflow task)
   * to end with the outcome the return had. Absent for a return not completed, and in every result recorded before it.
   */
  refundCents?: number;
  /**
   * A return that ended without its goods (refunded without them, expired, cancelled) and was received again once they
   * arrived: its workflow had closed, so the API inspects them in the database (api/services/late-return-arrivals.ts).
   * How it ended, for a run that starts on it (a reset) to end so at once; with `refundCents` when it was refunded.
   * Absent for any other return, and in every result recorded before it.
   */
  endedAs?: 'completed' | 'expired' | 'cancelled';
  /**
   * The escalations the return's workflow had opened, for a run that starts on them (a reset): how many (the number in
   * their keys) and those still open. Absent for a return that never escalated, and in every result recorded before it.
   */
  escalations?: { seq: number; open: EscalationView[] };
}

/** The escalations a return's workflow opened (keyed `<returnId>:<reason>:<n>`, workflows/shared/escalation.ts). */
async function escalationsOf(db: Db, returnId: string): Promise<ReturnFacts['escalations']> {
  const rows = await db.escalation.findMany({ where: { returnId }, orderBy: { openedAt: 'asc' } });
  if (rows.length === 0) return undefined;
  const seq = Math.max(0, ...rows.map((r) => Number(r.dedupeKey.split(':').at(-1)) || 0));
  const open = rows
    .filter((r) => r.status === 'open')
    .map((r) => ({ escalationId: r.id, reason: r.reason, severity: r.severity, detail: r.detail, openedAt: r.openedAt.toISOString() }));
  return { seq, open };
}

/** How a return received again after it had ended (`closedAt` kept, api/services/late-return-arrivals.ts) had ended. */
function endedBeforeItsGoods(row: { status: ReturnStatus; closedAt: Date | null; closeReason: string | null }): ReturnFacts['endedAs'] {
  if (row.status !== 'received' || row.closedAt === null) return undefined;
  if (row.closeReason === 'refunded_without_goods') return 'completed';
  return row.closeReason === RETURN_EXPIRED_REASON || row.closeReason === 'expired' ? 'expired' : 'cancelled';
}

/** The moves a return's status makes after its label: forward only, so a retried or late write never turns it back. */
const FORWARD: Record<ReturnStatus, readonly ReturnStatus[]> = {
  requested: ['label_created', 'expired', 'cancelled'],
  label_created: ['in_transit', 'received', 'expired', 'cancelled'],
  in_transit: ['received', 'cancelled'],
  received: [],
  completed: [],
  expired: [],
  cancelled: [],
};

/** Reading a return, moving it forward, and keeping its inbound scans. */
export function createReturnProgressActivities(db: Db, carriers: CarrierRegistry, waker: RelayWaker) {
  return {
    loadReturn(input: { returnId: string }): Promise<ReturnFacts> {
      return asActivity(async () => {
        const row = await db.return.findUniqueOrThrow({
          where: { id: input.returnId },
          include: { lines: { orderBy: { lineNo: 'asc' } } },
        });
        refuseForeignRun({ kind: 'return', id: row.id, orderId: row.orderId }, row.workflowId);
        const tracking = row.carrierCode ? await parcelTrackingOf(db, carriers, row.carrierCode) : undefined;
        const endedAs = endedBeforeItsGoods(row);
        const escalations = await escalationsOf(db, row.id);
        return {
          returnId: row.id,
          orderId: row.orderId,
          status: row.status,
          warehouseCode: row.warehouseCode,
          lines: row.lines.map((l) => ({ lineNo: l.lineNo, skuCode: l.skuCode, quantity: l.quantity })),
          ...(row.carrierCode ? { carrierCode: row.carrierCode } : {}),
          ...(row.trackingNumber ? { trackingNumber: row.trackingNumber } : {}),
          ...(row.labelExpiresAt ? { labelExpiresAt: row.labelExpiresAt.toISOString() } : {}),
          carrierPushesScans: tracking?.pushesScans ?? false,
          ...(tracking?.pollStallFraction === undefined ? {} : { pollStallFraction: tracking.pollStallFraction }),
          ...(row.channel === 'carrier' ? { broughtBackByCarrier: true as const } : {}),
          ...(row.status === 'completed' || endedAs === 'completed' ? { refundCents: row.refundCents ?? 0 } : {}),
          ...(endedAs ? { endedAs } : {}),
          ...(escalations ? { escalations } : {}),
        };
      });
    },

    /**
     * Moves the return to `status` if that is forward from where it is, and tells the shop (and, for
     * the label, the customer: the return steps with the label link). Answers the status it is in.
     */
    advanceReturn(input: { returnId: string; status: ReturnStatus; at: string; reason?: string }): Promise<{ status: ReturnStatus }> {
      return asActivity(() =>
        withMilestones(db, waker, async (tx) => {
          const row = await lockedReturn(tx, input.returnId);
          if (!FORWARD[row.status].includes(input.status)) return { result: { status: row.status }, milestones: [] };
          const at = new Date(input.at);
          await tx.return.update({
            where: { id: row.id },
            data: {
              status: input.status,
              ...(input.status === 'received' ? { receivedAt: at } : {}),
              ...(input.status === 'expired' || input.status === 'cancelled'
                ? { closedAt: at, closeReason: input.reason ?? input.status }
                : {}),
            },
          });
          const items =
            input.status === 'label_created'
              ? (await tx.returnLine.findMany({ where: { returnId: row.id }, orderBy: { lineNo: 'asc' } })).map((l) => ({
                  skuCode: l.skuCode,
                  quantity: l.quantity,
                }))
              : [];
          return { result: { status: input.status }, milestones: statusMilestones(row, input.status, input.reason, items) };
        }),
      );
    },

    recordReturnScans(input: {
      returnId: string;
      source: 'webhook' | 'poll';
      events: NormalisedTrackingEvent[];
      lastScanAt: string | null;
    }): Promise<{ stored: number }> {
      return asActivity(async () => {
        const stored = await db.returnScan.createMany({
          data: returnScanRows(input.returnId, input.source, input.events),
          skipDuplicates: true,
        });
        // Only forward (the workflow's fold only moves it forward): a run reset to its first task takes in again, batch by
        // batch, the scans Temporal hands it over from the run it replaced, and a return waiting for its inspection is left
        // as it was (before, its row was set back to the first batch's scan, then forward again).
        if (input.lastScanAt) {
          const lastScanAt = new Date(input.lastScanAt);
          await db.return.updateMany({
            where: { id: input.returnId, OR: [{ lastScanAt: null }, { lastScanAt: { lt: lastScanAt } }] },
            data: { lastScanAt },
          });
        }
        return { stored: stored.count };
      });
    },
  };
}
