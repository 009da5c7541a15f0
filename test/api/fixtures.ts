import { decodedPayload } from '../support/temporal';
import type { Client } from '@temporalio/client';
import type { Db } from '../../activities/db';
import type { OrderStage } from '../../domain/journey';

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
  await db.label.create({
    data: {
      id: `${shipmentId}-LBL1`,
      shipmentId,
      attempt: 1,
      carrierCode,
      serviceCode: 'standard',
      carrierLabelId: `${trackingNumber}-L`,
      trackingNumber,
      idempotencyKey: `${shipmentId}:1`,
      amountCents: 690,
      currency: 'EUR',
    },
  });
  return { shipmentId, trackingNumber };
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
