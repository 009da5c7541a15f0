import type { Db } from '../../activities/db';
import { DAY_MS } from '../../domain/clock';
import type { Prisma } from '../../prisma/generated/client';
import { orderInputFor } from './journey';

/**
 * An order with personal data in every row that can hold a copy, as the journey and ops would have written it: the
 * customer, two addresses (an address change), the intake request, a carrier's correction, a delivered parcel with its
 * label file and scans, mails and webhooks, a return with the customer's comment and its label, an answered escalation
 * and its page, a carrier claim, and ops actions' stored answers. `PERSONAL` lists what must never survive an erasure.
 */

export const PERSONAL = {
  name: 'Léa Vasseur-Quintin',
  email: 'lea.vasseur@example.test',
  phone: '+590 690 12 34 56',
  street: '7 impasse des Flamboyants',
  street2: 'Villa Corossol',
  city: 'Gustavia',
  postalCode: '97133',
  scanDetail: 'Remis à Mme Vasseur, voisine',
  scanPlace: 'Gustavia, 7 impasse',
  comment: 'Le mug est arrivé fêlé, appelez-moi au 0690',
  note: 'Cliente appelée: Vasseur',
} as const;

export interface OrderOptions {
  orderId: string;
  shopId: string;
  customerId: string;
  /** The order ended this many days ago (its delivery too, unless `deliveredDaysAgo`). */
  overDaysAgo: number;
  status?: 'completed' | 'cancelled' | 'fulfilling';
  deliveredDaysAgo?: number;
  returnStatus?: 'completed' | 'in_transit';
  escalationOpen?: boolean;
  claimStatus?: 'paid' | 'open';
  /** The intake row is there already (the order was placed through the API): it is marked recorded, not written. */
  placed?: boolean;
}

/** The fixture's return of an order. */
export const returnIdOf = (orderId: string) => `RMA-${orderId.replace(/[^A-Z0-9]/gi, '').toUpperCase()}`;

const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS);

export async function insertOrderWithPersonalData(db: Db, o: OrderOptions): Promise<void> {
  const over = daysAgo(o.overDaysAgo);
  const delivered = daysAgo(o.deliveredDaysAgo ?? o.overDaysAgo);
  const status = o.status ?? 'completed';
  const address = {
    customerId: o.customerId,
    name: PERSONAL.name,
    line1: PERSONAL.street,
    line2: PERSONAL.street2,
    city: PERSONAL.city,
    postalCode: PERSONAL.postalCode,
    countryCode: 'FR',
    phone: PERSONAL.phone,
  };
  await db.customer.upsert({
    where: { id: o.customerId },
    create: { id: o.customerId, name: PERSONAL.name, email: PERSONAL.email },
    update: { name: PERSONAL.name, email: PERSONAL.email },
  });
  await db.address.create({ data: { id: `${o.orderId}-A1`, ...address, line1: `${PERSONAL.street} (old)` } });
  await db.address.create({ data: { id: `${o.orderId}-A2`, ...address } });
  const input = orderInputFor(o.orderId, o.shopId, {
    customer: { id: o.customerId, name: PERSONAL.name, email: PERSONAL.email },
    shipTo: {
      name: PERSONAL.name,
      line1: PERSONAL.street,
      city: PERSONAL.city,
      postalCode: PERSONAL.postalCode,
      countryCode: 'FR',
      phone: PERSONAL.phone,
    },
  });
  if (o.placed) await db.orderIntake.update({ where: { orderId: o.orderId }, data: { recordedAt: over } });
  else
    await db.orderIntake.create({
      data: {
        orderId: o.orderId,
        workflowId: `order-${o.orderId}`,
        idempotencyKey: input.idempotencyKey,
        requestHash: input.requestHash,
        submittedBy: o.shopId,
        input: input as unknown as Prisma.InputJsonValue,
        receivedAt: over,
        startedAt: over,
        recordedAt: over,
      },
    });
  await db.order.create({
    data: {
      id: o.orderId,
      idempotencyKey: o.placed ? `${o.shopId}:placed-${o.orderId}` : input.idempotencyKey,
      requestHash: input.requestHash,
      source: 'api',
      customerId: o.customerId,
      shippingAddressId: `${o.orderId}-A2`,
      status,
      serviceLevel: 'standard',
      backorderPolicy: 'backorder',
      promisedBy: over,
      originalPromisedBy: over,
      workflowId: `order-${o.orderId}`,
      currency: 'EUR',
      packagingCostCents: 120,
      shippingCostCents: 690,
      createdAt: daysAgo(o.overDaysAgo + 3),
      ...(status === 'fulfilling' ? {} : { completedAt: over }),
      ...(status === 'cancelled' ? { endReason: PERSONAL.note } : {}),
      shopId: o.shopId,
      customerName: PERSONAL.name,
      customerEmail: PERSONAL.email,
      eventSeq: 1,
      lines: { create: [{ id: `${o.orderId}-L1`, lineNo: 1, skuCode: 'MUG-CER-350', quantity: 1 }] },
    },
  });
  await insertParcel(db, o, delivered);
  await insertNotifications(db, o);
  await insertAfterSale(db, o, over);
}

