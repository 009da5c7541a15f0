import {
  condition,
  defineSignal,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { CeilingActivities } from './activities';

/**
 * The engine's ceiling for Colis's journey: the same shape of Temporal work as an order and its
 * shipments (activities, parallel quotes, a timer, child workflows, signals to the parent, tracking
 * signals from outside, search-attribute upserts) and no work at all inside any of it. Counts come
 * from the histories of real orders (bench/probe-history.ts); see bench/README.md.
 */

export interface CeilingShipmentShape {
  /** Sequential activities before the rate shop (pick slot, pick, pack, list carriers). */
  activitiesBeforeQuotes: number;
  parallelQuotes: number;
  /** The label purchase: it makes the "carrier" push `trackingSignals` signals from outside. */
  trackingSignals: number;
  /** Activities after the label (record stages, record tracking, consume stock…). */
  activitiesAfterLabel: number;
  signalsToParent: number;
  upserts: number;
  timers: number;
}

export interface CeilingOrderShape {
  activitiesBeforeChildren: number;
  activitiesAfterChildren: number;
  upserts: number;
  shipments: CeilingShipmentShape[];
}

const scanSignal = defineSignal<[number]>('trackingEvents');
const shipmentUpdated = defineSignal<[number]>('shipmentUpdated');
const status = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);

const acts = proxyActivities<CeilingActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export async function ceilingOrder(shape: CeilingOrderShape): Promise<number> {
  let updates = 0;
  const upsert = (value: string) => upsertSearchAttributes([{ key: status, value }]);
  setHandler(shipmentUpdated, () => {
    updates += 1;
    upsert(`update-${updates}`);
  });
  upsert('received');
  const beforeUpserts = Math.max(0, shape.upserts - 2 - shape.shipments.reduce((n, s) => n + s.signalsToParent, 0));
  for (let i = 0; i < shape.activitiesBeforeChildren; i++) {
    await acts.noop();
    if (i < beforeUpserts) upsert(`stage-${i}`);
  }
  const { workflowId } = workflowInfo();
  const children = await Promise.all(
    shape.shipments.map((child, i) => startChild(ceilingShipment, { workflowId: `${workflowId}-S${i + 1}`, args: [child] })),
  );
  await Promise.all(children.map((c) => c.result()));
  upsert('completed');
  for (let i = 0; i < shape.activitiesAfterChildren; i++) await acts.noop();
  return updates;
}

export async function ceilingShipment(shape: CeilingShipmentShape): Promise<number> {
  const { workflowId } = workflowInfo();
  const parent = getExternalWorkflowHandle(workflowInfo().parent?.workflowId ?? '');
  let scans = 0;
  setHandler(scanSignal, () => {
    scans += 1;
  });
  let toParent = shape.signalsToParent;
  let upserts = shape.upserts;
  const publish = async () => {
    if (upserts-- > 0) upsertSearchAttributes([{ key: status, value: `p${upserts}` }]);
    if (toParent-- > 0) await parent.signal(shipmentUpdated, toParent);
  };
  await publish();
  for (let i = 0; i < shape.activitiesBeforeQuotes; i++) {
    await acts.noop();
    if (i === 0) for (let t = 0; t < shape.timers; t++) await sleep(1);
    await publish();
  }
  await Promise.all(Array.from({ length: shape.parallelQuotes }, () => acts.noop()));
  await publish();
  await acts.pushScans({ workflowId, count: shape.trackingSignals });
  await condition(() => scans >= shape.trackingSignals);
  for (let i = 0; i < shape.activitiesAfterLabel; i++) await acts.noop();
  while (toParent > 0) await publish();
  return scans;
}
