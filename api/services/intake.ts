import { createHash } from 'node:crypto';
import type { Prisma } from '../../prisma/generated/client';
import type { Db } from '../../activities/db';
import { ids } from '../../domain/ids';
import { type OrderRequest, type OrderWorkflowInput, OrderWorkflowInputSchema } from '../../domain/order';
import type { DeliveryPromise } from '../../domain/delivery-promise';
import { INTAKE_HOLD_MS } from '../../domain/promised-stock';
import { idempotencyConflict } from '../errors';
import type { OrderStarter } from './order-starter';
import type { IntakePromise, PromiseService } from './promise';

/**
 * Intake commits the order to PostgreSQL (`OrderIntake`) and answers; the order workflow is started
 * from that row (api/services/order-starter.ts). The row's keys are derived from the caller and its
 * Idempotency-Key, so the table is the idempotency store: a repeated or concurrent submit finds the
 * row instead of adding one, and its workflow id can only ever be started once.
 *
 * Why not start the workflow inside the request: a workflow start is a round trip to the Temporal
 * server, whose capacity on a small machine is well below a shop's peak (about 90 starts/s on the
 * 2-core dev box). A burst would queue in the API until clients time out. A committed row is as
 * durable as a started workflow, costs a millisecond or two, and lets the starts drain at the pace
 * Temporal sustains.
 *
 * The promise (api/services/promise.ts) is computed before the commit and goes with it in the workflow's
 * input; the pick days it counts on are then added to the promised capacity (written in batches) and the
 * stock it counts on is held until the order reserves (`PromisedStock`).
 */

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** Scoped by caller, so two order sources that happen to pick the same key never collide. */
export const scopedIdempotencyKey = (apiKeyName: string, idempotencyKey: string) => `${apiKeyName}:${idempotencyKey}`;

/** `ORD-` + 12 base32 characters (60 bits) of sha256(caller:key). */
export function deriveOrderId(apiKeyName: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(scopedIdempotencyKey(apiKeyName, idempotencyKey), 'utf8').digest();
  return `ORD-${base32(digest).slice(0, 12)}`;
}

/** JSON with object keys sorted at every depth: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Hash of the parsed request (defaults applied), so a body that only spells out a default is the same request. */
export const requestHash = (request: OrderRequest) => createHash('sha256').update(canonicalJson(request), 'utf8').digest('hex');

/**
 * SKU codes known to exist, per database. Colis never deletes a SKU (order lines, movements and the
 * ledger reference it), so a code once seen stays valid and only a code not yet seen costs a query:
 * under a burst of orders for the same catalogue, validation stops hitting PostgreSQL.
 */
const knownSkuCodes = new WeakMap<Db, Set<string>>();

export async function unknownSkus(db: Db, request: OrderRequest): Promise<{ index: number; sku: string }[]> {
  let known = knownSkuCodes.get(db);
  if (!known) {
    known = new Set();
    knownSkuCodes.set(db, known);
  }
  const unseen = [...new Set(request.lines.map((line) => line.sku))].filter((code) => !known.has(code));
  if (unseen.length > 0) {
    for (const { code } of await db.sku.findMany({ where: { code: { in: unseen } }, select: { code: true } })) known.add(code);
  }
  return request.lines.flatMap((line, index) => (known.has(line.sku) ? [] : [{ index, sku: line.sku }]));
}

/**
 * Whether this caller already placed exactly this request under this key. A rule that depends on the hour (a promise
 * date that has since passed) refuses new requests only: the retry of an accepted one is answered as the first was.
 */
export async function isAcceptedRequest(db: Db, apiKeyName: string, idempotencyKey: string, request: OrderRequest): Promise<boolean> {
  const stored = await db.orderIntake.findUnique({
    where: { orderId: deriveOrderId(apiKeyName, idempotencyKey) },
    select: { requestHash: true },
  });
  return stored?.requestHash === requestHash(request);
}

export interface IntakeResult {
  orderId: string;
  workflowId: string;
  outcome: 'created' | 'existing';
  /** Whether the order workflow was known to be started when intake answered. */
  workflowStarted: boolean;
  promise: DeliveryPromise;
}

export interface PlaceOrderArgs {
  db: Db;
  starter: OrderStarter;
  promises: PromiseService;
  request: OrderRequest;
  /** The request as the client sent it, when `request` differs (a corrected address): retries are recognised by it. */
  requestAsSent?: OrderRequest;
  apiKeyName: string;
  idempotencyKey: string;
  timeScale: number;
  /** How long intake waits for the workflow start before it answers anyway (the start goes on). */
  startWaitMs: number;
  now?: Date;
}

