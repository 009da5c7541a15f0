import type { CarrierCode, CarrierTrackingEvent, TrackingStatus } from '../../domain/carrier';
import { MINUTE_MS, realDurationMs } from '../../domain/clock';
import { between, type Random } from './prng';
import type { ScanPlace, ScanStep, ScenarioName } from './scenarios';
import { carrierStatusCode } from '../../domain/tracking-codes';

/**
 * Turns a scenario's scan script into the carrier's own events at real instants, and decides how
 * the carrier will misbehave when reporting them (duplicates, shuffles). Pure: everything follows
 * from the inputs and the seeded `random`, so a tracking number always replays the same way.
 */

/** The carrier's own word for a status, from the vocabularies the tracking normaliser reads. */
function rawStatusCode(carrierCode: CarrierCode, status: TrackingStatus): string {
  const code = carrierStatusCode(carrierCode, status);
  if (code === undefined) throw new Error(`no status vocabulary for carrier ${carrierCode}`);
  return code;
}

export interface TimelineInput {
  carrierCode: CarrierCode;
  trackingNumber: string;
  steps: readonly ScanStep[];
  purchasedAtMs: number;
  /** When the parcel reaches the carrier: scans after the label are timed from here. */
  handoverAtMs: number;
  timeScale: number;
  places: Record<ScanPlace, string>;
}

export function buildTimeline(input: TimelineInput): CarrierTrackingEvent[] {
  const labelCreated = {
    status: 'label_created' as const,
    detail: 'Shipping label created',
    place: 'origin' as const,
    atMs: input.purchasedAtMs,
  };
  const scans = input.steps.map((step) => ({
    status: step.status,
    detail: step.detail,
    place: step.place,
    atMs: input.handoverAtMs + realDurationMs(step.afterHandoverMs, input.timeScale),
  }));
  // Sorting is stable, so a script's order decides between scans that land on the same instant.
  return [labelCreated, ...scans]
    .sort((a, b) => a.atMs - b.atMs)
    .map((scan, index) => ({
      carrierCode: input.carrierCode,
      eventId: `${input.trackingNumber}-${String(index + 1).padStart(3, '0')}`,
      trackingNumber: input.trackingNumber,
      statusCode: rawStatusCode(input.carrierCode, scan.status),
      detail: scan.detail,
      location: input.places[scan.place],
      occurredAt: new Date(scan.atMs).toISOString(),
    }));
}

export function occurredAtMs(event: CarrierTrackingEvent): number {
  return Date.parse(event.occurredAt);
}

/** Scans that exist by `nowMs`; a voided label is scanned no more after its void. */
export function scansSoFar(
  timeline: readonly CarrierTrackingEvent[],
  nowMs: number,
  voidedAtMs: number | undefined,
): CarrierTrackingEvent[] {
  const until = voidedAtMs === undefined ? nowMs : Math.min(nowMs, voidedAtMs);
  return timeline.filter((event) => occurredAtMs(event) <= until);
}

/** Swaps neighbours (1st with 2nd, 3rd with 4th, …): every pair arrives the wrong way round. */
function swapPairs<T>(items: readonly T[]): T[] {
  const swapped = [...items];
  for (let i = 0; i + 1 < swapped.length; i += 2) {
    [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
  }
  return swapped;
}

/** What `track` answers: the carrier's polling API shares the scenario's duplicates and disorder. */
export function trackingAnswer(scenario: ScenarioName, visible: readonly CarrierTrackingEvent[]): CarrierTrackingEvent[] {
  if (scenario === 'duplicate_events') return visible.flatMap((event) => [event, event]);
  if (scenario === 'out_of_order') return swapPairs(visible);
  return [...visible];
}

export interface PlannedDelivery {
  /** Real instant at which the carrier pushes this event. */
  deliverAtMs: number;
  event: CarrierTrackingEvent;
}

/**
 * When each event is pushed by webhook. Carriers push a few business minutes after the scan;
 * `duplicate_events` pushes every event again later, `out_of_order` holds each earlier event of a
 * pair until just after its successor has been pushed. Sorted by delivery time.
 */
export function planDeliveries(
  scenario: ScenarioName,
  timeline: readonly CarrierTrackingEvent[],
  timeScale: number,
  random: Random,
): PlannedDelivery[] {
  const lag = (minMinutes: number, maxMinutes: number) => realDurationMs(between(random, minMinutes, maxMinutes) * MINUTE_MS, timeScale);
  const prompt = timeline.map((event) => ({ event, deliverAtMs: occurredAtMs(event) + lag(1, 5) }));

  let plan: PlannedDelivery[];
  switch (scenario) {
    case 'duplicate_events':
      plan = prompt.flatMap((delivery) => [delivery, { event: delivery.event, deliverAtMs: delivery.deliverAtMs + lag(10, 30) }]);
      break;
    case 'out_of_order':
      plan = [...prompt];
      for (let i = 0; i + 1 < plan.length; i += 2) {
        plan[i] = { event: plan[i]!.event, deliverAtMs: plan[i + 1]!.deliverAtMs + lag(1, 2) };
      }
      break;
    default:
      plan = prompt;
  }
  return plan.sort((a, b) => a.deliverAtMs - b.deliverAtMs);
}
