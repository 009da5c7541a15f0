import type { Milestone } from '../../domain/notifications';
import { FINAL_RETURN_STATUSES, type ReturnReason, refundCents } from '../../domain/return-policy';
import type { Db } from '../db';
import { asActivity } from '../failures';
import { lockOrder, ordersAwaitingStock } from '../inventory';
import { type RelayWaker, withMilestones } from '../notifications/outbox';
import { type ArrivalAfterClose, receiveReturnAfterClose } from './arrival-after-close';
import { lockedReturn } from './return-rows';
import { moveReturnedStock } from './returned-stock';

/** What ops found when the parcel was opened, per return line. */
export interface InspectionResult {
  lines: { lineNo: number; restock: number; writeOff: number }[];
  inspectedBy: string;
  note?: string;
}

export type ReturnSettlement = { kind: 'inspected'; inspection: InspectionResult } | { kind: 'refunded_without_goods'; decidedBy: string };

/** Ending a return: stock, refund, and the orders waiting for what came back. */
export function createReturnSettlementActivities(db: Db, waker: RelayWaker) {
  return {
    /**
     * Ends a return: the inspected goods go back on sale or are written off (ledger movements keyed by
     * return and line, so they are made once), and the shop learns what it owes the customer
     * (`refund.due`). A return settled already answers what it settled.
     */
    settleReturn(input: { returnId: string; settlement: ReturnSettlement; at: string }): Promise<{ refundCents: number }> {
      return asActivity(() =>
        withMilestones(db, waker, async (tx) => {
          const head = await tx.return.findUniqueOrThrow({ where: { id: input.returnId }, select: { orderId: true } });
          // The order first, then the return, then the levels: the lock order every stock change of an order follows.
          await lockOrder(tx, head.orderId);
          const row = await lockedReturn(tx, input.returnId);
          if (row.status === 'completed') return { result: { refundCents: row.refundCents ?? 0 }, milestones: [] };
          if (FINAL_RETURN_STATUSES.includes(row.status)) return { result: { refundCents: 0 }, milestones: [] };
          const settled = input.settlement;
          // Refunded without the goods once they were at the warehouse already (ops' answer and the delivery crossed): that
          // refund stands, and a retry answers it; the goods stay received for their inspection (keptForInspection below).
          if (settled.kind === 'refunded_without_goods' && row.refundCents !== null)
            return { result: { refundCents: row.refundCents }, milestones: [] };
          const lines = await tx.returnLine.findMany({ where: { returnId: row.id }, orderBy: { lineNo: 'asc' } });
          const at = new Date(input.at);
          const outcome = lines.map((line) => {
            if (settled.kind === 'refunded_without_goods') return { line, restocked: 0, writtenOff: 0 };
            const found = settled.inspection.lines.find((l) => l.lineNo === line.lineNo);
            return { line, restocked: found?.restock ?? 0, writtenOff: found?.writeOff ?? 0 };
          });
          if (settled.kind === 'inspected') await moveReturnedStock(tx, row, outcome);
          // A carrier return ops answered with a re-ship, a refund or a cancel: the customer was settled then, never twice.
          const owesRefund = row.customerSettledBy === null;
          const refund = !owesRefund
            ? 0
            : settled.kind === 'refunded_without_goods'
              ? lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0)
              : refundCents(
                  row.reason as ReturnReason,
                  outcome.map((o) => ({ ...o, quantity: o.line.quantity, unitPriceCents: o.line.unitPriceCents })),
                );
          for (const o of outcome) {
            if (settled.kind !== 'inspected') break;
            await tx.returnLine.update({
              where: { returnId_lineNo: { returnId: row.id, lineNo: o.line.lineNo } },
              data: { restocked: o.restocked, writtenOff: o.writtenOff },
            });
          }
          // Goods at the warehouse are never left uninspected: closed (closedAt), received, inspected in the database
          // (api/services/late-return-arrivals.ts), their refund made already.
          const keptForInspection = settled.kind === 'refunded_without_goods' && row.status === 'received';
          await tx.return.update({
            where: { id: row.id },
            data: {
              status: keptForInspection ? 'received' : 'completed',
              ...(keptForInspection ? { customerSettledBy: row.customerSettledBy ?? 'refund' } : {}),
              // A return refunded without its goods whose parcel arrived after all keeps the refund it was settled with.
              refundCents: (row.refundCents ?? 0) + refund,
              closedAt: at,
              closeReason: settled.kind,
              ...(settled.kind === 'inspected'
                ? {
                    inspectedAt: at,
                    inspectedBy: settled.inspection.inspectedBy,
                    inspectionNote: settled.inspection.note ?? null,
                    receivedAt: row.receivedAt ?? at,
                  }
                : {}),
            },
          });
          const items = outcome.map((o) => ({
            lineNo: o.line.lineNo,
            skuCode: o.line.skuCode,
            quantity: o.line.quantity,
            restocked: o.restocked,
            writtenOff: o.writtenOff,
          }));
          const milestones: Milestone[] = [];
          if (settled.kind === 'inspected') {
            milestones.push({
              orderId: row.orderId,
              key: `return:${row.id}:inspected`,
              webhook: { type: 'return.inspected', data: { returnId: row.id, items, inspectedAt: input.at } },
            });
          }
          if (owesRefund)
            milestones.push({
              orderId: row.orderId,
              key: `return:${row.id}:refund_due`,
              webhook: {
                type: 'refund.due',
                data: {
                  returnId: row.id,
                  amountCents: refund,
                  currency: row.currency,
                  reason: row.reason,
                  basis: settled.kind,
                  items: items.map((i) => ({ ...i, unitPriceCents: lines.find((l) => l.lineNo === i.lineNo)?.unitPriceCents })),
                },
              },
            });
          return { result: { refundCents: refund }, milestones };
        }),
      );
    },

    /**
     * What a settled return put back on sale, and the orders waiting for each of those SKUs (backordered, or a
     * replacement waiting for stock): the return workflow wakes them as `POST /inventory/restock` does.
     * Read after the settlement committed, so a retry answers the same.
     */
    ordersAwaitingReturnedStock({
      returnId,
    }: {
      returnId: string;
    }): Promise<{ orderId: string; warehouseCode: string; skuCode: string }[]> {
      return asActivity(async () => {
        const row = await db.return.findUniqueOrThrow({ where: { id: returnId }, select: { warehouseCode: true } });
        const lines = await db.returnLine.findMany({ where: { returnId, restocked: { gt: 0 } }, select: { skuCode: true } });
        const wake: { orderId: string; warehouseCode: string; skuCode: string }[] = [];
        for (const skuCode of [...new Set(lines.map((l) => l.skuCode))].sort()) {
          for (const orderId of await ordersAwaitingStock(db, skuCode)) wake.push({ orderId, warehouseCode: row.warehouseCode, skuCode });
        }
        return wake;
      });
    },

    /**
     * The parcel's `delivered` scan reached the return's workflow while it took its last step (the webhook read the row
     * before that step made it final): the workflow hands it here before it closes, and the goods are received again
     * for inspection as the webhook does for a return already closed. False when there is nothing to receive.
     */
    receiveReturnAfterClose(input: ArrivalAfterClose): Promise<boolean> {
      return asActivity(() => receiveReturnAfterClose(db, waker, input));
    },
  };
}
