import type { CarrierCode } from './carrier';
import type { TrackingStatus } from './lifecycle';

/**
 * The tracking status model: one shipment's status, derived from carrier scans that arrive duplicated and out of
 * order (webhook retries, polling overlapping webhooks, scanners with skewed clocks).
 *
 * The status is a fold over the scans sorted by `occurredAt`, so it depends on *which* scans arrived, not on the
 * order they arrived in. The fold's transition rule:
 *   - a terminal status (delivered, returned_to_sender, lost) is final: nothing after it changes the status, and a
 *     terminal status already reported is never revised by a late scan;
 *   - a terminal scan applies whatever came before it — a delivery is a fact, even when its clock lags a scan;
 *   - `label_created` never displaces a later stage;
 *   - on the main line (in_transit → out_for_delivery) a newer scan never moves back: an in_transit scan after
 *     out_for_delivery (the van went back to the depot) leaves out_for_delivery until the next attempt;
 *   - side states — delivery_failed, available_for_pickup, exception — interrupt the main line and are left by any
 *     newer scan except label_created: a re-attempt (out_for_delivery), a resumed journey (in_transit).
 * Scans at the same instant fold in journey order (RANK), so "in_transit + out_for_delivery at 10:00" ends at
 * out_for_delivery however they arrived.
 */

export interface NormalisedTrackingEvent {
  carrierCode: CarrierCode;
  eventId: string;
  trackingNumber: string;
  status: TrackingStatus;
  /** The carrier's own code, kept for support and audits. */
  carrierStatusCode: string;
  detail?: string;
  location?: string;
  /** ISO 8601 with offset. */
  occurredAt: string;
}

/** Keeps workflow state (and its history payloads) small; the database keeps every scan. */
export const MAX_TIMELINE_EVENTS = 200;
/** Larger than the timeline so a duplicate of a scan that aged out of the timeline is still recognised. */
export const MAX_SEEN_EVENT_IDS = 500;

export interface TrackingState {
  status: TrackingStatus;
  /** occurredAt of the scan that set `status`; null while only the label exists. */
  statusAt: string | null;
  /** Newest occurredAt of any scan, applied or not: any scan shows the parcel is alive (stall detection). */
  lastScanAt: string | null;
  /** Every distinct scan kept, oldest first — what the carrier told us, whether or not it moved the status. */
  timeline: NormalisedTrackingEvent[];
  /** Most recent last; bounded by MAX_SEEN_EVENT_IDS. */
  seenEventIds: string[];
  /** Where the fold starts: the status reached by scans that aged out of the timeline. */
  base: {
    status: TrackingStatus;
    statusAt: string | null;
    /** Scans older than this can no longer be placed in the fold and count as stale. */
    horizonAt: string | null;
  };
}

export type IgnoredReason = 'duplicate' | 'stale' | 'after_terminal';

export interface TrackingUpdate {
  state: TrackingState;
  /** New scans accepted into the status history, in the order given. */
  applied: NormalisedTrackingEvent[];
  /**
   * duplicate: the eventId was seen before; stale: older than what is known (a late scan absorbed into the
   * timeline, or one that would move the status back); after_terminal: the shipment had already reached a final status.
   */
  ignored: { event: NormalisedTrackingEvent; reason: IgnoredReason }[];
}

const TERMINAL: ReadonlySet<TrackingStatus> = new Set(['delivered', 'returned_to_sender', 'lost']);
const BROKEN: ReadonlySet<TrackingStatus> = new Set(['exception', 'returned_to_sender', 'lost']);
const MAIN_LINE: ReadonlySet<TrackingStatus> = new Set(['in_transit', 'out_for_delivery']);

/** Journey order: how far along a status is. Also the order of scans that share an instant. */
export const TRACKING_STATUS_RANK: Readonly<Record<TrackingStatus, number>> = {
  label_created: 0,
  in_transit: 1,
  exception: 2,
  out_for_delivery: 3,
  delivery_failed: 4,
  available_for_pickup: 4,
  delivered: 5,
  returned_to_sender: 5,
  lost: 5,
};

export function isTerminal(status: TrackingStatus): boolean {
  return TERMINAL.has(status);
}

