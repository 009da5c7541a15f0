import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import type { History } from '../lib/actions';
import type { CeilingOrderShape, CeilingShipmentShape } from './workflows';

// @temporalio/proto is CommonJS: reached through its default export under native ESM (tsx runs the benches so).
const { temporal } = proto;
const { EventType } = temporal.api.enums.v1;

/**
 * Writes bench/ceiling/recorded-shapes.ts from Colis's own histories, so the ceiling does the same
 * Temporal work as the orders it is compared with:
 *
 *   npm run bench -- cost --clocks=1000000 --single=10 --split=6 --save-histories=/tmp/colis-histories
 *   npx tsx bench/ceiling/derive-shapes.ts /tmp/colis-histories
 *   npx biome check --write bench/ceiling/recorded-shapes.ts
 *
 * One ceiling shape per recorded order (the throughput bench cycles through them, so the mean of the
 * ceiling's work is the mean of the recorded orders'; a Colis order's count moves by ±10 % with the
 * timing of its tracking scans, hence ten orders and six rather than one). Each count is the billable actions of that
 * kind as bench/lib/actions.ts counts them, read from the order's history and its children's.
 */

export interface SavedRun {
  /** `single` or `split5`, from the file name `colis-<clock>-<shape>.<workflowId>.<runId>.json`. */
  shape: string;
  workflowId: string;
  parentWorkflowId: string | undefined;
  events: proto.temporal.api.history.v1.IHistoryEvent[];
}

export function readRuns(dir: string): SavedRun[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith('colis-') && f.endsWith('.json'))
    .sort()
    .map((file) => {
      const [prefix = '', workflowId = ''] = file.split('.');
      return savedRun(prefix.split('-').at(-1) ?? '', workflowId, JSON.parse(readFileSync(join(dir, file), 'utf8')));
    });
}

/** One run from its history in JSON (the cost bench's or the replay tests' form). */
export function savedRun(shape: string, workflowId: string, json: unknown): SavedRun {
  const history = temporal.api.history.v1.History.fromObject(json as Record<string, unknown>) as History;
  const events = history.events ?? [];
  const parent = events[0]?.workflowExecutionStartedEventAttributes?.parentWorkflowExecution?.workflowId ?? undefined;
  return { shape, workflowId, parentWorkflowId: parent || undefined, events };
}

/** One ceiling shape per root workflow among `runs` (its children found by their parent), by order shape. */
export function deriveShapes(runs: readonly SavedRun[]): Record<string, CeilingOrderShape[]> {
  const shapes: Record<string, CeilingOrderShape[]> = {};
  for (const order of runs.filter((r) => r.parentWorkflowId === undefined)) {
    shapes[order.shape] = [...(shapes[order.shape] ?? []), orderShape(order, runs)];
  }
  return shapes;
}

const is = (event: proto.temporal.api.history.v1.IHistoryEvent, type: proto.temporal.api.enums.v1.EventType) => event.eventType === type;

/** The counts every workflow of the journey shares. */
function commonCounts(events: SavedRun['events']) {
  let timers = 0;
  let upserts = 0;
  const localActivityTasks = new Set<string>();
  for (const e of events) {
    if (is(e, EventType.EVENT_TYPE_TIMER_STARTED)) timers += 1;
    const fields = Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});
    if (is(e, EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES) && !fields.every((f) => f === 'TemporalChangeVersion')) upserts += 1;
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName === 'core_local_activity') localActivityTasks.add(String(marker.workflowTaskCompletedEventId));
  }
  return { timers, upserts, localActivityTasks: localActivityTasks.size };
}

const attempts = (e: proto.temporal.api.history.v1.IHistoryEvent) =>
  is(e, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) ? Math.max(1, e.activityTaskStartedEventAttributes?.attempt ?? 1) : 0;

function shipmentShape(run: SavedRun): CeilingShipmentShape {
  const firstScan = run.events.findIndex((e) => is(e, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED));
  const split = firstScan < 0 ? run.events.length : firstScan;
  const sum = (list: SavedRun['events'], f: (e: SavedRun['events'][number]) => number) => list.reduce((n, e) => n + f(e), 0);
  return {
    ...commonCounts(run.events),
    // Attempts are counted where the activity was scheduled: one scheduled before the first scan is "before".
    activitiesBeforeScans: sum(run.events.slice(0, split), (e) => (is(e, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) ? 1 : 0)),
    activitiesAfterScans:
      sum(run.events, attempts) - sum(run.events.slice(0, split), (e) => (is(e, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) ? 1 : 0)),
    trackingSignals: sum(run.events, (e) => (is(e, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) ? 1 : 0)),
    signalsToParent: sum(run.events, (e) => (is(e, EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED) ? 1 : 0)),
  };
}

function orderShape(order: SavedRun, runs: readonly SavedRun[]): CeilingOrderShape {
  const shipments = runs.filter((r) => r.parentWorkflowId === order.workflowId).map(shipmentShape);
  const received = order.events.filter((e) => is(e, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)).length;
  const sent = shipments.reduce((n, s) => n + s.signalsToParent, 0);
  if (received !== sent) throw new Error(`${order.workflowId}: ${received} signals received, ${sent} sent by its children`);
  return { ...commonCounts(order.events), activities: order.events.reduce((n, e) => n + attempts(e), 0), shipments };
}

function main(): void {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: tsx bench/ceiling/derive-shapes.ts <dir of cost --save-histories>');
  const runs = readRuns(dir);
  const shapes = { single: [], split5: [], ...deriveShapes(runs) };
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const out = new URL('./recorded-shapes.ts', import.meta.url);
  writeFileSync(
    out,
    `import type { OrderShape } from '../lib/orders';
import type { CeilingOrderShape } from './workflows';

/**
 * Generated by bench/ceiling/derive-shapes.ts (see there how) from ${runs.length} histories
 * of Colis orders, derived on ${commit} (${new Date().toISOString().slice(0, 10)}); do not edit by hand.
 */
export const RECORDED_SHAPES: Record<OrderShape, CeilingOrderShape[]> = ${JSON.stringify(shapes)};
`,
  );
  process.stdout.write(`${out.pathname}: ${shapes.single?.length} single, ${shapes.split5?.length} split5 order(s)\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
