import { ApplicationFailure, getExternalWorkflowHandle, log } from '@temporalio/workflow';
import { ids } from '../../domain/ids';
import { LATER_PATCHES, takesLater } from '../shared/generation';
import { restockedSignal } from '../definitions';
import { RETURN_INSPECTION } from '../../domain/message-shapes';
import { MALFORMED_MESSAGE, refuseMalformed } from '../shared/message-guards';
import { returnsDb } from './activity-options';
import { FINAL_RETURN_STATUSES, inspectionProblems, type ReturnStatus } from '../../domain/return-policy';
import { inspectReturnUpdate, type ReturnInspectionInput } from './definitions';

/** Where the return stands when the warehouse reports what it found in the parcel. */
export interface InspectionGate {
  returnId: string;
  status: ReturnStatus;
  alreadyInspected: boolean;
  lines: readonly { lineNo: number; quantity: number }[];
}

/**
 * The inspect update's validator: refuses, before anything is recorded in history, an inspection without
 * its shape (sent from the CLI or the Web UI: whole units, who inspected), one the return cannot take now
 * (already inspected, closed, or no label yet) or whose lines do not add up.
 */
export function validateInspection(gate: InspectionGate, inspection: ReturnInspectionInput): void {
  refuseMalformed(inspectReturnUpdate.name, RETURN_INSPECTION, inspection);
  if (gate.alreadyInspected || FINAL_RETURN_STATUSES.includes(gate.status)) {
    throw ApplicationFailure.nonRetryable(`return ${gate.returnId} is ${gate.status}: nothing to inspect`, 'ReturnStateConflict');
  }
  if (gate.status === 'requested') {
    throw ApplicationFailure.nonRetryable(`return ${gate.returnId} has no label yet: nothing can have arrived`, 'ReturnStateConflict');
  }
  const problems = inspectionProblems(gate.lines, inspection.lines);
  // Typed as the shape's refusals are (the CLI printed a plain retryable Error for a line the return does not hold).
  if (problems.length > 0)
    throw ApplicationFailure.nonRetryable(`${inspectReturnUpdate.name}: ${problems.map((p) => p.message).join('; ')}`, MALFORMED_MESSAGE);
}

/**
 * Goods an inspection put back on sale may be what a backordered order or a waiting replacement needs: the
 * return tells those orders, as a restock through the API does (`restocked`), and answers which it told. A
 * wake-up only (each order reserves what it can itself), so an order that ended meanwhile is no failure.
 */
export async function offerReturnedStock(returnId: string): Promise<string[]> {
  const waiting = await returnsDb.ordersAwaitingReturnedStock({ returnId });
  const woken = new Set<string>();
  for (const { orderId, warehouseCode, skuCode } of waiting) {
    try {
      await getExternalWorkflowHandle(ids.orderWorkflowId(orderId)).signal(restockedSignal, { warehouseCode, skuCode });
      woken.add(orderId);
    } catch (error) {
      log.info('order not woken by returned stock', { orderId, error: String(error) });
    }
  }
  return [...woken];
}

/**
 * Settles an inspected return in the ledger (restocked or written off, the refund due), then offers what went
 * back on sale to the orders waiting for it (histories from before that patch offered nothing).
 */
export async function settleInspectedGoods(
  returnId: string,
  inspection: ReturnInspectionInput,
): Promise<{ settled: { refundCents: number }; woken: string[] }> {
  const settled = await returnsDb.settleReturn({ returnId, settlement: { kind: 'inspected', inspection }, at: new Date().toISOString() });
  const woken = takesLater(LATER_PATCHES.returnRestockWakesOrders) ? await offerReturnedStock(returnId) : [];
  return { settled, woken };
}
