import { createHash } from 'node:crypto';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Db } from '../../activities/db';
import { lockOrder } from '../../activities/inventory';
import { type RelayWaker, withMilestones } from '../../activities/notifications/outbox';
import { temporalRelayWaker } from '../../activities/notifications/waker';
import { TASK_QUEUES } from '../../domain/ids';
import {
  DEFAULT_RETURN_WINDOW_DAYS,
  FINAL_RETURN_STATUSES,
  RETURN_STATUSES,
  type ReturnStatus,
  returnIds,
  returnWindowClosesAtMs,
} from '../../domain/return-policy';
import type { WorkflowEnded } from '../../domain/api';
import type { TrackingStatus } from '../../domain/lifecycle';
import type { ReturnChannel, ReturnRequest, ReturnScanAfterEnd, ReturnView } from '../../domain/returns';
import { RETURN_WORKFLOW_TYPE, type ReturnWorkflowInput, returnStartAttributes } from '../../workflows/returns/definitions';
import { ApiError, idempotencyConflict, notFound } from '../errors';
import type { Principal } from '../plugins/app/auth';
import { base32, canonicalJson } from './intake';
import { createdBefore, cursorScope, decodeCursor, keysetPage } from './cursor';
import { statusOfStoredScans } from './stored-scans';
import { arrivedAfterClose } from './late-return-arrivals';
import { handStartedRunOf } from '../../activities/hand-started-run';
import { returnWorkflowDeletedOf, returnWorkflowEndedOf } from './workflow-ended';
import { describeWorkflow, withinDeadline } from './workflows';

/**
 * Starting a return (RMA): the request is checked against what the order delivered, what is already
 * on its way back and the shop's return window, inside one transaction that holds the order's row, so
 * two concurrent returns can never take the same unit back twice. The row is the idempotency store (the
 * caller and its Idempotency-Key give the return's id); the `return-<id>` workflow is started right
 * after the commit, and a sweep starts any row a crash or a Temporal outage left unstarted.
 */

export interface ReturnDeps {
  db: Db;
  client: Client;
  waker: RelayWaker;
  timeScale: number;
  log: FastifyBaseLogger;
}

export function returnDepsOf(app: FastifyInstance): ReturnDeps {
  return {
    db: app.db,
    client: app.temporal,
    waker: temporalRelayWaker(app.temporal),
    timeScale: app.config.timeScale,
    log: app.log.child({ component: 'returns' }),
  };
}

export interface StartReturnArgs {
  orderId: string;
  request: ReturnRequest;
  channel: ReturnChannel;
  /** The caller: an API key's name, or `tracking-page` for the customer. */
  requestedBy: string;
  idempotencyKey: string;
  /** The key's principal, when one called: a shop's key returns only its own orders' goods. */
  principal?: Principal;
}

export const deriveReturnId = (scopedKey: string) =>
  `RMA-${base32(createHash('sha256').update(`return:${scopedKey}`, 'utf8').digest()).slice(0, 12)}`;

export async function startReturn(deps: ReturnDeps, args: StartReturnArgs): Promise<{ outcome: 'created' | 'existing'; view: ReturnView }> {
  const { db } = deps;
  const scopedKey = `${args.requestedBy}:${args.idempotencyKey}`;
  const returnId = deriveReturnId(scopedKey);
  const hash = createHash('sha256')
    .update(canonicalJson({ orderId: args.orderId, ...args.request }), 'utf8')
    .digest('hex');

  const known = await db.return.findUnique({ where: { idempotencyKey: scopedKey }, select: { requestHash: true } });
  let created = false;
  if (!known) {
    try {
      created = await createReturn(deps, args, { returnId, scopedKey, hash });
    } catch (error) {
      // A twin with the same key committed first: fall through to it.
      if (!(error instanceof Error && 'code' in error && (error as { code?: string }).code === 'P2002')) throw error;
    }
  }
  const stored = await db.return.findUnique({ where: { idempotencyKey: scopedKey }, select: { requestHash: true, orderId: true } });
  if (!stored || stored.requestHash !== hash || stored.orderId !== args.orderId) {
    throw idempotencyConflict(
      `Idempotency-Key "${args.idempotencyKey}" was already used for a different return request`,
      'was already used for a different return request',
    );
  }
  await startReturnWorkflow(deps, returnId, args.orderId, 'requested');
  const view = await readReturn(db, returnId);
  if (!view) throw new Error(`return ${returnId} vanished`);
  return { outcome: created ? 'created' : 'existing', view };
}

