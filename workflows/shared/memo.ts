import { upsertMemo } from '@temporalio/workflow';
import { cutText } from '../../domain/text-cut';

/** The most of a line the memo carries: the whole description stays readable, and far under Temporal's 2 MB per payload. */
export const ESCALATION_MEMO_MAX_CHARS = 2_000;
/** The most of one paragraph (a shipment's escalations, say) the memo carries, so a long one leaves room for the others. */
const PARAGRAPH_MAX_CHARS = 500;

/**
 * The line `temporal workflow describe` prints for an open escalation (its memo, beside the search
 * attributes): current details need a query, the memo is part of the description. Upserted only when
 * the line changes; removed once nothing is open.
 *
 * Upserted cut short (`memoText`): every open escalation's detail is in it, and an order takes its shipments'
 * escalations from a signal anyone with the namespace can send. Three `shipmentMilestone`s typed with the CLI,
 * each under a signal's 2 MB, made one memo of several: the worker failed the order's task (PayloadsTooLarge) at
 * every retry, for ever. Whether to upsert is still decided on the whole line, so a replay issues the same
 * commands as the history it replays (the memo's content is no part of the check).
 */
export class EscalationMemo {
  private shown: string | undefined;

  show(line: string | undefined): void {
    if (line === this.shown) return;
    this.shown = line;
    upsertMemo({ escalation: line === undefined ? undefined : memoText(line) });
  }
}

/** Each paragraph at most PARAGRAPH_MAX_CHARS, the whole at most ESCALATION_MEMO_MAX_CHARS; a short line unchanged. */
export function memoText(line: string): string {
  if (line.length <= PARAGRAPH_MAX_CHARS) return line;
  const paragraphs = line.split('\n').map((paragraph) => cutText(paragraph, PARAGRAPH_MAX_CHARS));
  return cutText(paragraphs.join('\n'), ESCALATION_MEMO_MAX_CHARS);
}
