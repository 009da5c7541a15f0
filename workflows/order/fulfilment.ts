import { ParentClosePolicy, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import type { PlannedShipment } from '../activity-types';
import type { Address } from '../../domain/order';
import { TASK_QUEUES } from '../../domain/ids';
import { plannedShipmentView } from '../../domain/views';
import { bookkeeping, summarised } from '../activity-options';
import { cancelShipmentSignal, searchAttributes, shipmentAddressChangedSignal } from '../definitions';
import { shipmentWorkflowV2, shipmentWorkflowV3 } from '../shipment/workflow';
import type { ShipmentOutcome } from '../shipment/types';
import { type ShipmentChild, startOrAdopt } from './adoption';
import { describeShortages, type OrderJourney } from './order';
import { refulfil } from './replacement';
import { shipmentOutcomeOf } from './terminated-shipment';
import { markdownText } from '../../domain/human-text';

/**
 * One shipment per warehouse holding the order's stock: planned in the database, started as child
 * workflows on the orders queue (their warehouse work goes to the warehouse's own queue), awaited to
 * their outcomes. Starting a child passes its search attributes, so its first second costs no upsert.
 */
export async function fulfil(o: OrderJourney): Promise<ShipmentOutcome[]> {
  const { orderId, promisedBy, receivedAt } = o.input;
  // Each shipment's pick slot is booked with the plan, so the shipment starts knowing it (and its wait).
  const planned = await summarised(bookkeeping.planShipments, 'Plan one shipment per warehouse', {
    orderId,
    pickSlots: { nowMs: Date.now(), receivedAtMs: Date.parse(receivedAt) },
  });
  const warehouses = [...new Set(planned.map((p) => p.warehouseCode))];
  o.searchAttributes.set({ key: searchAttributes.warehouse, value: warehouses });
  await o.enterStage(
    'fulfilling',
    `${planned.length} shipment(s) from ${warehouses.join(', ')}` +
      (o.shortages.length > 0 ? `; ${describeShortages(o.shortages, 'short-shipped')}` : ''),
  );
  await o.onMilestone({ kind: 'confirmed', orderId, promisedBy, shipments: planned.length });
  // The order's own first shipments: received before the cut-off, they make that day's pick.
  for (const p of planned) await startShipment(o, p, { receivedAt: o.input.receivedAt });
  o.showDetails();
  const outcomes = (await Promise.all([...o.children.values()].map((child) => shipmentOutcomes(o, child)))).flat();
  o.outcomes.push(...outcomes);
  return outcomes;
}

/**
 * Starts one planned shipment as a child workflow on the orders queue (its warehouse work goes to the
 * warehouse's own queue), with its search attributes, so its first second costs no upsert. `receivedAt`:
 * when the order came in, for the pick slot's cut-off (absent for a replacement, which counts from its start).
 */
export async function startShipment(
  o: OrderJourney,
  p: PlannedShipment,
  { summary, receivedAt, replaces }: { summary?: string; receivedAt?: string; replaces?: string } = {},
): Promise<ShipmentChild> {
  const { orderId, request, timeScale } = o.input;
  const promisedBy = o.backorderPromisedBy ?? o.input.promisedBy;
  // A replacement says which shipment it replaces from its first query on, not once its child has started.
  const { pickSlot, ...shipment } = p;
  o.shipments.set(p.shipmentId, {
    ...plannedShipmentView({ ...shipment, promisedBy }),
    ...(pickSlot?.waitingSince ? { stage: 'waiting_for_pick_slot' as const } : {}),
    ...(replaces ? { replaces } : {}),
  });
  const startedWith = o.shipTo;
  const startOne =
    (shipTo: Address, startedAgain = false) =>
    () =>
      startChild(o.generation === 'v3' ? shipmentWorkflowV3 : shipmentWorkflowV2, {
        workflowId: p.workflowId,
        // A shipment id runs one journey, ever: a start that finds it (after a reset) adopts it (order/adoption.ts).
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        taskQueue: TASK_QUEUES.orders,
        args: [
          {
            orderId,
            shipmentId: p.shipmentId,
            warehouseCode: p.warehouseCode,
            customerId: request.customer.id,
            lines: p.lines,
            shipTo,
            serviceLevel: request.serviceLevel,
            promisedBy,
            timeScale,
            ...(receivedAt ? { orderReceivedAt: receivedAt } : {}),
            ...(pickSlot ? { pickSlot } : {}),
            ...(o.input.historyEventsPerRun !== undefined ? { historyEventsPerRun: o.input.historyEventsPerRun } : {}),
            ...(startedAgain ? { startedAgain: true as const } : {}),
          },
        ],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        // Sealed like every payload; the Web UI shows it decoded, as Markdown: the city is escaped, so "[x](…)" stays text.
        staticSummary:
          summary ??
          `Shipment ${p.shipmentId} · ${p.lines.reduce((n, l) => n + l.quantity, 0)} item(s) from ${p.warehouseCode} to ${markdownText(shipTo.city)}`,
        typedSearchAttributes: [
          { key: searchAttributes.orderId, value: orderId },
          { key: searchAttributes.customerId, value: request.customer.id },
          { key: searchAttributes.warehouse, value: [p.warehouseCode] },
          { key: searchAttributes.shipmentStatus, value: pickSlot?.waitingSince ? 'waiting_for_pick_slot' : 'planned' },
          { key: searchAttributes.promisedBy, value: new Date(promisedBy) },
          { key: searchAttributes.escalated, value: false },
        ],
      });
  const child = await startOrAdopt(o, p.workflowId, startOne(startedWith));
  o.children.set(p.shipmentId, child);
  // A cancel or address change accepted while this child was starting did not reach it: pass it on.
  if (o.shipTo !== startedWith) await child.signal(shipmentAddressChangedSignal, o.shipTo);
  if (o.cancelReason !== undefined) await child.signal(cancelShipmentSignal, { reason: o.cancelReason });
  // Its journey again, should Temporal lose it (order/terminated-shipment.ts): to the address the order ships to now.
  o.restarts.set(p.shipmentId, async () => {
    const again = await startOrAdopt(o, p.workflowId, startOne(o.shipTo, true));
    o.children.set(p.shipmentId, again);
    if (o.cancelReason !== undefined) await again.signal(cancelShipmentSignal, { reason: o.cancelReason });
    return again;
  });
  return child;
}

/** A shipment's outcome, and its replacements' when ops re-shipped it (order/replacement.ts). */
export async function shipmentOutcomes(o: OrderJourney, child: ShipmentChild): Promise<ShipmentOutcome[]> {
  const outcome = await shipmentOutcomeOf(o, child);
  // The outcome is what the order keeps of a finished shipment; the API reads its details from the database.
  const shipment = o.shipments.get(outcome.shipmentId);
  if (shipment) Object.assign(shipment, outcome);
  if (!outcome.reshipped) return [outcome];
  return [outcome, ...(await refulfil(o, outcome))];
}
