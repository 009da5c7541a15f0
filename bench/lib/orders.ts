import { randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import type { OrderRequest } from '../../domain/order';
import { INTAKE_KEY, type Stack, sleep } from './stack';

/**
 * Orders as an order source sends them, and the ways a benchmark waits for them.
 * `single`: one line, one shipment. `split5`: five lines that no single warehouse holds together,
 * so the order splits into three shipments (PAR1, LYS1, HAM1).
 */
export type OrderShape = 'single' | 'split5';

const SHIP_TO = { name: 'Camille Martin', line1: '12 rue de la République', city: 'Lyon', postalCode: '69002', countryCode: 'FR' };

export function orderRequest(shape: OrderShape, n: number): OrderRequest {
  const lines =
    shape === 'single'
      ? [{ sku: 'MUG-CER-350', quantity: 1 }]
      : [
          { sku: 'FRAME-OAK-30X40', quantity: 1 },
          { sku: 'BOOK-COOK-XL', quantity: 1 },
          { sku: 'SOCKS-WOOL-3P', quantity: 1 },
          { sku: 'MUG-TRAVEL-450', quantity: 1 },
          { sku: 'DUMBBELL-5KG', quantity: 1 },
        ];
  return {
    customer: { id: `CUST-BENCH-${n % 97}`, name: 'Camille Martin' },
    shipTo: SHIP_TO,
    lines,
    serviceLevel: 'standard',
    backorderPolicy: 'backorder',
    backorderWaitHours: 72,
    source: 'bench',
  };
}

export interface Posted {
  status: number;
  orderId?: string;
  ms: number;
}

/**
 * An order source's HTTP client: keep-alive connections, at most 64 to the API, as any shop
 * platform's pool would hold. (A fresh socket per order makes a burst of thousands a test of the
 * kernel's listen backlog: connections time out before the API ever sees them.)
 */
const orderSource = new Agent({ keepAlive: true, maxSockets: 64 });

/** POSTs one order; `status` 0 when no answer came (connection failure or 30 s timeout). */
export function postOrder(apiUrl: string, body: OrderRequest, idempotencyKey = randomUUID()): Promise<Posted> {
  const started = performance.now();
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    const request = httpRequest(
      `${apiUrl}/orders`,
      {
        method: 'POST',
        agent: orderSource,
        timeout: 30_000,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          'x-api-key': INTAKE_KEY,
          'idempotency-key': idempotencyKey,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          let orderId: string | undefined;
          try {
            orderId = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { orderId?: string }).orderId;
          } catch {
            // not JSON: the status says enough
          }
          resolve({ status: response.statusCode ?? 0, ms: performance.now() - started, ...(orderId ? { orderId } : {}) });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    request.end(payload);
  });
}

/** Posts `count` orders with at most `concurrency` in flight; every answer is returned. */
export async function postOrders(apiUrl: string, shape: OrderShape, count: number, concurrency = 32): Promise<Posted[]> {
  const results: Posted[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const n = next++;
        let posted: Posted;
        try {
          posted = await postOrder(apiUrl, orderRequest(shape, n));
        } catch {
          posted = { status: 0, ms: 0 };
        }
        results.push(posted);
      }
    }),
  );
  return results;
}

export interface OrderCounts {
  total: number;
  completed: number;
  cancelled: number;
  failed: number;
  other: number;
}

export async function orderCounts(stack: Pick<Stack, 'db'>, orderIds?: string[]): Promise<OrderCounts> {
  const rows = await stack.db.order.groupBy({
    by: ['status'],
    _count: { _all: true },
    ...(orderIds ? { where: { id: { in: orderIds } } } : {}),
  });
  const counts: OrderCounts = { total: 0, completed: 0, cancelled: 0, failed: 0, other: 0 };
  for (const row of rows) {
    const n = row._count._all;
    counts.total += n;
    if (row.status === 'completed') counts.completed += n;
    else if (row.status === 'cancelled') counts.cancelled += n;
    else if (row.status === 'failed') counts.failed += n;
    else counts.other += n;
  }
  return counts;
}

/** Waits until every one of `orderIds` is completed (or final), polling the database. */
export async function waitForOrders(
  stack: Pick<Stack, 'db'>,
  orderIds: string[],
  timeoutMs: number,
  onTick?: (counts: OrderCounts) => void,
): Promise<{ counts: OrderCounts; done: boolean; ms: number }> {
  const started = performance.now();
  for (;;) {
    const counts = await orderCounts(stack, orderIds).catch(() => undefined);
    if (counts) {
      onTick?.(counts);
      const final = counts.completed + counts.cancelled + counts.failed;
      if (final >= orderIds.length) return { counts, done: true, ms: performance.now() - started };
      if (performance.now() - started > timeoutMs) return { counts, done: false, ms: performance.now() - started };
    } else if (performance.now() - started > timeoutMs) {
      return { counts: { total: 0, completed: 0, cancelled: 0, failed: 0, other: 0 }, done: false, ms: performance.now() - started };
    }
    await sleep(200);
  }
}

/** Waits until every accepted order's workflow has started (OrderIntake.startedAt set): intake answers before that. */
/** Accepted orders whose workflow has not started yet (the intake backlog). */
export const unstartedOrders = (stack: Stack) => stack.db.orderIntake.count({ where: { startedAt: null } });

export async function drainStarts(stack: Stack, timeoutMs = 600_000): Promise<{ backlog: number; drainSeconds: number }> {
  const started = performance.now();
  const backlog = await unstartedOrders(stack);
  for (let left = backlog; left > 0; left = await unstartedOrders(stack)) {
    if (performance.now() - started > timeoutMs) throw new Error(`${left} accepted orders still unstarted after ${timeoutMs / 1000} s`);
    await sleep(200);
  }
  return { backlog, drainSeconds: (performance.now() - started) / 1000 };
}
