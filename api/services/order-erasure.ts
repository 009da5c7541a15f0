import { TRANSACTION_BUDGET } from '../../activities/db';
import { MAIL_SEND_WITHIN_MS } from '../../domain/notifications';
import { AddressSchema, OrderWorkflowInputSchema } from '../../domain/order';
import { coarseDestination, ERASED_TEXT, erasedAddress, FREE_TEXT_REASON_EVENTS, PERSONAL_DATA_KEYS } from '../../domain/personal-data';
import type { Prisma } from '../../prisma/generated/client';

/**
 * Erases one order's personal data from every row that holds a copy, in the caller's transaction: the order's customer
 * name and e-mail, its addresses (coarsened: country, subdivision, postal code prefix), the intake's stored request, the
 * carrier's address corrections, free texts (scan details and places, return comments, ops' notes and cancel reason,
 * escalation details and their pages), label files and links, the mails' and webhooks' personal data keys, and the stored
 * answers of ops actions on it. What the reports and learners read stays: lines, costs, dates, carrier, statuses, country.
 * Pending mails are given up (never sent to an erased address); webhooks still to go send what is left.
 *
 * The order row is locked first and its `personalDataErasedAt` checked: erasing twice (a retry, a concurrent sweep, an
 * erasure on request racing the sweep) does nothing the second time.
 */

type Tx = Prisma.TransactionClient;

export interface OrderErasure {
  orderId: string;
  addresses: number;
  mailsGivenUp: number;
  labelFiles: number;
}

/**
 * What an erasure's transaction may take: the usual budget, and the wait for a mail of the order in flight (its send holds
 * the mail's row until it is written down, and is cut off within MAIL_SEND_WITHIN_MS).
 */
export const ERASURE_TRANSACTION_BUDGET = {
  maxWait: TRANSACTION_BUDGET.maxWait,
  timeout: TRANSACTION_BUDGET.timeout + MAIL_SEND_WITHIN_MS,
} as const;

/** Erases the order's personal data; undefined when there was nothing to do (no such order, or already erased). */
export async function eraseOrderPersonalData(tx: Tx, orderId: string, now: Date): Promise<OrderErasure | undefined> {
  const [order] = await tx.$queryRaw<{ customerId: string; customerName: string | null; customerEmail: string | null }[]>`
    SELECT "customerId", "customerName", "customerEmail" FROM "Order"
    WHERE "id" = ${orderId} AND "personalDataErasedAt" IS NULL FOR UPDATE`;
  if (!order) return undefined;
  await tx.$executeRaw`
    UPDATE "Order" SET "customerName" = ${ERASED_TEXT}, "customerEmail" = NULL, "customerMails" = false,
      "endReason" = CASE WHEN "status" = 'cancelled' AND "endReason" IS NOT NULL THEN ${ERASED_TEXT} ELSE "endReason" END,
      "personalDataErasedAt" = ${now}
    WHERE "id" = ${orderId}`;
  await eraseCustomerRow(tx, orderId, order);
  const addresses = await eraseAddresses(tx, orderId);
  await eraseIntakeRequest(tx, orderId);
  await eraseCorrections(tx, orderId);
  await eraseScanTexts(tx, orderId);
  const labelFiles = await eraseLabels(tx, orderId);
  const mailsGivenUp = await eraseNotifications(tx, orderId, now);
  await eraseOpsTexts(tx, orderId, now);
  return { orderId, addresses, mailsGivenUp, labelFiles };
}

/**
 * The Customer row is keyed by the shop's customer id and rewritten by every order under it (another shop's "CUST-1"
 * too): it is erased when it holds this order's name and e-mail, or when no order under the id keeps its personal data.
 */
async function eraseCustomerRow(
  tx: Tx,
  orderId: string,
  order: { customerId: string; customerName: string | null; customerEmail: string | null },
) {
  await tx.$executeRaw`
    UPDATE "Customer" c SET "name" = ${ERASED_TEXT}, "email" = NULL
    WHERE c."id" = ${order.customerId}
      AND ((c."name" = ${order.customerName} AND c."email" IS NOT DISTINCT FROM ${order.customerEmail})
           OR NOT EXISTS (SELECT 1 FROM "Order" o WHERE o."customerId" = c."id" AND o."id" <> ${orderId}
                          AND o."personalDataErasedAt" IS NULL))`;
}

/**
 * Every address the order shipped to: `<orderId>-A1` … `-A<n>`, one per change, the order pointing at the last one (and that
 * one whatever its id), read by key. Kept as a coarse destination.
 */
