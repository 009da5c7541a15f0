import { CancellationScope, log } from '@temporalio/workflow';
import { LATER_PATCHES, takesLater } from './generation';

/** What the journey says in its timeline and in the Web UI when ops cancel it from Temporal itself. */
export const CANCEL_REQUEST_REASON = 'cancellation requested in Temporal (Web UI or CLI)';

/**
 * Runs a journey shielded from Temporal's own cancellation ("Request Cancellation" in the Web UI,
 * `temporal workflow cancel`), handing each request to `takeRequest` instead.
 *
 * Left to Temporal, such a request cancels whatever the journey awaits and ends it on the spot: nothing
 * compensates, so the stock stays reserved, the pick slot booked, a bought label unvoided, and the rows
 * say "fulfilling" for ever. Shielded, the journey takes the request as the API's cancel (the same
 * checks, the same compensation) or, where that cancel would be refused (the carrier has the parcel),
 * notes the refusal and goes on.
 *
 * A run whose history holds such a request from before this change (patch `cancel-request-taken-as-cancel`,
 * asked only when a request arrives, so no other run records a marker) is cancelled as it was then.
 */
export async function shieldedFromCancelRequests<T>(journey: () => Promise<T>, takeRequest: () => Promise<void> | void): Promise<T> {
  const workflowScope = CancellationScope.current();
  const shield = new CancellationScope({ cancellable: false });
  const journeyScope = new CancellationScope({ cancellable: true, parent: shield });
  void workflowScope.cancelRequested.catch(() => {
    if (!takesLater(LATER_PATCHES.cancelRequestTakenAsCancel)) {
      journeyScope.cancel();
      return;
    }
    log.warn('cancellation requested in Temporal, taken as a cancel of the journey');
    // In the shield: the workflow's own scope is cancelled now, and would refuse the signals a cancel sends.
    return shield.run(async () => takeRequest());
  });
  return journeyScope.run(journey);
}

/**
 * Runs a signal's or an update's handler. Handlers run in the workflow's own scope, which a cancel request from Temporal
 * cancels even when the journey refuses it (the carrier has the parcel, the return is on its way) and goes on: every
 * activity, timer, signal or condition a handler awaited then failed at once with "Workflow cancelled", so ops could no
 * longer answer the parcel's escalations, inspect the return, or cancel or re-address the order. Once the workflow's scope
 * is cancelled, a handler runs shielded as the journey is. Patch `handlers-shielded-from-cancel-request`: asked only in a
 * run that met a cancel request, so no other history meets the marker; one recorded before replays its failures.
 */
export function outsideCancelledScope<T>(handler: () => T | Promise<T>): T | Promise<T> {
  if (!CancellationScope.current().consideredCancelled) return handler();
  if (!takesLater(LATER_PATCHES.handlersShieldedFromCancelRequest)) return handler();
  return CancellationScope.nonCancellable(async () => handler());
}
