import { type BusinessClock, toBusinessMs, toRealMs } from '../domain/business-clock';
import { RESTOCK_RECHECK_AFTER_MS } from '../domain/expected-restocks';
import { DEFAULT_DECISION_SETTINGS, type DecisionSettings } from '../domain/decision-rules';
import { isFinalOrderStage } from '../domain/lifecycle';
import type { PlanChoice } from '../domain/plan-choice';
import { computePromise } from '../domain/promise-engine';
import { BACKORDER_HOLD_MS, holdsBeyondReserved, stockHoldsOf } from '../domain/promised-stock';
import { REPROMISE_WORDING } from '../domain/repromise';
import { currentBusinessClock } from './business-clock';
import { type Db, TRANSACTION_BUDGET } from './db';
import type { Tx } from './inventory';
import { asActivity } from './failures';
import { noRelayWaker, type RelayWaker, withMilestones } from './notifications/outbox';
import { promiseChangedMilestone } from './orders';
import type { PlanningFacts } from './planning-facts';

/**
 * Re-promise, never surprise, at the reservation: an order whose promised stock went to another (its hold lost with a
 * killed API, or taken by a reservation that could not do without it) now waits for a restock, and so does one told its
 * restock moved or was called off. Its date is
 * computed again by the same engine on the order's backorder basis (the stock it holds, the expected restocks, the pick
 * slot, packing and transit after them) and, when that is later than the promise in force, the order's promise moves
 * with a `backordered` PromiseChange, the customer's mail and the shop's `order.promise_changed` in one transaction; the
 * intake's stays (Order.originalPromisedBy). No restock expected: the date stays (the backorder deadline's escalation
 * takes it from there) and the answer says why it is at risk. Keyed by order and new date: a retry records one change,
 * and a call after it (a restock that still leaves the order short) finds the promise moved already.
 */

export interface BackorderPromiseRequest {
  orderId: string;
  /** What the order is short of, for the timeline and ops (no personal data). */
  detail?: string;
  /** Workflow time: the order is dated on the orchestrator's clock (absent: now). */
  nowMs?: number;
}

/**
 * `recheckAtMs` (workflow time): when the restock the date rests on is overdue enough to date the order again unless it
 * arrived (domain/expected-restocks.ts); absent when the date rests on no restock.
 */
export type BackorderPromise =
  /** The promise in force still holds (the restock comes in time), or there is nothing to move (an ended order). */
  | { kind: 'kept'; promisedBy: string; recheckAtMs?: number }
  | { kind: 'repromised'; previousPromisedBy: string; promisedBy: string; wording: string; recheckAtMs?: number }
  /** No restock can date the order: the promise stays, at risk for this reason. */
  | { kind: 'at_risk'; promisedBy: string; why: string };

export function createBackorderPromiseActivities(deps: { db: Db; facts: PlanningFacts; settings?: DecisionSettings; waker?: RelayWaker }) {
  const { db, facts } = deps;
  const waker = deps.waker ?? noRelayWaker;
  const settings = deps.settings ?? DEFAULT_DECISION_SETTINGS;
  // One decision at a time in this process: the SKU locks order them across processes, and this keeps the ones an
  // announcement woke together from each holding a pooled connection while they wait for those locks.
  let turn: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(work: () => Promise<T>): Promise<T> => {
    const run = turn.then(work, work);
    turn = run.catch(() => undefined);
    return run;
  };
  return {
    repromiseBackorder(input: BackorderPromiseRequest): Promise<BackorderPromise> {
      return asActivity(async () => {
        const order = await db.order.findUniqueOrThrow({
          where: { id: input.orderId },
          select: {
            status: true,
            promisedBy: true,
            serviceLevel: true,
            lines: { select: { id: true, skuCode: true, quantity: true }, orderBy: { lineNo: 'asc' } },
            shippingAddress: { select: { countryCode: true, postalCode: true, region: true } },
          },
        });
        const kept = { kind: 'kept' as const, promisedBy: order.promisedBy.toISOString() };
        // The baseline rules never re-promise (they are what "surprise" looks like); an ended order has no date to move.
        if (settings.rules === 'baseline' || isFinalOrderStage(order.status)) return kept;

        const realNowMs = Date.now();
        const nowMs = input.nowMs ?? realNowMs;
        const clock = await currentBusinessClock(db, realNowMs);
        const network = await facts.networkFacts(realNowMs);
        const lines = order.lines.map((line) => ({ lineId: line.id, skuCode: line.skuCode, quantity: line.quantity }));
        // Read, decided and held under the SKUs' promise locks: backorders woken together by one announcement are
        // dated one after the other, each counting the restock units the ones before it now hold (before, four orders
        // were all dated from the same two units).
        const answer = await oneAtATime(() =>
          db.$transaction(async (tx) => {
            await lockPromisesOf(tx, lines);
            const situation = await facts.situation({
              clock,
              nowMs,
              serviceLevel: order.serviceLevel,
              backorderPolicy: 'backorder',
              lines,
              destination: order.shippingAddress,
              heldForOrder: input.orderId,
              reader: tx,
            });
            const decided = computePromise(situation, network, { confidence: settings.promiseConfidence, horizonDays: 30 });
            // Whatever the date does, the order now counts on these restock units: no later promise may count them too.
            await holdForBackorder(tx, input.orderId, decided.choice);
            return decided;
          }, TRANSACTION_BUDGET),
        );
        if (!answer.choice)
          return { kind: 'at_risk', promisedBy: kept.promisedBy, why: answer.undatedReason?.text ?? 'no restock expected' };
        const recheck = recheckOf(answer.choice, toBusinessMs(clock, nowMs), clock);
        const newPromisedBy = new Date(toRealMs(clock, answer.deliverByMs));
        if (newPromisedBy.getTime() <= order.promisedBy.getTime())
          return { ...((await earlierAttempt(db, input.orderId, order.promisedBy)) ?? kept), ...recheck };

        const wording = REPROMISE_WORDING.backordered;
        const previousPromisedBy = order.promisedBy.toISOString();
        await withMilestones(db, waker, async (tx) => {
          await tx.promiseChange.createMany({
            data: [
              {
                id: `${input.orderId}:backordered:${newPromisedBy.toISOString()}`,
                orderId: input.orderId,
                shipmentId: null,
                reason: 'backordered',
                detail: input.detail ?? null,
                oldPromisedBy: order.promisedBy,
                newPromisedBy,
              },
            ],
            skipDuplicates: true,
          });
          // Only later: a concurrent attempt may have moved it already (and told the customer: the mail is keyed by date).
          const updated = await tx.order.updateMany({
            where: { id: input.orderId, promisedBy: { lt: newPromisedBy } },
            data: { promisedBy: newPromisedBy },
          });
          const announcement = {
            orderId: input.orderId,
            previousPromisedBy,
            promisedBy: newPromisedBy.toISOString(),
            reason: wording,
            reasonCode: 'backordered',
          };
          return { result: undefined, milestones: updated.count === 1 ? [promiseChangedMilestone(announcement)] : [] };
        });
        return { kind: 'repromised', previousPromisedBy, promisedBy: newPromisedBy.toISOString(), wording, ...recheck };
      });
    },
  };
}

