import type { Db } from '../../activities/db';
import type { EscalationView, OrderView, ShipmentView, TimelineEntry } from '../../domain/journey';
import { DECISIONS_BY_REASON, isFinalOrderStage, ORDER_STAGE_WORDS, type OrderStage } from '../../domain/lifecycle';
import type { EscalationRecord } from '../../domain/api';
import { OrderWorkflowInputSchema } from '../../domain/order';
import { DeliveryPromiseSchema } from '../../domain/delivery-promise';
import { afterEndEntry, scanEntry, statusOfStoredScans, withDeliveryAfterAll } from './stored-scans';

/**
 * The journey's views rebuilt from the database, for when the workflow that owns them has completed
 * (or cannot answer a query), and from the intake row before the workflow's first activity ran.
 * The shapes are the workflows' own query results (domain/journey.ts), so a client reads one shape
 * whichever source answered.
 */

const orderInclude = {
  shippingAddress: true,
  escalations: true,
  stageTimings: true,
  shipments: {
    include: {
      lines: true,
      labels: true,
      trackingEvents: { orderBy: { occurredAt: 'asc' } },
      unmappedTrackingEvents: true,
      trackingEventsAfterEnd: true,
      escalations: true,
    },
    orderBy: { seq: 'asc' },
  },
} as const;

type EscalationRow = Awaited<ReturnType<Db['escalation']['findMany']>>[number];
type StageTimingRow = Awaited<ReturnType<Db['stageTiming']['findMany']>>[number];

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : undefined);
const defined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as T;

/** The API key name an order was placed with: intake stores the idempotency key as `<key name>:<key>`. */
export const submitterOf = (scopedIdempotencyKey: string) => scopedIdempotencyKey.split(':', 1)[0];

export function escalationView(row: EscalationRow): EscalationView {
  return defined({
    escalationId: row.id,
    reason: row.reason,
    severity: row.severity,
    detail: row.detail,
    openedAt: row.openedAt.toISOString(),
    resolvedAt: iso(row.resolvedAt),
    decision: row.decision ?? undefined,
  });
}

export function escalationRecord(row: EscalationRow): EscalationRecord {
  return defined({
    escalationId: row.id,
    orderId: row.orderId,
    shipmentId: row.shipmentId ?? undefined,
    reason: row.reason,
    severity: row.severity,
    status: row.status,
    detail: row.detail,
    openedAt: row.openedAt.toISOString(),
    escalatedAt: iso(row.escalatedAt),
    resolvedAt: iso(row.resolvedAt),
    decision: row.decision ?? undefined,
    resolvedBy: row.resolvedBy ?? undefined,
    note: row.note ?? undefined,
    allowedDecisions: [...DECISIONS_BY_REASON[row.reason]],
  });
}

function escalationEntries(rows: EscalationRow[]): TimelineEntry[] {
  return rows.flatMap((row) => [
    {
      at: row.openedAt.toISOString(),
      kind: 'escalation' as const,
      label: `escalation opened: ${row.reason} (${row.severity})`,
      detail: row.detail,
    },
    ...(row.resolvedAt
      ? [{ at: row.resolvedAt.toISOString(), kind: 'escalation' as const, label: `escalation resolved: ${row.decision ?? 'resolved'}` }]
      : []),
  ]);
}

function stageEntries(rows: StageTimingRow[]): TimelineEntry[] {
  return rows.map((row) =>
    defined({
      at: row.startedAt.toISOString(),
      kind: 'stage' as const,
      label: row.stage,
      detail: row.outcome ? `${row.outcome}${row.endedAt ? ` at ${row.endedAt.toISOString()}` : ''}` : undefined,
    }),
  );
}

/**
 * An ended order's end, as its workflow's own timeline writes it (`completed`, `cancelled`, `failed`, when the order's
 * row was closed): its stage visits stop at the stage it left, so read from them alone the order ended nowhere, and the
 * tracking page the customer opens from the cancel mail gave no word of when. No reason is given here: the timeline is
 * also the customer's, and a cancel or failure reason may be ops' own words.
 */
function endEntries(order: { status: OrderStage; completedAt: Date | null }): TimelineEntry[] {
  if (!isFinalOrderStage(order.status) || !order.completedAt) return [];
  return [{ at: order.completedAt.toISOString(), kind: 'stage', label: ORDER_STAGE_WORDS[order.status].label }];
}

const byTime = (a: TimelineEntry, b: TimelineEntry) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0);

