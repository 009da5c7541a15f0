import { describe, expect, it } from 'vitest';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import { datedWithinSkew, SCAN_AGE_LIMIT_MS, SCAN_CLOCK_SKEW_ALLOWANCE_MS, screenScans } from '../../domain/scan-screening';

const NOW = Date.parse('2026-11-30T10:00:00.000Z');
const scan = (overrides: Partial<CarrierTrackingEvent> = {}): CarrierTrackingEvent => ({
  carrierCode: 'parcelnord',
  eventId: 'E1',
  trackingNumber: 'PN1',
  statusCode: '2000',
  occurredAt: new Date(NOW).toISOString(),
  ...overrides,
});

describe('screening carrier scans', () => {
  it('takes a scan up to the clock-skew allowance ahead at its word', () => {
    const atLimit = scan({ occurredAt: new Date(NOW + SCAN_CLOCK_SKEW_ALLOWANCE_MS).toISOString() });
    expect(datedWithinSkew(atLimit, NOW)).toBe(atLimit);
    // Late scans are normal (a carrier's batch after an outage): taken at their word up to the age limit.
    const late = scan({ occurredAt: new Date(NOW - SCAN_AGE_LIMIT_MS).toISOString() });
    expect(datedWithinSkew(late, NOW)).toBe(late);
  });

  it('dates a scan older than the age limit on receipt: a scanner whose clock was reset to 1970 or year 1', () => {
    for (const claimed of ['1970-01-01T00:00:00.000Z', '0001-01-01T00:00:00.000Z', new Date(NOW - SCAN_AGE_LIMIT_MS - 1).toISOString()]) {
      const screened = datedWithinSkew(scan({ occurredAt: claimed }), NOW);
      expect(screened.occurredAt).toBe(new Date(NOW).toISOString());
      expect(screened.detail).toMatch(new RegExp(`^dated on receipt: the carrier dated it ${claimed}, \\d+ days behind our clock$`));
    }
    expect(screenScans([scan({ occurredAt: '1970-01-01T00:00:00.000Z' })], NOW).redated).toBe(1);
  });

  it('dates a scan further ahead on receipt and keeps what the carrier claimed in its detail', () => {
    const claimed = new Date(NOW + SCAN_CLOCK_SKEW_ALLOWANCE_MS + 1).toISOString();
    expect(datedWithinSkew(scan({ occurredAt: claimed }), NOW)).toEqual(
      scan({
        occurredAt: new Date(NOW).toISOString(),
        detail: `dated on receipt: the carrier dated it ${claimed}, 5 min ahead of our clock`,
      }),
    );
    const hours = datedWithinSkew(scan({ occurredAt: new Date(NOW + 7 * 3_600_000).toISOString(), detail: 'Hub' }), NOW);
    expect(hours.detail).toMatch(/^Hub \(dated on receipt: .*, 7 h ahead of our clock\)$/);
  });

  it('reads an offset date as the instant it names', () => {
    // 10:04 at UTC-1 is 11:04 UTC: an hour ahead, beyond the allowance.
    expect(datedWithinSkew(scan({ occurredAt: '2026-11-30T10:04:00-01:00' }), NOW).occurredAt).toBe(new Date(NOW).toISOString());
    // 11:04 at UTC+1 is 10:04 UTC: within it.
    expect(datedWithinSkew(scan({ occurredAt: '2026-11-30T11:04:00+01:00' }), NOW).occurredAt).toBe('2026-11-30T11:04:00+01:00');
  });

  it('keeps a long detail within its bound when the note is added', () => {
    const long = datedWithinSkew(scan({ occurredAt: '2030-01-01T00:00:00Z', detail: 'x'.repeat(500) }), NOW);
    expect(long.detail).toHaveLength(500);
  });

  it('sets apart the scans whose code no mapping reads, counting the redated ones', () => {
    const known = scan({ eventId: 'K' });
    const unknown = scan({ eventId: 'U', statusCode: '8123' });
    const ahead = scan({ eventId: 'A', occurredAt: '2031-01-01T00:00:00Z' });
    const result = screenScans([known, unknown, ahead], NOW);
    expect(result.redated).toBe(1);
    expect(result.unmapped.map((e) => e.eventId)).toEqual(['U']);
    expect(result.events.map((e) => e.eventId)).toEqual(['K', 'U', 'A']);
    expect(result.events[2]?.occurredAt).toBe(new Date(NOW).toISOString());
  });
});