/** Creates the return; false when a twin with the same key created it first (then it is the answer). */
async function createReturn(
  deps: ReturnDeps,
  args: StartReturnArgs,
  ids: { returnId: string; scopedKey: string; hash: string },
): Promise<boolean> {
  const { db, waker } = deps;
  const now = Date.now();
  return withMilestones(db, waker, async (tx) => {
    const exists = await tx.order.findUnique({ where: { id: args.orderId }, select: { shopId: true } });
    // Another shop's order looks exactly like no order at all.
    const mine = (shopId: string | null) => !args.principal || mayReadReturnOf(args.principal, shopId);
    if (!exists) {
      // Accepted, but its journey has not recorded it yet (no worker has run it): an order that delivered nothing, not no order.
      const accepted = await acceptedOnly(tx, args.orderId);
      if (accepted && mine(accepted.shopId)) throw notDeliveredYet(args);
      throw notFound(`order ${args.orderId}`);
    }
    if (!mine(exists.shopId)) throw notFound(`order ${args.orderId}`);
    await lockOrder(tx, args.orderId);
    // Read under the order's lock, which an erasure takes too: no return starts on an order erased meanwhile.
    const erased = await tx.order.findUnique({ where: { id: args.orderId }, select: { personalDataErasedAt: true } });
    if (erased?.personalDataErasedAt) {
      // No address is left to buy a return label from, nor to mail it to.
      throw new ApiError(
        409,
        'order_state_conflict',
        `the personal data of order ${args.orderId} was erased: it can no longer be returned`,
        [{ path: 'params.id', message: 'its personal data was erased' }],
      );
    }
    // A twin with the same key (a double click on the tracking page's form, a retry racing its own timeout) committed while
    // this one waited for the lock: its return is this request's answer, not "only 0 unit(s) can still be returned".
    if (await tx.return.findUnique({ where: { idempotencyKey: ids.scopedKey }, select: { id: true } }))
      return { result: false, milestones: [] };
    const order = await orderForReturns(tx, args.orderId);
    if (!order) throw notFound(`order ${args.orderId}`);
    const shop = order.shopId ? await tx.shop.findUnique({ where: { id: order.shopId }, select: { returnWindowDays: true } }) : null;
    const windowDays = shop?.returnWindowDays ?? DEFAULT_RETURN_WINDOW_DAYS;

    const returnable = returnableLines(order, windowDays, deps.timeScale);
    const rows: { lineNo: number; orderLineId: string; skuCode: string; quantity: number; unitPriceCents: number }[] = [];
    let warehouseCode: string | undefined;
    let currency = order.currency;
    for (const [i, wanted] of args.request.lines.entries()) {
      const line = returnable.find((l) => l.skuCode === wanted.sku);
      if (!line) {
        throw new ApiError(400, 'validation_failed', `order ${order.id} has no line for SKU ${wanted.sku}`, [
          { path: `body.lines.${i}.sku`, message: `not on order ${order.id}` },
        ]);
      }
      const sku = `body.lines.${i}.sku`;
      if (line.delivered === 0 || line.closesAtMs === undefined) {
        const cancelled = order.status === 'cancelled';
        throw new ApiError(
          409,
          'order_state_conflict',
          cancelled
            ? `order ${order.id} was cancelled: nothing was delivered, so nothing can be returned`
            : `SKU ${wanted.sku} of order ${order.id} has not been delivered yet: nothing to return`,
          [{ path: sku, message: cancelled ? 'the order was cancelled' : 'not delivered yet' }],
        );
      }
      if (now > line.closesAtMs) {
        const closedOn = new Date(line.closesAtMs).toISOString().slice(0, 10);
        throw new ApiError(
          409,
          'return_window_closed',
          `the return window of order ${order.id} closed on ${closedOn} (${windowDays} days after delivery): SKU ${wanted.sku} can no longer be returned`,
          [{ path: sku, message: `the return window closed on ${closedOn}` }],
        );
      }
      if (wanted.quantity > line.returnable) {
        throw new ApiError(400, 'validation_failed', `only ${line.returnable} unit(s) of SKU ${wanted.sku} can still be returned`, [
          {
            path: `body.lines.${i}.quantity`,
            message: `at most ${line.returnable} (delivered ${line.delivered}, already returned ${line.delivered - line.returnable})`,
          },
        ]);
      }
      warehouseCode ??= line.warehouseCode;
      currency = line.currency;
      rows.push({
        lineNo: i + 1,
        orderLineId: line.orderLineId,
        skuCode: line.skuCode,
        quantity: wanted.quantity,
        unitPriceCents: line.unitPriceCents,
      });
    }
    if (!warehouseCode) throw new Error(`no delivering warehouse for return ${ids.returnId}`);
    await tx.return.create({
      data: {
        id: ids.returnId,
        orderId: order.id,
        idempotencyKey: ids.scopedKey,
        requestHash: ids.hash,
        channel: args.channel,
        requestedBy: args.requestedBy,
        reason: args.request.reason,
        comment: args.request.comment ?? null,
        warehouseCode,
        workflowId: returnIds.workflowId(ids.returnId),
        currency,
        lines: { create: rows },
      },
    });
    return {
      result: true,
      milestones: [
        {
          orderId: order.id,
          key: `return:${ids.returnId}:created`,
          webhook: {
            type: 'return.created',
            data: {
              returnId: ids.returnId,
              channel: args.channel,
              reason: args.request.reason,
              warehouseCode,
              items: rows.map((r) => ({ lineNo: r.lineNo, skuCode: r.skuCode, quantity: r.quantity })),
            },
          },
        },
      ],
    };
  });
}