/**
 * Why ops' "wait" would end the shipment now: the carrier's last word short of a delivery (lost, returned to sender),
 * after which nothing more comes for this parcel (workflows/shipment/tracking.ts, applyDecision). Undefined otherwise.
 */
export function waitEndsParcel(status: TrackingStatus): string | undefined {
  return isTerminal(status) && status !== 'delivered' ? `the carrier reports its parcel ${status.replace(/_/g, ' ')}` : undefined;
}

/** Statuses that need a human: they open a "broken" escalation. */
export function isBroken(status: TrackingStatus): boolean {
  return BROKEN.has(status);
}

/** The state right after a label is bought, before any scan. */
export function initialTrackingState(): TrackingState {
  return {
    status: 'label_created',
    statusAt: null,
    lastScanAt: null,
    timeline: [],
    seenEventIds: [],
    base: { status: 'label_created', statusAt: null, horizonAt: null },
  };
}

type Verdict = 'accepted' | 'stale' | 'after_terminal';

/** The fold's transition rule (see the module comment). `event` is never older than the current status's scan. */
function judge(current: TrackingStatus, next: TrackingStatus): Verdict {
  if (isTerminal(current)) return 'after_terminal';
  if (isTerminal(next)) return 'accepted';
  if (next === 'label_created') return current === 'label_created' ? 'accepted' : 'stale';
  if (MAIN_LINE.has(current) && MAIN_LINE.has(next) && TRACKING_STATUS_RANK[next] < TRACKING_STATUS_RANK[current]) {
    return 'stale';
  }
  return 'accepted';
}

const ms = (iso: string) => Date.parse(iso);

function byOccurrence(a: NormalisedTrackingEvent, b: NormalisedTrackingEvent): number {
  return (
    ms(a.occurredAt) - ms(b.occurredAt) ||
    TRACKING_STATUS_RANK[a.status] - TRACKING_STATUS_RANK[b.status] ||
    (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0)
  );
}

function newer(a: string | null, b: string): string {
  return a === null || ms(b) > ms(a) ? b : a;
}

export function applyTrackingEvents(state: TrackingState, events: readonly NormalisedTrackingEvent[]): TrackingUpdate {
  const seen = new Set([...state.seenEventIds, ...state.timeline.map((e) => e.eventId)]);
  const ignored: TrackingUpdate['ignored'] = [];
  const fresh: NormalisedTrackingEvent[] = [];
  const beyondHorizon: NormalisedTrackingEvent[] = [];

  for (const event of events) {
    if (seen.has(event.eventId)) {
      ignored.push({ event, reason: 'duplicate' });
      continue;
    }
    seen.add(event.eventId);
    if (state.base.horizonAt !== null && ms(event.occurredAt) < ms(state.base.horizonAt)) beyondHorizon.push(event);
    else fresh.push(event);
  }

  const distinct = [...fresh, ...beyondHorizon];
  const lastScanAt = distinct.reduce<string | null>((latest, e) => newer(latest, e.occurredAt), state.lastScanAt);
  const seenEventIds = [...state.seenEventIds, ...distinct.map((e) => e.eventId)].slice(-MAX_SEEN_EVENT_IDS);
  const timeline = [...state.timeline, ...fresh].sort(byOccurrence);

  // A final status already reported is never revised: late scans only join the timeline.
  if (isTerminal(state.status)) {
    for (const event of distinct) ignored.push({ event, reason: 'after_terminal' });
    return {
      state: truncate({ ...state, lastScanAt, seenEventIds, timeline }, state.base),
      applied: [],
      ignored: sortLike(events, ignored),
    };
  }

  const verdicts = new Map<string, Verdict>();
  let status = state.base.status;
  let statusAt = state.base.statusAt;
  let statusEventId: string | null = null;
  const excess = Math.max(0, timeline.length - MAX_TIMELINE_EVENTS);
  let baseAfterExcess = state.base;
  for (const [i, event] of timeline.entries()) {
    const verdict = judge(status, event.status);
    verdicts.set(event.eventId, verdict);
    if (verdict === 'accepted') {
      status = event.status;
      statusAt = event.occurredAt;
      statusEventId = event.eventId;
    }
    if (i === excess - 1) baseAfterExcess = { status, statusAt, horizonAt: event.occurredAt };
  }

  const applied: NormalisedTrackingEvent[] = [];
  for (const event of fresh) {
    const verdict = verdicts.get(event.eventId) ?? 'stale';
    // A late scan that fits the history but does not decide the status is absorbed, not applied.
    const late = state.statusAt !== null && ms(event.occurredAt) < ms(state.statusAt) && event.eventId !== statusEventId;
    if (verdict === 'accepted' && !late) applied.push(event);
    else ignored.push({ event, reason: verdict === 'after_terminal' ? 'after_terminal' : 'stale' });
  }
  for (const event of beyondHorizon) ignored.push({ event, reason: 'stale' });

  const next: TrackingState = { status, statusAt, lastScanAt, timeline, seenEventIds, base: state.base };
  return { state: truncate(next, baseAfterExcess), applied, ignored: sortLike(events, ignored) };
}

