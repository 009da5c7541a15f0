import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setBusinessClock } from '../../activities/business-clock';
import { createCarrierDecisionActivities } from '../../activities/carrier-decision';
import type { Db } from '../../activities/db';
import { PlanningFacts } from '../../activities/planning-facts';
import { type BusinessClock, deadlineToBusinessMs, toBusinessMs, toRealMs } from '../../domain/business-clock';
import { endOfDeliveryDayMs } from '../../domain/fulfilment-plan';
import { computePromise } from '../../domain/promise-engine';
import { PROMISE_RULES, rateQuote } from '../support/carrier-quotes';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * Promises under an accelerated clock (the demo's 1440×), on real PostgreSQL. A promise is made in business time
 * ("Thursday, by the end of the delivery window") and stored as a real instant rounded to the millisecond: with a
 * clock whose origin is not a multiple of 1440 ms (`npm start` sets it to the instant it starts), that instant read
 * back is a few hundred business ms before Thursday 18:00, and every decision that asked "which day must it arrive
 * by" answered Wednesday: the booking bought express for a standard parcel its promise had priced at standard.
 */
let database: TestDatabase;
let db: Db;

const SCALE = 1440;
const LYON = { countryCode: 'FR', postalCode: '69002' };
// Tuesday 8 December 2026, 09:00 in Paris, one second later: 1000 ms is not a multiple of 1440, as a clock started
// at any instant is not.
const TUESDAY_MORNING_MS = Date.UTC(2026, 11, 8, 8, 0, 1);
const THURSDAY_END_MS = endOfDeliveryDayMs(LYON, '2026-12-10');
let clock: BusinessClock;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  clock = { scale: SCALE, realOriginMs: Date.now(), businessOriginMs: TUESDAY_MORNING_MS };
  await setBusinessClock(db, clock);
});
afterAll(() => database?.drop());

describe('deadlines under a fast clock', () => {
  it('reads a promise stored as a real instant back as the business instant it was set to, never a day more', () => {
    const origins = [0, 1, 719, 720, 721, 1000, 1439].map((offset) => ({ ...clock, businessOriginMs: TUESDAY_MORNING_MS + offset }));
    for (const at of origins) {
      const real = toRealMs(at, THURSDAY_END_MS);
      expect(deadlineToBusinessMs(at, real)).toBeGreaterThanOrEqual(THURSDAY_END_MS);
      expect(deadlineToBusinessMs(at, real)).toBeLessThan(THURSDAY_END_MS + SCALE);
    }
    // The rounding this is about: read back plainly, the stored promise falls short of Thursday's end.
    expect(toBusinessMs(clock, toRealMs(clock, THURSDAY_END_MS))).toBeLessThan(THURSDAY_END_MS);
  });

  it('books the standard service a promise to Thursday was priced at, not express for Wednesday', async () => {
    const promisedBy = new Date(toRealMs(clock, THURSDAY_END_MS)).toISOString();
    const decide = createCarrierDecisionActivities({ db, facts: new PlanningFacts(db), settings: PROMISE_RULES });
    const decision = await decide.chooseCarrierQuote({
      shipmentId: 'S-FAST-CLOCK',
      quotes: [rateQuote('swiftpost', 'sp_standard', 990, 2, promisedBy), rateQuote('swiftpost', 'sp_express', 1490, 1, promisedBy)],
      promisedBy,
      originCountryCode: 'FR',
      destinationCountryCode: 'FR',
      reliability: { swiftpost: 0.97 },
      // Handed over on Tuesday: two working days to Thursday.
      nowMs: clock.realOriginMs,
    });
    expect(decision).toMatchObject({ kind: 'Chosen', promiseMiss: false, riskPremiumCents: 0 });
    if (decision.kind === 'Chosen') expect(decision.quote.serviceCode).toBe('sp_standard');
  });

  it('keeps a date the shop passes back as it was given, not "cannot be met"', async () => {
    const facts = new PlanningFacts(db);
    const request = {
      clock,
      nowMs: clock.realOriginMs,
      serviceLevel: 'standard' as const,
      backorderPolicy: 'backorder' as const,
      lines: [{ lineId: 'L1', skuCode: 'MUG-CER-350', quantity: 1 }],
      destination: LYON,
    };
    const network = await facts.networkFacts(clock.realOriginMs);
    const given = computePromise(await facts.situation(request), network);
    expect(given.confidence).toBeGreaterThan(0);
    // The shop stores the real instant it was answered, and sends it back as its own date.
    const storedMs = toRealMs(clock, given.deliverByMs);
    const again = computePromise(await facts.situation({ ...request, requestedBy: storedMs }), network);
    expect(again.requested).toMatchObject({ met: true });
  });
});
