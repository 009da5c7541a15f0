import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../domain/clock';
import { promisedByFor, stallWindowHours } from '../../domain/promise';

const received = Date.parse('2025-03-05T10:15:00Z');

describe('promisedByFor', () => {
  it('promises 6 days for economy, 3 for standard and 1 for express', () => {
    expect(promisedByFor('economy', received, 1)).toBe('2025-03-11T10:15:00.000Z');
    expect(promisedByFor('standard', received, 1)).toBe('2025-03-08T10:15:00.000Z');
    expect(promisedByFor('express', received, 1)).toBe('2025-03-06T10:15:00.000Z');
  });

  it('shrinks the promise with the demo time scale, like every business duration', () => {
    // 1440 business seconds per real second: a day passes in a minute.
    const promised = Date.parse(promisedByFor('standard', received, 1440));
    expect(promised - received).toBe((3 * DAY_MS) / 1440);
  });

  it('a faster service never promises later than a slower one', () => {
    const express = Date.parse(promisedByFor('express', received));
    const standard = Date.parse(promisedByFor('standard', received));
    const economy = Date.parse(promisedByFor('economy', received));
    expect(express).toBeLessThan(standard);
    expect(standard).toBeLessThan(economy);
  });

  it('rejects a non-positive time scale', () => {
    expect(() => promisedByFor('standard', received, 0)).toThrow(RangeError);
  });
});

describe('stallWindowHours', () => {
  it('allows 72 h without a scan for economy, 48 h for standard and 24 h for express', () => {
    expect(stallWindowHours('economy')).toBe(72);
    expect(stallWindowHours('standard')).toBe(48);
    expect(stallWindowHours('express')).toBe(24);
  });
});
