import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { exportOrderHistories } from './history-export';
import type { OrderShape } from './orders';
import { freePort } from '../../scripts/lib/ports';
import { type Stack, sleep } from './stack';
import { resultOnceStarted, type Subject } from './subjects';

// @temporalio/proto is CommonJS: reached through its default export under native ESM.
const { EventType } = proto.temporal.api.enums.v1;

/**
 * Temporal's Order Management reference app (github.com/temporalio/reference-app-orders-go) as a
 * subject on the same Temporal server as Colis: its `oms worker` and `oms api` processes, built by
 * the operator from a checkout they fetched (nothing of it is in this repository), its orders placed
 * through its own API, and a courier that moves each booked shipment to dispatched then delivered
 * through the API's carrier endpoint, as its web app's courier page does. It runs on the server's
 * `default` namespace and its own task queues (orders, shipments, billing); its API keeps its SQLite
 * store in a temporary folder.
 *
 * Its order is thinner than Colis's: stock reservation and booking are stubs, no carrier quotes, no
 * tracking (the two courier signals stand in), plus a billing workflow per fulfilment (started by
 * its API, exported with the order as related work). A 5-line order becomes 2 fulfilments there
 * (the first item, then the rest), 3 shipments in Colis.
 */

export async function startReferenceApp(stack: Stack, omsBinary: string): Promise<Subject> {
  if (!existsSync(omsBinary)) throw new Error(`no reference-app binary at ${omsBinary} (see bench/README.md)`);
  const workDir = mkdtempSync(join(stack.dir, 'reference-app-'));
  const ports = { BILLING: await freePort(), ORDER: await freePort(), SHIPMENT: await freePort(), FRAUD: await freePort() };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    BIND_ON_IP: '127.0.0.1',
  };
  for (const [service, port] of Object.entries(ports)) {
    env[`${service}_API_PORT`] = String(port);
    env[`${service}_API_URL`] = `http://127.0.0.1:${port}`;
  }
  // The API listens once its four servers log their endpoints; the worker has no ready line of its
  // own beyond the SDK's "Started Worker" for each of its three task queues.
  await stack.spawnProgram('reference-api', omsBinary, ['api'], { cwd: workDir, env, ready: /(Listening[\s\S]*){4}/ });
  const worker = await stack.spawnProgram('reference-worker', omsBinary, ['worker'], {
    cwd: workDir,
    env,
    ready: /(Started Worker[\s\S]*){3}/,
  });
  const orderApi = `http://127.0.0.1:${ports.ORDER}`;
  const shipmentApi = `http://127.0.0.1:${ports.SHIPMENT}`;
  const client = stack.client;
  return {
    name: 'reference app',
    workerPid: worker.pid,
    async journey(shape, count) {
      const started = performance.now();
      const ids = Array.from({ length: count }, () => `REF-${randomUUID().slice(0, 13)}`);
      const courier = runCourier(shipmentApi);
      try {
        let next = 0;
        let refused = 0;
        await Promise.all(
          Array.from({ length: Math.min(32, count) }, async () => {
            while (next < count) {
              const id = ids[next++]!;
              const response = await fetch(`${orderApi}/orders`, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ id, customerId: `CUST-BENCH-${next % 97}`, items: referenceItems(shape) }),
              });
              if (response.status !== 201) refused += 1;
            }
          }),
        );
        const workflowIds = ids.map((id) => `Order:${id}`);
        const outcomes = await Promise.allSettled(workflowIds.map((id) => resultOnceStarted(client, id)));
        const seconds = (performance.now() - started) / 1000;
        const notCompleted = refused + outcomes.filter((o) => o.status === 'rejected' || orderStatus(o.value) !== 'completed').length;
        return { seconds, perSecond: count / seconds, notCompleted, workflowIds };
      } finally {
        courier.stop();
        await courier.done;
      }
    },
    async exportOrder(workflowId) {
      return exportOrderHistories(client, workflowId, await chargeWorkflowIds(client, workflowId));
    },
  };
}

/** Distinct SKUs, none with "Adidas" in it (the reference app's stand-in for "out of stock"). */
function referenceItems(shape: OrderShape): { sku: string; quantity: number }[] {
  const skus =
    shape === 'single' ? ['MUG-CER-350'] : ['FRAME-OAK-30X40', 'BOOK-COOK-XL', 'SOCKS-WOOL-3P', 'MUG-TRAVEL-450', 'DUMBBELL-5KG'];
  return skus.map((sku) => ({ sku, quantity: 1 }));
}

function orderStatus(result: unknown): string | undefined {
  const r = result as { status?: string; Status?: string } | undefined;
  return r?.status ?? r?.Status;
}

/**
 * A courier: watches the shipment list (the API's own store, no Temporal query) and, for each
 * shipment booked, reports it dispatched and then delivered — two carrier signals per shipment.
 */
function runCourier(shipmentApi: string): { stop(): void; done: Promise<void> } {
  let running = true;
  const reported = new Set<string>();
  const report = async (id: string, status: string) => {
    const response = await fetch(`${shipmentApi}/shipments/${encodeURIComponent(id)}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status }),
    });
    if (!response.ok) throw new Error(`courier: ${status} for ${id} answered ${response.status}`);
  };
  const done = (async () => {
    while (running) {
      const list = (await (await fetch(`${shipmentApi}/shipments`)).json()) as { id: string; status: string }[];
      const booked = list.filter((s) => s.status === 'booked' && !reported.has(s.id));
      await Promise.all(
        booked.map(async (s) => {
          reported.add(s.id);
          await report(s.id, 'dispatched');
          await report(s.id, 'delivered');
        }),
      );
      await sleep(100);
    }
  })();
  return {
    stop() {
      running = false;
    },
    done,
  };
}

/** The billing workflows an order caused: `Charge:<idempotency key>`, the key read from its Charge activities' input. */
async function chargeWorkflowIds(client: Client, orderWorkflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(orderWorkflowId).fetchHistory();
  const ids: string[] = [];
  for (const event of history.events ?? []) {
    if (event.eventType !== EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) continue;
    const attrs = event.activityTaskScheduledEventAttributes;
    if (attrs?.activityType?.name !== 'Charge') continue;
    const data = attrs.input?.payloads?.[0]?.data;
    if (!data) continue;
    const input = JSON.parse(Buffer.from(data).toString('utf8')) as { idempotencyKey?: string; IdempotencyKey?: string };
    const key = input.idempotencyKey ?? input.IdempotencyKey;
    if (key) ids.push(`Charge:${key}`);
  }
  return ids;
}
