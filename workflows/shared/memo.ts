import { upsertMemo } from '@temporalio/workflow';

/**
 * The line `temporal workflow describe` prints for an open escalation (its memo, beside the search
 * attributes): current details need a query, the memo is part of the description. Upserted only when
 * the line changes; removed once nothing is open.
 */
export class EscalationMemo {
  private shown: string | undefined;

  show(line: string | undefined): void {
    if (line === this.shown) return;
    this.shown = line;
    upsertMemo({ escalation: line });
  }
}
