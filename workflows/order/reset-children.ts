import { CancellationScope, condition, getExternalWorkflowHandle } from '@temporalio/workflow';
import { watchShipment } from './shipment-watch';
import { LATER_PATCHES, takesLater } from '../shared/generation';
import { isResetRun } from '../shared/reset-run';
import type { ShipmentChild } from './adoption';

/**
 * A run an operator's reset made (`temporal workflow reset -w order-…`, the Web UI's Reset) replays the history
 * it was reset to, then goes on live. A shipment started in that replayed part is kept by Temporal, but as the
 * child of the run the reset replaced, not of this one: a child-only signal from this run is refused
 * ("Unable to signal external workflow because it was not found": a cancel or address change failed with a 409
 * and left the order "being cancelled"), and a shipment that ended while the order was terminated reported its
 * outcome to the terminated run (the new run waited for it for good). Such a kept shipment is signalled by its
 * workflow id once the run is live, and its outcome also read through the worker's client (awaitShipmentOutcome,
 * as an adopted shipment's is, order/adoption.ts), whichever comes first. Every other run pays nothing for this.
 */

/**
 * True once this reset run is live: `patched()` is false while the replayed history runs (no marker there),
 * true from the first live workflow task on (which records the marker, so a later replay agrees).
 */
const live = () => takesLater(LATER_PATCHES.resetRunReachesKeptShipments);

/** Resolves at the first job the reset run takes live; conditions are checked after every job. */
function livePoint(): Promise<void> {
  return condition(live);
}

/**
 * A shipment started by this run, seen through what a reset run needs (in any other run, the child handle as it is).
 *
 * Whether a reset run or the run it replaced started the shipment is not known where its start resolves: a reset to
 * the workflow task that took the shipment's start (the last one, when nothing reached the order since) replays the
 * start's command but takes its resolution live, and that shipment is the replaced run's. So once live, every start
 * resolved is reached by id and watched too (`reset-run-watches-live-started-shipments`): one activity more in a
 * reset run for a shipment it did start itself, whose own end then comes first. A history recorded before that patch
 * keeps the child handle it took then.
 */
export function reachableChild(child: ShipmentChild): ShipmentChild {
  if (!isResetRun()) return child;
  if (live() && !takesLater(LATER_PATCHES.resetRunWatchesLiveStartedShipments)) return child;
  const external = getExternalWorkflowHandle(child.workflowId);
  // Its own scope, so the watch stops once the child's own result comes (it ended after the reset).
  const watch = new CancellationScope();
  const watched = watch.run(async () => {
    await livePoint();
    return watchShipment(`Wait for ${child.workflowId}, kept through a reset`, {
      workflowId: child.workflowId,
      whenTerminated: 'report',
      reportDeleted: true,
    });
  });
  // Nothing waits on it until the order does: its failure (a cancelled watch) surfaces through `result` or not at all.
  watched.catch(() => undefined);
  return {
    workflowId: child.workflowId,
    signal: (def, ...args) => (live() ? external.signal(def, ...args) : child.signal(def, ...args)),
    result: async () => {
      try {
        return await Promise.race([child.result(), watched]);
      } finally {
        watch.cancel();
      }
    },
  };
}
