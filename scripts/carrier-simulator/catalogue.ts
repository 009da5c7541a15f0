import type { CarrierCode, Parcel, RateRequest } from '../../domain/carrier';
import type { ServiceLevel } from '../../domain/order';

/**
 * The three simulated carriers: their price tables, transit times, reliability and limits. This is
 * the carrier's own data (what a real carrier publishes in its rate card); the seed script loads the
 * carrier and service rows from here so the database and the simulator never disagree.
 */

export interface CarrierServiceSpec {
  code: string;
  name: string;
  level: ServiceLevel;
  /** Per parcel, before weight. */
  baseCents: number;
  /** Per started kilogram of billable weight, per parcel. */
  perKgCents: number;
  /** Business days from hand-over within the origin country; cross-border adds one. */
  transitDays: number;
  guaranteed: boolean;
  /** No scan for this long means the parcel is stuck. */
  stallWindowHours: number;
}

export interface CarrierSpec {
  code: CarrierCode;
  name: string;
  /** Share of shipments delivered by the estimate: the tie-breaker in carrier choice. */
  reliability: number;
  /** Carriers without webhooks must be polled through `track`. */
  supportsWebhooks: boolean;
  /** Per parcel, when the destination country differs from the origin's. */
  zoneSurchargeCents: number;
  destinationCountries: readonly string[];
  maxParcelWeightGrams: number;
  maxParcelLengthMm: number;
  /** Prefix of tracking numbers and label ids, so a number tells which carrier it belongs to. */
  trackingPrefix: string;
  services: readonly CarrierServiceSpec[];
}

export const CURRENCY = 'EUR';

const EU = [
  'AT',
  'BE',
  'BG',
  'CY',
  'CZ',
  'DE',
  'DK',
  'EE',
  'ES',
  'FI',
  'FR',
  'GR',
  'HR',
  'HU',
  'IE',
  'IT',
  'LT',
  'LU',
  'LV',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SE',
  'SI',
  'SK',
] as const;

const STALL_WINDOW_HOURS: Record<ServiceLevel, number> = { express: 24, standard: 48, economy: 72 };

export const CARRIER_CATALOGUE: readonly CarrierSpec[] = [
  {
    code: 'swiftpost',
    name: 'SwiftPost',
    reliability: 0.97,
    supportsWebhooks: true,
    zoneSurchargeCents: 600,
    destinationCountries: [...EU, 'GB', 'CH', 'NO', 'US'],
    maxParcelWeightGrams: 30_000,
    maxParcelLengthMm: 1500,
    trackingPrefix: 'SP',
    services: [
      {
        code: 'sp_express',
        name: 'SwiftPost Express',
        level: 'express',
        baseCents: 1490,
        perKgCents: 220,
        transitDays: 1,
        guaranteed: true,
        stallWindowHours: STALL_WINDOW_HOURS.express,
      },
      {
        code: 'sp_standard',
        name: 'SwiftPost Standard',
        level: 'standard',
        baseCents: 990,
        perKgCents: 150,
        transitDays: 2,
        guaranteed: false,
        stallWindowHours: STALL_WINDOW_HOURS.standard,
      },
    ],
  },
  {
    code: 'parcelnord',
    name: 'ParcelNord',
    reliability: 0.93,
    supportsWebhooks: true,
    zoneSurchargeCents: 450,
    destinationCountries: [...EU, 'GB', 'CH', 'NO', 'IS'],
    maxParcelWeightGrams: 30_000,
    maxParcelLengthMm: 1500,
    trackingPrefix: 'PN',
    services: [
      {
        code: 'pn_economy',
        name: 'ParcelNord Economy',
        level: 'economy',
        baseCents: 590,
        perKgCents: 90,
        transitDays: 4,
        guaranteed: false,
        stallWindowHours: STALL_WINDOW_HOURS.economy,
      },
      {
        code: 'pn_standard',
        name: 'ParcelNord Standard',
        level: 'standard',
        baseCents: 790,
        perKgCents: 120,
        transitDays: 3,
        guaranteed: false,
        stallWindowHours: STALL_WINDOW_HOURS.standard,
      },
      {
        code: 'pn_express',
        name: 'ParcelNord Express',
        level: 'express',
        baseCents: 1290,
        perKgCents: 190,
        transitDays: 2,
        guaranteed: true,
        stallWindowHours: STALL_WINDOW_HOURS.express,
      },
    ],
  },
  {
    code: 'ecoroute',
    name: 'EcoRoute',
    reliability: 0.85,
    // EcoRoute has no push API: its parcels are only followed by polling.
    supportsWebhooks: false,
    zoneSurchargeCents: 350,
    destinationCountries: ['AT', 'BE', 'DE', 'ES', 'FR', 'IT', 'LU', 'NL', 'PT'],
    maxParcelWeightGrams: 30_000,
    maxParcelLengthMm: 1500,
    trackingPrefix: 'ER',
    services: [
      {
        code: 'er_economy',
        name: 'EcoRoute Economy',
        level: 'economy',
        baseCents: 390,
        perKgCents: 60,
        transitDays: 6,
        guaranteed: false,
        stallWindowHours: STALL_WINDOW_HOURS.economy,
      },
      {
        code: 'er_standard',
        name: 'EcoRoute Standard',
        level: 'standard',
        baseCents: 550,
        perKgCents: 80,
        transitDays: 4,
        guaranteed: false,
        stallWindowHours: STALL_WINDOW_HOURS.standard,
      },
    ],
  },
];

export function findCarrierSpec(code: CarrierCode, catalogue: readonly CarrierSpec[] = CARRIER_CATALOGUE): CarrierSpec | undefined {
  return catalogue.find((carrier) => carrier.code === code);
}

export function findServiceSpec(carrier: CarrierSpec, serviceCode: string): CarrierServiceSpec | undefined {
  return carrier.services.find((service) => service.code === serviceCode);
}

/**
 * Billable weight = max(actual, dimensional), dimensional = L×W×H cm / 5000 kg, which is
 * L×W×H mm / 5000 in grams, rounded up.
 */
export function billableWeightGrams(parcel: Parcel): number {
  const dimensionalGrams = Math.ceil((parcel.lengthMm * parcel.widthMm * parcel.heightMm) / 5000);
  return Math.max(parcel.weightGrams, dimensionalGrams);
}

export function isCrossBorder(request: Pick<RateRequest, 'from' | 'to'>): boolean {
  return request.from.countryCode !== request.to.countryCode;
}

/** Carriers bill per started kilogram, per parcel. */
export function priceCents(
  carrier: CarrierSpec,
  service: CarrierServiceSpec,
  request: Pick<RateRequest, 'from' | 'to' | 'parcels'>,
): number {
  const surcharge = isCrossBorder(request) ? carrier.zoneSurchargeCents : 0;
  return request.parcels.reduce((total, parcel) => {
    const startedKg = Math.ceil(billableWeightGrams(parcel) / 1000);
    return total + service.baseCents + service.perKgCents * startedKg + surcharge;
  }, 0);
}

export function deliveryDays(service: CarrierServiceSpec, request: Pick<RateRequest, 'from' | 'to'>): number {
  return service.transitDays + (isCrossBorder(request) ? 1 : 0);
}
