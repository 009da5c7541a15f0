import { existsSync, readFileSync } from 'node:fs';
import { businessClock, type BusinessClock, toBusinessMs, toRealMs } from '../../domain/business-clock';
import type { DecisionRules } from '../../domain/decision-rules';
import { ids } from '../../domain/ids';
import { FINAL_ORDER_STAGES } from '../../domain/lifecycle';
import { localTimeMs } from '../../domain/local-time';
import { setBusinessClock } from '../../activities/business-clock';
import { cachedWorkflowBundle } from '../../worker/workflow-bundles';
import { saveFulfilmentReport } from './fulfilment-report';
import { INTAKE_KEY, type NodeProcess, OPS_KEY, type Stack, startStack } from '../../bench/lib/stack';
import type { TransitTruth } from '../carrier-simulator/transit-truth';
import { demandOf, type SimulatedOrder, simulatedOrderKey } from './demand';
import { stalledFirstLabel } from './draws';
import { measure, type SimulationResult } from './metrics';
import type { Scenario } from './scenario';
import { WORKER_ENVIRONMENT, WORKER_NODE_FLAGS } from '../../worker/node-flags';

/**
 * One run of a scenario on the real stack — embedded PostgreSQL, the Temporal dev server, the API and the
 * workers as processes of their own, the simulated carriers in calendar mode — at the scenario's accelerated
 * business clock, under one set of decision rules. Orders are posted through the API when their business
 * instant comes; a simulated ops desk answers escalations through the API; a warehouse outage marks the
 * warehouse down and stops the worker serving its queue for the outage. At the end the database is measured.
 */

export interface RunOptions {
  scenario: Scenario;
  rules: DecisionRules;
  log: (line: string) => void;
}

const ZONE = 'Europe/Paris';
const DAY_MS = 86_400_000;
/**
 * Real time the processes get to start before business day 0 begins. The workflow bundles are built (or
 * found in their cache) before the clock is set, so starting is reading them: seconds. A start slower than
 * this is reported; its first orders then arrive in a burst.
 */
const LEAD_MS = 45_000;
const MAX_IN_FLIGHT = 8;

export async function runScenario(options: RunOptions): Promise<SimulationResult> {
  const { scenario } = options;
  // Built once per code version and cached: the workers that start below only read them.
  await Promise.all([cachedWorkflowBundle('workflows'), cachedWorkflowBundle('notify')]);
  const stack = await startStack({ timeScale: scenario.timeScale, services: 'none', extraStock: scenario.extraStock });
  try {
    return await runOn(stack, options);
  } finally {
    await stack.stop();
  }
}

