import { describe, expect, it } from 'vitest';
import { type DeliveredParcel, FIRST_ROUND_PARCELS, learnDeliveryRound } from '../../domain/delivery-round';
import { addDays, localTimeMs } from '../../domain/local-time';

const PARIS = 'Europe/Paris';
const NEW_YORK = 'America/New_York';

/** A parcel delivered on `day` at `deliveredAt` (minutes, local), out for delivery at `outAt` that day (or `outDay`). */
function parcel(day: string, deliveredAt: number, outAt: number | undefined, timeZone = PARIS, outDay = day): DeliveredParcel {
  return {
    timeZone,
    deliveredMs: localTimeMs(day, deliveredAt, timeZone),
    ...(outAt === undefined ? {} : { outForDeliveryMs: localTimeMs(outDay, outAt, timeZone) }),
  };
}

const days = (n: number) => Array.from({ length: n }, (_, i) => addDays('2026-03-02', i));

describe('a carrier delivery round learned from its delivered parcels', () => {
  it('ends an hour after the latest out-for-delivery scan seen, read in each destination’s local time', () => {
    const parcels = days(30).map((day, i) => parcel(day, 14 * 60, 8 * 60 + (i % 5) * 30, i % 2 === 0 ? PARIS : NEW_YORK));
    // Latest scan 10:00 local, an hour's margin: out by 11:00, 7 h before the window closes at 18:00.
    expect(learnDeliveryRound(parcels)).toEqual({ outByHoursBeforeClose: 7, parcels: 30 });
  });

  it('is not learned from too few parcels, and with a wider margin from fewer than twenty', () => {
    const parcels = days(FIRST_ROUND_PARCELS - 1).map((day) => parcel(day, 14 * 60, 9 * 60));
    expect(learnDeliveryRound(parcels)).toBeUndefined();
    // Eight parcels: 2.5 times the hour's margin, out by 11:30, 6.5 h before the close; ten: twice, 7 h.
    expect(learnDeliveryRound([...parcels, parcel('2026-04-01', 14 * 60, 9 * 60)])?.outByHoursBeforeClose).toBe(6.5);
    expect(learnDeliveryRound(days(10).map((day) => parcel(day, 14 * 60, 9 * 60)))?.outByHoursBeforeClose).toBe(7);
    expect(learnDeliveryRound(days(40).map((day) => parcel(day, 14 * 60, 9 * 60)))?.outByHoursBeforeClose).toBe(8);
  });

  it('is not learned from a carrier that often delivers without the scan: its absence would say nothing', () => {
    const parcels = days(50).map((day, i) => parcel(day, 14 * 60, i < 2 ? undefined : 9 * 60));
    expect(learnDeliveryRound(parcels)).toBeUndefined();
    // One in fifty is the most a trusted round lets pass.
    expect(learnDeliveryRound(days(50).map((day, i) => parcel(day, 14 * 60, i < 1 ? undefined : 9 * 60)))).toBeDefined();
  });

  it("counts a scan of an earlier day (yesterday's round, delivered today) as no scan of the delivery's round", () => {
    const parcels = days(30).map((day, i) => parcel(day, 10 * 60, 9 * 60, PARIS, i < 3 ? addDays(day, -1) : day));
    expect(learnDeliveryRound(parcels)).toBeUndefined();
  });

  it('is not learned when the round ends too close to the close of the window to tell anyone anything', () => {
    expect(learnDeliveryRound(days(30).map((day) => parcel(day, 17 * 60 + 30, 16 * 60 + 30)))).toBeUndefined();
    // 15:45 seen: out by 16:45, 1.25 h before the close, rounded down to the quarter hour.
    expect(learnDeliveryRound(days(30).map((day) => parcel(day, 17 * 60, 15 * 60 + 45)))?.outByHoursBeforeClose).toBe(1.25);
  });
});
