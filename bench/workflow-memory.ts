import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createOrderQueueActivities } from '../activities';
import { defaultConfig } from '../config';
import { DAY_MS } from '../domain/clock';
import { ids, TASK_QUEUES } from '../domain/ids';
import { type OrderWorkflowInput, OrderRequestSchema } from '../domain/order';
import { colisDataConverter, FAILURE_CONVERTER_PATH, payloadSealing } from '../worker/data-converter';
import { buildCarriers } from '../carriers/wiring';
import { createColisWorkers, WORKFLOWS_PATH } from '../worker/workers';
import { searchAttributes } from '../workflows/definitions';
import type { BenchOptions } from './lib/cli';
import { orderRequest } from './lib/orders';
import { fmt, printTable, writeResult } from './lib/report';
import { type Stack, sleep, withStack } from './lib/stack';

/**
 * Memory per cached workflow: the live heap of the workflow sandbox after a full collection, per order
 * and shipment workflow held in the worker's sticky cache, taken as the slope between two counts of
 * waiting orders so the fixed cost (the bundle's shared context, the worker) drops out.
 *
 * The orders worker runs in this process in debug mode (same reusable V8 context, on the main thread,
 * where `process.memoryUsage()` and a forced GC reach it); activities are the real ones on the real
 * database; every parcel plays the simulator's `stall` scenario at real time, so each order and its
 * shipment wait, cached, for scans. Variants, each on a fresh worker:
 *   v2             the current workflows (orderWorkflowV3, the v2 code's lean generation) from the worker's bundle (v1 included);
 *   v2-only        the same workflows from a bundle without the frozen v1 (does v1 cost per workflow?);
 *   v1             orders started as the frozen `orderWorkflow` from the worker's bundle.
 * `--variants=v2,v1 --orders=60,160`; `--smoke`: 10 and 30 orders.
 */

const V2_ONLY_ENTRY = fileURLToPath(new URL('./lib/workflows-v2-only.ts', import.meta.url));
const WAITING = ['label_created', 'in_transit'] as const;

type Variant = 'v2' | 'v2-only' | 'v1';
const WORKFLOW_TYPE: Record<Variant, string> = { v2: 'orderWorkflowV3', 'v2-only': 'orderWorkflowV3', v1: 'orderWorkflow' };

function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export async function workflowMemory(options: BenchOptions): Promise<void> {
  const counts = options.smoke ? [10, 30] : (options.args.orders ?? '60,160').split(',').map(Number);
  const variants = (options.args.variants ?? 'v2,v2-only,v1').split(',') as Variant[];
  const gc = collector();
  const rows: (string | number)[][] = [];
  const results: object[] = [];
  await withStack({ timeScale: 1, services: 'none', extraStock: 100_000, openWarehouses: true }, async (stack) => {
    const connection = await NativeConnection.connect({ address: stack.temporalAddress });
    // The stack's client and processes use the development key ring (no COLIS_PAYLOAD_KEYS): so do these workers.
    const dataConverter = colisDataConverter(payloadSealing(defaultConfig()));
    const bundles: Record<string, Promise<WorkflowBundleWithSourceMap>> = {};
    const bundle = (entry: string) => {
      bundles[entry] ??= bundleWorkflowCode({ workflowsPath: entry, failureConverterPath: FAILURE_CONVERTER_PATH, logger: quiet });
      return bundles[entry];
    };
    for (const variant of variants) {
      const workflowBundle = await bundle(variant === 'v2-only' ? V2_ONLY_ENTRY : WORKFLOWS_PATH);
      const carriers = buildCarriers({ timeScale: 1, script: { default: 'stall' } });
      const warehouses = (await stack.db.warehouse.findMany({ select: { code: true } })).map((w) => w.code);
      const others = await createColisWorkers({
        connection,
        namespace: 'default',
        db: stack.db,
        carriers,
        dataConverter,
        queues: { orders: false, carriers: true, warehouses, notify: false },
      });
      const orders = await Worker.create({
        connection,
        namespace: 'default',
        dataConverter,
        taskQueue: TASK_QUEUES.orders,
        workflowBundle,
        activities: createOrderQueueActivities({ db: stack.db, carriers }),
        maxCachedWorkflows: 10_000,
        debugMode: true,
      });
      const running = orders.run();
      const samples: { orders: number; cached: number; heapMiB: number }[] = [];
      let placed = 0;
      for (const target of counts) {
        for (; placed < target; placed++) await placeOrder(stack, WORKFLOW_TYPE[variant], placed);
        await untilWaiting(stack, target);
        await sleep(2_000);
        gc();
        gc();
        const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
        samples.push({ orders: target, cached: orders.getStatus().numCachedWorkflows, heapMiB });
        process.stdout.write(
          `  ${variant}: ${target} orders waiting, ${samples.at(-1)?.cached} cached workflows, heap ${fmt(heapMiB)} MiB\n`,
        );
      }
      const [first, last] = [samples[0], samples.at(-1)];
      const perWorkflowKiB =
        first && last && last.cached > first.cached ? ((last.heapMiB - first.heapMiB) * 1024) / (last.cached - first.cached) : NaN;
      rows.push([variant, ...samples.map((s) => `${s.cached} → ${fmt(s.heapMiB)} MiB`), fmt(perWorkflowKiB, 0)]);
      results.push({ variant, samples, perWorkflowKiB });
      orders.shutdown();
      await running;
      await others.shutdown();
      carriers.close();
      await stack.db.$executeRawUnsafe('TRUNCATE "Order", "OrderIntake" CASCADE').catch(() => undefined);
    }
    await connection.close();
  });
  printTable(
    'workflow sandbox heap after a full GC, per cached workflow (order and shipment each count one), stall scenario at real time',
    ['variant', ...counts.map((c) => `${c} orders: cached → heap`), 'KiB per cached workflow'],
    rows,
  );
  writeResult(`workflow-memory${options.smoke ? '-smoke' : ''}`, { counts, results });
}

async function placeOrder(stack: Stack, workflowType: string, n: number): Promise<void> {
  const orderId = `ORD-M${randomBytes(4).toString('hex').toUpperCase()}${n}`;
  const request = OrderRequestSchema.parse(orderRequest('single', n));
  const now = Date.now();
  const input: OrderWorkflowInput = {
    orderId,
    idempotencyKey: `memory-${orderId}`,
    requestHash: orderId,
    receivedAt: new Date(now).toISOString(),
    promisedBy: new Date(now + 10 * DAY_MS).toISOString(),
    request,
    timeScale: 1,
  };
  await stack.client.workflow.start(workflowType, {
    workflowId: ids.orderWorkflowId(orderId),
    taskQueue: TASK_QUEUES.orders,
    args: [input],
    typedSearchAttributes: [
      { key: searchAttributes.orderId, value: orderId },
      { key: searchAttributes.customerId, value: request.customer.id },
      { key: searchAttributes.orderStatus, value: 'received' },
      { key: searchAttributes.promisedBy, value: new Date(input.promisedBy) },
      { key: searchAttributes.escalated, value: false },
    ],
  });
}

async function untilWaiting(stack: Stack, target: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const waiting = await stack.db.shipment.count({ where: { status: { in: [...WAITING] } } });
    if (waiting >= target) return;
    await sleep(500);
  }
  throw new Error(`fewer than ${target} shipments reached ${WAITING.join('/')} within 5 minutes`);
}

const noop = () => {};
const quiet = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };
