import { isRepromiseReason } from '../domain/repromise-reasons';
import { ids } from '../domain/ids';
import type { Address, OrderWorkflowInput } from '../domain/order';
import type { Prisma } from '../prisma/generated/client';
import { DomainError } from '../domain/errors';
import { isFinalOrderStage, type OrderStage } from '../domain/lifecycle';
import { localeFor, type Milestone, WEBHOOK_TEXT_MAX_CHARS } from '../domain/notifications';
import { cutText } from '../domain/text-cut';
import type { Db } from './db';
import { asActivity } from './failures';
import { calledByFrozenV1, refuseForeignRun } from './workflow-owner';
import { noRelayWaker, type RelayWaker, withMilestones } from './notifications/outbox';

export interface RecordedOrder {
  orderId: string;
  lines: { orderLineId: string; skuCode: string; quantity: number }[];
  /** Recorded by an earlier attempt or run: nothing was written this time. */
  alreadyRecorded: boolean;
}

export const orderLineId = (orderId: string, lineNo: number) => `${orderId}-L${lineNo}`;
const addressId = (orderId: string, version: number) => `${orderId}-A${version}`;

/**
 * The order's own rows. The order workflow is their only writer, which is what keeps the
 * database and the workflow from diverging: intake only starts the workflow.
 */
/** The shop an order belongs to: the API key name intake scoped its idempotency key with (`<key name>:<key>`). */
export const shopOf = (scopedIdempotencyKey: string): string | undefined =>
  scopedIdempotencyKey.includes(':') ? scopedIdempotencyKey.slice(0, scopedIdempotencyKey.indexOf(':')) : undefined;

