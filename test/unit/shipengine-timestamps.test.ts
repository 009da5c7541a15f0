import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { toQuote, toTrackingEvents } from '../../activities/carriers/shipengine/requests';
import type { Rate } from '../../activities/carriers/shipengine/schemas';
import { shipEngineInstant, shipEngineInstantMs } from '../../activities/carriers/shipengine/timestamps';

/**
 * ShipEngine's dates and times as its definition (shipengine-openapi) and its docs write them: every
 * documented form reads to the instant it means whatever this server's time zone, and forms that are
 * no ISO 8601 are refused rather than guessed. The examples are the documented ones.
 */

const originalTz = process.env.TZ;
afterEach(() => {
  process.env.TZ = originalTz;
});

describe('ShipEngine timestamps', () => {
  it.each([
    // The definition's `date_time` and `date` examples.
    ['2018-09-23T15:00:00.000Z', '2018-09-23T15:00:00.000Z'],
    ['2018-09-23T00:00:00.000Z', '2018-09-23T00:00:00.000Z'],
    // A `date` without its time: that day at 00:00 UTC, as ShipEngine defines it.
    ['2018-09-23', '2018-09-23T00:00:00.000Z'],
    // The tracking docs: occurred_at in UTC, ship and delivery dates with milliseconds.
    ['2019-09-13T12:32:00Z', '2019-09-13T12:32:00.000Z'],
    ['2019-07-26T22:10:50.286Z', '2019-07-26T22:10:50.286Z'],
    // The rates docs: an estimate with a real time of day, a ship date at midnight.
    ['2019-09-23T23:00:00Z', '2019-09-23T23:00:00.000Z'],
    ['2019-09-17T00:00:00Z', '2019-09-17T00:00:00.000Z'],
    // Offsets, with and without the colon; seven fraction digits (.NET's); lower-case separators.
    ['2019-09-13T14:32:00+02:00', '2019-09-13T12:32:00.000Z'],
    ['2019-09-13T07:32:00-0500', '2019-09-13T12:32:00.000Z'],
    ['2019-07-26T22:10:50.2866667Z', '2019-07-26T22:10:50.286Z'],
    ['2019-09-13t12:32:00z', '2019-09-13T12:32:00.000Z'],
    // Zoneless (as ShipEngine Connect writes estimates): UTC, never this server's zone.
    ['2021-08-11T00:00:00', '2021-08-11T00:00:00.000Z'],
    // A year below 100 is that year, not 1900 and after (Date.UTC's two-digit rule).
    ['0050-06-01T00:00:00Z', '0050-06-01T00:00:00.000Z'],
  ])('%s is %s', (given, instant) => {
    process.env.TZ = 'America/New_York';
    expect(shipEngineInstant(given)).toBe(instant);
  });

  it.each([
    '09/23/2019',
    '2019-02-30',
    '2019-13-01T00:00:00Z',
    '2019-09-13T24:00:00Z',
    '2019-09-13T12:32:00+25:00',
    'yesterday',
    '',
    '0000-06-01T00:00:00Z',
    '0001-01-01T00:00:00+01:00',
  ])('%j is no time: refused, not guessed', (given) => {
    process.env.TZ = 'Europe/Paris';
    expect(shipEngineInstantMs(given)).toBeUndefined();
  });

  it("every date and date-time example in ShipEngine's definition reads as an instant", () => {
    const definitionPath = createRequire(import.meta.url).resolve('shipengine-openapi/openapi.json');
    const examples: string[] = [];
    const visit = (node: unknown): void => {
      if (node === null || typeof node !== 'object') return;
      const schema = node as Record<string, unknown>;
      if ((schema.title === 'date_time' || schema.title === 'date') && typeof schema.example === 'string') examples.push(schema.example);
      Object.values(schema).forEach(visit);
    };
    visit(JSON.parse(readFileSync(definitionPath, 'utf8')));
    expect(examples.length).toBeGreaterThan(10);
    expect(examples.filter((example) => shipEngineInstantMs(example) === undefined)).toEqual([]);
  });
});

