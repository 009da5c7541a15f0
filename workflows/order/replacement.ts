import { condition } from '@temporalio/workflow';
import { hoursToRealMs } from '../../domain/clock';
import type { EscalationView } from '../../domain/journey';
import { reships, summarised } from '../activity-options';
import { Alarm } from '../shared/alarm';
import { PATCHES } from '../shared/generation';
import type { ShipmentOutcome } from '../shipment/types';
import { shipmentOutcomes, startShipment } from './fulfilment';
import { describeShortages, type OrderJourney } from './order';
import type { ReplacementPlan } from '../activity-types';

/** While a replacement's goods are short, the reservation is tried again at each restock, or this often. */
const REPLACEMENT_RETRY_HOURS = 4;

/**
 * Ops re-shipped a lost or damaged parcel: its lines are reserved again through the order's stock
 * (allocation may pick another warehouse, or several), planned as replacement shipments that name the
 * lost one, and run like any shipment (pick, pack, book, track, the same escalations). Short goods make
 * the replacement wait for stock like a backordered order: woken by each restock of its SKUs, and past
 * the order's backorder wait a `backorder_deadline` escalation on the order's one tracker, where ops
 * wait longer, ship what is in stock, or call the replacement off. The outcomes are the replacements'
 * (and theirs, if re-shipped again).
 */
export async function refulfil(o: OrderJourney, lost: ShipmentOutcome): Promise<ShipmentOutcome[]> {
  const { orderId } = o.input;
  const lostShipmentId = lost.shipmentId;
  const reason = lost.reshipped?.reason ?? 'parcel re-shipped';
  const lostView = o.shipments.get(lostShipmentId);
  // Re-shipped from now on, even while the replacement waits for stock: the lost parcel binds the order no more.
  if (lostView) lostView.replacedBy = [];
  const wait = new StockWait(o, lostShipmentId);
  let shipAvailable = false;
  for (let attempt = 1; ; attempt++) {
    const plan = await summarised(reships.reserveReplacement, `Reserve the goods of ${lostShipmentId} again`, {
      orderId,
      lostShipmentId,
      reason,
      ...(lost.reshipped?.cause ? { cause: lost.reshipped.cause } : {}),
      ...(shipAvailable ? { shipAvailable } : {}),
    });
    if (plan.planned.length > 0) {
      await wait.over('the goods for the replacement were reserved');
      if (plan.shortages.length > 0) await owed(o, lostShipmentId, plan.shortages);
      return startReplacements(o, lostShipmentId, plan, reason);
    }
    if (attempt === 1)
      o.timeline.note('note', `${lostShipmentId} re-ship backordered`, describeShortages(plan.shortages, 'short: waiting for a restock'));
    if (shipAvailable) {
      o.timeline.note('note', `${lostShipmentId} not re-shipped`, describeShortages(plan.shortages, 'nothing in stock to send'));
      await owed(o, lostShipmentId);
      return [];
    }
    // v2 histories recorded before a replacement's wait for stock escalated waited on a plain retry timer;
    // they replay that way (README, "Upgrading a running system").
    if (!o.takes(PATCHES.replacementWaitEscalates)) {
      await wait.retryLater();
      continue;
    }
    const next = await wait.untilRestockOrDecision(plan);
    if (next === 'call_off') {
      o.timeline.note('note', `${lostShipmentId} not re-shipped`, 'ops called the replacement off at the backorder deadline');
      await owed(o, lostShipmentId);
      return [];
    }
    shipAvailable = next === 'ship_available';
  }
}

/** What the replacement will not send is owed: the shop hears `refund.due` (the units short, or all of them). */
async function owed(o: OrderJourney, lostShipmentId: string, shortages?: ReplacementPlan['shortages']): Promise<void> {
  const { amountCents } = await summarised(
    reships.announceReplacementShortfall,
    `Refund due for what ${lostShipmentId}'s replacement will not send`,
    {
      orderId: o.input.orderId,
      lostShipmentId,
      ...(shortages ? { shortages } : {}),
    },
  );
  o.timeline.note(
    'note',
    'refund due to the customer',
    `${(amountCents / 100).toFixed(2)} for what ${lostShipmentId}'s replacement will not send`,
  );
}