/** When the latest restock a plan waits for is overdue enough to look again (workflow time); nothing if it waits for none. */
function recheckOf(choice: PlanChoice, nowBusinessMs: number, clock: BusinessClock): { recheckAtMs?: number } {
  const readyAtMs = Math.max(...choice.shipments.map((shipment) => shipment.option.readyAtMs));
  if (!(readyAtMs > nowBusinessMs)) return {};
  return { recheckAtMs: toRealMs(clock, readyAtMs + RESTOCK_RECHECK_AFTER_MS) };
}

/**
 * Serialises the backorder re-promises of these SKUs across every worker process (transaction-scoped advisory locks,
 * taken in SKU order so two orders sharing SKUs never wait on each other crosswise). Intake does not take them: its
 * promises hold in-process first and are written with the order (api/services/promised-stock.ts).
 */
export async function lockPromisesOf(tx: Tx, lines: readonly { skuCode: string }[]): Promise<void> {
  for (const skuCode of [...new Set(lines.map((line) => line.skuCode))].sort()) {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`colis:promise:${skuCode}`}, 0))`;
  }
}

/**
 * The restock units a backorder's plan counts on (beyond what it has reserved), held in place of what it held before
 * (domain/promised-stock.ts); none when no restock can date it. In the deciding transaction: a retry writes the same.
 */
async function holdForBackorder(tx: Tx, orderId: string, choice: PlanChoice | undefined): Promise<void> {
  const reserved = await tx.reservation.findMany({
    where: { orderId, status: 'held' },
    select: { warehouseCode: true, skuCode: true, quantity: true },
  });
  const holds = holdsBeyondReserved(stockHoldsOf(choice), reserved);
  await tx.promisedStock.deleteMany({ where: { orderId } });
  if (holds.length === 0) return;
  const holdUntil = new Date(Date.now() + BACKORDER_HOLD_MS);
  await tx.promisedStock.createMany({ data: holds.map((hold) => ({ orderId, ...hold, holdUntil })) });
}

/**
 * The change an earlier attempt of this call committed (its answer lost to a timeout): the order's promise is that
 * change's date, so the retry answers it again, and the workflow, which never heard it, takes it.
 */
async function earlierAttempt(db: Db, orderId: string, promisedBy: Date): Promise<BackorderPromise | undefined> {
  const change = await db.promiseChange.findFirst({ where: { orderId, reason: 'backordered', newPromisedBy: promisedBy } });
  if (!change) return undefined;
  return {
    kind: 'repromised',
    previousPromisedBy: change.oldPromisedBy.toISOString(),
    promisedBy: change.newPromisedBy.toISOString(),
    wording: REPROMISE_WORDING.backordered,
  };
}

export type BackorderPromiseActivities = ReturnType<typeof createBackorderPromiseActivities>;