describe('ShipEngine answers with every documented timestamp form', () => {
  const account = { carrierCode: 'swiftpost', carrierId: 'se-28529731' };
  const rateRequest = {
    shipmentId: 'SHP-1',
    from: { warehouseCode: 'PAR1', postalCode: '75001', countryCode: 'FR' },
    to: { name: 'C', line1: '1 rue', city: 'Lyon', postalCode: '69002', countryCode: 'FR' },
    parcels: [{ lengthMm: 100, widthMm: 100, heightMm: 100, weightGrams: 500 }],
    shipAt: '2019-09-17T09:30:00.000Z',
  };
  const rate = (estimated: string | null, deliveryDays: number | null): Rate => ({
    rate_id: 'se-1',
    carrier_id: 'se-28529731',
    service_code: 'ups_ground',
    shipping_amount: { currency: 'usd', amount: 65.58 },
    delivery_days: deliveryDays,
    estimated_delivery_date: estimated,
  });

  it('a rate whose estimated delivery is a date alone is due that day; one without any estimate counts its transit days', () => {
    process.env.TZ = 'Asia/Tokyo';
    expect(toQuote(account, rateRequest, rate('2019-09-20', null))).toMatchObject({
      deliveryDays: 3,
      estimatedDeliveryAt: '2019-09-20T00:00:00.000Z',
    });
    expect(toQuote(account, rateRequest, rate('2019-09-23T23:00:00Z', 4))).toMatchObject({
      deliveryDays: 4,
      estimatedDeliveryAt: '2019-09-23T23:00:00.000Z',
    });
    expect(toQuote(account, rateRequest, rate('2019-09-20T18:00:00', null))?.estimatedDeliveryAt).toBe('2019-09-20T18:00:00.000Z');
    expect(toQuote(account, rateRequest, rate('Monday 9/23 by 11:00 PM', 4))).toMatchObject({
      estimatedDeliveryAt: '2019-09-21T00:00:00.000Z',
    });
    expect(toQuote(account, rateRequest, rate('Monday 9/23 by 11:00 PM', null))).toBeUndefined();
  });

  it('a tracking answer is dated by its newest UTC occurred_at (never the zoneless carrier_occurred_at), a delivery by actual_delivery_date', () => {
    process.env.TZ = 'America/Los_Angeles';
    const answer = {
      tracking_number: '9405511899223197428490',
      status_code: 'IT',
      status_description: 'In Transit',
      ship_date: '2019-07-26T22:10:50.286Z',
      estimated_delivery_date: null,
      actual_delivery_date: null,
      events: [
        { occurred_at: '2019-09-13T12:32:00Z', carrier_occurred_at: '2019-09-13T05:32:00', description: 'Arrived at USPS Facility' },
        { occurred_at: '2019-09-13T16:00:00', carrier_occurred_at: '2019-09-13T09:00:00', description: 'Departed USPS Facility' },
        { occurred_at: 'not a time', description: 'Garbled scan' },
      ],
    };
    const [transit] = toTrackingEvents('swiftpost', answer);
    expect(transit).toMatchObject({ occurredAt: '2019-09-13T16:00:00.000Z', detail: 'Departed USPS Facility', statusCode: 'IT' });
    expect(transit?.eventId).toBe('9405511899223197428490:IT:2019-09-13T16:00:00.000Z');

    const [delivered] = toTrackingEvents('swiftpost', {
      ...answer,
      status_code: 'DE',
      actual_delivery_date: '2019-09-14T10:10:50.286+02:00',
    });
    expect(delivered?.occurredAt).toBe('2019-09-14T08:10:50.286Z');
    expect(toTrackingEvents('swiftpost', { ...answer, events: [{ occurred_at: '13/09/2019 12:32' }] })).toEqual([]);
  });
});
