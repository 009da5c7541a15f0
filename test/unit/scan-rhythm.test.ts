import { describe, expect, it } from 'vitest';
import {
  FIRST_PARCELS_PER_STEP,
  learnScanRhythm,
  MIN_PARCELS_PER_STEP,
  MIN_WINDOW_HOURS,
  stallMargin,
  stallWindowAfter,
} from '../../domain/scan-rhythm';

const H = 3_600_000;

/** A parcel scanned at these business hours after some start. */
const parcel = (startHour: number, ...hours: number[]) => hours.map((h) => (startHour + h) * H);

describe('learnScanRhythm', () => {
  it('learns, per step of the journey, one and a half times the longest silence the carrier left', () => {
    const parcels = Array.from({ length: MIN_PARCELS_PER_STEP }, (_, i) => parcel(i * 100, 2, 6 + (i % 2), 18, 30, 42));
    // One slower parcel: 7 h after collection, 20 h of line-haul silence.
    parcels.push(parcel(5000, 2, 9, 21, 41));
    const rhythm = learnScanRhythm(parcels);
    expect(rhythm?.windowHours).toEqual([Math.ceil(7 * 1.5), Math.ceil(12 * 1.5), Math.ceil(20 * 1.5)]);
    expect(rhythm?.parcels).toBe(MIN_PARCELS_PER_STEP + 1);
  });

  it('reads scans in time order, however they were stored', () => {
    const inOrder = Array.from({ length: MIN_PARCELS_PER_STEP }, (_, i) => parcel(i * 100, 2, 6, 18));
    const shuffled = inOrder.map((scans) => [...scans].reverse());
    expect(learnScanRhythm(shuffled)).toEqual(learnScanRhythm(inOrder));
  });

  it('trusts no step before enough parcels went through it', () => {
    expect(learnScanRhythm(Array.from({ length: FIRST_PARCELS_PER_STEP - 1 }, (_, i) => parcel(i * 100, 2, 6, 18)))).toBeUndefined();
    // Enough parcels for the first step, too few reached a third scan.
    const parcels = Array.from({ length: MIN_PARCELS_PER_STEP }, (_, i) => (i < 3 ? parcel(i * 100, 2, 6, 18) : parcel(i * 100, 2, 6)));
    expect(learnScanRhythm(parcels)?.windowHours).toEqual([6, null, null]);
  });

  it('widens the margin as many times as the parcels behind a step are fewer than the plain margin needs', () => {
    // The peak week's first days: SwiftPost scans 4 ± 2 hours after collection; 9 parcels seen, not 20.
    const parcels = Array.from({ length: 9 }, (_, i) => parcel(i * 100, 2, 6 + (i % 3) - 1));
    const window = learnScanRhythm(parcels)?.windowHours[0];
    expect(window).toBe(Math.ceil(5 * 1.5 * (MIN_PARCELS_PER_STEP / 9)));
    // Wider than the plain margin would make it, and still well inside the fixed 48 hours of a standard parcel.
    expect(window).toBeGreaterThan(Math.ceil(5 * 1.5));
    expect(stallWindowAfter(learnScanRhythm(parcels)?.windowHours, 1, 48)).toBe(window);
    expect(stallMargin(FIRST_PARCELS_PER_STEP - 1)).toBeUndefined();
    expect(stallMargin(FIRST_PARCELS_PER_STEP)).toBe(1.5 * (MIN_PARCELS_PER_STEP / FIRST_PARCELS_PER_STEP));
    expect(stallMargin(MIN_PARCELS_PER_STEP)).toBe(1.5);
    expect(stallMargin(500)).toBe(1.5);
  });

  it('never learns a window under the floor, however regular the carrier', () => {
    const parcels = Array.from({ length: MIN_PARCELS_PER_STEP }, (_, i) => parcel(i * 100, 2, 2.5));
    expect(learnScanRhythm(parcels)?.windowHours[0]).toBe(MIN_WINDOW_HOURS);
  });

  it('learns nothing from parcels with a single scan', () => {
    expect(learnScanRhythm(Array.from({ length: 50 }, (_, i) => parcel(i * 100, 2)))).toBeUndefined();
  });
});

describe('stallWindowAfter', () => {
  const learned = [9, 18, 30];

  it("takes the learned window of the parcel's step, the last one for every later step", () => {
    expect(stallWindowAfter(learned, 1, 48)).toBe(9);
    expect(stallWindowAfter(learned, 2, 48)).toBe(18);
    expect(stallWindowAfter(learned, 7, 48)).toBe(30);
  });

  it("never waits longer than the service level's fixed window", () => {
    expect(stallWindowAfter(learned, 5, 24)).toBe(24);
  });

  it('keeps the fixed window before the first transit scan, without a rhythm, or for a step not learned', () => {
    expect(stallWindowAfter(learned, 0, 72)).toBe(72);
    expect(stallWindowAfter(undefined, 3, 72)).toBe(72);
    expect(stallWindowAfter([9, null, null], 2, 48)).toBe(48);
  });
});
