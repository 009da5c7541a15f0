import { orderRequest, postOrder, waitForOrders } from './lib/orders';
import { parseCli } from './lib/cli';
import { withStack } from './lib/stack';

/**
 * Counts what one order of each shape does in Temporal, event by event (the ceiling takes its counts from
 * the cost bench's saved histories instead: bench/ceiling/derive-shapes.ts).
 * `tsx bench/probe-history.ts [--scale=1e6] [--times]` (--times lists each event's offset).
 */
async function main(): Promise<void> {
  const { options } = parseCli(process.argv.slice(2));
  await withStack({ timeScale: Number(options.args.scale ?? 1e6), extraStock: 1000 }, async (stack) => {
    for (const shape of ['single', 'split5'] as const) {
      const posted = await postOrder(stack.apiUrl, orderRequest(shape, 1));
      console.log(shape, posted);
      const result = await waitForOrders(stack, [posted.orderId!], 60_000);
      console.log(result);
      const ids = [`order-${posted.orderId}`];
      const shipments = await stack.db.shipment.findMany({ where: { orderId: posted.orderId! }, select: { id: true } });
      ids.push(...shipments.map((s) => `shipment-${s.id}`));
      for (const id of ids) {
        const history = await stack.client.workflow.getHandle(id).fetchHistory();
        const counts: Record<string, number> = {};
        for (const e of history.events ?? []) {
          const key = String(e.eventType);
          counts[key] = (counts[key] ?? 0) + 1;
        }
        console.log(id, JSON.stringify(counts));
        if (options.args.times === 'true') {
          const t0 = Number(history.events?.[0]?.eventTime?.seconds ?? 0) * 1000 + Number(history.events?.[0]?.eventTime?.nanos ?? 0) / 1e6;
          for (const e of history.events ?? []) {
            const t = Number(e.eventTime?.seconds ?? 0) * 1000 + Number(e.eventTime?.nanos ?? 0) / 1e6;
            const what =
              e.activityTaskScheduledEventAttributes?.activityType?.name ?? e.workflowExecutionSignaledEventAttributes?.signalName ?? '';
            console.log(`  ${(t - t0).toFixed(0).padStart(6)} ${e.eventType} ${what}`);
          }
        }
      }
    }
  });
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
