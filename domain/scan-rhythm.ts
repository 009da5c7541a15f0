/**
 * A carrier's scan rhythm, learned from the parcels it scanned: the longest silence it left between one
 * transit scan and the next at each step of a journey (after the parcel's first scan, its second, and any
 * later one). A parcel silent for well over that is stalled, whatever its service level: a carrier that
 * scans the hub four hours after collection has lost a parcel it has not scanned for ten, long before a
 * fixed 48-hour window says so — and a re-ship started then can still keep the promise.
 *
 * Steps are told apart because the silences are not alike: collection → hub is hours, line-haul scans
 * half a day apart. The label's own "created" scan is the shop's, not the carrier's, and is not a step.
 * Trust grows with the parcels behind a step: from MIN_PARCELS_PER_STEP on, the silence is widened by
 * SILENCE_MARGIN; from FIRST_PARCELS_PER_STEP, by a margin as many times wider as the parcels are fewer
 * (`stallMargin`). Before that, or when the learned window would be longer, the fixed window of the service
 * level holds.
 */

/** Steps told apart: after the 1st transit scan, the 2nd, and the 3rd or any later one. */
export const RHYTHM_STEPS = 3;
/** Parcels a step needs before its silence is trusted with the plain margin. */
export const MIN_PARCELS_PER_STEP = 20;
/**
 * Parcels a step needs before its silence is used at all, with a wider margin. A new deployment (or a new carrier)
 * otherwise watches its first days of parcels on the fixed 48-hour window: in the peak week, three standard parcels
 * labelled before SwiftPost's twentieth were called stuck two days after their last scan, their replacements a day
 * too late for the promise, where the carrier's rhythm (a scan 4 ± 2 hours after collection) had been seen on 9 to 21 parcels by their hand-over.
 */
export const FIRST_PARCELS_PER_STEP = 8;
/** A stall is a silence this many times the longest the carrier left at that step (once MIN_PARCELS_PER_STEP saw it). */
export const SILENCE_MARGIN = 1.5;
/** No window under this, however regular the carrier: scans are batched, webhooks queue. */
export const MIN_WINDOW_HOURS = 4;

export interface ScanRhythm {
  /** Per step (index 0 = after the 1st transit scan), the stall window in business hours; null: not enough parcels yet. */
  windowHours: (number | null)[];
  /** Parcels learned from. */
  parcels: number;
}

const HOUR_MS = 3_600_000;

/**
 * The rhythm from parcels' transit scans (business ms, any order, label-created scans left out by the
 * caller; a silence counts once a next scan closed it). Undefined when no step has enough parcels: the fixed windows hold.
 */
export function learnScanRhythm(parcels: readonly (readonly number[])[]): ScanRhythm | undefined {
  const longest = new Array<number>(RHYTHM_STEPS).fill(0);
  const seen = new Array<number>(RHYTHM_STEPS).fill(0);
  for (const scans of parcels) {
    const sorted = [...scans].sort((a, b) => a - b);
    const counted = new Set<number>();
    for (let i = 1; i < sorted.length; i++) {
      const step = Math.min(i, RHYTHM_STEPS) - 1;
      longest[step] = Math.max(longest[step] ?? 0, (sorted[i] ?? 0) - (sorted[i - 1] ?? 0));
      counted.add(step);
    }
    for (const step of counted) seen[step] = (seen[step] ?? 0) + 1;
  }
  const windowHours = longest.map((gapMs, step) => {
    const margin = stallMargin(seen[step] ?? 0);
    return margin === undefined ? null : Math.max(MIN_WINDOW_HOURS, Math.ceil((gapMs * margin) / HOUR_MS));
  });
  if (windowHours.every((w) => w === null)) return undefined;
  return { windowHours, parcels: parcels.length };
}

/**
 * How many times the longest silence seen at a step a parcel may stay silent there, with `parcels` behind the step;
 * undefined below FIRST_PARCELS_PER_STEP. Why it widens as parcels get fewer: the next parcel's silence exceeds the
 * longest of n already seen with probability 1/(n + 1) whatever the carrier, so the fewer seen, the likelier a longer
 * one, and a parcel called stuck too soon is re-shipped for nothing. At 8 parcels the margin is 2.5 times the plain one
 * (a 6-hour silence → 23 hours, still half the fixed window); at 20 and more, the plain one.
 */
export function stallMargin(parcels: number): number | undefined {
  if (parcels < FIRST_PARCELS_PER_STEP) return undefined;
  return SILENCE_MARGIN * Math.max(1, MIN_PARCELS_PER_STEP / parcels);
}

/**
 * Business hours of silence after the parcel's `transitScans`-th transit scan before it counts as stalled:
 * the learned window of that step, never longer than the service level's fixed one. No transit scan yet
 * (waiting for collection), or no learned window for the step: the fixed one.
 */
export function stallWindowAfter(windowHours: readonly (number | null)[] | undefined, transitScans: number, fixedHours: number): number {
  if (!windowHours || transitScans < 1) return fixedHours;
  const learned = windowHours[Math.min(transitScans, windowHours.length) - 1];
  return learned === null || learned === undefined ? fixedHours : Math.min(fixedHours, learned);
}
