import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, localDateTime, localTimeMs } from '../../domain/local-time';
import { nextPickSlot } from '../../domain/warehouse-slot';

/**
 * Wall-clock times on the days clocks change, north and south, at 02:00 and at midnight: a time that happens is read
 * as itself (the first time, when it happens twice), a skipped one as the jump, and a later time of the day
 * is never an earlier instant.
 */

/** Days zones change their clocks in 2026, and one ordinary day. */
const CHANGES: readonly (readonly [zone: string, day: string])[] = [
  ['Europe/Paris', '2026-03-29'],
  ['Europe/Paris', '2026-10-25'],
  ['Europe/London', '2026-03-29'],
  ['America/New_York', '2026-03-08'],
  ['America/New_York', '2026-11-01'],
  ['America/Los_Angeles', '2026-03-08'],
  ['America/Santiago', '2026-09-06'],
  ['America/Santiago', '2026-04-04'],
  ['America/Havana', '2026-03-08'],
  ['Africa/Cairo', '2026-04-24'],
  ['Africa/Cairo', '2026-10-29'],
  ['Australia/Sydney', '2026-04-05'],
  ['Australia/Sydney', '2026-10-04'],
  ['Australia/Lord_Howe', '2026-10-04'],
  ['Pacific/Auckland', '2026-09-27'],
  ['Atlantic/Canary', '2026-03-29'],
  ['Europe/Paris', '2026-06-10'],
];

const MINUTE = 60_000;
/** The wall clock at an instant, as if it were UTC: comparable with the asked time. */
const wallAt = (ms: number, zone: string) => {
  const l = localDateTime(ms, zone);
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
};

/** Every instant, to the quarter hour (every zone's offset is a multiple of it), whose wall clock reads `wallMs`. */
function instantsReading(wallMs: number, zone: string): number[] {
  const found: number[] = [];
  for (let offset = -14 * 60; offset <= 14 * 60; offset += 15)
    if (wallAt(wallMs - offset * MINUTE, zone) === wallMs) found.push(wallMs - offset * MINUTE);
  return found.sort((a, b) => a - b);
}

const aChange = fc.constantFrom(...CHANGES);
const minute = fc.oneof(
  fc.integer({ min: 0, max: 1439 }),
  fc.integer({ min: 0, max: 12 }).map((q) => q * 15),
);

describe('localTimeMs on the days clocks change', () => {
  it('reads a time that happens as itself, the first time when it happens twice, a skipped one as the jump', () => {
    fc.assert(
      fc.property(aChange, fc.integer({ min: 0, max: 95 }), ([zone, day], quarter) => {
        const wallMs = Date.parse(`${day}T00:00:00Z`) + quarter * 15 * MINUTE;
        const ms = localTimeMs(day, quarter * 15, zone);
        const readings = instantsReading(wallMs, zone);
        if (readings.length > 0) expect(ms).toBe(readings[0]);
        else {
          // Skipped: the jump itself, the clock reading later than asked and, a second before, earlier.
          expect(wallAt(ms, zone)).toBeGreaterThan(wallMs);
          expect(wallAt(ms - 1000, zone)).toBeLessThan(wallMs);
        }
      }),
      { seed: 20261211, numRuns: 400 },
    );
  });

  it('never gives a later time of the day an earlier instant', () => {
    fc.assert(
      fc.property(aChange, minute, minute, ([zone, day], a, b) => {
        const [early, late] = a <= b ? [a, b] : [b, a];
        expect(localTimeMs(day, late, zone)).toBeGreaterThanOrEqual(localTimeMs(day, early, zone));
        // Past midnight too: 25:30 on the eve is 01:30 of the day.
        expect(localTimeMs(addDays(day, -1), 1440 + early, zone)).toBe(localTimeMs(day, early, zone));
      }),
      { seed: 20261212, numRuns: 400 },
    );
  });
});

describe('the cut-off on the days clocks change', () => {
  it('never picks a later order on an earlier day, the cut-off in the small hours the clocks repeat or skip', () => {
    // Every day a pick day (a warehouse open all week), so the Sunday changes of Europe and the US count too. Every
    // quarter-hour cut-off of the small hours (and the last hour, where Cairo goes back), orders every five minutes.
    const cutoffs = [...Array.from({ length: 13 }, (_, q) => q), 92, 93, 94, 95].map(
      (q) => `${String(Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`,
    );
    for (const [zone, day] of CHANGES)
      for (const cutoffLocalTime of cutoffs) {
        const slot = (nowMs: number) =>
          nextPickSlot({ nowMs, timeZone: zone, cutoffLocalTime, dailyCapacity: 10, bookedByDay: {}, isPickDay: () => true })?.day ?? '';
        const midnight = localTimeMs(day, 0, zone);
        let previous = '';
        for (let minute = -120; minute <= 300; minute += 5) {
          const pickDay = slot(midnight + minute * MINUTE);
          expect(pickDay >= previous, `${zone} ${day} cut-off ${cutoffLocalTime}, ${minute} min after midnight`).toBe(true);
          previous = pickDay;
        }
      }
  });

  it('moves an order in the repeated hour after the cut-off to the next day, as the first pass of that hour did', () => {
    // Paris goes back from 03:00 to 02:00 on 25 October 2026; the cut-off is 02:30.
    const request = (iso: string) => ({
      nowMs: Date.parse(iso),
      timeZone: 'Europe/Paris',
      cutoffLocalTime: '02:30',
      dailyCapacity: 10,
      bookedByDay: {},
      isPickDay: () => true,
    });
    expect(nextPickSlot(request('2026-10-25T00:20:00Z'))?.day).toBe('2026-10-25'); // 02:20 the first time
    expect(nextPickSlot(request('2026-10-25T00:45:00Z'))?.day).toBe('2026-10-26'); // 02:45 the first time
    expect(nextPickSlot(request('2026-10-25T01:10:00Z'))?.day).toBe('2026-10-26'); // 02:10 the second time: before, the 25th
  });
});