function truncate(state: TrackingState, baseAfterExcess: TrackingState['base']): TrackingState {
  const excess = state.timeline.length - MAX_TIMELINE_EVENTS;
  if (excess <= 0) return state;
  const dropped = state.timeline[excess - 1];
  return {
    ...state,
    timeline: state.timeline.slice(excess),
    // After a terminal status nothing is folded any more; the horizon only has to keep advancing.
    base: isTerminal(state.status) ? { ...state.base, horizonAt: dropped?.occurredAt ?? state.base.horizonAt } : baseAfterExcess,
  };
}

/** Reports follow the caller's order, so a batch's result reads alongside the batch. */
function sortLike<T extends { event: NormalisedTrackingEvent }>(events: readonly NormalisedTrackingEvent[], items: T[]): T[] {
  const position = new Map<NormalisedTrackingEvent, number>();
  events.forEach((event, i) => {
    position.set(event, i);
  });
  return [...items].sort((a, b) => (position.get(a.event) ?? 0) - (position.get(b.event) ?? 0));
}

/** One status a batch of scans moved the parcel to, and the scan that did (absent when only the verdict says so). */
export interface StatusChange {
  status: TrackingStatus;
  scan?: NormalisedTrackingEvent;
}

/**
 * The statuses one batch of fresh scans moved a parcel through, in order, as the fold moves from `from`: what the
 * customer and the shop hear of, one change each, also when a poll brings a day of scans at once (an exception the
 * parcel recovered from, an attempt before the delivery, the van before the doorstep). `to` is the workflow's
 * verdict over the whole history; when the batch alone folds elsewhere (a late scan the history absorbs), only that
 * verdict is news.
 */
export function statusChanges(from: TrackingStatus, events: readonly NormalisedTrackingEvent[], to: TrackingStatus): StatusChange[] {
  const changes: StatusChange[] = [];
  let status = from;
  for (const event of [...events].sort(byOccurrence)) {
    if (event.status === status || judge(status, event.status) !== 'accepted') continue;
    status = event.status;
    changes.push({ status, scan: event });
  }
  if (status === to) return changes;
  if (to === from) return [];
  const scan = [...events]
    .sort(byOccurrence)
    .reverse()
    .find((e) => e.status === to);
  return [{ status: to, ...(scan ? { scan } : {}) }];
}

/**
 * Whether a batch of scans can be news of nothing beyond where it leaves the parcel: one status throughout (a hub scan,
 * another hub). From any status, such a batch moves the parcel once or not at all. Several statuses may take it
 * somewhere and back (in transit, exception, in transit): no change at the end, yet each change on the way is news
 * to the shop (`statusChanges`), told only by a write of the batch.
 */
export function holdsOneStatus(events: readonly NormalisedTrackingEvent[]): boolean {
  return new Set(events.map((e) => e.status)).size <= 1;
}

/**
 * The status the scans on record give a parcel, by the same fold as the journey's: for a view read from the database
 * once the journey has ended. The newest scan is not the status: a `lost` or `in_transit` scan a carrier sends after
 * the delivery changes no status, and showed "Lost by the carrier" beside "Delivered" on the customer's page.
 * Undefined when there is no scan.
 */
export function statusOfScans(events: readonly NormalisedTrackingEvent[]): TrackingStatus | undefined {
  if (events.length === 0) return undefined;
  return applyTrackingEvents(initialTrackingState(), events).state.status;
}