async function startReplacements(o: OrderJourney, lostShipmentId: string, plan: ReplacementPlan, reason: string) {
  const ids = plan.planned.map((p) => p.shipmentId);
  o.timeline.note(
    'note',
    `${lostShipmentId} re-shipped`,
    `replaced by ${ids.join(', ')} (${reason})` +
      (plan.shortages.length > 0 ? `; ${describeShortages(plan.shortages, 'short-shipped')}` : ''),
  );
  const lostView = o.shipments.get(lostShipmentId);
  if (lostView) lostView.replacedBy = ids;
  const children = [];
  for (const p of plan.planned) {
    const count = p.lines.reduce((n, l) => n + l.quantity, 0);
    children.push(
      await startShipment(o, p, {
        summary: `Replacement ${p.shipmentId} for ${lostShipmentId} · ${count} item(s) from ${p.warehouseCode}`,
        replaces: lostShipmentId,
      }),
    );
  }
  o.showDetails();
  return (await Promise.all(children.map((child) => shipmentOutcomes(o, child)))).flat();
}

/**
 * A replacement waiting for stock: the restocks it has seen, its own timer (several replacements of one
 * order may wait at once), its deadline and the escalation it opened there.
 */
class StockWait {
  private restocksSeen: number;
  private readonly alarm = new Alarm();
  private deadlineMs: number | undefined;
  private escalation: EscalationView | undefined;

  constructor(
    private readonly o: OrderJourney,
    private readonly lostShipmentId: string,
  ) {
    this.restocksSeen = o.restocks;
  }

  private get waitMs(): number {
    return hoursToRealMs(this.o.input.request.backorderWaitHours, this.o.input.timeScale);
  }

  private get escalationOpen(): boolean {
    return this.escalation !== undefined && this.escalation.resolvedAt === undefined;
  }

  /** The path of histories recorded before the patch: a plain retry timer, or a restock. */
  async retryLater(): Promise<void> {
    const o = this.o;
    await condition(
      () => o.restocks > this.restocksSeen || o.cancelReason !== undefined,
      hoursToRealMs(REPLACEMENT_RETRY_HOURS, o.input.timeScale),
    );
    this.restocksSeen = o.restocks;
    o.stopIfCancelled();
  }

  /**
   * Waits for a restock (or the periodic retry) and answers what to do next: reserve again, reserve what
   * there is (ops chose `ship_available`), or give the replacement up (ops chose `cancel`). Past the
   * deadline it escalates once, and steps the escalation up while nobody answers.
   */
  async untilRestockOrDecision(plan: ReplacementPlan): Promise<'retry' | 'ship_available' | 'call_off'> {
    const o = this.o;
    this.deadlineMs ??= Date.now() + this.waitMs;
    const retryAtMs = Date.now() + hoursToRealMs(REPLACEMENT_RETRY_HOURS, o.input.timeScale);
    for (;;) {
      const mine = this.escalation?.escalationId;
      const escalationAtMs = this.escalationOpen ? o.escalations.nextStepAtMs() : this.deadlineMs;
      await this.alarm.wait(
        () => o.restocks > this.restocksSeen || o.cancelReason !== undefined || (mine !== undefined && o.escalations.hasAnswer(mine)),
        Math.min(retryAtMs, escalationAtMs ?? retryAtMs),
        this.escalationOpen
          ? `Waiting for ops: the replacement of ${this.lostShipmentId} is short`
          : `Replacement of ${this.lostShipmentId}: waiting for a restock`,
      );
      // A cancelled order answers its replacement's escalation: nobody has to.
      if (o.cancelReason !== undefined) await this.over('the order was cancelled');
      o.stopIfCancelled();
      const answered = mine === undefined ? undefined : o.escalations.takeAnswered(mine);
      if (answered) {
        o.showDetails();
        if (answered.answer.decision === 'ship_available') return 'ship_available';
        if (answered.answer.decision === 'cancel') return 'call_off';
        this.deadlineMs = Date.now() + this.waitMs;
        this.escalation = undefined;
        return 'retry';
      }
      if (o.restocks > this.restocksSeen) {
        this.restocksSeen = o.restocks;
        return 'retry';
      }
      if (this.escalationOpen) await o.escalations.stepUpDue();
      else if (Date.now() >= this.deadlineMs)
        this.escalation = await o.escalations.raise(
          'backorder_deadline',
          describeShortages(plan.shortages, `short for the replacement of ${this.lostShipmentId}, past the backorder wait`),
        );
      if (Date.now() >= retryAtMs) return 'retry';
    }
  }

  /** The goods are reserved: an escalation still open was answered by the restock. */
  async over(why: string): Promise<void> {
    this.alarm.disarm();
    if (this.escalationOpen && this.escalation)
      await this.o.escalations.resolveByFacts(why, ['backorder_deadline'], this.escalation.escalationId);
  }
}
