import { describe, expect, it } from 'vitest';
import { type LateShipmentFacts, quantile, slackConsumer, slackSummary } from '../../domain/promise-keeping';

/**
 * Which stage consumed a late order's slack: each stage's actual duration against the one the intake
 * plan gave it (wait until the pick slot, pick and pack until shipBy, hand-over at shipBy, transit until
 * the promise), the largest overrun wins.
 */
const HOUR = 3_600_000;
const T = Date.parse('2031-07-01T06:00:00Z');

/** Planned: pick slot at T+18 h, shipBy T+20 h, promise T+48 h; by default everything goes to plan. */
function facts(overrides: Partial<LateShipmentFacts> = {}): LateShipmentFacts {
  return {
    orderId: 'O',
    orderPlacedMs: T,
    promisedByMs: T + 48 * HOUR,
    plannedShipByMs: T + 20 * HOUR,
    packingMs: 2 * HOUR,
    pickStartedMs: T + 18 * HOUR,
    readyForCarrierMs: T + 19.5 * HOUR,
    handedOverMs: T + 20 * HOUR,
    deliveredMs: T + 47 * HOUR,
    ...overrides,
  };
}

describe('slackConsumer', () => {
  it('blames transit when the parcel left on time and arrived a day after the promise', () => {
    expect(slackConsumer(facts({ handedOverMs: T + 21 * HOUR, deliveredMs: T + 70 * HOUR }))).toEqual({
      stage: 'transit',
      overrunMs: 21 * HOUR,
    });
  });

  it('blames the wait for the pick slot when the pick started 22 h late, even though transit then ran faster than planned', () => {
    const verdict = slackConsumer(
      facts({ pickStartedMs: T + 40 * HOUR, readyForCarrierMs: T + 41.5 * HOUR, handedOverMs: T + 43 * HOUR, deliveredMs: T + 62 * HOUR }),
    );
    expect(verdict).toEqual({ stage: 'pick_wait', overrunMs: 22 * HOUR });
  });

  it('blames pick and pack when the pick started on time and the parcel was labelled a day later', () => {
    const verdict = slackConsumer(facts({ readyForCarrierMs: T + 44 * HOUR, handedOverMs: T + 45 * HOUR, deliveredMs: T + 72 * HOUR }));
    expect(verdict.stage).toBe('pick_pack');
  });

  it('blames the hand-over when the labelled parcel waited for its first carrier scan', () => {
    const verdict = slackConsumer(facts({ handedOverMs: T + 50 * HOUR, deliveredMs: T + 76 * HOUR }));
    expect(verdict).toEqual({ stage: 'hand_over', overrunMs: 30.5 * HOUR });
  });

  it('skips a stage whose boundary was not recorded and judges the others', () => {
    expect(slackConsumer(facts({ pickStartedMs: null, handedOverMs: T + 21 * HOUR, deliveredMs: T + 70 * HOUR })).stage).toBe('transit');
  });

  it("blames the lost parcel when the order's last parcel replaces one its carrier lost, however its own stages went", () => {
    const replacement = facts({ pickStartedMs: T + 60 * HOUR, readyForCarrierMs: T + 62 * HOUR, handedOverMs: T + 63 * HOUR });
    expect(slackConsumer({ ...replacement, deliveredMs: T + 80 * HOUR, replacesLostParcel: true })).toEqual({
      stage: 'lost_parcel',
      overrunMs: 32 * HOUR,
    });
  });

  it('cannot judge an order without a stored plan', () => {
    expect(slackConsumer(facts({ plannedShipByMs: null, deliveredMs: T + 70 * HOUR }))).toEqual({ stage: null, overrunMs: null });
  });
});

describe('slackSummary', () => {
  it('counts late orders per stage, the median overrun in business hours, and the ones it could not judge', () => {
    const late = slackSummary(
      [
        { stage: 'transit', overrunMs: HOUR },
        { stage: 'transit', overrunMs: 3 * HOUR },
        { stage: 'pick_wait', overrunMs: 2 * HOUR },
        { stage: null, overrunMs: null },
      ],
      10,
    );
    expect(late.orders).toBe(4);
    expect(late.unattributed).toBe(1);
    expect(late.slackConsumedBy).toEqual([
      { stage: 'pick_wait', label: 'Reserve / pick-slot wait', orders: 1, medianOverrunHours: 20 },
      { stage: 'pick_pack', label: 'Pick & pack', orders: 0, medianOverrunHours: null },
      { stage: 'hand_over', label: 'Hand-over', orders: 0, medianOverrunHours: null },
      { stage: 'transit', label: 'Transit', orders: 2, medianOverrunHours: 10 },
      { stage: 'lost_parcel', label: 'Lost parcel, re-shipped', orders: 0, medianOverrunHours: null },
    ]);
  });

  it('reads quantiles by nearest rank', () => {
    expect(quantile([], 0.5)).toBeNull();
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
  });
});
