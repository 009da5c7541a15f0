import type { AllocationLine } from '../domain/allocation';
import { type BusinessClock, toBusinessMs } from '../domain/business-clock';
import type { Destination, NetworkFacts, ServiceFacts, SkuFacts, WarehouseFacts } from '../domain/fulfilment-plan';
import type { InboundFacts, PromiseSituation } from '../domain/promise-engine';
import type { BackorderPolicy, ServiceLevel } from '../domain/order';
import { type TransitCount, TransitModel } from '../domain/transit';
import { Prisma } from '../prisma/generated/client';
import type { Db } from './db';

/**
 * The facts every fulfilment decision reads, loaded from PostgreSQL: the network (warehouses, box
 * catalogues, SKUs, rate cards, learned transit times — cached, they change slowly) and, per decision,
 * the moving parts (stock, expected restocks, pick capacity already promised, warehouses down — read fresh,
 * in two queries). The API's intake, the reservation and the booking activities share one instance per process.
 */

export interface PlanningFactsOptions {
  /** How long the network facts are reused before being read again (default 30 s). */
  networkTtlMs?: number;
  /** How long learned transit counts are reused (default 10 s). */
  transitTtlMs?: number;
  /** Only parcels delivered within this window teach the transit model (default 90 days, real time). */
  transitWindowMs?: number;
}

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
}

export class PlanningFacts {
  private network: { facts: NetworkFacts; onTimeShares: ReadonlyMap<string, number>; loadedAt: number } | undefined;
  private transit: { model: TransitModel; loadedAt: number } | undefined;
  private readonly options: Required<PlanningFactsOptions>;

  constructor(
    private readonly db: Db,
    options: PlanningFactsOptions = {},
  ) {
    this.options = { networkTtlMs: 30_000, transitTtlMs: 10_000, transitWindowMs: 90 * 86_400_000, ...options };
  }

  /** Drops the cached facts: the next decision reads them again (after ops changed a warehouse). */
  invalidate(): void {
    this.network = undefined;
    this.transit = undefined;
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
    const skuCodes = [...new Set(request.lines.map((line) => line.skuCode))];
    const heldFor = request.heldForOrder ?? '';
    const [levels, capacity] = await Promise.all([
      this.db.$queryRaw<{ kind: string; warehouseCode: string; skuCode: string; quantity: number; at: Date | null }[]>`
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
        WHERE i."skuCode" IN (${Prisma.join(skuCodes)}) AND i."receivedAt" IS NULL AND w."active" AND w."downSince" IS NULL`,
      this.db.$queryRaw<{ warehouseCode: string; day: Date; load: number }[]>`
        SELECT "warehouseCode", "day", GREATEST("booked", "promised")::int AS load
        FROM "WarehouseCapacityDay" WHERE "day" >= ${new Date(toBusinessMs(request.clock, request.nowMs) - 2 * 86_400_000)}::date`,
    ]);
    const promisedByDay: Record<string, Record<string, number>> = {};
    for (const row of capacity) {
      const days = promisedByDay[row.warehouseCode] ?? {};
      days[row.day.toISOString().slice(0, 10)] = row.load;
      promisedByDay[row.warehouseCode] = days;
    }
    const inbound: InboundFacts[] = levels
      .filter((row) => row.kind === 'inbound' && row.at)
      .map((row) => ({
        warehouseCode: row.warehouseCode,
        skuCode: row.skuCode,
        quantity: row.quantity,
        expectedAtMs: toBusinessMs(request.clock, row.at?.getTime() ?? request.nowMs),
      }));
    return {
      nowMs: toBusinessMs(request.clock, request.nowMs),
      serviceLevel: request.serviceLevel,
      backorderPolicy: request.backorderPolicy,
      lines: request.lines,
      destination: request.destination,
      stock: levels
        .filter((row) => row.kind === 'stock')
        .map((row) => ({ warehouseCode: row.warehouseCode, skuCode: row.skuCode, available: row.quantity })),
      inbound,
      promisedByDay,
      ...(request.requestedBy !== undefined ? { requestedByMs: toBusinessMs(request.clock, request.requestedBy) } : {}),
    };
  }

  private async loadNetwork(): Promise<{ facts: NetworkFacts; onTimeShares: ReadonlyMap<string, number> }> {
    const [warehouses, skus, carriers] = await Promise.all([
      this.db.warehouse.findMany({ where: { active: true }, include: { boxTypes: { where: { active: true } } }, orderBy: { code: 'asc' } }),
      this.db.sku.findMany({ select: { code: true, weightGrams: true, lengthMm: true, widthMm: true, heightMm: true } }),
      this.db.carrier.findMany({ where: { active: true }, include: { services: true }, orderBy: { code: 'asc' } }),
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
    const counts = await this.db.$queryRaw<TransitCount[]>`
      SELECT "carrierCode", "serviceCode", "originCountry", "destinationCountry", "quotedDays", "deliveryDays", count(*)::int AS parcels
      FROM "TransitObservation" WHERE "createdAt" >= ${new Date(nowMs - this.options.transitWindowMs)}
      GROUP BY 1, 2, 3, 4, 5, 6`;
    return new TransitModel(onTimeShares, counts);
  }
}
