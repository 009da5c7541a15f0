import type { AllocationLine } from '../domain/allocation';
import { type BusinessClock, deadlineToBusinessMs, toBusinessMs } from '../domain/business-clock';
import { restockArrivalForPromise } from '../domain/expected-restocks';
import type { Destination, NetworkFacts, ServiceFacts, SkuFacts, WarehouseFacts } from '../domain/fulfilment-plan';
import type { InboundFacts, PromiseSituation } from '../domain/promise-engine';
import type { BackorderPolicy, ServiceLevel } from '../domain/order';
import { type InFlightCount, type TransitCount, TransitModel } from '../domain/transit';
import { inFlightAtLeastDays } from '../domain/transit-observation';
import { netOfHolds, type StockHold } from '../domain/promised-stock';
import { currentBusinessClock } from './business-clock';
import { Prisma } from '../prisma/generated/client';
import type { Db } from './db';

/**
 * The facts every fulfilment decision reads, loaded from PostgreSQL: the network (warehouses, box
 * catalogues, SKUs, rate cards, learned transit times — cached, they change slowly) and, per decision,
 * the moving parts (stock, expected restocks, pick capacity already promised, warehouses down). Under a
 * burst the moving parts are reused for `situationTtlMs` (default 1 s): intake then costs one query, and a
 * promise reads stock at most a second old (reservation, later, reads it under lock). Pick days promised
 * by this process and not yet written (see `PromisedCapacity`) are added to what the database says; so is stock
 * promised to orders that have not reserved it yet (`PromisedStock`, and this process's holds a read predates).
 */

export interface PlanningFactsOptions {
  /** How long the network facts are reused before being read again (default 30 s). */
  networkTtlMs?: number;
  /** How long learned transit counts are reused (default 10 s). */
  transitTtlMs?: number;
  /** Only parcels delivered within this window teach the transit model (default 90 days, real time). */
  transitWindowMs?: number;
  /** How long stock, restocks and promised capacity are reused between decisions (default 1 s; 0 reads every time). */
  situationTtlMs?: number;
  /**
   * The carriers that sell new labels, when not every active one does (ShipEngine books some codes and the
   * simulated carriers only serve the labels they sold): promises and allocation count their services only,
   * so no promise rests on a service nobody can book. Every active carrier when not given.
   */
  sellingCarriers?: readonly string[];
}

/** What a situation read needs of a client: the pool's or a transaction's. */
export type SituationReader = Pick<Db, '$queryRaw'>;

type LevelRow = { kind: 'stock' | 'inbound' | 'held'; warehouseCode: string; skuCode: string; quantity: number; at: Date | null };
type LevelRead = { rows: Promise<LevelRow[]>; readAtMs: number };
type CapacityRow = { warehouseCode: string; day: Date; load: number };

export interface SituationRequest {
  clock: BusinessClock;
  nowMs: number;
  serviceLevel: ServiceLevel;
  backorderPolicy: BackorderPolicy;
  lines: readonly AllocationLine[];
  destination: Destination;
  /** Real instant the caller asked for. */
  requestedBy?: number;
  /** Reservations of this order, held already: they count as available to it. */
  heldForOrder?: string;
  /**
   * Reads through this transaction instead of the pool, uncached: a caller that decides and holds under its own locks
   * (a backorder's re-promise) reads what the holders before it committed, on the one connection it already has.
   */
  reader?: SituationReader;
}

export class PlanningFacts {
  private network: { facts: NetworkFacts; onTimeShares: ReadonlyMap<string, number>; loadedAt: number } | undefined;
  private transit: { model: TransitModel; loadedAt: number } | undefined;
  private readonly levels = new Map<string, LevelRead & { loadedAt: number }>();
  private capacity: { rows: Promise<CapacityRow[]>; loadedAt: number; fromDay: number } | undefined;
  /** Promised pick days not yet in the database: added to what it says. */
  unwrittenPromises: () => ReadonlyMap<string, number> = () => new Map();
  /** Stock this process promised that a read begun at `readAtMs` (real time) cannot have seen in `PromisedStock`. */
  unseenHolds: (readAtMs: number) => readonly StockHold[] = () => [];
  private readonly options: Required<Omit<PlanningFactsOptions, 'sellingCarriers'>>;
  private readonly sellingCarriers: readonly string[] | undefined;

  constructor(
    readonly db: Db,
    { sellingCarriers, ...options }: PlanningFactsOptions = {},
  ) {
    this.options = { networkTtlMs: 30_000, transitTtlMs: 10_000, transitWindowMs: 90 * 86_400_000, situationTtlMs: 1_000, ...options };
    this.sellingCarriers = sellingCarriers;
  }