export async function placeOrder(args: PlaceOrderArgs): Promise<IntakeResult> {
  const { db, starter, promises, request, apiKeyName, idempotencyKey, timeScale, startWaitMs, now = new Date() } = args;
  const orderId = deriveOrderId(apiKeyName, idempotencyKey);
  const workflowId = ids.orderWorkflowId(orderId);
  const hash = requestHash(args.requestAsSent ?? request);
  let intake: IntakePromise;
  try {
    intake = await promises.promiseFor(request, now.getTime());
  } catch (refusal) {
    // A repeat of an order accepted before its service level was refused there answers as the first did.
    const twin = await db.orderIntake.findUnique({ where: { orderId }, select: { requestHash: true, startedAt: true, input: true } });
    if (twin) return repeated(twin, { orderId, workflowId, hash, idempotencyKey });
    throw refusal;
  }
  const { promise } = intake;
  const input: OrderWorkflowInput = {
    orderId,
    idempotencyKey: scopedIdempotencyKey(apiKeyName, idempotencyKey),
    requestHash: hash,
    receivedAt: now.toISOString(),
    promisedBy: promise.deliverBy,
    request,
    timeScale,
    promise,
    businessClock: promises.businessClock,
  };

  // ON CONFLICT DO NOTHING: of concurrent twins exactly one inserts (and counts its pick days and stock); the others
  // read its row.
  const inserted = await recordIntake(db, { orderId, workflowId, submittedBy: apiKeyName, input, receivedAt: now }, intake).catch(
    (error: unknown) => {
      promises.discarded(intake);
      throw error;
    },
  );
  if (inserted) {
    promises.committed(intake);
    // Behind a backlog the start cannot finish within the wait: answer at once instead of after it.
    const backlogged = starter.backlogged;
    const starting = starter.start(input, apiKeyName).then((outcome) => outcome.started);
    const started = backlogged
      ? false
      : await Promise.race([starting, new Promise<false>((resolve) => setTimeout(resolve, startWaitMs, false).unref())]);
    return { orderId, workflowId, outcome: 'created', workflowStarted: started, promise };
  }
  promises.discarded(intake);

  const twin = await db.orderIntake.findUnique({ where: { orderId }, select: { requestHash: true, startedAt: true, input: true } });
  if (!twin) throw new Error(`order ${orderId} was neither inserted nor found`);
  return repeated(twin, { orderId, workflowId, hash, idempotencyKey });
}

/**
 * Commits the order's intake row and, in the same statement, the stock its promise holds (`PromisedStock`): written
 * after the row, a hold could land after the order had already reserved (a start sweep picking the row up in between)
 * and count its units twice for its whole lifetime. Answers whether this call inserted the row (false: a twin had).
 */
async function recordIntake(
  db: Db,
  row: { orderId: string; workflowId: string; submittedBy: string; input: OrderWorkflowInput; receivedAt: Date },
  intake: IntakePromise,
): Promise<boolean> {
  const holds = intake.stockHold.holds;
  const [result] = await db.$queryRaw<{ inserted: number }[]>`
    WITH intake AS (
      INSERT INTO "OrderIntake" ("orderId", "workflowId", "idempotencyKey", "requestHash", "submittedBy", "input", "receivedAt")
      VALUES (${row.orderId}, ${row.workflowId}, ${row.input.idempotencyKey}, ${row.input.requestHash}, ${row.submittedBy},
              ${JSON.stringify(row.input)}::jsonb, ${row.receivedAt})
      ON CONFLICT DO NOTHING
      RETURNING "orderId"
    ), held AS (
      INSERT INTO "PromisedStock" ("orderId", "warehouseCode", "skuCode", "quantity", "holdUntil")
      SELECT intake."orderId", h."warehouseCode", h."skuCode", h."quantity", now() + make_interval(secs => ${INTAKE_HOLD_MS / 1000})
      FROM intake CROSS JOIN unnest(${holds.map((h) => h.warehouseCode)}::text[], ${holds.map((h) => h.skuCode)}::text[],
                                    ${holds.map((h) => h.quantity)}::int[]) AS h("warehouseCode", "skuCode", "quantity")
    )
    SELECT count(*)::int AS inserted FROM intake`;
  return result?.inserted === 1;
}

/** A repeat of an accepted request answers as the first did (its promise included); another body under the key is a 409. */
function repeated(
  stored: { requestHash: string; startedAt: Date | null; input: Prisma.JsonValue },
  order: { orderId: string; workflowId: string; hash: string; idempotencyKey: string },
): IntakeResult {
  if (stored.requestHash !== order.hash) {
    throw idempotencyConflict(
      `Idempotency-Key "${order.idempotencyKey}" was already used for a different order request (order ${order.orderId})`,
      `was already used for a different order request (order ${order.orderId})`,
    );
  }
  return {
    orderId: order.orderId,
    workflowId: order.workflowId,
    outcome: 'existing',
    workflowStarted: stored.startedAt !== null,
    promise: promiseOf(stored.input),
  };
}

/** The promise stored with an accepted order; an order accepted before the engine had only its date. */
export function promiseOf(storedInput: Prisma.JsonValue): DeliveryPromise {
  const input = OrderWorkflowInputSchema.parse(storedInput);
  return (
    input.promise ?? {
      deliverBy: input.promisedBy,
      shipBy: input.receivedAt,
      confidence: 0,
      basis: 'fixed_days',
      shipments: [],
      estimatedCostCents: 0,
      currency: 'EUR',
      computedAt: input.receivedAt,
    }
  );
}