async function insertParcel(db: Db, o: OrderOptions, delivered: Date): Promise<void> {
  const shipmentId = `${o.orderId}-S1`;
  const trackingNumber = `SP${o.orderId.replace(/[^A-Z0-9]/gi, '')}`;
  await db.shipment.create({
    data: {
      id: shipmentId,
      orderId: o.orderId,
      seq: 1,
      warehouseCode: 'PAR1',
      workflowId: `shipment-${shipmentId}`,
      status: 'delivered',
      promisedBy: delivered,
      carrierCode: 'swiftpost',
      serviceCode: 'standard',
      trackingNumber,
      shippingCostCents: 690,
      packagingCostCents: 120,
      shippedAt: new Date(delivered.getTime() - 2 * DAY_MS),
      deliveredAt: delivered,
      lines: { create: [{ orderLineId: `${o.orderId}-L1`, skuCode: 'MUG-CER-350', quantity: 1 }] },
    },
  });
  await db.label.create({
    data: {
      id: `${shipmentId}-LBL1`,
      shipmentId,
      attempt: 1,
      carrierCode: 'swiftpost',
      serviceCode: 'standard',
      carrierLabelId: `${trackingNumber}-L`,
      trackingNumber,
      idempotencyKey: `${shipmentId}:1`,
      amountCents: 690,
      currency: 'EUR',
      labelUrl: `https://labels.example.test/${trackingNumber}.pdf`,
      documents: { create: [{ format: 'pdf', content: Buffer.from(`%PDF ${PERSONAL.name} ${PERSONAL.street}`) }] },
    },
  });
  await db.trackingEvent.create({
    data: {
      id: `${shipmentId}-E1`,
      shipmentId,
      carrierCode: 'swiftpost',
      carrierEventId: `${shipmentId}-E1`,
      trackingNumber,
      carrierStatusCode: 'DELIVERED',
      status: 'delivered',
      detail: PERSONAL.scanDetail,
      location: PERSONAL.scanPlace,
      occurredAt: delivered,
      source: 'webhook',
      signalledAt: delivered,
    },
  });
  await db.addressCorrection.create({
    data: {
      id: `${o.orderId}:intake`,
      orderId: o.orderId,
      occasion: 'intake',
      validator: 'simulator',
      fields: ['line1'],
      original: { name: PERSONAL.name, line1: PERSONAL.street, city: PERSONAL.city, postalCode: PERSONAL.postalCode, countryCode: 'FR' },
      corrected: {
        name: PERSONAL.name,
        line1: PERSONAL.street.toUpperCase(),
        city: PERSONAL.city,
        postalCode: PERSONAL.postalCode,
        countryCode: 'FR',
      },
    },
  });
}

async function insertNotifications(db: Db, o: OrderOptions): Promise<void> {
  for (const [milestone, status] of [
    ['delivered', 'sent'],
    ['action_needed', 'pending'],
  ] as const) {
    await db.customerMail.create({
      data: {
        id: `${o.orderId}:${milestone}`,
        orderId: o.orderId,
        milestone,
        locale: 'fr',
        data: { carrierCode: 'swiftpost', location: PERSONAL.scanPlace },
        status,
        messageId: `<${o.orderId}-${milestone}@mail.colis.invalid>`,
      },
    });
  }
  await db.webhookEvent.create({
    data: {
      id: `msg_${o.orderId}`,
      orderId: o.orderId,
      shopId: o.shopId,
      seq: 1,
      type: 'shipment.tracking_updated',
      payload: {
        type: 'shipment.tracking_updated',
        orderId: o.orderId,
        sequence: 1,
        timestamp: new Date().toISOString(),
        data: { status: 'delivered', detail: PERSONAL.scanDetail, location: PERSONAL.scanPlace },
      },
      dedupeKey: `${o.orderId}:tracking`,
    },
  });
}

