import {
  condition,
  defineSignal,
  getExternalWorkflowHandle,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { CeilingActivities } from './activities';

/**
 * The engine's ceiling for Colis's journey: the same Temporal work as an order and its shipments —
 * the same count of each billable action (activities, local-activity workflow tasks, timers, child
 * workflows, signals to the parent, tracking signals from outside, search-attribute upserts) — and
 * no work at all inside any of it. The counts are read from Colis's own histories
 * (bench/ceiling/derive-shapes.ts writes bench/ceiling/recorded-shapes.ts).
 */

export interface CeilingShipmentShape {
  timers: number;
  /** Activity attempts before the first tracking signal arrives (the last one is the label: it makes the "carrier" push the scans). */
  activitiesBeforeScans: number;
  trackingSignals: number;
  activitiesAfterScans: number;
  /** Workflow tasks that run local activities (billed once per task, whatever the count inside). */
  localActivityTasks: number;
  signalsToParent: number;
  upserts: number;
}

export interface CeilingOrderShape {
  timers: number;
  activities: number;
  localActivityTasks: number;
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
const local = proxyLocalActivities<CeilingActivities>({ startToCloseTimeout: '30 seconds' });

/**
 * Spends `count` of something, one at a time, at the points a workflow calls `next()`; `rest()` spends
 * what is left. Local activities are spent at the start of a workflow task (after an activity, a
 * timer, a signal), so each call lands in its own task while there are tasks to land in.
 */
function budget(count: number, spend: () => unknown) {
  let left = count;
  return {
    async next(): Promise<void> {
      if (left <= 0) return;
      left -= 1;
      await spend();
    },
    async rest(): Promise<void> {
      while (left > 0) {
        left -= 1;
        await spend();
      }
    },
  };
}

export async function ceilingOrder(shape: CeilingOrderShape): Promise<number> {
  let updates = 0;
  setHandler(shipmentUpdated, () => {
    updates += 1;
  });
  const locals = budget(shape.localActivityTasks, () => local.noop());
  const upserts = budget(shape.upserts, () => upsertSearchAttributes([{ key: status, value: `stage-${updates}` }]));
  await locals.next();
  for (let i = 0; i < shape.timers; i++) await sleep(1);
  for (let i = 0; i < shape.activities; i++) {
    await acts.noop();
    await locals.next();
  }
  await upserts.next();
  const { workflowId } = workflowInfo();
  const children = await Promise.all(
    shape.shipments.map((child, i) => startChild(ceilingShipment, { workflowId: `${workflowId}-S${i + 1}`, args: [child] })),
  );
  await Promise.all(children.map((c) => c.result()));
  await locals.rest();
  await upserts.rest();
  return updates;
}

export async function ceilingShipment(shape: CeilingShipmentShape): Promise<number> {
  const { workflowId } = workflowInfo();
  const parent = getExternalWorkflowHandle(workflowInfo().parent?.workflowId ?? '');
  let scans = 0;
  setHandler(scanSignal, () => {
    scans += 1;
  });
  const locals = budget(shape.localActivityTasks, () => local.noop());
  const upserts = budget(shape.upserts, () => upsertSearchAttributes([{ key: status, value: `scans-${scans}` }]));
  const toParent = budget(shape.signalsToParent, () => parent.signal(shipmentUpdated, scans));
  await toParent.next();
  for (let i = 0; i < shape.timers; i++) await sleep(1);
  const pushesScans = shape.trackingSignals > 0;
  for (let i = 0; i < shape.activitiesBeforeScans - (pushesScans ? 1 : 0); i++) {
    await acts.noop();
    await locals.next();
  }
  if (pushesScans) await acts.pushScans({ workflowId, count: shape.trackingSignals });
  await upserts.next();
  await condition(() => scans >= shape.trackingSignals);
  for (let i = 0; i < shape.activitiesAfterScans; i++) {
    await acts.noop();
    await locals.next();
  }
  await locals.rest();
  await upserts.rest();
  await toParent.rest();
  return scans;
}
