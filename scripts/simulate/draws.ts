import { deriveOrderId } from '../../api/services/intake';
import { ids } from '../../domain/ids';
import { INTAKE_KEY_NAME } from '../../bench/lib/stack';
import { drawnScenario, SCENARIO_FINAL_STATUS } from '../carrier-simulator/scenarios';
import { demandOf, simulatedOrderKey } from './demand';
import type { Scenario } from './scenario';

/**
 * What a scenario's seed deals before any decision is made: which orders' first parcels the simulated carriers will
 * stall. A stall is drawn per label from its idempotency key (scenarios.ts), and the key follows from the order id,
 * which the API derives from the simulator's idempotency key (api/services/intake.ts): so the same orders stall in
 * every run of a seed, whatever the rules. A seed that stalls far more than the scenario's share, or stalls mostly
 * express orders (whose next-day promise no replacement can keep), sets the on-time rate before any rule runs: the
 * RESULT line says how many, so a run is read against its draw.
 */
export interface StallDraw {
  /** The configured share of labels that stall. */
  share: number;
  orders: number;
  /** Orders whose first shipment's first label stalls. */
  stalled: number;
  expressOrders: number;
  expressStalled: number;
}

/**
 * Whether the carriers deal a shipment's first label a journey that never delivers it (a stall, a loss), whoever
 * carries it: the draw is keyed by the label, not by the choice. The hindsight knows it (hindsight.ts).
 */
export function stalledFirstLabel(scenario: Scenario): (shipmentId: string) => boolean {
  const shares = scenario.carriers.shares ?? {};
  return (shipmentId) => {
    const dealt = drawnScenario(shares, `${shipmentId}:1`);
    return dealt !== undefined && SCENARIO_FINAL_STATUS[dealt] !== 'delivered';
  };
}

export function stallDraw(scenario: Scenario): StallDraw {
  const shares = scenario.carriers.shares ?? {};
  const orders = demandOf(scenario);
  let stalled = 0;
  let expressStalled = 0;
  for (const order of orders) {
    const orderId = deriveOrderId(INTAKE_KEY_NAME, simulatedOrderKey(scenario, order.n));
    if (drawnScenario(shares, `${ids.shipmentId(orderId, 1)}:1`) !== 'stall') continue;
    stalled += 1;
    if (order.request.serviceLevel === 'express') expressStalled += 1;
  }
  return {
    share: shares.stall ?? 0,
    orders: orders.length,
    stalled,
    expressOrders: orders.filter((o) => o.request.serviceLevel === 'express').length,
    expressStalled,
  };
}