export interface ReturnableLine {
  orderLineId: string;
  skuCode: string;
  delivered: number;
  /** Delivered and not already on a return that is still open or completed. */
  returnable: number;
  /** When the return window closes for this line (undefined: not delivered). */
  closesAtMs?: number;
  /** The warehouse that shipped it: where it goes back to. */
  warehouseCode?: string;
  unitPriceCents: number;
  currency: string;
}

interface OrderForReturns {
  lines: { id: string; skuCode: string; sku: { unitPriceCents: number; currency: string } }[];
  shipments: { warehouseCode: string; deliveredAt: Date | null; updatedAt: Date; lines: { orderLineId: string; quantity: number }[] }[];
  returns: { lines: { orderLineId: string; quantity: number }[] }[];
}

/** Per order line: what was delivered, what can still come back, and until when. `shipments`: the delivered ones. */
export function returnableLines(order: OrderForReturns, windowDays: number, timeScale: number): ReturnableLine[] {
  return order.lines.map((line) => {
    const deliveries = order.shipments.filter((s) => s.lines.some((sl) => sl.orderLineId === line.id));
    const delivered = deliveries
      .flatMap((s) => s.lines)
      .filter((sl) => sl.orderLineId === line.id)
      .reduce((n, sl) => n + sl.quantity, 0);
    const back = order.returns
      .flatMap((r) => r.lines)
      .filter((rl) => rl.orderLineId === line.id)
      .reduce((n, rl) => n + rl.quantity, 0);
    const lastDeliveryMs = deliveries.length > 0 ? Math.max(...deliveries.map((s) => (s.deliveredAt ?? s.updatedAt).getTime())) : undefined;
    const warehouseCode = deliveries[0]?.warehouseCode;
    return {
      orderLineId: line.id,
      skuCode: line.skuCode,
      delivered,
      returnable: Math.max(0, delivered - back),
      ...(lastDeliveryMs !== undefined ? { closesAtMs: returnWindowClosesAtMs(lastDeliveryMs, windowDays, timeScale) } : {}),
      ...(warehouseCode ? { warehouseCode } : {}),
      unitPriceCents: line.sku.unitPriceCents,
      currency: line.sku.currency,
    };
  });
}

