import { allHandlersFinished, condition, makeContinueAsNewFunc, workflowInfo } from '@temporalio/workflow';
import { hoursToRealMs } from '../../domain/clock';
import { bookkeeping, stock, summarised } from '../activity-options';
import { searchAttributes } from '../definitions';
import { LATER_PATCHES, takesLater } from '../shared/generation';
import { describeShortages, OrderCancelled, type OrderJourney } from './order';
import type { OrderInput } from './types';

/** A backorder wait hands over to a fresh run (continue-as-new) past this many history events. */
const HISTORY_EVENTS_PER_RUN = 2_000;

/**
 * Short stock with the backorder policy: wait for restocks until the order's deadline, reserving again at
 * each one; at the deadline ops decide (wait longer, ship what is reserved, cancel), the escalation
 * stepping up while nobody answers. Resolves when everything is reserved or ops chose to ship what is.
 */
export async function waitForStock(o: OrderJourney): Promise<void> {
  const { request, orderId } = o.input;
  const waitMs = () => hoursToRealMs(request.backorderWaitHours, o.input.timeScale);
  if (o.backorderDeadlineMs === undefined) {
    o.backorderDeadlineMs = Date.now() + waitMs();
    await o.enterStage('backordered', describeShortages(o.shortages, 'waiting for a restock'), {
      backorderDeadline: new Date(o.backorderDeadlineMs).toISOString(),
    });
    await o.onMilestone({ kind: 'backordered', orderId, until: new Date(o.backorderDeadlineMs).toISOString() });
    if (takesLater(LATER_PATCHES.backorderRepromised)) await repromiseForRestock(o);
  }
  let seenRestocks = o.restocks;
  let seenReceived = o.restocksReceived;
  while (o.shortages.length > 0) {
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > (o.input.historyEventsPerRun ?? HISTORY_EVENTS_PER_RUN))
      await continueWaiting(o);
    const deadline = o.escalations.isOpen('backorder_deadline') ? o.escalations.nextStepAtMs() : o.backorderDeadlineMs;
    const woke = await o.alarm.wait(
      () => o.restocks > seenRestocks || o.cancelReason !== undefined || o.escalations.hasAnswer(),
      earliest(deadline, o.restockRecheckAtMs),
      o.escalations.isOpen() ? 'Waiting for ops: backorder deadline passed' : 'Backorder: waiting for a restock',
    );
    o.stopIfCancelled();
    if (o.restocks > seenRestocks) {
      seenRestocks = o.restocks;
      const received = o.restocksReceived > seenReceived;
      seenReceived = o.restocksReceived;
      const reservation = await summarised(stock.reserveStock, 'Reserve restocked stock', { orderId });
      o.shortages = reservation.shortages;
      o.held = reservation.held.length;
      o.timeline.note(
        'note',
        received ? 'restock received' : 'restock announced',
        o.shortages.length > 0 ? describeShortages(o.shortages, 'still short') : 'fully reserved',
      );
      // Still short after a restock smaller than it needs: dated again from the restocks still expected.
      if (o.shortages.length > 0 && takesLater(LATER_PATCHES.backorderRepromised)) await repromiseForRestock(o);
      continue;
    }
    const answered = o.escalations.takeAnswered();
    if (answered) {
      o.showDetails();
      if (answered.answer.decision === 'wait') {
        o.backorderDeadlineMs = Date.now() + waitMs();
        continue;
      }
      if (answered.answer.decision === 'ship_available') return;
      o.cancelReason = `ops decided ${answered.answer.decision} at the backorder deadline`;
      throw new OrderCancelled();
    }
    if (woke) continue;
    if (o.restockRecheckAtMs !== undefined && Date.now() >= o.restockRecheckAtMs) {
      await redateForOverdueRestock(o);
      continue;
    }
    // The alarm rang before anything is due: for the step-up of an escalation ops since answered "wait", or for a
    // recheck since moved later or dropped. Wait on; before, that ring asked ops again hours into the wait they had
    // just granted (asked of history: runs recorded before raised the escalation there; a recheck's runs are newer).
    if (deadline !== undefined && Date.now() < deadline && (o.armedRestockRecheck || takesLater(LATER_PATCHES.backorderWaitsItsDeadline)))
      continue;
    if (o.escalations.isOpen('backorder_deadline')) await o.escalations.stepUpDue();
    else await o.escalations.raise('backorder_deadline', describeShortages(o.shortages, 'no restock before the deadline'));
  }
}