async function eraseAddresses(tx: Tx, orderId: string): Promise<number> {
  const order = await tx.order.findUniqueOrThrow({ where: { id: orderId }, select: { shippingAddressId: true } });
  const version = Number(/-A([0-9]{1,4})$/.exec(order.shippingAddressId)?.[1] ?? 0);
  const ids = [order.shippingAddressId, ...Array.from({ length: version }, (_, i) => `${orderId}-A${i + 1}`)];
  const rows = await tx.address.findMany({
    where: { id: { in: ids } },
    select: { id: true, countryCode: true, region: true, postalCode: true },
  });
  for (const row of rows) {
    const coarse = coarseDestination(row);
    await tx.address.update({
      where: { id: row.id },
      data: {
        name: ERASED_TEXT,
        line1: ERASED_TEXT,
        line2: null,
        city: ERASED_TEXT,
        phone: null,
        region: coarse.region,
        postalCode: coarse.postalCode,
      },
    });
  }
  return rows.length;
}

/**
 * The intake row stays (its key and request hash: the same Idempotency-Key never starts a second order, and a repeat of the
 * request is still answered with its promise); its copy of the customer and address is erased.
 */
async function eraseIntakeRequest(tx: Tx, orderId: string): Promise<void> {
  const intake = await tx.orderIntake.findUnique({ where: { orderId }, select: { input: true } });
  const parsed = OrderWorkflowInputSchema.safeParse(intake?.input);
  if (!parsed.success) return;
  const { request } = parsed.data;
  const input = {
    ...parsed.data,
    request: { ...request, customer: { id: request.customer.id, name: ERASED_TEXT }, shipTo: erasedAddress(request.shipTo) },
  };
  await tx.orderIntake.update({ where: { orderId }, data: { input: input as Prisma.InputJsonValue } });
}

async function eraseCorrections(tx: Tx, orderId: string): Promise<void> {
  const rows = await tx.addressCorrection.findMany({ where: { orderId }, select: { id: true, original: true, corrected: true } });
  for (const row of rows) {
    const original = AddressSchema.safeParse(row.original);
    const corrected = AddressSchema.safeParse(row.corrected);
    await tx.addressCorrection.update({
      where: { id: row.id },
      data: {
        original: (original.success ? erasedAddress(original.data) : {}) as Prisma.InputJsonValue,
        corrected: (corrected.success ? erasedAddress(corrected.data) : {}) as Prisma.InputJsonValue,
      },
    });
  }
}

/** A carrier's words and places of every scan (of a delivery: "left with the neighbour at 12"), outbound and return. */
async function eraseScanTexts(tx: Tx, orderId: string): Promise<void> {
  await tx.$executeRaw`
    UPDATE "TrackingEvent" SET "detail" = NULL, "location" = NULL
    WHERE "shipmentId" IN (SELECT "id" FROM "Shipment" WHERE "orderId" = ${orderId}) AND ("detail" IS NOT NULL OR "location" IS NOT NULL)`;
  await tx.$executeRaw`
    UPDATE "TrackingEventAfterEnd" SET "detail" = NULL, "location" = NULL
    WHERE ("shipmentId" IN (SELECT "id" FROM "Shipment" WHERE "orderId" = ${orderId})
           OR "returnId" IN (SELECT "id" FROM "Return" WHERE "orderId" = ${orderId}))
      AND ("detail" IS NOT NULL OR "location" IS NOT NULL)`;
  await tx.$executeRaw`
    UPDATE "UnmappedTrackingEvent" SET "detail" = NULL, "location" = NULL
    WHERE ("shipmentId" IN (SELECT "id" FROM "Shipment" WHERE "orderId" = ${orderId})
           OR "returnId" IN (SELECT "id" FROM "Return" WHERE "orderId" = ${orderId}))
      AND ("detail" IS NOT NULL OR "location" IS NOT NULL)`;
  await tx.$executeRaw`
    UPDATE "ReturnScan" SET "detail" = NULL, "location" = NULL
    WHERE "returnId" IN (SELECT "id" FROM "Return" WHERE "orderId" = ${orderId}) AND ("detail" IS NOT NULL OR "location" IS NOT NULL)`;
  await tx.$executeRaw`
    UPDATE "Return" SET "comment" = NULL, "labelUrl" = NULL,
      "inspectionNote" = CASE WHEN "inspectionNote" IS NULL THEN NULL ELSE ${ERASED_TEXT} END
    WHERE "orderId" = ${orderId}`;
}

