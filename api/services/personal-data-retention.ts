import type { Db } from '../../activities/db';
import { DAY_MS } from '../../domain/clock';
import { FINAL_ORDER_STAGES } from '../../domain/lifecycle';
import { DEFAULT_RETURN_WINDOW_DAYS, FINAL_RETURN_STATUSES } from '../../domain/return-policy';
import { FREE_TEXT_REASON_EVENTS, PERSONAL_DATA_KEYS } from '../../domain/personal-data';
import { Prisma } from '../../prisma/generated/client';
import { CUSTOMER_ERASURE_ACTION, ERASURE_TRANSACTION_BUDGET, eraseOrderPersonalData } from './order-erasure';

/**
 * The retention sweep: erases the personal data of orders over for longer than the retention period, and drops the
 * stored answers and webhook texts kept only for replays once their replay window has passed. Each batch is one
 * transaction whose rows are locked with SKIP LOCKED and marked as erased in it: a pass killed half-way (kill -9, the
 * database gone) erased whole batches or nothing of one, and the next pass goes on from there; two API processes
 * sweeping at once share the work instead of doing it twice; a pass run again finds nothing more to do.
 */

export interface RetentionSettings {
  /** Days an order's personal data is kept once the order is over (COLIS_PERSONAL_DATA_RETENTION_DAYS). */
  retentionDays: number;
  /**
   * Days an ops action's stored answer replays for a repeat of its key, and webhook events no longer being sent keep their
   * personal keys (COLIS_OPS_ANSWER_REPLAY_DAYS).
   */
  answerReplayDays: number;
  /** Business seconds per real second: return windows are business days. */
  timeScale: number;
  /** Orders per transaction. */
  batchSize?: number;
  /** Batches per pass at most, so a first pass over years of orders does not hold a connection for long. */
  maxBatches?: number;
}

export interface RetentionPass {
  ordersErased: number;
  answersDropped: number;
  webhookEventsCleaned: number;
  /** A kind of work filled every batch the pass allowed: more is left (a backlog), the next pass comes soon. */
  more: boolean;
}

const DEFAULT_BATCH = 50;
const finalOrderStages: string[] = [...FINAL_ORDER_STAGES];
const finalReturnStatuses: string[] = [...FINAL_RETURN_STATUSES];
const DEFAULT_MAX_BATCHES = 20;

/** One pass: as many batches as there is work for, up to `maxBatches` of each kind. */
export async function sweepPersonalData(db: Db, settings: RetentionSettings, now = new Date()): Promise<RetentionPass> {
  const batchSize = settings.batchSize ?? DEFAULT_BATCH;
  const maxBatches = settings.maxBatches ?? DEFAULT_MAX_BATCHES;
  const pass: RetentionPass = { ordersErased: 0, answersDropped: 0, webhookEventsCleaned: 0, more: false };
  for (let batch = 0; batch < maxBatches; batch++) {
    const erased = await eraseExpiredOrders(db, settings, batchSize, now);
    pass.ordersErased += erased;
    if (erased < batchSize) break;
    if (batch === maxBatches - 1) pass.more = true;
  }
  const replayCutoff = new Date(now.getTime() - settings.answerReplayDays * DAY_MS);
  for (let batch = 0; batch < maxBatches; batch++) {
    const dropped = await dropOldOpsAnswers(db, replayCutoff, batchSize * 10, now);
    pass.answersDropped += dropped;
    if (dropped < batchSize * 10) break;
    if (batch === maxBatches - 1) pass.more = true;
  }
  for (let batch = 0; batch < maxBatches; batch++) {
    const cleaned = await cleanSentWebhookEvents(db, replayCutoff, batchSize * 10, now);
    pass.webhookEventsCleaned += cleaned;
    if (cleaned < batchSize * 10) break;
    if (batch === maxBatches - 1) pass.more = true;
  }
  return pass;
}

/**
 * One batch of orders over before the cutoff: final, their return window closed (deliveries + the shop's window, in
 * business days), every return, escalation and carrier claim closed; each of those ended before the cutoff, so the
 * retention period runs from the last of them.
 */
