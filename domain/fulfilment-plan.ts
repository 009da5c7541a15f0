import type { AllocationLine } from './allocation';
import { type CalendarPlace, isWorkingDayIn, timeZoneOf, workingDaysBetween } from './calendar';
import type { Parcel } from './carrier';
import { planPackages } from './cartonization/plan-packages';
import type { BoxSpec, CartonItem } from './cartonization/shapes';
import { addDays, localDay, localMinuteOfDay, localTimeMs, parseLocalTime } from './local-time';
import type { ServiceLevel } from './order';
import { probabilityWithin, type TransitDistribution, type TransitModel } from './transit';
import { nextPickSlot } from './warehouse-slot';

/**
 * What a fulfilment decision weighs for one shipment: from which warehouse, ready when, picked on which
 * day (cut-off in the warehouse's time zone, its pick days and holidays, capacity already promised),
 * in which boxes at what cost, and which carrier services can take it there at what price and with
 * which transit distribution. Pure: the facts are loaded once (activities/planning-facts.ts) and every
 * decision — the promise at intake, allocation, the hindsight optimum — reads the same ones.
 * Every instant here is business time (domain/business-clock.ts).
 */

export interface WarehouseFacts {
  code: string;
  countryCode: string;
  /** date-holidays subdivision when holidays differ by region (DE-HH). */
  region?: string;
  postalCode: string;
  timeZone: string;
  cutoffLocalTime: string;
  dailyCapacity: number;
  /** Pick and pack before the carrier collects: the shipBy instant is the cut-off plus this. */
  packingMinutes: number;
  /** Marked down by ops or found unserved: nothing is promised from it. */
  down: boolean;
  boxes: readonly BoxSpec[];
}

export interface SkuFacts {
  code: string;
  weightGrams: number;
  lengthMm: number;
  widthMm: number;
  heightMm: number;
}

/** A carrier service as its published rate card describes it. */
export interface ServiceFacts {
  carrierCode: string;
  serviceCode: string;
  level: ServiceLevel;
  baseCents: number;
  perKgCents: number;
  /** Per parcel when the destination country differs from the origin's. */
  zoneSurchargeCents: number;
  /** Quoted working days within a country; a cross-border lane quotes one more. */
  transitDays: number;
  destinationCountries: readonly string[];
  maxParcelWeightGrams: number;
  maxParcelLengthMm: number;
}

export interface NetworkFacts {
  warehouses: readonly WarehouseFacts[];
  skus: ReadonlyMap<string, SkuFacts>;
  services: readonly ServiceFacts[];
  transit: TransitModel;
}

export interface Destination {
  countryCode: string;
  postalCode: string;
  /** The address's region as given: its holidays and time zone where date-holidays knows it (calendar.ts). */
  region?: string | null;
}

export interface ServiceOption {
  carrierCode: string;
  serviceCode: string;
  level: ServiceLevel;
  priceCents: number;
  quotedDays: number;
  distribution: TransitDistribution;
}

export interface ShipmentOption {
  warehouseCode: string;
  lines: readonly AllocationLine[];
  /** When the goods are in the warehouse: now, or the expected arrival of a restock. */
  readyAtMs: number;
  /** The warehouse-local day it is picked and handed to the carrier. */
  handoverDay: string;
  /** The instant the parcels must leave: the cut-off plus packing, on the hand-over day. */
  shipByMs: number;
  packagingCents: number;
  parcels: readonly Parcel[];
  services: readonly ServiceOption[];
}

/** Deliveries happen in the day; a deadline before this local hour does not count its own day. */
export const DELIVERY_WINDOW_END_MINUTE = 18 * 60;

interface Packed {
  packagingCents: number;
  parcels: Parcel[];
}

/**
 * Packings per box catalogue (the catalogue array is replaced when the facts are reloaded, which drops
 * its packings with it) and per lines: the same few baskets are costed for order after order.
 */
const packingsByCatalogue = new WeakMap<readonly BoxSpec[], Map<string, Packed>>();
const MAX_PACKINGS_PER_CATALOGUE = 20_000;

/** Lines of one warehouse → their packages, memoised: the same lines are costed for several plans and orders. */
export class ShipmentCosting {
  constructor(private readonly facts: NetworkFacts) {}

  pack(warehouse: WarehouseFacts, lines: readonly AllocationLine[]): Packed {
    let packings = packingsByCatalogue.get(warehouse.boxes);
    if (!packings) {
      packings = new Map();
      packingsByCatalogue.set(warehouse.boxes, packings);
    }
    const maxPackageGrams = this.heaviestParcelGrams();
    const key = `${maxPackageGrams}|${lines.map((l) => `${l.skuCode}x${l.quantity}`).join(',')}`;
    let packed = packings.get(key);
    if (!packed) {
      const items: CartonItem[] = lines.map((line) => {
        const sku = this.facts.skus.get(line.skuCode);
        if (!sku) throw new RangeError(`unknown SKU ${line.skuCode}`);
        return { ...sku, skuCode: sku.code, quantity: line.quantity };
      });
      const plan = planPackages(items, warehouse.boxes, maxPackageGrams > 0 ? { maxPackageGrams } : {});
      packed = {
        packagingCents: plan.totalBoxCostCents,
        parcels: plan.packages.map((p) => ({
          lengthMm: p.lengthMm,
          widthMm: p.widthMm,
          heightMm: p.heightMm,
          weightGrams: Math.max(1, p.weightGrams),
        })),
      };
      if (packings.size >= MAX_PACKINGS_PER_CATALOGUE) packings.clear();
      packings.set(key, packed);
    }
    return packed;
  }

  /** No service takes a heavier parcel: boxes are filled so that none weighs more (0 when no service is known). */
  private heaviestParcelGrams(): number {
    return this.facts.services.reduce((max, service) => Math.max(max, service.maxParcelWeightGrams), 0);
  }

  /**
   * The option of shipping `lines` from `warehouse` once ready at `readyAtMs`, its pick day taken from the
   * capacity `promisedByDay` leaves. Undefined when the warehouse has no pick day within the horizon.
   */
  option(
    warehouse: WarehouseFacts,
    lines: readonly AllocationLine[],
    destination: Destination,
    readyAtMs: number,
    promisedByDay: Readonly<Record<string, number>>,
  ): ShipmentOption | undefined {
    const place: CalendarPlace = { countryCode: warehouse.countryCode, ...(warehouse.region ? { region: warehouse.region } : {}) };
    let slot: { day: string } | undefined;
    try {
      slot = nextPickSlot({
        nowMs: readyAtMs,
        timeZone: warehouse.timeZone,
        cutoffLocalTime: warehouse.cutoffLocalTime,
        dailyCapacity: warehouse.dailyCapacity,
        bookedByDay: promisedByDay,
        isPickDay: (day) => isWorkingDayIn(place, day),
      });
    } catch {
      // A misconfigured warehouse (cut-off, capacity) offers nothing rather than failing the decision.
      return undefined;
    }
    if (!slot) return undefined;
    const { packagingCents, parcels } = this.pack(warehouse, lines);
    const crossBorder = warehouse.countryCode !== destination.countryCode;
    const services = this.facts.services.flatMap((service): ServiceOption[] => {
      if (!service.destinationCountries.includes(destination.countryCode)) return [];
      if (parcels.some((p) => p.weightGrams > service.maxParcelWeightGrams)) return [];
      if (parcels.some((p) => Math.max(p.lengthMm, p.widthMm, p.heightMm) > service.maxParcelLengthMm)) return [];
      const quotedDays = service.transitDays + (crossBorder ? 1 : 0);
      return [
        {
          carrierCode: service.carrierCode,
          serviceCode: service.serviceCode,
          level: service.level,
          priceCents: ratePriceCents(service, parcels, crossBorder),
          quotedDays,
          distribution: this.facts.transit.distribution(
            service.carrierCode,
            service.serviceCode,
            warehouse.countryCode,
            destination.countryCode,
            quotedDays,
          ),
        },
      ];
    });
    const shipByMs = localTimeMs(slot.day, parseLocalTime(warehouse.cutoffLocalTime) + warehouse.packingMinutes, warehouse.timeZone);
    return { warehouseCode: warehouse.code, lines, readyAtMs, handoverDay: slot.day, shipByMs, packagingCents, parcels, services };
  }
}

/** The published rate card: per parcel, base + per started kilogram of billable weight, + a zone surcharge abroad. */
export function ratePriceCents(service: ServiceFacts, parcels: readonly Parcel[], crossBorder: boolean): number {
  return parcels.reduce((total, parcel) => {
    const dimensionalGrams = Math.ceil((parcel.lengthMm * parcel.widthMm * parcel.heightMm) / 5000);
    const startedKg = Math.ceil(Math.max(parcel.weightGrams, dimensionalGrams) / 1000);
    return total + service.baseCents + service.perKgCents * startedKg + (crossBorder ? service.zoneSurchargeCents : 0);
  }, 0);
}

export function destinationPlace(destination: Destination): CalendarPlace {
  return {
    countryCode: destination.countryCode,
    postalCode: destination.postalCode,
    ...(destination.region ? { region: destination.region } : {}),
  };
}

/**
 * P(the service delivers the shipment by the end of `deliveryDay`), the day read in the destination's
 * calendar: the working days after the hand-over day up to and including it.
 */
export function probabilityByDay(option: ShipmentOption, service: ServiceOption, destination: Destination, deliveryDay: string): number {
  const { pmf } = service.distribution;
  // Days past the distribution's last add nothing: the count stops there.
  return probabilityWithin(
    service.distribution,
    workingDaysBetween(destinationPlace(destination), option.handoverDay, deliveryDay, pmf.length),
  );
}

/**
 * The end of a local day's delivery window at the destination (18:00): what "delivered by Thursday" means. Parcels are
 * delivered in the window only, so a promise to the day's last minute (as before) told the customer six hours more
 * than any delivery takes: it loosened every promise by them and kept none more.
 */
export function endOfDeliveryDayMs(destination: Destination, day: string): number {
  return localTimeMs(day, DELIVERY_WINDOW_END_MINUTE, timeZoneOf(destination));
}

/** The latest day whose deliveries all count as made by `deadlineMs` at the destination. */
export function lastDeliveryDayBy(destination: Destination, deadlineMs: number): string {
  const zone = timeZoneOf(destination);
  const day = localDay(deadlineMs, zone);
  return localMinuteOfDay(deadlineMs, zone) >= DELIVERY_WINDOW_END_MINUTE ? day : addDays(day, -1);
}
