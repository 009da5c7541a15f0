import type { ReturnStatus } from '../../domain/return-policy';
import { searchAttributes } from '../definitions';
import { LATER_PATCHES, takesLater } from '../shared/generation';
import { SearchAttributes } from '../shared/search-attributes';

/**
 * What a return shows Temporal's list and the Web UI (README, "Search attributes"): its order, its status, and whether
 * one of its escalations waits for ops. Whoever starts a return sets `OrderId`, its first `ReturnStatus` and
 * `Escalated = false` in its start options, so a return upserts only when its status moves on or an escalation
 * changes; the first escalation change of a return started before then brings its `OrderId` along. Both upserts are
 * commands added after returns were in flight: asked of history, and only when a value changes, so a history that
 * never escalated never meets the first marker, and one that never moved on never meets the second.
 */
export class ReturnSearchAttributes {
  private readonly attributes = new SearchAttributes();

  constructor(private readonly orderId: string) {}

  /** The return's status moved (a return started without one publishes it at its first move, `loaded` included). */
  status(status: ReturnStatus): void {
    this.attributes
      .set({ key: searchAttributes.returnStatus, value: status })
      .publish(() => takesLater(LATER_PATCHES.returnPublishesStatus));
  }

  /** An escalation opened, stepped up, was answered or closed by the facts: `escalated` is whether one is still open. */
  escalated(escalated: boolean): void {
    this.attributes
      .set({ key: searchAttributes.orderId, value: this.orderId }, { key: searchAttributes.escalated, value: escalated })
      .publish(() => takesLater(LATER_PATCHES.returnPublishesEscalated));
  }
}
