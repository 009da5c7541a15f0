import { condition } from '@temporalio/workflow';
import { hoursToRealMs } from '../../domain/clock';
import { reships, summarised } from '../activity-options';
import type { ShipmentOutcome } from '../shipment/types';
import { shipmentOutcomes, startShipment } from './fulfilment';
import { describeShortages, type OrderJourney } from './order';

/** While a replacement's goods are short, the reservation is tried again at each restock, or this often. */
const REPLACEMENT_RETRY_HOURS = 4;

/**
 * Ops re-shipped a lost or damaged parcel: its lines are reserved again through the order's stock
 * (allocation may pick another warehouse, or several), planned as replacement shipments that name the
 * lost one, and run like any shipment (pick, pack, book, track, the same escalations). Short goods make
 * the replacement wait for stock. The outcomes are the replacements' (and theirs, if re-shipped again).
 */
export async function refulfil(o: OrderJourney, lost: ShipmentOutcome): Promise<ShipmentOutcome[]> {
  const { orderId } = o.input;
  const lostShipmentId = lost.shipmentId;
  const reason = lost.reshipped?.reason ?? 'parcel re-shipped';
  const lostView = o.shipments.get(lostShipmentId);
  // Re-shipped from now on, even while the replacement waits for stock: the lost parcel binds the order no more.
  if (lostView) lostView.replacedBy = [];
  let restocksSeen = o.restocks;
  for (let attempt = 1; ; attempt++) {
    const plan = await summarised(reships.reserveReplacement, `Reserve the goods of ${lostShipmentId} again`, {
      orderId,
      lostShipmentId,
      reason,
    });
    if (plan.planned.length > 0) {
      const ids = plan.planned.map((p) => p.shipmentId);
      o.timeline.note('note', `${lostShipmentId} re-shipped`, `replaced by ${ids.join(', ')} (${reason})`);
      if (lostView) lostView.replacedBy = ids;
      const children = [];
      for (const p of plan.planned) {
        const count = p.lines.reduce((n, l) => n + l.quantity, 0);
        children.push(
          await startShipment(o, p, `Replacement ${p.shipmentId} for ${lostShipmentId} · ${count} item(s) from ${p.warehouseCode}`),
        );
        const view = o.shipments.get(p.shipmentId);
        if (view) view.replaces = lostShipmentId;
      }
      o.showDetails();
      return (await Promise.all(children.map((child) => shipmentOutcomes(o, child)))).flat();
    }
    if (attempt === 1)
      o.timeline.note('note', `${lostShipmentId} re-ship backordered`, describeShortages(plan.shortages, 'short: waiting for a restock'));
    await condition(
      () => o.restocks > restocksSeen || o.cancelReason !== undefined,
      hoursToRealMs(REPLACEMENT_RETRY_HOURS, o.input.timeScale),
    );
    restocksSeen = o.restocks;
    o.stopIfCancelled();
  }
}