async function eraseExpiredOrders(db: Db, settings: RetentionSettings, batchSize: number, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - settings.retentionDays * DAY_MS);
  const dayRealSeconds = DAY_MS / 1000 / settings.timeScale;
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT o."id" FROM "Order" o
      WHERE o."personalDataErasedAt" IS NULL AND o."completedAt" < ${cutoff}
        AND o."status"::text = ANY(${finalOrderStages}::text[])
        AND NOT EXISTS (
          SELECT 1 FROM "Shipment" s LEFT JOIN "Shop" sh ON sh."id" = o."shopId"
          WHERE s."orderId" = o."id" AND s."deliveredAt" IS NOT NULL
            AND s."deliveredAt" + make_interval(secs => coalesce(sh."returnWindowDays", ${DEFAULT_RETURN_WINDOW_DAYS}) * ${dayRealSeconds}::float8)
                >= ${cutoff})
        AND NOT EXISTS (
          SELECT 1 FROM "Return" r WHERE r."orderId" = o."id"
            AND (r."status"::text <> ALL(${finalReturnStatuses}::text[]) OR coalesce(r."closedAt", r."updatedAt") >= ${cutoff}))
        AND NOT EXISTS (
          SELECT 1 FROM "Escalation" e WHERE e."orderId" = o."id" AND (e."status" = 'open' OR e."resolvedAt" >= ${cutoff}))
        AND NOT EXISTS (
          SELECT 1 FROM "CarrierClaim" c WHERE c."orderId" = o."id"
            AND (c."status" IN ('open', 'submitted') OR c."updatedAt" >= ${cutoff}))
      ORDER BY o."completedAt"
      LIMIT ${batchSize}
      FOR UPDATE OF o SKIP LOCKED`;
    let erased = 0;
    for (const row of rows) if (await eraseOrderPersonalData(tx, row.id, now)) erased++;
    return erased;
  }, ERASURE_TRANSACTION_BUDGET);
}

/**
 * Ops actions' stored answers older than their replay window: the row (actor, key, request hash) stays, so the key still
 * never applies a second request; the answer, which may show an order's address, goes. An erasure's own record stays.
 */
async function dropOldOpsAnswers(db: Db, cutoff: Date, batchSize: number, now: Date): Promise<number> {
  return db.$executeRaw`
    UPDATE "OpsAction" SET "response" = NULL, "responseDroppedAt" = ${now}
    WHERE "id" IN (
      SELECT "id" FROM "OpsAction"
      WHERE "responseDroppedAt" IS NULL AND "completedAt" < ${cutoff} AND "action" <> ${CUSTOMER_ERASURE_ACTION}
      ORDER BY "completedAt"
      LIMIT ${batchSize}
      FOR UPDATE SKIP LOCKED)`;
}

/**
 * Webhook events created long ago and no longer being sent (each delivery delivered, parked or failed: given up on is no
 * reason to keep them for good) keep only what is not personal: an ops replay of one sends its ids, statuses and dates,
 * not a scan's words or a cancel reason. Each event is gone through once and marked (its
 * `personalDataDroppedAt`), whether it held personal keys or not: picked by what its payload still held, the events were
 * a test no index answers, and every pass read the whole table, every event ever written, even when none qualified.
 */
async function cleanSentWebhookEvents(db: Db, cutoff: Date, batchSize: number, now: Date): Promise<number> {
  const keys: string[] = [...PERSONAL_DATA_KEYS];
  const reasonEvents: string[] = [...FREE_TEXT_REASON_EVENTS];
  return db.$executeRaw`
    UPDATE "WebhookEvent"
    SET "personalDataDroppedAt" = ${now},
      "payload" = CASE WHEN jsonb_typeof("payload"->'data') = 'object'
        THEN jsonb_set("payload", '{data}',
          ("payload"->'data') - ${keys}::text[] - (CASE WHEN "type" = ANY(${reasonEvents}::text[]) THEN 'reason' ELSE '' END))
        ELSE "payload" END
    WHERE "id" IN (${webhookEventsToClean(cutoff, batchSize)})`;
}

/** The ids of one batch of events to clean: by the index on (personalDataDroppedAt, createdAt), never the whole table. */
export function webhookEventsToClean(cutoff: Date, batchSize: number): Prisma.Sql {
  return Prisma.sql`
    SELECT e."id" FROM "WebhookEvent" e
    WHERE e."personalDataDroppedAt" IS NULL AND e."createdAt" < ${cutoff}
      AND NOT EXISTS (SELECT 1 FROM "WebhookDelivery" d WHERE d."eventId" = e."id" AND d."status" = 'pending')
    LIMIT ${batchSize}
    FOR UPDATE OF e SKIP LOCKED`;
}