  /** Drops the cached facts: the next decision reads them again (after ops changed a warehouse). */
  invalidate(): void {
    this.network = undefined;
    this.transit = undefined;
    this.levels.clear();
    this.capacity = undefined;
  }

  /** Promised capacity was written: the next decision reads it from the database. */
  invalidateCapacity(): void {
    this.capacity = undefined;
  }

  async networkFacts(nowMs = Date.now()): Promise<NetworkFacts> {
    if (!this.network || nowMs - this.network.loadedAt > this.options.networkTtlMs) {
      this.network = { ...(await this.loadNetwork()), loadedAt: nowMs };
    }
    if (!this.transit || nowMs - this.transit.loadedAt > this.options.transitTtlMs) {
      this.transit = { model: await this.loadTransit(this.network.onTimeShares, nowMs), loadedAt: nowMs };
    }
    return { ...this.network.facts, transit: this.transit.model };
  }

  /** Stock, restocks, promised capacity and outages for one decision, as business-time facts. */
  async situation(request: SituationRequest): Promise<PromiseSituation> {
    return (await this.readSituation(request))();
  }

  /**
   * Reads the situation's facts and answers how to settle them: the settling adds what this process promised and has
   * not written yet, as of the instant it is called. A caller that holds what it promises (intake) settles, decides and
   * holds with nothing awaited in between: a burst's requests all wait on one shared read, and each must count the
   * holds of those that decided before it (with the settling done before the await returned, all of them counted none).
   */
  async readSituation(request: SituationRequest): Promise<() => PromiseSituation> {
    const skuCodes = [...new Set(request.lines.map((line) => line.skuCode))].sort();
    const fromDay = toBusinessMs(request.clock, request.nowMs) - 2 * 86_400_000;
    const read = this.levelsOf(skuCodes, request.heldForOrder, request.nowMs, request.reader);
    // One after the other through a transaction (its one connection runs one statement at a time).
    const [levels, capacity] = request.reader
      ? [await read.rows, await this.capacityFrom(fromDay, request.nowMs, request.reader)]
      : await Promise.all([read.rows, this.capacityFrom(fromDay, request.nowMs)]);
    return () => this.settle(request, levels, capacity, read.readAtMs);
  }

  private settle(
    request: SituationRequest,
    levels: readonly LevelRow[],
    capacity: readonly CapacityRow[],
    readAtMs: number,
  ): PromiseSituation {
    const promisedByDay: Record<string, Record<string, number>> = {};
    const add = (warehouseCode: string, day: string, load: number) => {
      const days = promisedByDay[warehouseCode] ?? {};
      days[day] = (days[day] ?? 0) + load;
      promisedByDay[warehouseCode] = days;
    };
    for (const row of capacity) add(row.warehouseCode, row.day.toISOString().slice(0, 10), row.load);
    for (const [key, count] of this.unwrittenPromises()) {
      const [warehouseCode = '', day = ''] = key.split('|');
      add(warehouseCode, day, count);
    }
    const holds = [...levels.filter((row) => row.kind === 'held'), ...this.unseenHolds(readAtMs)];
    const nowMs = toBusinessMs(request.clock, request.nowMs);
    const restocks = levels.flatMap((row): InboundFacts[] => {
      if (row.kind !== 'inbound' || !row.at) return [];
      const expectedAtMs = restockArrivalForPromise(toBusinessMs(request.clock, row.at.getTime()), nowMs);
      return expectedAtMs === undefined
        ? []
        : [{ warehouseCode: row.warehouseCode, skuCode: row.skuCode, quantity: row.quantity, expectedAtMs }];
    });
    const overdueRestocks = restocks.length < levels.filter((row) => row.kind === 'inbound' && row.at).length;
    const {
      stock,
      restocks: inbound,
      tookAny,
    } = netOfHolds(
      levels
        .filter((row) => row.kind === 'stock')
        .map((row) => ({ warehouseCode: row.warehouseCode, skuCode: row.skuCode, available: row.quantity })),
      restocks,
      holds,
    );
    return {
      nowMs,
      serviceLevel: request.serviceLevel,
      backorderPolicy: request.backorderPolicy,
      lines: request.lines,
      destination: request.destination,
      stock,
      inbound,
      promisedByDay,
      ...(tookAny ? { heldForOthers: true } : {}),
      ...(overdueRestocks ? { overdueRestocks: true } : {}),
      ...(request.requestedBy !== undefined ? { requestedByMs: deadlineToBusinessMs(request.clock, request.requestedBy) } : {}),
    };
  }

