import type { CarrierTrackingEvent } from './carrier';
import { withoutDirectionControls } from './human-text';
import { normaliseCarrierEvent } from './tracking-codes';

/**
 * What Colis does with a carrier's scans before anything trusts them, wherever they come from (a
 * webhook, a poll). Pure, so a workflow may use it as well as the API and the activities.
 *
 * A scan dated in the future beyond a small clock-skew allowance, or months in the past, is dated on
 * receipt instead, and says so in its detail: a scanner whose clock runs a year ahead would otherwise make
 * the newest scan a year away, and stall detection (measured from the newest scan) would never fire. A scan whose
 * status code the carrier's vocabulary does not have is kept apart as unmapped: stored and shown to
 * ops so the mapping can be extended, never guessed at and never dropped.
 */

/** How far ahead of our clock a carrier's scan may be dated and still be taken at its word. */
export const SCAN_CLOCK_SKEW_ALLOWANCE_MS = 5 * 60_000;

/**
 * How old a scan may be when it first reaches us and still be taken at its word: a scanner whose clock was reset
 * (1970, year 1) would date the parcel's collection and delivery decades back, teach a 0-day transit to the lane and
 * cost seconds of calendar walking. A parcel's real scans reach us within days; repeats of old ones are dropped by id.
 */
export const SCAN_AGE_LIMIT_MS = 90 * 24 * 60 * 60_000;

const MAX_DETAIL = 500;

export interface ScreenedScans {
  /** Every scan, those dated too far ahead dated on receipt. */
  events: CarrierTrackingEvent[];
  /** How many were dated on receipt. */
  redated: number;
  /** The scans whose status code has no meaning yet (a subset of `events`). */
  unmapped: CarrierTrackingEvent[];
}

/** The scan as we can trust it: dated on receipt when its date is beyond the allowance ahead, or past the age limit. */
export function datedWithinSkew(event: CarrierTrackingEvent, receivedAtMs: number): CarrierTrackingEvent {
  const claimedMs = Date.parse(event.occurredAt);
  const ahead = claimedMs > receivedAtMs + SCAN_CLOCK_SKEW_ALLOWANCE_MS;
  if (!ahead && !(claimedMs < receivedAtMs - SCAN_AGE_LIMIT_MS)) return event;
  const offMinutes = Math.round(Math.abs(claimedMs - receivedAtMs) / 60_000);
  const note = `dated on receipt: the carrier dated it ${event.occurredAt}, ${aheadLabel(offMinutes)} ${ahead ? 'ahead of' : 'behind'} our clock`;
  return {
    ...event,
    occurredAt: new Date(receivedAtMs).toISOString(),
    detail: (event.detail ? `${event.detail} (${note})` : note).slice(0, MAX_DETAIL),
  };
}

function aheadLabel(minutes: number): string {
  if (minutes < 120) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / 1440)} days`;
}

export function isUnmappedScan(event: CarrierTrackingEvent): boolean {
  return !normaliseCarrierEvent(event).ok;
}

/**
 * The scan's detail and place as people will read them: a carrier's text holding a direction override (U+202E) showed
 * "Lyon" spelt backwards, or another place than the scanner's, on the ops timeline and the customer's tracking page.
 * Refusing the scan would only make the carrier send it again; its words are kept, in the order they were written.
 */
export function readableScanText(event: CarrierTrackingEvent): CarrierTrackingEvent {
  const detail = event.detail === undefined ? undefined : withoutDirectionControls(event.detail);
  const location = event.location === undefined ? undefined : withoutDirectionControls(event.location);
  if (detail === event.detail && location === event.location) return event;
  return { ...event, ...(detail !== undefined ? { detail } : {}), ...(location !== undefined ? { location } : {}) };
}

export function screenScans(events: readonly CarrierTrackingEvent[], receivedAtMs: number): ScreenedScans {
  let redated = 0;
  const screened = events.map((raw) => {
    const event = readableScanText(raw);
    const trusted = datedWithinSkew(event, receivedAtMs);
    if (trusted !== event) redated += 1;
    return trusted;
  });
  return { events: screened, redated, unmapped: screened.filter(isUnmappedScan) };
}