export function createOrderActivities(db: Db, waker: RelayWaker = noRelayWaker) {
  return {
    /** Intake's persistence: customer, address snapshot, order and lines, in one transaction. */
    recordOrder(input: OrderWorkflowInput): Promise<RecordedOrder> {
      return asActivity(async () => {
        const { orderId, request } = input;
        const accepted: Milestone = {
          orderId,
          key: 'order_confirmed',
          mail: { milestone: 'order_confirmed', data: { promisedBy: input.promisedBy } },
          webhook: {
            type: 'order.accepted',
            data: {
              orderId,
              customerId: request.customer.id,
              serviceLevel: request.serviceLevel,
              promisedBy: input.promisedBy,
              lines: request.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
            },
          },
        };
        refuseForeignRun({ kind: 'order', id: orderId, orderId }, ids.orderWorkflowId(orderId));
        const existing = await db.orderLine.findMany({ where: { orderId }, orderBy: { lineNo: 'asc' } });
        if (existing.length > 0) {
          await refuseRerunOfCancelled(db, orderId);
          if (calledByFrozenV1()) await refuseV1RerunOfEnded(db, orderId);
          // Written by an earlier attempt whose relay wake-up may have failed: wake it again (writes nothing twice).
          await withMilestones(db, waker, async () => ({ result: undefined, milestones: [accepted] }));
          return {
            orderId,
            alreadyRecorded: true,
            lines: existing.map((l) => ({ orderLineId: l.id, skuCode: l.skuCode, quantity: l.quantity })),
          };
        }
        const skuCodes = request.lines.map((l) => l.sku);
        const known = await db.sku.findMany({ where: { code: { in: skuCodes } }, select: { code: true } });
        const unknown = skuCodes.filter((code) => !known.some((k) => k.code === code));
        if (unknown.length > 0) {
          throw new DomainError('UnknownSku', `unknown SKU(s): ${unknown.join(', ')}`, { skuCodes: unknown });
        }
        const lines = request.lines.map((l, i) => ({ orderLineId: orderLineId(orderId, i + 1), skuCode: l.sku, quantity: l.quantity }));
        const shopId = shopOf(input.idempotencyKey);
        await withMilestones(db, waker, async (tx) => {
          // ON CONFLICT DO NOTHING: a shop's first orders arrive together, and Prisma's upsert with nothing to update
          // reads then inserts, so concurrent first orders failed on the shop's primary key and retried.
          if (shopId) await tx.shop.createMany({ data: [{ id: shopId, displayName: shopId }], skipDuplicates: true });
          await tx.customer.upsert({
            where: { id: request.customer.id },
            create: { id: request.customer.id, name: request.customer.name, email: request.customer.email ?? null },
            update: { name: request.customer.name, email: request.customer.email ?? null },
          });
          await tx.address.upsert({
            where: { id: addressId(orderId, 1) },
            create: { id: addressId(orderId, 1), customerId: request.customer.id, ...addressColumns(request.shipTo) },
            update: {},
          });
          await tx.order.create({
            data: {
              id: orderId,
              idempotencyKey: input.idempotencyKey,
              requestHash: input.requestHash,
              source: request.source,
              customerId: request.customer.id,
              // The order's own copy: its mails go to the address it was placed with, whatever a later order under the
              // same customer id (another shop's) writes to the Customer row.
              customerName: request.customer.name,
              customerEmail: request.customer.email ?? null,
              shippingAddressId: addressId(orderId, 1),
              status: 'received',
              serviceLevel: request.serviceLevel,
              backorderPolicy: request.backorderPolicy,
              promisedBy: new Date(input.promisedBy),
              originalPromisedBy: new Date(input.promisedBy),
              ...(input.promise ? { promise: input.promise as unknown as Prisma.InputJsonValue } : {}),
              workflowId: `order-${orderId}`,
              currency: 'EUR',
              createdAt: new Date(input.receivedAt),
              shopId: shopId ?? null,
              locale: localeFor(request.locale, request.shipTo.countryCode),
              customerMails: request.notifyCustomer !== false,
              lines: {
                create: lines.map((l, i) => ({ id: l.orderLineId, lineNo: i + 1, skuCode: l.skuCode, quantity: l.quantity })),
              },
            },
          });
          await tx.orderIntake.updateMany({ where: { orderId, recordedAt: null }, data: { recordedAt: new Date() } });
          return { result: undefined, milestones: [accepted] };
        });
        return { orderId, lines, alreadyRecorded: false };
      });
    },

    setOrderStatus(input: {
      orderId: string;
      status: OrderStage;
      backorderDeadline?: string;
      packagingCostCents?: number;
      shippingCostCents?: number;
    }): Promise<void> {
      return asActivity(async () => {
        const final = isFinalOrderStage(input.status);
        await withMilestones(db, waker, async (tx) => {
          const before = await tx.order.findUnique({ where: { id: input.orderId }, select: { status: true } });
          // Final is final, as in recordOrderStage (v2 runs write their stage here).
          if (before && isFinalOrderStage(before.status)) return { result: undefined, milestones: [] };
          await tx.order.updateMany({
            where: { id: input.orderId },
            data: {
              status: input.status,
              ...(input.backorderDeadline ? { backorderDeadline: new Date(input.backorderDeadline) } : {}),
              ...(input.packagingCostCents !== undefined ? { packagingCostCents: input.packagingCostCents } : {}),
              ...(input.shippingCostCents !== undefined ? { shippingCostCents: input.shippingCostCents } : {}),
              ...(final ? { completedAt: new Date() } : {}),
            },
          });
          return { result: undefined, milestones: orderEndMilestones(input.orderId, before?.status, input.status) };
        });
      });
    },

    /**
     * A promise moved (the journey learnt it is at risk and re-promised): the order's date, the
     * customer's mail (new date and why) and the shop's `order.promise_changed`, in one transaction.
     * Keyed by the new date, so a retry or a replay announces each change once.
     */
    announcePromiseChange(input: {
      orderId: string;
      previousPromisedBy: string;
      promisedBy: string;
      /** The reason in English words; `reasonCode` lets each mail say it in the customer's language. */
      reason: string;
      reasonCode?: string;
    }): Promise<void> {
      return asActivity(async () => {
        await withMilestones(db, waker, async (tx) => {
          await tx.order.updateMany({ where: { id: input.orderId }, data: { promisedBy: new Date(input.promisedBy) } });
          return { result: undefined, milestones: [promiseChangedMilestone(input)] };
        });
      });
    },

    /** Addresses are snapshots: a change adds version N and repoints the order. Idempotent per version. */
    changeShippingAddress(input: { orderId: string; version: number; address: Address }): Promise<void> {
      return asActivity(async () => {
        const order = await db.order.findUniqueOrThrow({ where: { id: input.orderId }, select: { customerId: true } });
        const id = addressId(input.orderId, input.version);
        await db.$transaction([
          db.address.upsert({
            where: { id },
            create: { id, customerId: order.customerId, ...addressColumns(input.address) },
            update: {},
          }),
          db.order.update({ where: { id: input.orderId }, data: { shippingAddressId: id } }),
        ]);
      });
    },
  };
}