async function runOn(stack: Stack, { scenario, rules, log }: RunOptions): Promise<SimulationResult> {
  const { db } = stack;
  for (const [code, override] of Object.entries(scenario.warehouses)) {
    if (override.dailyCapacity) await db.warehouse.update({ where: { code }, data: { dailyCapacityShipments: override.dailyCapacity } });
  }
  const initialStock = new Map<string, Map<string, number>>();
  for (const level of await db.inventoryLevel.findMany()) {
    const byWarehouse = initialStock.get(level.warehouseCode) ?? new Map<string, number>();
    byWarehouse.set(level.skuCode, level.onHand - level.reserved);
    initialStock.set(level.warehouseCode, byWarehouse);
  }

  const weekStartMs = localTimeMs(scenario.startDay, 0, ZONE);
  const clock: BusinessClock = {
    ...businessClock(scenario.timeScale, Date.now()),
    realOriginMs: Date.now() + LEAD_MS,
    businessOriginMs: weekStartMs,
  };
  await setBusinessClock(db, clock);
  const truth: TransitTruth = { clock, delays: scenario.carriers.transit?.delays ?? {} };

  const apiPort = new URL(stack.apiUrl).port;
  const decisionEnv = {
    COLIS_DECISION_RULES: rules,
    ...(scenario.targets.promiseConfidence ? { COLIS_PROMISE_CONFIDENCE: String(scenario.targets.promiseConfidence) } : {}),
    ...(scenario.targets.onTimeTarget ? { COLIS_ON_TIME_TARGET: String(scenario.targets.onTimeTarget) } : {}),
  };
  const outageWarehouses = [...new Set(scenario.outages.map((o) => o.warehouseCode))];
  const allWarehouses = (await db.warehouse.findMany({ where: { active: true }, select: { code: true } })).map((w) => w.code);
  const steady = allWarehouses.filter((code) => !outageWarehouses.includes(code)).map((code) => `warehouse:${code}`);
  const workerEnv = {
    ...WORKER_ENVIRONMENT,
    ...decisionEnv,
    COLIS_SIMULATOR_SCRIPT: JSON.stringify(scenario.carriers),
    COLIS_WEBHOOK_TARGET_URL: stack.apiUrl,
  };
  // Each warehouse that goes down has a worker of its own, stopped for the outage: its queue is not served.
  const warehouseWorkers = new Map<string, NodeProcess>();
  const startWarehouseWorker = async (code: string) => {
    warehouseWorkers.set(
      code,
      await stack.spawnNode(`worker-${code}`, 'worker/main.ts', { ...workerEnv, COLIS_WORKER_QUEUES: `warehouse:${code}` }, [
        ...WORKER_NODE_FLAGS,
      ]),
    );
  };
  await Promise.all([
    stack.spawnNode('api', 'api/main.ts', { COLIS_API_PORT: apiPort, COLIS_API_HOST: '127.0.0.1', ...decisionEnv }),
    stack.spawnNode(
      'worker',
      'worker/main.ts',
      {
        ...workerEnv,
        COLIS_WORKER_QUEUES: ['orders', 'carriers', ...steady].join(','),
        COLIS_SIMULATOR_STATE_FILE: stack.simulatorStateFile,
      },
      [...WORKER_NODE_FLAGS],
    ),
    ...outageWarehouses.map(startWarehouseWorker),
  ]);
  const lateByMs = Date.now() - clock.realOriginMs;
  if (lateByMs > 0)
    log(`the processes took ${Math.round(lateByMs / 1000)} s longer to start than planned: the first orders arrive in a burst`);
  log(`stack ready (${rules} rules); business day 0 = ${scenario.startDay}, ${scenario.timeScale}× real time`);

  const businessNow = () => toBusinessMs(clock, Date.now());
  const sleepUntilBusiness = async (businessMs: number) => {
    const waitMs = toRealMs(clock, businessMs) - Date.now();
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  };
  const isDown = (code: string, atMs: number) =>
    scenario.outages.some(
      (o) => o.warehouseCode === code && atMs >= weekStartMs + o.fromDay * DAY_MS && atMs < weekStartMs + o.toDay * DAY_MS,
    );

  const accepted: string[] = [];
  const placedAt = new Map<string, number>();
  let refused = 0;
  const demand = demandOf(scenario);
  const lastDemandMs = weekStartMs + scenario.ordersPerDay.length * DAY_MS;
  const deadlineMs = lastDemandMs + scenario.tailDays * DAY_MS;

  let running = true;
  const ops = opsDesk(stack.apiUrl, () => running, log);
  const outages = playOutages(scenario, weekStartMs, sleepUntilBusiness, async (outage, down) => {
    if (!running) return;
    log(`${outage.warehouseCode} ${down ? 'down' : 'back up'} (business ${new Date(businessNow()).toISOString().slice(0, 16)})`);
    // Ops declare it through the API (its waiting shipments hear it and move); its worker stops, as in a real outage.
    await declareAvailability(stack.apiUrl, outage.warehouseCode, down, outage.reason);
    if (down) await warehouseWorkers.get(outage.warehouseCode)?.stop();
    else await startWarehouseWorker(outage.warehouseCode);
  });

  const inFlight = new Set<Promise<void>>();
  for (const order of demand) {
    await sleepUntilBusiness(order.atMs);
    while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    const posting = post(stack.apiUrl, scenario, order)
      .then((orderId) => {
        if (orderId) {
          accepted.push(orderId);
          placedAt.set(orderId, order.atMs);
        } else refused += 1;
      })
      .finally(() => inFlight.delete(posting));
    inFlight.add(posting);
    if (order.n % 50 === 0)
      log(`${order.n}/${demand.length} orders posted (business ${new Date(businessNow()).toISOString().slice(0, 16)})`);
  }
  await Promise.all(inFlight);
  log(`${accepted.length} orders accepted, ${refused} refused; waiting for the journeys to end`);

  for (;;) {
    const open = await db.order.count({ where: { id: { in: accepted }, status: { notIn: [...FINAL_ORDER_STAGES] } } });
    if (open === 0 || businessNow() >= deadlineMs) break;
    await new Promise((r) => setTimeout(r, 2_000));
  }
  running = false;
  const stillRunning = await journeysStillRunning(stack, accepted);
  if (stillRunning.size > 0)
    log(
      `${stillRunning.size} journeys still running at the business deadline: counted as unfinished (late once their promise passed), not lost`,
    );
  await ops;
  // An outage still to end (the run ended first) has nothing left to do: the stack stops with everything.
  void outages.catch(() => undefined);
  // The simulated carriers save their state on every sale: what they sold is on disk while they run.
  const result = await measure({
    db,
    scenario: scenario.name,
    rules,
    clock,
    truth,
    acceptedOrderIds: accepted,
    placedAtMs: placedAt,
    initialStock,
    isDown,
    stalledFirstLabel: stalledFirstLabel(scenario),
    labelsSoldByCarriers: labelsSold(stack.simulatorStateFile),
    stillRunning,
  });
  // measure() stored each order's hindsight: the API's report can now set cost against it.
  await saveFulfilmentReport(stack.apiUrl, scenario.name, rules, log);
  return { ...result, targets: scenario.targets };
}