async function insertAfterSale(db: Db, o: OrderOptions, over: Date): Promise<void> {
  const returnId = returnIdOf(o.orderId);
  const returnStatus = o.returnStatus ?? 'completed';
  await db.return.create({
    data: {
      id: returnId,
      orderId: o.orderId,
      idempotencyKey: `${o.shopId}:${returnId}`,
      requestHash: 'h',
      channel: 'customer',
      requestedBy: 'tracking-page',
      reason: 'damaged',
      comment: PERSONAL.comment,
      status: returnStatus,
      warehouseCode: 'PAR1',
      workflowId: `return-${returnId}`,
      startedAt: over,
      currency: 'EUR',
      labelUrl: `https://labels.example.test/${returnId}.pdf`,
      inspectionNote: PERSONAL.note,
      ...(returnStatus === 'completed' ? { closedAt: over, closeReason: 'refunded' } : {}),
      labelDocuments: { create: [{ format: 'pdf', content: Buffer.from(`%PDF ${PERSONAL.name}`) }] },
    },
  });
  const escalationId = `${o.orderId}-ESC`;
  await db.escalation.create({
    data: {
      id: escalationId,
      orderId: o.orderId,
      reason: 'stuck',
      severity: 'medium',
      status: o.escalationOpen ? 'open' : 'resolved',
      detail: `no scan for 48 h on the way to ${PERSONAL.city}`,
      dedupeKey: escalationId,
      openedAt: over,
      ...(o.escalationOpen ? {} : { resolvedAt: over, decision: 'wait', resolvedBy: 'ops', note: PERSONAL.note }),
      notifications: {
        create: [
          {
            id: `${escalationId}-N`,
            channel: 'webhook',
            dedupeKey: `${escalationId}-N`,
            payload: { escalationId, summary: `stuck to ${PERSONAL.street}` },
          },
        ],
      },
    },
  });
  const claimStatus = o.claimStatus ?? 'paid';
  await db.carrierClaim.create({
    data: {
      id: `${o.orderId}-CLM`,
      shipmentId: `${o.orderId}-S1`,
      orderId: o.orderId,
      carrierCode: 'swiftpost',
      trackingNumber: 'SP-CLAIM',
      reason: 'damaged',
      amountCents: 1290,
      currency: 'EUR',
      status: claimStatus,
      updatedBy: 'ops',
      note: PERSONAL.note,
      updatedAt: over,
    },
  });
  await db.opsAction.create({
    data: {
      id: `${o.orderId}-OPS`,
      actor: 'ops-test',
      action: 'change_address',
      targetId: o.orderId,
      idempotencyKey: `addr-${o.orderId}`,
      requestHash: 'h',
      status: 200,
      response: { view: { shipTo: { name: PERSONAL.name, line1: PERSONAL.street } } },
      createdAt: over,
      completedAt: over,
    },
  });
}

/** Every row of the order that could hold personal data, as one text (label files decoded): what an erasure must clean. */
export async function everythingStoredFor(db: Db, orderId: string, customerId: string): Promise<string> {
  const rows = await Promise.all([
    db.order.findUnique({ where: { id: orderId } }),
    db.customer.findUnique({ where: { id: customerId } }),
    db.address.findMany({ where: { id: { startsWith: `${orderId}-A` } } }),
    db.orderIntake.findUnique({ where: { orderId } }),
    db.addressCorrection.findMany({ where: { orderId } }),
    db.shipment.findMany({ where: { orderId }, include: { labels: { include: { documents: true } }, trackingEvents: true } }),
    db.customerMail.findMany({ where: { orderId } }),
    db.webhookEvent.findMany({ where: { orderId } }),
    db.return.findMany({ where: { orderId }, include: { labelDocuments: true, scans: true } }),
    db.escalation.findMany({ where: { orderId }, include: { notifications: true } }),
    db.carrierClaim.findMany({ where: { orderId } }),
    db.opsAction.findMany({ where: { targetId: orderId } }),
  ]);
  return JSON.stringify(rows, (_key, value) =>
    value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer'
      ? Buffer.from((value as { data: number[] }).data).toString('utf8')
      : value instanceof Uint8Array
        ? Buffer.from(value).toString('utf8')
        : value,
  );
}

/** The personal strings found in `stored`, for an assertion that names what leaked. */
export const personalDataIn = (stored: string): string[] =>
  Object.values(PERSONAL).filter((value) => stored.includes(value) || stored.includes(value.toUpperCase()));