/**
 * A cancelled order's journey run again (`temporal workflow reset` to its first task, or its id started again once
 * closed): refused at its first step, saying so, instead of running on to its reservation, which finds the order closed
 * (its stage writes change nothing meanwhile: final is final). A completed order's reset runs on (it adopts its
 * finished shipments and completes again).
 */
async function refuseRerunOfCancelled(db: Db, orderId: string): Promise<void> {
  const order = await db.order.findUnique({ where: { id: orderId }, select: { status: true } });
  if (order?.status !== 'cancelled') return;
  throw new DomainError(
    'OrderStateConflict',
    `order ${orderId} is cancelled: its journey does not run again, nothing is reserved or sent`,
    {
      orderId,
      state: 'cancelled',
      attempted: 'recordOrder',
    },
  );
}

/**
 * A v1 order run started on an order that has ended (by hand, `temporal workflow start --type orderWorkflow`, or a reset
 * to its first task) went through the whole v1 journey again: its shipments' rows went back from delivered to picking
 * and a `late` escalation paged ops for parcels delivered on time. v2 and v3 adopt an ended order instead; v1's code is
 * frozen, so its first activity refuses. An order still running (a v1 run recorded before) never calls it again.
 */
async function refuseV1RerunOfEnded(db: Db, orderId: string): Promise<void> {
  const order = await db.order.findUnique({ where: { id: orderId }, select: { status: true } });
  if (order?.status !== 'completed' && order?.status !== 'failed') return;
  throw new DomainError('OrderStateConflict', `order ${orderId} is ${order.status}: a v1 run does not take its journey again`, {
    orderId,
    state: order.status,
    attempted: 'recordOrder',
  });
}

/**
 * The customer's mail (new date and why) and the shop's `order.promise_changed` for one move of the
 * order's promise; keyed by the new date, so a retry or a replay announces each change once.
 */
export function promiseChangedMilestone(input: {
  orderId: string;
  previousPromisedBy: string;
  promisedBy: string;
  reason: string;
  reasonCode?: string;
}): Milestone {
  const reasonCode = isRepromiseReason(input.reasonCode) ? { reasonCode: input.reasonCode } : {};
  const { orderId, previousPromisedBy, promisedBy, reason } = input;
  return {
    orderId,
    key: `promise_changed:${promisedBy}`,
    mail: { milestone: 'promise_changed', data: { promisedBy, previousPromisedBy, reason, ...reasonCode } },
    webhook: { type: 'order.promise_changed', data: { orderId, previousPromisedBy, promisedBy, reason, ...reasonCode } },
  };
}

function addressColumns(a: Address) {
  return {
    name: a.name,
    line1: a.line1,
    line2: a.line2 ?? null,
    city: a.city,
    region: a.region ?? null,
    postalCode: a.postalCode,
    countryCode: a.countryCode,
    phone: a.phone ?? null,
  };
}

/**
 * An order that ends (completed or cancelled) tells the shop once, keyed by the event type; a cancelled one tells the
 * customer too, keyed by its mail's milestone. The shop's `order.cancelled` carries why (the stored end reason, cut to
 * WEBHOOK_TEXT_MAX_CHARS); the customer's mail carries nothing of it: the reason may be ops' own words.
 */
export function orderEndMilestones(orderId: string, before: string | undefined, status: OrderStage, reason?: string): Milestone[] {
  if (before === undefined || before === status) return [];
  return endMilestones(orderId, status, reason);
}

/**
 * What an order's end tells the shop and the customer, whoever records it: keyed by order and kind, so recording it
 * again writes nothing twice and only finds the relays still to wake (a retry after a wake-up lost to a Temporal outage).
 */
export function endMilestones(orderId: string, status: OrderStage, reason?: string): Milestone[] {
  const type = status === 'cancelled' ? 'order.cancelled' : status === 'completed' ? 'order.completed' : undefined;
  if (!type) return [];
  const why = status === 'cancelled' && reason ? { reason: cutText(reason, WEBHOOK_TEXT_MAX_CHARS) } : {};
  const ended: Milestone = { orderId, key: type, webhook: { type, data: { orderId, status, ...why } } };
  if (status !== 'cancelled') return [ended];
  return [ended, { orderId, key: 'order_cancelled', mail: { milestone: 'order_cancelled', data: {} } }];
}
