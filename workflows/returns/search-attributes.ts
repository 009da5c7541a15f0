import { searchAttributes } from '../definitions';
import { LATER_PATCHES, takesLater } from '../shared/generation';
import { SearchAttributes } from '../shared/search-attributes';

/**
 * What a return shows Temporal's list and the Web UI (README, "Search attributes"): its order, and whether one of its
 * escalations waits for ops. Whoever starts a return sets `OrderId` and `Escalated = false` in its start options, so a
 * return that never escalates records no upsert; the first escalation change of a return started before then brings
 * its `OrderId` along. The upsert is a command added after returns were in flight: asked of history, and only when a
 * value changes, so a history that never escalated never meets the marker.
 */
export class ReturnSearchAttributes {
  private readonly attributes = new SearchAttributes();

  constructor(private readonly orderId: string) {}

  /** An escalation opened, stepped up, was answered or closed by the facts: `escalated` is whether one is still open. */
  escalated(escalated: boolean): void {
    this.attributes
      .set({ key: searchAttributes.orderId, value: this.orderId }, { key: searchAttributes.escalated, value: escalated })
      .publish(() => takesLater(LATER_PATCHES.returnPublishesEscalated));
  }
}
