import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACTION_KINDS, type HistoryCost, historyCost, meanCost } from './lib/actions';
import type { BenchOptions } from './lib/cli';
import { type ExportedOrder, exportOrderHistories } from './lib/history-export';
import { type OrderShape, orderRequest, postOrder, waitForOrders } from './lib/orders';
import { fmt, printTable, writeResult } from './lib/report';
import { type Stack, withStack } from './lib/stack';

/**
 * What one order costs the Temporal engine: single-item and 5-line split orders placed over HTTP at
 * the demo clock (COLIS_TIME_SCALE=1440, what `npm start` runs) and at instant speed (1e6, as the
 * throughput bench: a day of transit is 86 ms), each waited out to the end, then its histories
 * (order + children, every run) exported from the server and counted: billable actions by kind
 * (Temporal Cloud's definition, see lib/actions.ts), events, serialized bytes and the server's own
 * historySizeBytes. The same exporter and counter measure Temporal's reference app
 * (bench/reference-app.ts), so the two compare like for like.
 */

export { DEMO_CLOCK, INSTANT_CLOCK } from './lib/clocks';
import { DEMO_CLOCK, INSTANT_CLOCK } from './lib/clocks';

export interface OrderCost {
  clock: number;
  shape: string;
  workflowId: string;
  cost: HistoryCost;
  serverHistoryBytes: number;
}

export async function cost(options: BenchOptions): Promise<void> {
  const clocks = options.smoke ? [INSTANT_CLOCK] : (options.args.clocks ?? `${DEMO_CLOCK},${INSTANT_CLOCK}`).split(',').map(Number);
  const counts: Record<OrderShape, number> = options.smoke
    ? { single: 2, split5: 1 }
    : { single: Number(options.args.single ?? 5), split5: Number(options.args.split ?? 3) };
  const timeoutMs = Number(options.args['timeout-min'] ?? 20) * 60_000;
  const saveDir = options.args['save-histories'];
  const orders: OrderCost[] = [];
  for (const clock of clocks) {
    // `--cutoff=00:00`: every order waits for its pick slot (the wait's cost, measured on purpose, not by the hour).
    const cutoff = options.args.cutoff ? { cutoffLocalTime: options.args.cutoff } : {};
    await withStack({ timeScale: clock, extraStock: 10_000, ...cutoff }, async (stack) => {
      for (const shape of ['single', 'split5'] as const) {
        orders.push(...(await measureColis(stack, clock, shape, counts[shape], timeoutMs, saveDir)));
      }
    });
  }
  printCosts('Colis', orders);
  writeResult(`cost${options.smoke ? '-smoke' : ''}`, { subject: 'colis', clocks, counts, orders, means: means(orders) });
}

/** Places `count` orders of one shape, waits for them all to end, and counts each one's histories. */
async function measureColis(
  stack: Stack,
  clock: number,
  shape: OrderShape,
  count: number,
  timeoutMs: number,
  saveDir: string | undefined,
): Promise<OrderCost[]> {
  const orderIds: string[] = [];
  for (let n = 0; n < count; n++) {
    const posted = await postOrder(stack.apiUrl, orderRequest(shape, n));
    if (posted.status !== 202 || !posted.orderId) throw new Error(`POST /orders answered ${posted.status} for a ${shape} order`);
    orderIds.push(posted.orderId);
  }
  const waited = await waitForOrders(stack, orderIds, timeoutMs);
  if (!waited.done)
    throw new Error(`${shape} orders at clock ${clock} not final after ${timeoutMs / 60_000} min: ${JSON.stringify(waited.counts)}`);
  process.stdout.write(
    `  clock ${clock}, ${count} ${shape} order(s) final after ${fmt(waited.ms / 1000)} s: ${JSON.stringify(waited.counts)}\n`,
  );
  const costs: OrderCost[] = [];
  for (const orderId of orderIds) {
    const workflowId = `order-${orderId}`;
    const exported = await exportOrderHistories(stack.client, workflowId);
    if (saveDir) saveHistories(saveDir, `colis-${clock}-${shape}`, exported);
    costs.push({ clock, shape, workflowId, cost: historyCost(exported.runs), serverHistoryBytes: exported.serverHistoryBytes });
  }
  return costs;
}

export function saveHistories(dir: string, prefix: string, exported: ExportedOrder): void {
  mkdirSync(dir, { recursive: true });
  for (const run of exported.runs) {
    writeFileSync(join(dir, `${prefix}.${run.workflowId}.${run.runId}.json`), `${JSON.stringify(run.history)}\n`);
  }
}

export interface MeanCost {
  subject: string;
  clock: number;
  shape: string;
  orders: number;
  cost: HistoryCost;
  serverHistoryBytes: number;
}

export function means(orders: readonly OrderCost[], subject = 'colis'): MeanCost[] {
  const groups = new Map<string, OrderCost[]>();
  for (const o of orders) {
    const key = `${o.clock}|${o.shape}`;
    groups.set(key, [...(groups.get(key) ?? []), o]);
  }
  return [...groups.values()].map((group) => ({
    subject,
    clock: group[0]!.clock,
    shape: group[0]!.shape,
    orders: group.length,
    cost: meanCost(group.map((g) => g.cost)),
    serverHistoryBytes: group.reduce((n, g) => n + g.serverHistoryBytes, 0) / group.length,
  }));
}

/** One row per order, then the per-order means by kind, then where the activities and signals go. */
export function printCosts(subject: string, orders: readonly OrderCost[]): void {
  printTable(
    `${subject}: each order (order + children, every run)`,
    ['clock', 'shape', 'workflow', 'actions', 'events', 'history bytes', 'server historySizeBytes'],
    orders.map((o) => [o.clock, o.shape, o.workflowId, o.cost.totalActions, o.cost.events, o.cost.historyBytes, o.serverHistoryBytes]),
  );
  printMeans(subject, means(orders, subject));
}

export function printMeans(title: string, rows: readonly MeanCost[]): void {
  printTable(
    `${title}: per order, mean; billable actions by kind (Temporal Cloud's unit)`,
    ['subject', 'clock', 'shape', 'orders', ...ACTION_KINDS, 'actions', 'events', 'history kB', 'server kB'],
    rows.map((m) => [
      m.subject,
      m.clock,
      m.shape,
      m.orders,
      ...ACTION_KINDS.map((k) => fmt(m.cost.actions[k])),
      fmt(m.cost.totalActions),
      fmt(m.cost.events),
      fmt(m.cost.historyBytes / 1000),
      fmt(m.serverHistoryBytes / 1000),
    ]),
  );
  for (const m of rows) {
    const top = (r: Record<string, number>) =>
      Object.entries(r)
        .sort((x, y) => y[1] - x[1])
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ');
    process.stdout.write(`\n${m.subject} @${m.clock} ${m.shape}: activity attempts: ${top(m.cost.activityAttemptsByType)}\n`);
    process.stdout.write(`${m.subject} @${m.clock} ${m.shape}: signals: ${top(m.cost.signalsByName)}\n`);
    process.stdout.write(`${m.subject} @${m.clock} ${m.shape}: events: ${top(m.cost.eventsByType)}\n`);
  }
}