  /**
   * Stock (what this order already holds counts as its own), restocks on the way and what other orders were promised
   * and have not reserved yet, for these SKUs.
   */
  private levelsOf(skuCodes: readonly string[], heldForOrder: string | undefined, nowMs: number, reader?: SituationReader): LevelRead {
    // An order's own reservations make its view of stock its own: never shared; nor is a transaction's read.
    const cacheable = heldForOrder === undefined && reader === undefined && this.options.situationTtlMs > 0;
    const key = skuCodes.join(',');
    const hit = cacheable ? this.levels.get(key) : undefined;
    if (hit && nowMs - hit.loadedAt <= this.options.situationTtlMs) return hit;
    const heldFor = heldForOrder ?? '';
    const readAtMs = Date.now();
    const rows = (reader ?? this.db).$queryRaw<LevelRow[]>`
        SELECT 'stock' AS kind, l."warehouseCode", l."skuCode",
               (l."onHand" - l."reserved" + COALESCE((SELECT sum(r."quantity") FROM "Reservation" r
                  WHERE r."orderId" = ${heldFor} AND r."status" = 'held'
                    AND r."warehouseCode" = l."warehouseCode" AND r."skuCode" = l."skuCode"), 0))::int AS quantity,
               NULL::timestamptz AS at
        FROM "InventoryLevel" l JOIN "Warehouse" w ON w."code" = l."warehouseCode"
        WHERE l."skuCode" IN (${Prisma.join(skuCodes)}) AND w."active" AND w."downSince" IS NULL
        UNION ALL
        SELECT 'inbound', i."warehouseCode", i."skuCode", i."quantity", i."expectedAt"
        FROM "InboundStock" i JOIN "Warehouse" w ON w."code" = i."warehouseCode"
        WHERE i."skuCode" IN (${Prisma.join(skuCodes)}) AND i."receivedAt" IS NULL AND i."cancelledAt" IS NULL AND w."active" AND w."downSince" IS NULL
        UNION ALL
        SELECT 'held', p."warehouseCode", p."skuCode", sum(p."quantity")::int, NULL
        FROM "PromisedStock" p
        WHERE p."skuCode" IN (${Prisma.join(skuCodes)}) AND p."orderId" <> ${heldFor}
          AND p."holdUntil" > now()
        GROUP BY p."warehouseCode", p."skuCode"`;
    if (cacheable) {
      this.levels.set(key, { rows, readAtMs, loadedAt: nowMs });
      // A failed read must not be served from the cache.
      rows.catch(() => this.levels.delete(key));
      if (this.levels.size > 5_000) this.levels.clear();
    }
    return { rows, readAtMs };
  }

  /** Pick capacity already booked or promised per warehouse and business day, as a decision at `nowMs` sees it. */
  async promisedByDay(clock: BusinessClock, nowMs: number): Promise<Record<string, Record<string, number>>> {
    const rows = await this.capacityFrom(toBusinessMs(clock, nowMs) - 2 * 86_400_000, nowMs);
    const byDay: Record<string, Record<string, number>> = {};
    for (const row of rows) {
      const days = byDay[row.warehouseCode] ?? {};
      days[row.day.toISOString().slice(0, 10)] = row.load;
      byDay[row.warehouseCode] = days;
    }
    return byDay;
  }

  /** Pick capacity already booked or promised, per warehouse and business day, from `fromDay` on. */
  private capacityFrom(fromDay: number, nowMs: number, reader?: SituationReader): Promise<CapacityRow[]> {
    const hit = this.capacity;
    if (!reader && hit && nowMs - hit.loadedAt <= this.options.situationTtlMs && hit.fromDay <= fromDay) return hit.rows;
    const rows = (reader ?? this.db).$queryRaw<CapacityRow[]>`
      SELECT "warehouseCode", "day", GREATEST("booked", "promised")::int AS load
      FROM "WarehouseCapacityDay" WHERE "day" >= ${new Date(fromDay)}::date`;
    if (reader) return rows;
    this.capacity = { rows, loadedAt: nowMs, fromDay };
    rows.catch(() => {
      if (this.capacity?.rows === rows) this.capacity = undefined;
    });
    return rows;
  }

