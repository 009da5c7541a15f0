import { condition, continueAsNew, makeContinueAsNewFunc, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { NotifyQueueActivities } from '../activity-types';
// domain/ids, not domain/notifications: the relays' bundle stays free of zod (the mail schemas' module imports it).
import { TASK_QUEUES } from '../../domain/ids';
import { type RelayInput, wakeRelaySignal } from './definitions';

/**
 * notify-<relay>: sends what the notification outbox holds for one relay (customer mail, or one
 * webhook subscription). It sleeps until woken by a signal (new work committed), until its next
 * retry falls due, or for a safety sweep; one relay per id, so an order's webhooks leave in order.
 * Its cost grows with time and bursts, not with orders: a burst of events is one wake-up and one drain.
 */

const { drainRelay } = proxyActivities<NotifyQueueActivities>({
  taskQueue: TASK_QUEUES.notify,
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '45 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * A safety net only: a wake-up lost between commit and signal is re-sent by the next writer or the
 * activity's retry (a mark older than a minute is re-signalled), so the sweep can be rare.
 */
const SWEEP_MS = 6 * 3_600_000;
/**
 * A mail already due but leased by another drain (one that crashed holds its lease for a minute)
 * is the next due row: without a floor the relay would drain in a tight loop until the lease ends.
 */
const MIN_WAIT_MS = 5_000;
/** Keeps the history short: a relay lives for years. */
const DRAINS_PER_RUN = 500;

export async function notificationRelayWorkflow(input: RelayInput): Promise<void> {
  let woken = true;
  setHandler(wakeRelaySignal, () => {
    woken = true;
  });
  for (let drains = 0; drains < DRAINS_PER_RUN; drains += 1) {
    if (startedOnTheNotifyQueue() && patched(RELAYS_ON_THE_ORDERS_QUEUE)) return moveToTheOrdersQueue(input);
    woken = false;
    // A relay started by hand with no input (`--input null`) fails at its first drain, which refuses a relay without its id,
    // rather than failing this workflow task for ever on reading `null.relayId`. The same command as ever for a real relay.
    const outcome = await drainRelay({ relayId: (input as RelayInput | null)?.relayId ?? '', nowMs: Date.now() });
    if (outcome.finished) return;
    // A minute of jitter on the sweep (Math.random is seeded, so it replays): relays woken by one commit
    // do not all sweep at the same instant, nor on the round hour the journeys' own timers fall on. On
    // Temporal's time-skipping test server a signal landing on the very instant a timer falls due can
    // leave a workflow task started for ever; a real server does not mind.
    const sweepMs = SWEEP_MS + Math.floor(Math.random() * 60_000);
    const waitMs = outcome.nextDueAtMs === null ? sweepMs : Math.min(sweepMs, Math.max(MIN_WAIT_MS, outcome.nextDueAtMs - Date.now()));
    await condition(() => woken, waitMs);
  }
  await continueAsNew<typeof notificationRelayWorkflow>(input);
}

/**
 * Relays' workflow tasks run on the orders queue (its worker's one workflow thread), their deliveries stay on the
 * notify queue. A relay started on the notify queue by a release before moves over at its next wake-up (its
 * recorded drains replay as they ran); the notify worker serves workflow tasks only while one is left there
 * (worker/legacy-relays.ts). Nothing is lost on the way: the new run drains first, whatever woke it.
 */
const RELAYS_ON_THE_ORDERS_QUEUE = 'relays-on-the-orders-queue';

function startedOnTheNotifyQueue(): boolean {
  return workflowInfo().taskQueue === TASK_QUEUES.notify;
}

function moveToTheOrdersQueue(input: RelayInput): Promise<never> {
  return makeContinueAsNewFunc<typeof notificationRelayWorkflow>({ taskQueue: TASK_QUEUES.orders })(input);
}