/** What the customer's tracking page offers: the lines that can still come back, and the order's returns. */
export async function returnOptions(
  db: Db,
  orderId: string,
  timeScale: number,
): Promise<{ lines: ReturnableLine[]; returns: ReturnView[] }> {
  const order = await orderForReturns(db, orderId);
  if (!order) return { lines: [], returns: [] };
  const shop = order.shopId ? await db.shop.findUnique({ where: { id: order.shopId }, select: { returnWindowDays: true } }) : null;
  const now = Date.now();
  const lines = returnableLines(order, shop?.returnWindowDays ?? DEFAULT_RETURN_WINDOW_DAYS, timeScale).filter(
    (l) => l.returnable > 0 && l.closesAtMs !== undefined && now <= l.closesAtMs,
  );
  // A carrier return is Colis's and the shop's business: the customer started none and never had the goods.
  const returns = (await listReturns(db, { orderId }, 200)).items.filter((r) => r.channel !== 'carrier');
  return { lines, returns };
}

/**
 * An order with what returns are counted against, one relation at a time: an `include` of several relations runs
 * their queries side by side, which inside a transaction means on its one connection at once (pg deprecates it).
 */
async function orderForReturns(reader: Pick<Db, 'order' | 'orderLine' | 'shipment' | 'return'>, orderId: string) {
  const order = await reader.order.findUnique({ where: { id: orderId }, select: { id: true, shopId: true, status: true, currency: true } });
  if (!order) return null;
  const lines = await reader.orderLine.findMany({
    where: { orderId },
    orderBy: { lineNo: 'asc' },
    include: { sku: { select: { unitPriceCents: true, currency: true } } },
  });
  const shipments = await reader.shipment.findMany({
    where: { orderId, status: 'delivered' },
    include: { lines: true },
    orderBy: { seq: 'asc' },
  });
  // A carrier return brought back goods that were never delivered: they do not count against what was.
  const returns = await reader.return.findMany({
    where: { orderId, status: { notIn: ['expired', 'cancelled'] }, channel: { not: 'carrier' } },
    include: { lines: true },
  });
  return { ...order, lines, shipments, returns };
}

/** Whose an order accepted at intake is, when its journey has not recorded it yet (the API shows it as `received`); else undefined. */
export async function acceptedOnly(db: Pick<Db, 'orderIntake'>, orderId: string): Promise<{ shopId: string } | undefined> {
  const intake = await db.orderIntake.findUnique({ where: { orderId }, select: { submittedBy: true } });
  return intake ? { shopId: intake.submittedBy } : undefined;
}

/** A return of an order whose journey has not begun: nothing was delivered, a 409 naming each line as for goods not delivered yet. */
function notDeliveredYet(args: StartReturnArgs): ApiError {
  return new ApiError(
    409,
    'order_state_conflict',
    `order ${args.orderId} is accepted and its journey has not begun: nothing was delivered, so nothing can be returned yet`,
    args.request.lines.map((_, i) => ({ path: `body.lines.${i}.sku`, message: 'not delivered yet' })),
  );
}