/** Label files print the address; the carrier's links open them. Returns how many files were deleted. */
async function eraseLabels(tx: Tx, orderId: string): Promise<number> {
  const outbound = await tx.$executeRaw`
    DELETE FROM "LabelDocument" WHERE "labelId" IN
      (SELECT l."id" FROM "Label" l JOIN "Shipment" s ON s."id" = l."shipmentId" WHERE s."orderId" = ${orderId})`;
  await tx.$executeRaw`
    UPDATE "Label" SET "labelUrl" = NULL
    WHERE "labelUrl" IS NOT NULL AND "shipmentId" IN (SELECT "id" FROM "Shipment" WHERE "orderId" = ${orderId})`;
  const inbound = await tx.$executeRaw`
    DELETE FROM "ReturnLabelDocument" WHERE "returnId" IN (SELECT "id" FROM "Return" WHERE "orderId" = ${orderId})`;
  return outbound + inbound;
}

const personalKeys: string[] = [...PERSONAL_DATA_KEYS];

/**
 * Mails not sent yet are given up (their address is gone); the data of every mail and webhook event loses its personal
 * keys. A webhook still to be delivered goes out with what is left. Returns how many mails were given up. A mail being
 * sent holds its row (activities/notifications/mail-relay.ts): this waits for it, so once the erasure commits no mail of
 * the order leaves, and one that left first is found sent.
 */
async function eraseNotifications(tx: Tx, orderId: string, now: Date): Promise<number> {
  const givenUp = await tx.$executeRaw`
    UPDATE "CustomerMail" SET "status" = 'failed', "leaseUntil" = NULL, "lastError" = 'personal data erased'
    WHERE "orderId" = ${orderId} AND "status" = 'pending'`;
  await tx.$executeRaw`
    UPDATE "CustomerMail" SET "data" = "data" - ${personalKeys}::text[]
    WHERE "orderId" = ${orderId} AND jsonb_typeof("data") = 'object'`;
  await tx.$executeRaw`
    UPDATE "WebhookEvent"
    SET "payload" = jsonb_set("payload", '{data}',
      ("payload"->'data') - ${personalKeys}::text[] - (CASE WHEN "type" = ANY(${[...FREE_TEXT_REASON_EVENTS]}::text[]) THEN 'reason' ELSE '' END)),
      "personalDataDroppedAt" = coalesce("personalDataDroppedAt", ${now})
    WHERE "orderId" = ${orderId} AND jsonb_typeof("payload"->'data') = 'object'`;
  return givenUp;
}

/**
 * Ops' and the workflows' words about the order (escalation details name the city or street, notes are free text, the
 * pager's summary too), and the stored answers of ops actions on it, its escalations and returns (an address change
 * answers the order's view, address included): the keys keep refusing a second application.
 */
async function eraseOpsTexts(tx: Tx, orderId: string, now: Date): Promise<void> {
  await tx.$executeRaw`
    UPDATE "Notification" SET "payload" = jsonb_set("payload", '{summary}', to_jsonb(${ERASED_TEXT}::text))
    WHERE "escalationId" IN (SELECT "id" FROM "Escalation" WHERE "orderId" = ${orderId}) AND "payload"->>'summary' IS NOT NULL`;
  await tx.$executeRaw`
    UPDATE "Escalation" SET "detail" = ${ERASED_TEXT}, "note" = CASE WHEN "note" IS NULL THEN NULL ELSE ${ERASED_TEXT} END
    WHERE "orderId" = ${orderId}`;
  await tx.$executeRaw`
    UPDATE "CarrierClaim" SET "note" = ${ERASED_TEXT} WHERE "orderId" = ${orderId} AND "note" IS NOT NULL`;
  await tx.$executeRaw`
    UPDATE "OpsAction" SET "response" = NULL, "responseDroppedAt" = ${now}
    WHERE "responseDroppedAt" IS NULL AND "action" <> ${CUSTOMER_ERASURE_ACTION}
      AND ("targetId" = ${orderId}
           OR "targetId" IN (SELECT "id" FROM "Escalation" WHERE "orderId" = ${orderId})
           OR "targetId" IN (SELECT "id" FROM "Return" WHERE "orderId" = ${orderId}))`;
}

/** The ops action that records an erasure on request: its answer holds counts only, kept as the erasure's record. */
export const CUSTOMER_ERASURE_ACTION = 'erase_customer';
