import { ActivityFailure, ApplicationFailure, isCancellation, log, TimeoutFailure } from '@temporalio/workflow';
import { SHIPMENT_OUTCOME } from '../../domain/message-shapes';
import { adoption, summarised } from '../activity-options';
import { LATER_PATCHES, takesLater } from '../shared/generation';
import { SHIPMENT_DELETED, SHIPMENT_TERMINATED, type ShipmentOutcome, type TerminatedAnswer } from '../shipment/types';

/**
 * The outcome of a shipment this run did not start (an order reset while it ran), read by the `awaitShipmentOutcome`
 * activity. That activity answers only with the shipment's own outcome or one of its typed failures (terminated,
 * deleted); an answer ops gave by hand (`temporal activity complete --result '{"outcome":"delivered"}'`, `temporal
 * activity fail`) is none of those: the order failed every workflow task on a result without a stage, and failed
 * outright on the failure, while its shipment went on. Such an answer is logged and the shipment watched again
 * (patch `shipment-watch-outlives-hand-answers`, asked only when one comes: a history that took one replays as it ran).
 * So is a timeout ops gave the watch (`temporal activity update-options --schedule-to-close-timeout 3s`): the watch has
 * none that ends it otherwise, so its timing out is theirs (patch `shipment-watch-outlives-hand-timeouts`).
 */
export async function watchShipment(
  summary: string,
  watch: { workflowId: string; whenTerminated: TerminatedAnswer; reportDeleted: true },
): Promise<ShipmentOutcome> {
  // Ops answer by hand once in a while; an answer without an outcome every time would be a bug of ours, which a loop of
  // watches would hide while it filled the history: past a few in a row, the order takes it as before.
  for (let handMade = 1; ; handMade++) {
    const watchAgain = handMade <= MAX_HAND_ANSWERS_IN_A_ROW;
    let outcome: ShipmentOutcome;
    try {
      outcome = await summarised(adoption.awaitShipmentOutcome, summary, watch);
    } catch (error) {
      const made = handMadeFailure(error);
      if (!watchAgain || made === undefined || !takesLater(HAND_MADE_PATCH[made])) throw error;
      log.warn(`shipment watch ${made === 'timeout' ? 'timed out' : 'failed'} by hand; watching again`, { workflowId: watch.workflowId });
      continue;
    }
    const problem = SHIPMENT_OUTCOME(outcome, 'result');
    if (!watchAgain || problem === undefined || !takesLater(LATER_PATCHES.shipmentWatchOutlivesHandAnswers)) return outcome;
    // The problem names a field, never a value: what ops typed may name anyone.
    log.warn('shipment watch answered without an outcome; watching again', { workflowId: watch.workflowId, problem });
  }
}

const MAX_HAND_ANSWERS_IN_A_ROW = 5;

const HAND_MADE_PATCH = {
  failure: LATER_PATCHES.shipmentWatchOutlivesHandAnswers,
  timeout: LATER_PATCHES.shipmentWatchOutlivesHandTimeouts,
} as const;

/**
 * A failure the watch activity itself never raises: not a cancellation or one of its typed failures. A timeout is one too:
 * the watch's options (activity-options.ts) set none that ends it, and retry its start-to-close and heartbeat timeouts.
 */
function handMadeFailure(error: unknown): keyof typeof HAND_MADE_PATCH | undefined {
  if (isCancellation(error) || !(error instanceof ActivityFailure)) return undefined;
  const cause = error.cause;
  if (cause instanceof TimeoutFailure) return 'timeout';
  const typed = cause instanceof ApplicationFailure && cause.type !== SHIPMENT_TERMINATED && cause.type !== SHIPMENT_DELETED;
  return typed ? 'failure' : undefined;
}
