import { describe, expect, it } from 'vitest';
import { cutoffJudgedAt, isWorkingDay, localDay, nextPickSlot, type PickSlotRequest } from '../../domain/warehouse-slot';

const paris = (nowIso: string, overrides: Partial<PickSlotRequest> = {}): PickSlotRequest => ({
  nowMs: Date.parse(nowIso),
  timeZone: 'Europe/Paris',
  cutoffLocalTime: '14:00',
  dailyCapacity: 10,
  bookedByDay: {},
  ...overrides,
});

describe('nextPickSlot', () => {
  it('picks today when the order arrives before the local cut-off', () => {
    // Wednesday 13:00 in Paris (UTC+1 in winter).
    const now = '2025-03-05T12:00:00Z';
    expect(nextPickSlot(paris(now))).toEqual({ day: '2025-03-05', startsAtMs: Date.parse(now) });
  });

  it('moves to the next working day once the cut-off has passed, starting at local midnight', () => {
    expect(nextPickSlot(paris('2025-03-05T13:00:00Z'))).toEqual({
      day: '2025-03-06',
      startsAtMs: Date.parse('2025-03-05T23:00:00Z'),
    });
  });

  it('skips a day whose capacity is already booked', () => {
    const slot = nextPickSlot(paris('2025-03-05T08:00:00Z', { bookedByDay: { '2025-03-05': 10, '2025-03-06': 10, '2025-03-07': 9 } }));
    expect(slot?.day).toBe('2025-03-07');
  });

  it('a Friday after the cut-off ships on Monday', () => {
    const slot = nextPickSlot(paris('2025-03-07T15:00:00Z'));
    expect(slot).toEqual({ day: '2025-03-10', startsAtMs: Date.parse('2025-03-09T23:00:00Z') });
  });

  it('a weekend order waits for Monday even before the cut-off', () => {
    expect(nextPickSlot(paris('2025-03-08T09:00:00Z'))?.day).toBe('2025-03-10');
  });

  it('reads the cut-off and the day in the warehouse time zone, not in UTC', () => {
    // Friday 16:00 UTC is already Saturday 01:00 in Tokyo.
    const tokyo = nextPickSlot(paris('2025-03-07T16:00:00Z', { timeZone: 'Asia/Tokyo', cutoffLocalTime: '17:00' }));
    expect(tokyo).toEqual({ day: '2025-03-10', startsAtMs: Date.parse('2025-03-09T15:00:00Z') });

    // 20:30 UTC is 15:30 in New York, before its 16:00 cut-off, but 21:30 in Paris, past its own.
    const now = '2025-03-05T20:30:00Z';
    expect(nextPickSlot(paris(now, { timeZone: 'America/New_York', cutoffLocalTime: '16:00' }))?.day).toBe('2025-03-05');
    expect(nextPickSlot(paris(now, { cutoffLocalTime: '16:00' }))?.day).toBe('2025-03-06');
  });

  it('starts a slot at local midnight across a daylight-saving change', () => {
    // Paris moves to UTC+2 on Sunday 30 March 2025: Monday midnight is 22:00 UTC.
    expect(nextPickSlot(paris('2025-03-28T15:00:00Z'))?.startsAtMs).toBe(Date.parse('2025-03-30T22:00:00Z'));
  });

  it('rejects a malformed cut-off and a capacity below one', () => {
    expect(() => nextPickSlot(paris('2025-03-05T08:00:00Z', { cutoffLocalTime: '2pm' }))).toThrow(RangeError);
    expect(() => nextPickSlot(paris('2025-03-05T08:00:00Z', { dailyCapacity: 0 }))).toThrow(RangeError);
  });

  it('finds no slot when every day of the horizon is full, and one the day after a full horizon', () => {
    const full = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`2025-03-${String(5 + i).padStart(2, '0')}`, 10]));
    expect(nextPickSlot(paris('2025-03-05T08:00:00Z', { bookedByDay: full, horizonDays: 7 }))).toBeUndefined();
    expect(nextPickSlot(paris('2025-03-05T08:00:00Z', { bookedByDay: full, horizonDays: 12 }))?.day).toBe('2025-03-17');
  });
});

describe('cutoffJudgedAt', () => {
  const at = (iso: string) => Date.parse(iso);

  it('judges the cut-off when the order came in, earlier the same local day: reaching the decision late does not cost the day', () => {
    // Received 13:30 in Paris, decided at 17:00 after a 14:00 cut-off: still today's pick.
    const judged = cutoffJudgedAt(at('2025-03-05T16:00:00Z'), at('2025-03-05T12:30:00Z'), 'Europe/Paris');
    expect(judged).toBe(at('2025-03-05T12:30:00Z'));
    expect(nextPickSlot(paris('2025-03-05T16:00:00Z', { nowMs: judged }))?.day).toBe('2025-03-05');
  });

  it('judges it now for an order received another local day, for one without a receipt, and for a receipt after now', () => {
    const now = at('2025-03-05T16:00:00Z');
    // 00:30 in Paris on the 5th is still the 4th in UTC terms, but the 5th locally: same local day.
    expect(cutoffJudgedAt(now, at('2025-03-04T23:30:00Z'), 'Europe/Paris')).toBe(at('2025-03-04T23:30:00Z'));
    expect(cutoffJudgedAt(now, at('2025-03-04T22:30:00Z'), 'Europe/Paris')).toBe(now);
    expect(cutoffJudgedAt(now, undefined, 'Europe/Paris')).toBe(now);
    expect(cutoffJudgedAt(now, now + 1, 'Europe/Paris')).toBe(now);
  });
});

describe('calendar helpers', () => {
  it('Saturday and Sunday are not working days', () => {
    expect(['2025-03-07', '2025-03-08', '2025-03-09', '2025-03-10'].map(isWorkingDay)).toEqual([true, false, false, true]);
  });

  it('the local day of an instant depends on the time zone', () => {
    const ms = Date.parse('2025-03-05T23:30:00Z');
    expect(localDay(ms, 'Europe/Paris')).toBe('2025-03-06');
    expect(localDay(ms, 'America/New_York')).toBe('2025-03-05');
  });
});