/** Starts `return-<id>` once: a start that finds it running (or finished) is a success. */
export async function startReturnWorkflow(
  deps: Pick<ReturnDeps, 'db' | 'client' | 'timeScale' | 'log'>,
  returnId: string,
  orderId: string,
  status: ReturnStatus,
): Promise<boolean> {
  const input: ReturnWorkflowInput = { returnId, orderId, timeScale: deps.timeScale };
  try {
    await deps.client.workflow.start(RETURN_WORKFLOW_TYPE, {
      workflowId: returnIds.workflowId(returnId),
      taskQueue: TASK_QUEUES.orders,
      args: [input],
      // As its row stands (a customer's return is requested, a carrier's received); the workflow upserts any move since.
      typedSearchAttributes: returnStartAttributes(input, status),
      staticSummary: `Return ${returnId} of order ${orderId}`,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) {
      deps.log.warn(
        { returnId, err: error instanceof Error ? error.message : String(error) },
        'return workflow start failed; a sweep retries it',
      );
      return false;
    }
  }
  await deps.db.return.updateMany({ where: { id: returnId, startedAt: null }, data: { startedAt: new Date() } });
  return true;
}

/** Starts the returns committed but never started (the API died after the commit, Temporal was down). */
export async function sweepUnstartedReturns(
  deps: Pick<ReturnDeps, 'db' | 'client' | 'timeScale' | 'log'>,
  olderThanMs = 5_000,
): Promise<number> {
  const rows = await deps.db.return.findMany({
    where: { startedAt: null, createdAt: { lt: new Date(Date.now() - olderThanMs) } },
    orderBy: { createdAt: 'asc' },
    take: 100,
    select: { id: true, orderId: true, status: true },
  });
  let started = 0;
  for (const row of rows) if (await startReturnWorkflow(deps, row.id, row.orderId, row.status)) started += 1;
  return started;
}

/** Every scan of the return's parcel: its status is their fold, not the newest one (statusOfStoredScans). */
const RETURN_SCANS = {
  orderBy: { occurredAt: 'asc' },
  select: { carrierCode: true, carrierEventId: true, trackingNumber: true, status: true, occurredAt: true },
} as const;

/** The parcel's scans after the return had ended (scans-after-end.ts): shown with it, folded into nothing. */
const SCANS_AFTER_END = {
  orderBy: { occurredAt: 'asc' },
  select: { occurredAt: true, status: true, carrierStatusCode: true, returnStatus: true, detail: true, location: true },
} as const;

const RETURN_INCLUDE = { lines: { orderBy: { lineNo: 'asc' } }, scans: RETURN_SCANS, scansAfterEnd: SCANS_AFTER_END } as const;

export async function readReturn(db: Db, returnId: string): Promise<ReturnView | undefined> {
  const row = await db.return.findUnique({
    where: { id: returnId },
    include: RETURN_INCLUDE,
  });
  return row ? toReturnView(row) : undefined;
}

/** Which returns a listing reads: one order's, one status, or those still open (`open: true`) or ended (`open: false`). */
export interface ReturnFilter {
  orderId?: string;
  status?: ReturnView['status'];
  open?: boolean;
}

/** The statuses of a return under way: `in` them, not `notIn` the final ones, so a page reads the index of each status. */
const OPEN_RETURN_STATUSES = RETURN_STATUSES.filter((status) => !FINAL_RETURN_STATUSES.includes(status));

function returnWhere(filter: ReturnFilter) {
  return {
    ...(filter.orderId ? { orderId: filter.orderId } : {}),
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.open === undefined ? {} : { status: { in: filter.open ? OPEN_RETURN_STATUSES : [...FINAL_RETURN_STATUSES] } }),
  };
}

/**
 * Returns newest first, `limit` at a time; `cursor` is the `nextCursor` of the page before. Keyset pages on
 * (createdAt, id), each read from an index (`Return_createdAt_id_idx`, `Return_status_createdAt_idx`): a page costs the
 * same at the thousandth return as at the first.
 */
