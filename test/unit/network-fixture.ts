import type { StockLevel } from '../../domain/allocation';
import type { BoxSpec } from '../../domain/cartonization/shapes';
import type { NetworkFacts, ServiceFacts, SkuFacts, WarehouseFacts } from '../../domain/fulfilment-plan';
import type { PromiseSituation } from '../../domain/promise-engine';
import { type TransitCount, TransitModel } from '../../domain/transit';

/** A small network for the decision tests: two French warehouses, one German, one Spanish; three carriers. */

const boxes = (prefix: string): BoxSpec[] => [
  {
    id: `${prefix}-S`,
    code: 'BOX-S',
    innerLengthMm: 250,
    innerWidthMm: 200,
    innerHeightMm: 150,
    maxWeightGrams: 5000,
    tareWeightGrams: 180,
    costCents: 75,
  },
  {
    id: `${prefix}-L`,
    code: 'BOX-L',
    innerLengthMm: 500,
    innerWidthMm: 400,
    innerHeightMm: 300,
    maxWeightGrams: 20000,
    tareWeightGrams: 500,
    costCents: 140,
  },
];

export const warehouse = (overrides: Partial<WarehouseFacts> & Pick<WarehouseFacts, 'code'>): WarehouseFacts => ({
  countryCode: 'FR',
  postalCode: '75001',
  timeZone: 'Europe/Paris',
  cutoffLocalTime: '15:00',
  dailyCapacity: 100,
  packingMinutes: 120,
  down: false,
  boxes: boxes(overrides.code),
  ...overrides,
});

export const WAREHOUSES: WarehouseFacts[] = [
  warehouse({ code: 'HAM1', countryCode: 'DE', region: 'HH', postalCode: '21129', timeZone: 'Europe/Berlin', cutoffLocalTime: '16:00' }),
  warehouse({ code: 'LYS1', postalCode: '69124', cutoffLocalTime: '14:00' }),
  warehouse({ code: 'MAD1', countryCode: 'ES', postalCode: '28906', timeZone: 'Europe/Madrid', cutoffLocalTime: '13:30' }),
  warehouse({ code: 'PAR1', postalCode: '95500' }),
];

const EU = ['DE', 'ES', 'FR', 'IT', 'NL', 'BE'];
const service = (overrides: Partial<ServiceFacts> & Pick<ServiceFacts, 'carrierCode' | 'serviceCode' | 'level'>): ServiceFacts => ({
  baseCents: 800,
  perKgCents: 100,
  zoneSurchargeCents: 500,
  transitDays: 2,
  destinationCountries: EU,
  maxParcelWeightGrams: 30_000,
  maxParcelLengthMm: 1500,
  ...overrides,
});

export const SERVICES: ServiceFacts[] = [
  service({
    carrierCode: 'swiftpost',
    serviceCode: 'sp_express',
    level: 'express',
    baseCents: 1490,
    perKgCents: 220,
    zoneSurchargeCents: 600,
    transitDays: 1,
  }),
  service({
    carrierCode: 'swiftpost',
    serviceCode: 'sp_standard',
    level: 'standard',
    baseCents: 990,
    perKgCents: 150,
    zoneSurchargeCents: 600,
    transitDays: 2,
  }),
  service({
    carrierCode: 'parcelnord',
    serviceCode: 'pn_express',
    level: 'express',
    baseCents: 1290,
    perKgCents: 190,
    zoneSurchargeCents: 450,
    transitDays: 2,
  }),
  service({
    carrierCode: 'parcelnord',
    serviceCode: 'pn_standard',
    level: 'standard',
    baseCents: 790,
    perKgCents: 120,
    zoneSurchargeCents: 450,
    transitDays: 3,
  }),
  service({
    carrierCode: 'ecoroute',
    serviceCode: 'er_standard',
    level: 'standard',
    baseCents: 550,
    perKgCents: 80,
    zoneSurchargeCents: 350,
    transitDays: 4,
  }),
];

export const ON_TIME_SHARES = new Map([
  ['swiftpost:sp_express', 0.97],
  ['swiftpost:sp_standard', 0.97],
  ['parcelnord:pn_express', 0.93],
  ['parcelnord:pn_standard', 0.93],
  ['ecoroute:er_standard', 0.85],
]);

export const SKUS = new Map<string, SkuFacts>([
  ['MUG', { code: 'MUG', weightGrams: 380, lengthMm: 120, widthMm: 90, heightMm: 100 }],
  ['TEA', { code: 'TEA', weightGrams: 130, lengthMm: 120, widthMm: 80, heightMm: 80 }],
  ['KETTLE', { code: 'KETTLE', weightGrams: 1350, lengthMm: 270, widthMm: 250, heightMm: 190 }],
]);

export function network(
  overrides: { warehouses?: WarehouseFacts[]; counts?: TransitCount[]; services?: ServiceFacts[] } = {},
): NetworkFacts {
  return {
    warehouses: overrides.warehouses ?? WAREHOUSES,
    skus: SKUS,
    services: overrides.services ?? SERVICES,
    transit: new TransitModel(ON_TIME_SHARES, overrides.counts ?? []),
  };
}

export const stock = (rows: Record<string, Record<string, number>>): StockLevel[] =>
  Object.entries(rows).flatMap(([warehouseCode, skus]) =>
    Object.entries(skus).map(([skuCode, available]) => ({ warehouseCode, skuCode, available })),
  );

export const LYON = { countryCode: 'FR', postalCode: '69002' };
export const HAMBURG = { countryCode: 'DE', postalCode: '20095', region: 'HH' };

export function situation(overrides: Partial<PromiseSituation> & Pick<PromiseSituation, 'nowMs'>): PromiseSituation {
  return {
    serviceLevel: 'standard',
    backorderPolicy: 'backorder',
    lines: [{ lineId: 'L1', skuCode: 'MUG', quantity: 2 }],
    destination: LYON,
    stock: stock({ PAR1: { MUG: 50, TEA: 20 }, HAM1: { MUG: 50, TEA: 20 } }),
    inbound: [],
    promisedByDay: {},
    ...overrides,
  };
}
