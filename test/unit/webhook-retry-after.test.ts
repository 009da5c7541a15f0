import { describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../domain/clock';
import { WEBHOOK_GIVE_UP_AFTER_MS, webhookNextAttemptAtMs } from '../../domain/notifications';
import { retryAfterMs } from '../../domain/retry-after';

/** A receiver's Retry-After (RFC 9110 §10.2.3) as the webhook relay reads it: a pause in ms, or nothing for garbage. */

const answeredAt = Date.UTC(1994, 10, 6, 8, 49, 0);

describe("a receiver's Retry-After", () => {
  it('reads delta-seconds', () => {
    expect(retryAfterMs('120', answeredAt)).toBe(120_000);
    expect(retryAfterMs(' 2 ', answeredAt)).toBe(2_000);
    // More digits than any cap needs: very long, never a lost-precision float or Infinity.
    expect(retryAfterMs('9'.repeat(40), answeredAt)).toBeGreaterThan(365 * 24 * HOUR_MS);
  });

  it('reads the three forms of an HTTP-date, on UTC whatever the local zone', () => {
    for (const date of ['Sun, 06 Nov 1994 08:49:37 GMT', 'Sunday, 06-Nov-94 08:49:37 GMT', 'Sun Nov  6 08:49:37 1994']) {
      expect(retryAfterMs(date, answeredAt), date).toBe(37_000);
    }
  });

  it('ignores garbage, zero, negative and fractional numbers, impossible dates and dates already past', () => {
    for (const header of [
      undefined,
      '',
      'soon',
      'tomorrow',
      '0',
      '-5',
      '1.5',
      '1e3',
      '0x10',
      'Sun, 31 Feb 1994 08:49:37 GMT',
      'Sun, 06 Nov 1994 25:00:00 GMT',
      'Sun, 06 Nov 1994 08:49:37 CET',
      'Sun, 06 Nov 1994 08:48:00 GMT',
    ]) {
      expect(retryAfterMs(header, answeredAt), String(header)).toBeUndefined();
    }
  });
});

describe('the next attempt after a refusal asking for a pause', () => {
  const nowMs = Date.UTC(2026, 11, 6, 12, 0, 0);
  it('is never earlier than our own schedule, nor than the pause asked for (capped at a day), nor past the three days', () => {
    const window = { nowMs, windowStartMs: nowMs, attempt: 1 };
    expect(webhookNextAttemptAtMs(window)).toBe(nowMs + 5_000);
    expect(webhookNextAttemptAtMs({ ...window, pauseMs: 1_000 })).toBe(nowMs + 5_000);
    expect(webhookNextAttemptAtMs({ ...window, pauseMs: 600_000 })).toBe(nowMs + 600_000);
    expect(webhookNextAttemptAtMs({ ...window, pauseMs: 30 * 24 * HOUR_MS })).toBe(nowMs + 24 * HOUR_MS);
    const late = { ...window, windowStartMs: nowMs - WEBHOOK_GIVE_UP_AFTER_MS + HOUR_MS };
    expect(webhookNextAttemptAtMs({ ...late, pauseMs: 20 * HOUR_MS })).toBe(nowMs + HOUR_MS);
  });
});