  private async loadNetwork(): Promise<{ facts: NetworkFacts; onTimeShares: ReadonlyMap<string, number> }> {
    const [warehouses, skus, carriers] = await Promise.all([
      this.db.warehouse.findMany({ where: { active: true }, include: { boxTypes: { where: { active: true } } }, orderBy: { code: 'asc' } }),
      this.db.sku.findMany({ select: { code: true, weightGrams: true, lengthMm: true, widthMm: true, heightMm: true } }),
      this.db.carrier.findMany({
        where: { active: true, ...(this.sellingCarriers ? { code: { in: [...this.sellingCarriers] } } : {}) },
        include: { services: true },
        orderBy: { code: 'asc' },
      }),
    ]);
    const warehouseFacts: WarehouseFacts[] = warehouses.map((w) => ({
      code: w.code,
      countryCode: w.countryCode,
      ...(w.holidayRegion ? { region: w.holidayRegion } : {}),
      postalCode: w.postalCode,
      timeZone: w.timeZone,
      cutoffLocalTime: w.cutoffLocalTime,
      dailyCapacity: w.dailyCapacityShipments,
      packingMinutes: w.packingMinutes,
      down: w.downSince !== null,
      boxes: w.boxTypes,
    }));
    const services: ServiceFacts[] = carriers.flatMap((carrier) =>
      carrier.services.map((service) => ({
        carrierCode: carrier.code,
        serviceCode: service.code,
        level: service.level,
        baseCents: service.baseCents,
        perKgCents: service.perKgCents,
        zoneSurchargeCents: carrier.zoneSurchargeCents,
        transitDays: service.transitDays,
        destinationCountries: carrier.destinationCountries.split(',').filter((code) => code !== ''),
        maxParcelWeightGrams: carrier.maxParcelWeightGrams,
        maxParcelLengthMm: carrier.maxParcelLengthMm,
      })),
    );
    const onTimeShares = new Map(carriers.flatMap((c) => c.services.map((s) => [`${c.code}:${s.code}`, s.onTimeShare] as const)));
    const facts: NetworkFacts = {
      warehouses: warehouseFacts,
      skus: new Map<string, SkuFacts>(skus.map((sku) => [sku.code, sku])),
      services,
      transit: new TransitModel(onTimeShares, []),
    };
    return { facts, onTimeShares };
  }

  private async loadTransit(onTimeShares: ReadonlyMap<string, number>, nowMs: number): Promise<TransitModel> {
    const since = new Date(nowMs - this.options.transitWindowMs);
    const [counts, inFlight] = await Promise.all([
      this.db.$queryRaw<TransitCount[]>`
        SELECT "carrierCode", "serviceCode", "originCountry", "destinationCountry", "quotedDays", "deliveryDays", count(*)::int AS parcels
        FROM "TransitObservation" WHERE "createdAt" >= ${since}
        GROUP BY 1, 2, 3, 4, 5, 6`,
      this.inFlight(since, nowMs),
    ]);
    return new TransitModel(onTimeShares, counts, inFlight);
  }

  /**
   * Parcels the carriers took and have not delivered yet, by lane and hand-over day (on the business calendar,
   * in the warehouse's time zone, as a delivered parcel's observation reads it): how long each will at least take.
   */
  private async inFlight(since: Date, nowMs: number): Promise<InFlightCount[]> {
    const clock = await currentBusinessClock(this.db, nowMs);
    const rows = await this.db.$queryRaw<
      (Omit<InFlightCount, 'quotedDays' | 'atLeastDays'> & { quotedDomesticDays: number; handoverDay: string })[]
    >`
      SELECT s."carrierCode", s."serviceCode", w."countryCode" AS "originCountry", a."countryCode" AS "destinationCountry",
             cs."transitDays" AS "quotedDomesticDays",
             to_char(to_timestamp((${clock.businessOriginMs}::float8 + (extract(epoch FROM s."shippedAt") * 1000 - ${clock.realOriginMs}::float8)
               * ${clock.scale}::float8) / 1000) AT TIME ZONE w."timeZone", 'YYYY-MM-DD') AS "handoverDay",
             count(*)::int AS parcels
      FROM "Shipment" s
      JOIN "Warehouse" w ON w."code" = s."warehouseCode"
      JOIN "Order" o ON o."id" = s."orderId"
      JOIN "Address" a ON a."id" = o."shippingAddressId"
      JOIN "CarrierService" cs ON cs."carrierCode" = s."carrierCode" AND cs."code" = s."serviceCode"
      WHERE s."status" IN ('in_transit', 'out_for_delivery') AND s."deliveredAt" IS NULL AND s."shippedAt" >= ${since}
      GROUP BY 1, 2, 3, 4, 5, 6`;
    const businessNowMs = toBusinessMs(clock, nowMs);
    return rows.map(({ quotedDomesticDays, handoverDay, ...lane }) => ({
      ...lane,
      quotedDays: quotedDomesticDays + (lane.originCountry === lane.destinationCountry ? 0 : 1),
      atLeastDays: inFlightAtLeastDays(handoverDay, { countryCode: lane.destinationCountry }, businessNowMs),
    }));
  }
}