export async function orderViewFromDb(db: Db, orderId: string): Promise<{ view: OrderView; submittedBy: string | undefined } | undefined> {
  const order = await db.order.findUnique({ where: { id: orderId }, include: orderInclude });
  if (!order) return undefined;
  const timings = order.stageTimings;
  // A re-shipped parcel and the replacements that send its lines again name each other.
  const replacementsOf = (shipmentId: string) => {
    const ids = order.shipments.filter((s) => s.replacesShipmentId === shipmentId).map((s) => s.id);
    return ids.length > 0 ? ids : undefined;
  };
  const shipments: ShipmentView[] = order.shipments.map((shipment) => {
    const labelAttempt = shipment.labels.reduce((max, label) => Math.max(max, label.attempt), 0);
    const view: ShipmentView = defined({
      shipmentId: shipment.id,
      workflowId: shipment.workflowId,
      warehouseCode: shipment.warehouseCode,
      stage: shipment.status,
      lines: shipment.lines.map((line) => ({ orderLineId: line.orderLineId, skuCode: line.skuCode, quantity: line.quantity })),
      carrierCode: shipment.carrierCode ?? undefined,
      serviceCode: shipment.serviceCode ?? undefined,
      trackingNumber: shipment.trackingNumber ?? undefined,
      trackingStatus: statusOfStoredScans(shipment.trackingEvents, shipment.trackingNumber ?? undefined),
      estimatedDeliveryAt: iso(shipment.estimatedDeliveryAt),
      promisedBy: shipment.promisedBy.toISOString(),
      promiseMiss: shipment.promiseMiss,
      packagingCostCents: shipment.packagingCostCents,
      shippingCostCents: shipment.shippingCostCents,
      lastScanAt: iso(shipment.lastScanAt),
      labelAttempt,
      replaces: shipment.replacesShipmentId ?? undefined,
      replacedBy: replacementsOf(shipment.id),
      escalations: shipment.escalations.map(escalationView),
      timeline: [
        ...stageEntries(timings.filter((t) => t.shipmentId === shipment.id)),
        ...shipment.trackingEvents.map((event) => scanEntry(event)),
        ...shipment.unmappedTrackingEvents.map((event) => scanEntry(event, true)),
        ...shipment.trackingEventsAfterEnd.map(afterEndEntry),
        ...escalationEntries(shipment.escalations),
      ].sort(byTime),
    });
    return withDeliveryAfterAll(view, shipment.trackingEventsAfterEnd);
  });
  const orderEscalations = order.escalations.filter((e) => e.shipmentId === null);
  const address = order.shippingAddress;
  const view: OrderView = defined({
    orderId: order.id,
    workflowId: order.workflowId,
    stage: order.status,
    customerId: order.customerId,
    serviceLevel: order.serviceLevel,
    promisedBy: order.promisedBy.toISOString(),
    promise: storedPromise(order.promise),
    receivedAt: order.createdAt.toISOString(),
    shipTo: defined({
      name: address.name,
      line1: address.line1,
      line2: address.line2 ?? undefined,
      city: address.city,
      region: address.region ?? undefined,
      postalCode: address.postalCode,
      countryCode: address.countryCode,
      phone: address.phone ?? undefined,
    }),
    shortages: [],
    backorderDeadline: iso(order.backorderDeadline),
    shipments,
    escalations: orderEscalations.map(escalationView),
    timeline: [
      ...stageEntries(timings.filter((t) => t.shipmentId === null)),
      ...endEntries(order),
      ...escalationEntries(orderEscalations),
    ].sort(byTime),
    packagingCostCents: order.packagingCostCents,
    shippingCostCents: order.shippingCostCents,
    cancelReason: order.status === 'cancelled' ? (order.endReason ?? undefined) : undefined,
    personalDataErasedAt: iso(order.personalDataErasedAt),
  });
  return { view, submittedBy: submitterOf(order.idempotencyKey) };
}

/**
 * The order as intake handed it to the workflow, read from the first history event. Answers for an
 * order whose workflow cannot be queried yet (no worker has picked it up) and has no row yet.
 */
/** An accepted order before its workflow has written anything: its intake row, as the order workflow will see it. */
export async function orderViewFromIntake(db: Db, orderId: string): Promise<{ view: OrderView; submittedBy: string } | undefined> {
  const row = await db.orderIntake.findUnique({ where: { orderId }, select: { input: true, submittedBy: true, workflowId: true } });
  if (!row) return undefined;
  const parsed = OrderWorkflowInputSchema.safeParse(row.input);
  if (!parsed.success) return undefined;
  const input = parsed.data;
  const view: OrderView = {
    orderId: input.orderId,
    workflowId: row.workflowId,
    stage: 'received',
    customerId: input.request.customer.id,
    serviceLevel: input.request.serviceLevel,
    promisedBy: input.promisedBy,
    ...(input.promise ? { promise: input.promise } : {}),
    receivedAt: input.receivedAt,
    shipTo: input.request.shipTo,
    shortages: [],
    shipments: [],
    escalations: [],
    timeline: [{ at: input.receivedAt, kind: 'stage', label: 'received' }],
    packagingCostCents: 0,
    shippingCostCents: 0,
  };
  return { view, submittedBy: row.submittedBy };
}

/** The intake promise stored with the order; absent on orders placed before the promise engine. */
export function storedPromise(json: unknown): OrderView['promise'] {
  const parsed = DeliveryPromiseSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** The intake promise of an order, wherever it is stored by now (order row, else intake row). */
export async function promiseOfOrder(db: Db, orderId: string): Promise<OrderView['promise']> {
  const order = await db.order.findUnique({ where: { id: orderId }, select: { promise: true } });
  if (order?.promise) return storedPromise(order.promise);
  const intake = await db.orderIntake.findUnique({ where: { orderId }, select: { input: true } });
  const input = OrderWorkflowInputSchema.safeParse(intake?.input);
  return input.success ? input.data.promise : undefined;
}

export function shipmentViewIn(view: OrderView, shipmentId: string): ShipmentView | undefined {
  return view.shipments.find((shipment) => shipment.shipmentId === shipmentId);
}