/**
 * Re-promise, never surprise: the order lost the race for stock its promise counted on (a hold lost, or taken first), so its
 * date is computed again against the expected restocks (activities/backorder-promise.ts: the `backordered` change, the
 * customer's mail and the shop's webhook). The new date goes to the view, `PromisedBy` and the shipments it starts
 * later; a restock nobody expects leaves the date, and the timeline says it is at risk and why.
 */
async function repromiseForRestock(o: OrderJourney): Promise<void> {
  o.restockRecheckAtMs = undefined;
  const detail = describeShortages(o.shortages, 'short');
  const answer = await summarised(bookkeeping.repromiseBackorder, 'Re-promise against the expected restock', {
    orderId: o.input.orderId,
    detail,
    nowMs: Date.now(),
  });
  if (answer.kind === 'at_risk') {
    o.timeline.note('note', 'promise at risk', `${detail}: ${answer.why}; the backorder deadline decides`);
    return;
  }
  // Looked at again once the restock it rests on is overdue (runs recorded before this change do not).
  if (answer.recheckAtMs !== undefined && takesLater(LATER_PATCHES.overdueRestockRedates)) {
    o.restockRecheckAtMs = answer.recheckAtMs;
    o.armedRestockRecheck = true;
  }
  // Only ever later: a retry answers the change it made already, which this run may have taken.
  if (answer.kind !== 'repromised' || Date.parse(answer.promisedBy) <= Date.parse(o.promisedBy)) return;
  const previous = o.promisedBy;
  o.promisedBy = answer.promisedBy;
  o.backorderPromisedBy = answer.promisedBy;
  o.timeline.note(
    'note',
    `re-promised: ${answer.promisedBy.slice(0, 16).replace('T', ' ')}`,
    `${answer.wording} (was ${previous.slice(0, 16).replace('T', ' ')})`,
  );
  o.searchAttributes.set({ key: searchAttributes.promisedBy, value: new Date(answer.promisedBy) }).publish();
}

/**
 * The restock the order's date rests on was due and has not come (a receipt wakes the order, so none came): its date
 * is computed again, which counts the restock as late again as it is (domain/expected-restocks.ts), and moves with its
 * mail and webhook when later. Before, the order kept a date the goods had already missed until the backorder deadline.
 */
async function redateForOverdueRestock(o: OrderJourney): Promise<void> {
  o.timeline.note('note', 'restock overdue', describeShortages(o.shortages, 'still short, the restock they wait for not received'));
  await repromiseForRestock(o);
}

const earliest = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);

/** Hands the waiting order over to a fresh run with its state, once no update is still writing. */
async function continueWaiting(o: OrderJourney): Promise<never> {
  await condition(allHandlersFinished);
  const continueAsNew = makeContinueAsNewFunc<(input: OrderInput) => Promise<unknown>>({
    typedSearchAttributes: workflowInfo().typedSearchAttributes,
  });
  return continueAsNew({
    ...o.input,
    carriedOver: {
      shortages: o.shortages,
      held: o.held,
      backorderDeadlineMs: o.backorderDeadlineMs ?? Date.now(),
      ...(o.backorderPromisedBy ? { promisedBy: o.backorderPromisedBy } : {}),
      ...(o.restockRecheckAtMs !== undefined ? { restockRecheckAtMs: o.restockRecheckAtMs } : {}),
      restocksSeen: o.restocks,
      shipTo: o.shipTo,
      addressVersion: o.addressVersion,
      timeline: o.timelineEntries.slice(-50),
      ...(o.stages.inProgress ? { stageInProgress: o.stages.inProgress } : {}),
      escalations: o.escalations.state(),
    },
  });
}
