/**
 * A carrier's scan rhythm, learned from the parcels it scanned: the longest silence it left between one
 * transit scan and the next at each step of a journey (after the parcel's first scan, its second, and any
 * later one). A parcel silent for well over that is stalled, whatever its service level: a carrier that
 * scans the hub four hours after collection has lost a parcel it has not scanned for ten, long before a
 * fixed 48-hour window says so — and a re-ship started then can still keep the promise.
 *
 * Steps are told apart because the silences are not alike: collection → hub is hours, line-haul scans
 * half a day apart. The label's own "created" scan is the shop's, not the carrier's, and is not a step.
 * Until a step has enough parcels behind it, or when the learned window would be longer, the
 * fixed window of the service level holds.
 */

/** Steps told apart: after the 1st transit scan, the 2nd, and the 3rd or any later one. */
export const RHYTHM_STEPS = 3;
/** Parcels a step needs before its silence is trusted. */
export const MIN_PARCELS_PER_STEP = 20;
/** A stall is a silence this many times the longest the carrier left at that step. */
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
  const windowHours = longest.map((gapMs, step) =>
    (seen[step] ?? 0) >= MIN_PARCELS_PER_STEP ? Math.max(MIN_WINDOW_HOURS, Math.ceil((gapMs * SILENCE_MARGIN) / HOUR_MS)) : null,
  );
  if (windowHours.every((w) => w === null)) return undefined;
  return { windowHours, parcels: parcels.length };
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