export async function listReturns(
  db: Db,
  filter: ReturnFilter,
  limit = 50,
  cursor?: string,
): Promise<{ items: ReturnView[]; nextCursor?: string }> {
  const scope = cursorScope('returns', 'ops', { ...filter });
  const rows = await db.return.findMany({
    where: {
      AND: [returnWhere(filter), createdBefore(cursor === undefined ? undefined : decodeCursor(cursor, scope))],
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit + 1,
    include: RETURN_INCLUDE,
  });
  const page = keysetPage(rows, limit, scope);
  return { items: page.rows.map(toReturnView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}

type ReturnRow = NonNullable<Awaited<ReturnType<Db['return']['findUnique']>>> & {
  lines: {
    lineNo: number;
    skuCode: string;
    quantity: number;
    unitPriceCents: number;
    restocked: number | null;
    writtenOff: number | null;
  }[];
  scans: { carrierCode: string; carrierEventId: string; trackingNumber: string; status: TrackingStatus; occurredAt: Date }[];
  scansAfterEnd: {
    occurredAt: Date;
    status: TrackingStatus;
    carrierStatusCode: string;
    returnStatus: ReturnView['status'] | null;
    detail: string | null;
    location: string | null;
  }[];
};

function toReturnView(row: ReturnRow): ReturnView {
  const iso = (d: Date | null) => (d ? d.toISOString() : undefined);
  const optional = <K extends string, V>(key: K, value: V | null | undefined) =>
    value === null || value === undefined ? {} : { [key]: value };
  return {
    returnId: row.id,
    orderId: row.orderId,
    workflowId: row.workflowId,
    status: row.status,
    channel: row.channel,
    reason: row.reason,
    warehouseCode: row.warehouseCode,
    lines: row.lines.map((l) => ({
      lineNo: l.lineNo,
      sku: l.skuCode,
      quantity: l.quantity,
      unitPriceCents: l.unitPriceCents,
      ...optional('restocked', l.restocked),
      ...optional('writtenOff', l.writtenOff),
    })),
    ...optional('carrierCode', row.carrierCode),
    ...optional('trackingNumber', row.trackingNumber),
    ...optional('labelUrl', row.labelUrl),
    ...optional('labelExpiresAt', iso(row.labelExpiresAt)),
    ...optional('trackingStatus', statusOfStoredScans(row.scans, row.trackingNumber ?? undefined)),
    ...optional('receivedAt', iso(row.receivedAt)),
    ...optional('inspectedAt', iso(row.inspectedAt)),
    ...optional('comment', row.comment),
    ...optional('inspectionNote', row.inspectionNote),
    ...optional('refundCents', row.refundCents),
    currency: row.currency,
    ...optional('closeReason', row.closeReason),
    ...optional('shipmentId', row.shipmentId),
    ...(row.scansAfterEnd.length > 0 ? { scansAfterEnd: row.scansAfterEnd.flatMap(returnScanAfterEnd) } : {}),
    createdAt: row.createdAt.toISOString(),
  };
}

/** A stored scan after the return's end; every such row says how the return had ended (the table's CHECK). */
function returnScanAfterEnd(row: ReturnRow['scansAfterEnd'][number]): ReturnScanAfterEnd[] {
  if (row.returnStatus === null) return [];
  return [
    {
      occurredAt: row.occurredAt.toISOString(),
      status: row.status,
      carrierStatusCode: row.carrierStatusCode,
      returnStatus: row.returnStatus,
      ...(row.detail !== null ? { detail: row.detail } : {}),
      ...(row.location !== null ? { location: row.location } : {}),
    },
  ];
}

/**
 * Why a return's row that is not final is no return under way: Temporal closed its workflow short of its end, or no
 * longer knows it (deleted). Undefined for a final row, one not started yet (its start, or the sweep, is on its way), one
 * received again after it had ended (the API inspects those in the database: no workflow is wanted), a workflow that
 * runs, and when Temporal cannot answer in time (the row is the answer then, as before).
 */
export async function returnWorkflowEnd(
  client: Client,
  timeoutMs: number,
  row: { status: ReturnView['status']; workflowId: string; startedAt: Date | null; closedAt: Date | null },
): Promise<WorkflowEnded | undefined> {
  if (FINAL_RETURN_STATUSES.includes(row.status) || row.startedAt === null || arrivedAfterClose(row)) return undefined;
  try {
    const description = await withinDeadline(client, timeoutMs, () => describeWorkflow(client, row.workflowId));
    if (!description) return returnWorkflowDeletedOf(row.workflowId);
    // A failed newest run may be a start by hand on an input it cannot take: the run to resume is the one before it.
    const handStarted = await withinDeadline(client, timeoutMs, () => handStartedRunOf(client, description)).catch(() => undefined);
    return returnWorkflowEndedOf(description, handStarted);
  } catch {
    return undefined;
  }
}

/** Intake keys see their own orders' returns only; ops see all. */
export function mayReadReturnOf(principal: Principal | undefined, shopId: string | null): boolean {
  if (!principal) return false;
  return principal.role === 'ops' || (principal.role === 'intake' && shopId === principal.name);
}
