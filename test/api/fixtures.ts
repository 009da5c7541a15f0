import { decodedPayload } from '../support/temporal';
import type { Client } from '@temporalio/client';
import type { Db } from '../../activities/db';
import type { OrderStage } from '../../domain/journey';
import type { TrackingStatus } from '../../domain/lifecycle';
import { ids } from '../../domain/ids';

/**
 * Rows as the workflows' activities would have written them, for reads that do not need a worker
 * to have run: orders, shipments with labels, tracking events and escalations.
 */

let seq = 0;
export const uniqueId = (prefix: string) => `${prefix}-${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase();

export async function insertOrder(
  db: Db,
  options: { orderId?: string; status?: OrderStage; submittedBy?: string; customerId?: string; createdAt?: Date; skuCode?: string } = {},
): Promise<string> {
  const orderId = options.orderId ?? uniqueId('ORD');
  const customerId = options.customerId ?? 'CUST-FIX';
  await db.customer.upsert({ where: { id: customerId }, create: { id: customerId, name: 'Fixture Customer' }, update: {} });
  await db.address.create({
    data: {
      id: `${orderId}-A1`,
      customerId,
      name: 'Fixture Customer',
      line1: '1 Main St',
      city: 'Paris',
      postalCode: '75001',
      countryCode: 'FR',
    },
  });
  await db.order.create({
    data: {
      id: orderId,
      idempotencyKey: `${options.submittedBy ?? 'shop-a'}:${orderId}`,
      requestHash: 'h',
      source: 'api',
      customerId,
      shippingAddressId: `${orderId}-A1`,
      status: options.status ?? 'fulfilling',
      serviceLevel: 'standard',
      backorderPolicy: 'backorder',
      promisedBy: new Date('2030-01-05T12:00:00Z'),
      workflowId: `order-${orderId}`,
      currency: 'EUR',
      ...(options.createdAt ? { createdAt: options.createdAt } : {}),
      lines: { create: [{ id: `${orderId}-L1`, lineNo: 1, skuCode: options.skuCode ?? 'MUG-CER-350', quantity: 1 }] },
    },
  });
  return orderId;
}

export async function insertShipment(
  db: Db,
  orderId: string,
  options: { seq?: number; carrierCode?: string; trackingNumber?: string } = {},
): Promise<{ shipmentId: string; trackingNumber: string }> {
  const number = options.seq ?? 1;
  const shipmentId = `${orderId}-S${number}`;
  const carrierCode = options.carrierCode ?? 'swiftpost';
  const trackingNumber = options.trackingNumber ?? uniqueId('SP');
  await db.shipment.create({
    data: {
      id: shipmentId,
      orderId,
      seq: number,
      warehouseCode: 'PAR1',
      workflowId: `shipment-${shipmentId}`,
      status: 'in_transit',
      promisedBy: new Date('2030-01-05T12:00:00Z'),
      carrierCode,
      serviceCode: 'standard',
      trackingNumber,
      lines: { create: [{ orderLineId: `${orderId}-L1`, skuCode: 'MUG-CER-350', quantity: 1 }] },
    },
  });
  await insertLabel(db, shipmentId, { attempt: 1, carrierCode, trackingNumber });
  return { shipmentId, trackingNumber };
}

/** A label of the shipment, bought (or voided) at `attempt`: a re-book after an address change, a voided earlier one. */
export async function insertLabel(
  db: Db,
  shipmentId: string,
  label: { attempt: number; trackingNumber: string; carrierCode?: string; status?: 'purchased' | 'voided' },
): Promise<void> {
  const { attempt, trackingNumber, carrierCode = 'swiftpost', status = 'purchased' } = label;
  await db.label.create({
    data: {
      id: `${shipmentId}-LBL${attempt}`,
      shipmentId,
      attempt,
      carrierCode,
      serviceCode: 'standard',
      carrierLabelId: `${trackingNumber}-L`,
      trackingNumber,
      idempotencyKey: `${shipmentId}:${attempt}`,
      amountCents: 690,
      currency: 'EUR',
      status,
      ...(status === 'voided' ? { voidedAt: new Date() } : {}),
    },
  });
}

/** A scan row of a shipment's parcel for `createMany`, keyed by parcel and status (one of each per parcel). */
export const scanRowData = (shipmentId: string, trackingNumber: string, status: TrackingStatus, occurredAt: Date) => ({
  id: `${shipmentId}-${status}`,
  shipmentId,
  carrierCode: 'swiftpost',
  carrierEventId: `${shipmentId}-${status}`,
  trackingNumber,
  carrierStatusCode: status.toUpperCase(),
  status,
  occurredAt,
  source: 'webhook' as const,
});

/** A carrier's scan stored for a shipment's parcel, as the API stores a webhook's (SwiftPost's codes). */
export async function insertScan(
  db: Db,
  parcel: { shipmentId: string; trackingNumber: string },
  scan: { status: 'in_transit' | 'delivered'; occurredAt: string; detail?: string; location?: string },
): Promise<void> {
  await db.trackingEvent.create({
    data: {
      id: uniqueId('TE'),
      ...parcel,
      carrierCode: 'swiftpost',
      carrierEventId: uniqueId('E'),
      carrierStatusCode: scan.status === 'delivered' ? 'DL' : 'IT',
      status: scan.status,
      ...(scan.detail === undefined ? {} : { detail: scan.detail }),
      ...(scan.location === undefined ? {} : { location: scan.location }),
      occurredAt: new Date(scan.occurredAt),
      source: 'webhook',
    },
  });
}

/** A workflow that exists but that no worker runs: it records the signals and updates sent to it. */
export async function startIdleWorkflow(client: Client, workflowId: string, type = 'idleWorkflow'): Promise<void> {
  await client.workflow.start(type, { workflowId, taskQueue: 'colis-api-test-idle', args: [] });
}

export async function signalsReceived(client: Client, workflowId: string, signalName: string): Promise<unknown[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const signals = (history.events ?? [])
    .map((event) => event.workflowExecutionSignaledEventAttributes)
    .filter((attributes) => attributes?.signalName === signalName);
  // Histories hold ciphertext: read them as the workers do, through the payload codec.
  return Promise.all(signals.map((attributes) => decodedPayload(attributes?.input?.payloads?.[0])));
}

export interface FinishedReturnEnding {
  status: 'completed' | 'expired' | 'cancelled';
  closeReason: string;
  refundCents?: number;
}

/**
 * A delivered mug sent back on a swiftpost return label, the return ended as `ending` says (refunded without the goods,
 * expired, cancelled) and its workflow closed: never held by Temporal here, and `startedAt` keeps the sweep from starting it.
 */
export async function insertFinishedReturn(
  db: Db,
  shop: string,
  ending: FinishedReturnEnding,
): Promise<{ orderId: string; returnId: string; trackingNumber: string }> {
  const orderId = await insertOrder(db, { submittedBy: shop });
  await insertShipment(db, orderId);
  const returnId = `RMA-${uniqueId('L').replace(/[^A-Z0-9]/g, '')}`;
  const trackingNumber = `SP-RET-${returnId.slice(4)}`;
  await db.return.create({
    data: {
      id: returnId,
      orderId,
      idempotencyKey: `late:${returnId}`,
      requestHash: 'h',
      channel: 'shop',
      requestedBy: shop,
      reason: 'defective',
      status: ending.status,
      warehouseCode: 'PAR1',
      workflowId: `return-${returnId}`,
      startedAt: new Date(),
      carrierCode: 'swiftpost',
      trackingNumber,
      currency: 'EUR',
      closedAt: new Date(Date.now() - 86_400_000),
      closeReason: ending.closeReason,
      ...(ending.refundCents === undefined ? {} : { refundCents: ending.refundCents }),
      lines: { create: [{ lineNo: 1, orderLineId: `${orderId}-L1`, skuCode: 'MUG-CER-350', quantity: 1, unitPriceCents: 1290 }] },
    },
  });
  return { orderId, returnId, trackingNumber };
}

/**
 * An order with an open `no_carrier` escalation whose detail names the customer's city (Lyon), as a journey writes it:
 * what paging ops sends, and what its logs must not repeat.
 */
export async function insertNoCarrierEscalation(db: Db): Promise<{ orderId: string; escalationId: string }> {
  const orderId = await insertOrder(db, { submittedBy: 'shop-test' });
  const dedupeKey = `${orderId}:no_carrier`;
  const escalationId = ids.escalationId(dedupeKey);
  await db.escalation.create({
    data: { id: escalationId, dedupeKey, orderId, reason: 'no_carrier', severity: 'high', detail: 'no carrier quoted 1 parcel(s) to Lyon' },
  });
  return { orderId, escalationId };
}

/** A return row as its workflow leaves it at `status`: what each state of the ops listing is read from. */
export interface ReturnRowOptions {
  status: 'requested' | 'label_created' | 'in_transit' | 'received' | 'completed' | 'expired' | 'cancelled';
  returnId?: string;
  createdAt?: Date;
  closeReason?: string;
  refundCents?: number;
  channel?: 'customer' | 'shop' | 'ops' | 'carrier';
}

/** The data of one return of `orderId` (its one line: the order's mug), for `create` or, without lines, `createMany`. */
export function returnRowData(orderId: string, options: ReturnRowOptions) {
  const returnId = options.returnId ?? `RMA-${uniqueId('R').replace(/[^A-Z0-9]/g, '')}`;
  const labelled = options.status !== 'requested';
  const ended = options.status === 'completed' || options.status === 'expired' || options.status === 'cancelled';
  return {
    id: returnId,
    orderId,
    idempotencyKey: `fixture:${returnId}`,
    requestHash: 'h',
    channel: options.channel ?? 'shop',
    requestedBy: 'shop-a',
    reason: options.channel === 'carrier' ? ('returned_to_sender' as const) : ('defective' as const),
    status: options.status,
    warehouseCode: 'PAR1',
    workflowId: `return-${returnId}`,
    startedAt: new Date(),
    currency: 'EUR',
    ...(labelled
      ? { carrierCode: 'swiftpost', trackingNumber: `SP-RET-${returnId.slice(4)}`, labelExpiresAt: new Date(Date.now() + 14 * 86_400_000) }
      : {}),
    ...(options.status === 'received' || options.status === 'completed' ? { receivedAt: new Date() } : {}),
    ...(options.status === 'completed' && options.closeReason !== 'refunded_without_goods' ? { inspectedAt: new Date() } : {}),
    ...(ended ? { closedAt: new Date(), closeReason: options.closeReason ?? options.status } : {}),
    ...(options.refundCents === undefined ? {} : { refundCents: options.refundCents }),
    ...(options.createdAt ? { createdAt: options.createdAt } : {}),
  };
}

/** A return of `orderId` at `options.status`, its one line the order's mug at 12.90 EUR; answers its id. */
export async function insertReturn(db: Db, orderId: string, options: ReturnRowOptions): Promise<string> {
  const data = returnRowData(orderId, options);
  await db.return.create({
    data: {
      ...data,
      lines: { create: [{ lineNo: 1, orderLineId: `${orderId}-L1`, skuCode: 'MUG-CER-350', quantity: 1, unitPriceCents: 1290 }] },
    },
  });
  return data.id;
}