/**
 * The accepted orders not finished whose journey Temporal still runs: behind (a loaded machine at an accelerated
 * clock), not lost. One whose workflow is gone or closed without finishing the order is what `lost` counts.
 */
async function journeysStillRunning(stack: Stack, accepted: readonly string[]): Promise<Set<string>> {
  const open = await stack.db.order.findMany({
    where: { id: { in: [...accepted] }, status: { notIn: [...FINAL_ORDER_STAGES] } },
    select: { id: true },
  });
  const running = new Set<string>();
  for (const { id } of open) {
    const description = await stack.client.workflow
      .getHandle(ids.orderWorkflowId(id))
      .describe()
      .catch(() => undefined);
    if (description?.status.name === 'RUNNING') running.add(id);
  }
  return running;
}

async function post(apiUrl: string, scenario: Scenario, order: SimulatedOrder): Promise<string | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const response = await fetch(`${apiUrl}/orders`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': INTAKE_KEY,
          'idempotency-key': simulatedOrderKey(scenario, order.n),
        },
        body: JSON.stringify(order.request),
      });
      if (response.status === 202 || response.status === 200) return ((await response.json()) as { orderId: string }).orderId;
      if (response.status < 500 && response.status !== 429) return undefined;
    } catch {
      // the API is busy or restarting: the same idempotency key makes the retry safe
    }
    await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
  }
  return undefined;
}

/** What an ops team would do, through the API: re-ship a stuck or broken parcel, wait otherwise. */
const DECISIONS: Record<string, string> = {
  stuck: 'reship',
  broken: 'reship',
  late: 'wait',
  no_carrier: 'wait',
  no_pick_slot: 'wait',
  backorder_deadline: 'ship_available',
};

async function declareAvailability(apiUrl: string, warehouseCode: string, down: boolean, reason: string): Promise<void> {
  const response = await fetch(`${apiUrl}/warehouses/${warehouseCode}/availability`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-api-key': OPS_KEY },
    body: JSON.stringify(down ? { status: 'down', reason } : { status: 'up' }),
  });
  if (!response.ok) throw new Error(`declaring ${warehouseCode} ${down ? 'down' : 'up'}: ${response.status} ${await response.text()}`);
}

async function opsDesk(apiUrl: string, running: () => boolean, log: (line: string) => void): Promise<void> {
  const answered = new Set<string>();
  let complained = false;
  while (running()) {
    try {
      const list = await fetch(`${apiUrl}/escalations?open=true&limit=100`, { headers: { 'x-api-key': OPS_KEY } });
      if (!list.ok) throw new Error(`listing escalations: ${list.status} ${await list.text()}`);
      const { items } = (await list.json()) as EscalationPage;
      for (const item of items) {
        if (answered.has(item.escalationId)) continue;
        const wanted = DECISIONS[item.reason] ?? 'wait';
        const decision = item.allowedDecisions.includes(wanted) ? wanted : (item.allowedDecisions[0] ?? 'wait');
        const response = await fetch(`${apiUrl}/escalations/${encodeURIComponent(item.escalationId)}/resolve`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': OPS_KEY, 'idempotency-key': `sim-ops-${item.escalationId}` },
          body: JSON.stringify({ decision, note: 'simulated ops desk' }),
        });
        // 409: already answered (by this desk before a retry, or by the workflow itself); 503: not held open yet, next round.
        if (response.ok || response.status === 409) answered.add(item.escalationId);
        else if (response.status !== 503) throw new Error(`resolving ${item.escalationId}: ${response.status} ${await response.text()}`);
      }
    } catch (error) {
      // A desk that cannot answer changes every figure of the run: say so (once, not every second).
      if (!complained) log(`ops desk: ${error instanceof Error ? error.message : String(error)}`);
      complained = true;
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** The part of `GET /escalations` the desk reads (domain/api.ts, EscalationRecordSchema). */
interface EscalationPage {
  items: { escalationId: string; reason: string; allowedDecisions: string[] }[];
}

async function playOutages(
  scenario: Scenario,
  weekStartMs: number,
  sleepUntilBusiness: (ms: number) => Promise<void>,
  apply: (outage: Scenario['outages'][number], down: boolean) => Promise<void>,
): Promise<void> {
  const events = scenario.outages
    .flatMap((outage) => [
      { atMs: weekStartMs + outage.fromDay * DAY_MS, outage, down: true },
      { atMs: weekStartMs + outage.toDay * DAY_MS, outage, down: false },
    ])
    .sort((a, b) => a.atMs - b.atMs);
  for (const event of events) {
    await sleepUntilBusiness(event.atMs);
    await apply(event.outage, event.down);
  }
}

/** Labels the simulated carriers sold, from their saved state (one per idempotency key). */
function labelsSold(stateFile: string): number {
  if (!existsSync(stateFile)) return 0;
  const snapshot = JSON.parse(readFileSync(stateFile, 'utf8')) as { labels?: unknown[] };
  return snapshot.labels?.length ?? 0;
}
