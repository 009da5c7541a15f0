import { addDays, localTimeMs } from '../../domain/local-time';
import type { OrderRequest, ServiceLevel } from '../../domain/order';
import { hashSeed, mulberry32, type Random } from '../carrier-simulator/prng';
import type { Scenario } from './scenario';

/**
 * The orders of a scenario, drawn once from its seed: when each arrives (business time), what it holds,
 * where it goes and at which service level. The same scenario always gives the same orders, whichever
 * decision rules then serve them, so the baseline and the promise engine face the same week.
 */

export interface SimulatedOrder {
  /** Sequence number, also the idempotency key's tail. */
  n: number;
  /** Business instant it arrives. */
  atMs: number;
  day: number;
  request: OrderRequest;
}

const ZONE = 'Europe/Paris';

/** The Idempotency-Key an order of the scenario is posted with: the API derives the order id from it. */
export const simulatedOrderKey = (scenario: Pick<Scenario, 'name' | 'seed'>, n: number): string =>
  `sim-${scenario.name}-${scenario.seed}-${n}`;

export function demandOf(scenario: Scenario): SimulatedOrder[] {
  const random = mulberry32(hashSeed(`${scenario.name}:${scenario.seed}:demand`));
  const [fromHour, toHour] = scenario.orderHours;
  const orders: SimulatedOrder[] = [];
  scenario.ordersPerDay.forEach((count, day) => {
    const date = addDays(scenario.startDay, day);
    const opens = localTimeMs(date, fromHour * 60, ZONE);
    const closes = localTimeMs(date, toHour * 60, ZONE);
    const instants = Array.from({ length: count }, () => opens + random() * (closes - opens)).sort((a, b) => a - b);
    for (const atMs of instants) {
      const n = orders.length + 1;
      orders.push({ n, atMs: Math.round(atMs), day, request: orderRequest(scenario, random, n) });
    }
  });
  return orders;
}

function orderRequest(scenario: Scenario, random: Random, n: number): OrderRequest {
  const destination = pick(random, scenario.destinations);
  const lineCount = 1 + Math.floor(random() * scenario.maxLines);
  const lines: OrderRequest['lines'] = [];
  for (let i = 0; i < lineCount; i++) {
    const sku = pick(random, scenario.skus);
    if (lines.some((line) => line.sku === sku.sku)) continue;
    lines.push({ sku: sku.sku, quantity: 1 + Math.floor(random() * sku.maxQuantity) });
  }
  const levels = Object.entries(scenario.serviceLevels).map(([level, weight]) => ({ level: level as ServiceLevel, weight }));
  return {
    // Synthetic customers: no real names or addresses in a simulation.
    customer: { id: `SIM-${scenario.seed}-${n}`, name: `Simulated customer ${n}` },
    shipTo: {
      name: `Simulated customer ${n}`,
      line1: destination.line1,
      city: destination.city,
      postalCode: destination.postalCode,
      countryCode: destination.countryCode,
    },
    lines,
    serviceLevel: pick(random, levels).level,
    backorderPolicy: 'backorder',
    backorderWaitHours: 72,
    source: 'simulation',
  };
}

function pick<T extends { weight: number }>(random: Random, items: readonly T[]): T {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let u = random() * total;
  for (const item of items) {
    u -= item.weight;
    if (u < 0) return item;
  }
  const last = items[items.length - 1];
  if (!last) throw new Error('nothing to pick from');
  return last;
}
