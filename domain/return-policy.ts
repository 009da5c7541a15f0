import { DAY_MS, HOUR_MS, realDurationMs } from './clock';

/**
 * The rules of a return (RMA), pure and zod-free so the return workflow, its activities and the API
 * share them: the return window, how long a return label lives, when an inbound parcel counts as
 * stuck or late, and what the shop owes once the goods are inspected.
 */

export const RETURN_STATUSES = ['requested', 'label_created', 'in_transit', 'received', 'completed', 'expired', 'cancelled'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];

/** Lines one return (or one inspection of it) may list. */
export const MAX_RETURN_LINES = 100;

/** A return in one of these has ended: no label to buy, no scan to wait for, no inspection to make. */
export const FINAL_RETURN_STATUSES: readonly ReturnStatus[] = ['completed', 'expired', 'cancelled'];

/** The reasons a customer, a shop or ops give when they start a return. */
export const RETURN_REASONS = ['damaged', 'defective', 'wrong_item', 'not_as_described', 'no_longer_needed', 'other'] as const;

/**
 * A carrier return's reason: the carrier brought the parcel back to the warehouse (it could not deliver it).
 * Nobody asks for it; Colis opens the return itself, already received.
 */
export const CARRIER_RETURN_REASON = 'returned_to_sender' as const;
/** Every reason a return can carry. */
export const ALL_RETURN_REASONS = [...RETURN_REASONS, CARRIER_RETURN_REASON] as const;
export type ReturnReason = (typeof ALL_RETURN_REASONS)[number];

/** How ops settled the customer when the carrier brought a parcel back: the inspection then owes no refund. */
export const CUSTOMER_SETTLING_DECISIONS = ['reship', 'refund', 'cancel'] as const;
export type CustomerSettlingDecision = (typeof CUSTOMER_SETTLING_DECISIONS)[number];

/**
 * Reasons where the customer is not at fault: refunded whatever the inspection finds. A parcel the carrier brought
 * back never reached the customer, so what it broke on the way is not theirs to bear.
 */
const SHOP_AT_FAULT: ReadonlySet<ReturnReason> = new Set(['damaged', 'defective', 'wrong_item', 'not_as_described', CARRIER_RETURN_REASON]);

/** Why a return whose label was never used closed (`closeReason` of an expired return). */
export const RETURN_EXPIRED_REASON = 'the return label was not used before it expired';

/** Days after delivery within which a customer may start a return, unless the shop sets its own. */
export const DEFAULT_RETURN_WINDOW_DAYS = 30;
/** A return label unused for this long (business days) is voided and the return expires. */
export const RETURN_LABEL_VALID_DAYS = 14;
/** Business hours without a scan before an inbound parcel counts as stuck (returns travel economy). */
export const RETURN_STALL_WINDOW_HOURS = 72;
/** Business days after the first scan by which the parcel should be at the warehouse; later, it is late. */
export const RETURN_ARRIVAL_DAYS = 7;
/** An unanswered return escalation steps up one severity after this many business hours. */
export const RETURN_SEVERITY_STEP_HOURS = 24;

export const returnIds = {
  workflowId: (returnId: string) => `return-${returnId}`,
};

/** The real instant the return window closes for goods delivered at `deliveredAtMs`. */
export function returnWindowClosesAtMs(deliveredAtMs: number, windowDays: number, timeScale: number): number {
  return deliveredAtMs + realDurationMs(windowDays * DAY_MS, timeScale);
}

export function labelExpiresAtMs(purchasedAtMs: number, timeScale: number): number {
  return purchasedAtMs + realDurationMs(RETURN_LABEL_VALID_DAYS * DAY_MS, timeScale);
}

export function stallWindowMs(timeScale: number): number {
  return realDurationMs(RETURN_STALL_WINDOW_HOURS * HOUR_MS, timeScale);
}

export function arrivalDeadlineMs(firstScanAtMs: number, timeScale: number): number {
  return firstScanAtMs + realDurationMs(RETURN_ARRIVAL_DAYS * DAY_MS, timeScale);
}

export interface InspectedLine {
  quantity: number;
  unitPriceCents: number;
  restocked: number;
  writtenOff: number;
}

/**
 * What the shop owes once the goods are inspected: every unit back on sale; a unit written off only
 * when the goods were at fault (damaged, defective, wrong or not as described). A customer who changed
 * their mind and sent back something broken is not refunded for it.
 */
export function refundCents(reason: ReturnReason, lines: readonly InspectedLine[]): number {
  const refundWrittenOff = SHOP_AT_FAULT.has(reason);
  return lines.reduce((sum, line) => sum + line.unitPriceCents * (line.restocked + (refundWrittenOff ? line.writtenOff : 0)), 0);
}

/**
 * Where an inspection differs from the one the return recorded (an earlier call, or a twin that raced this one to
 * the workflow): each line whose restocked and written-off units are not the ones asked for. Empty: the same inspection.
 */
export function inspectionDisagreements(
  recorded: readonly { lineNo: number; restocked?: number | undefined; writtenOff?: number | undefined }[],
  inspected: readonly { lineNo: number; restock: number; writeOff: number }[],
): { index: number; message: string }[] {
  const byLine = new Map(recorded.map((line) => [line.lineNo, line]));
  return inspected.flatMap((line, index) => {
    const was = byLine.get(line.lineNo);
    if (was && was.restocked === line.restock && was.writtenOff === line.writeOff) return [];
    const what = was ? `${was.restocked ?? 0} restocked and ${was.writtenOff ?? 0} written off` : 'nothing';
    return [{ index, message: `line ${line.lineNo} was already inspected: ${what}` }];
  });
}

/** Why an inspection does not fit the return: per line, restocked + written off must be what came back. */
export function inspectionProblems(
  returned: readonly { lineNo: number; quantity: number }[],
  inspected: readonly { lineNo: number; restock: number; writeOff: number }[],
): { index: number; message: string }[] {
  const problems: { index: number; message: string }[] = [];
  const byLine = new Map(returned.map((line) => [line.lineNo, line.quantity]));
  const seen = new Set<number>();
  inspected.forEach((line, index) => {
    const quantity = byLine.get(line.lineNo);
    if (quantity === undefined) problems.push({ index, message: `the return has no line ${line.lineNo}` });
    else if (seen.has(line.lineNo)) problems.push({ index, message: `line ${line.lineNo} is inspected twice` });
    else if (line.restock + line.writeOff !== quantity)
      problems.push({ index, message: `line ${line.lineNo} came back with ${quantity} unit(s): restock + writeOff must be ${quantity}` });
    seen.add(line.lineNo);
  });
  for (const { lineNo } of returned) {
    if (!seen.has(lineNo)) problems.push({ index: inspected.length, message: `line ${lineNo} is not inspected` });
  }
  return problems;
}
