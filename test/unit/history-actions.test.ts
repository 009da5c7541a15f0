import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { historyCost, type RunHistory } from '../../bench/lib/actions';

/**
 * The cost benchmark's counter (bench/lib/actions.ts): Temporal Cloud's billable actions read from
 * exported histories. A counting bug would silently skew every before/after figure, so it is pinned
 * here on a recorded journey (counts taken independently, with jq, from the JSON files) and on a
 * hand-made history holding the cases a journey does not reach.
 */

const { History } = proto.temporal.api.history.v1;
const HISTORIES = fileURLToPath(new URL('../workflows/histories/v1/', import.meta.url));

function recorded(file: string, workflowId: string): RunHistory {
  return { workflowId, runId: file, history: History.fromObject(JSON.parse(readFileSync(`${HISTORIES}${file}`, 'utf8'))) };
}

function made(workflowId: string, runId: string, events: object[]): RunHistory {
  return {
    workflowId,
    runId,
    history: History.fromObject({ events: events.map((e, i) => ({ eventId: String(i + 1), ...e })) }),
  };
}

describe('billable actions counted from histories', () => {
  const order = recorded('happy-path.order.json', 'order-ORD-T648B231');
  const shipment = recorded('happy-path.shipment-1.json', 'shipment-ORD-T648B231-S1');

  it('counts a recorded happy-path order with its shipment child as Temporal Cloud bills it', () => {
    const cost = historyCost([order, shipment]);
    expect(cost.actions).toEqual({
      workflowStarts: 1,
      childWorkflows: 2,
      continueAsNew: 0,
      activityAttempts: 71,
      localActivityTasks: 0,
      // 9 shipmentUpdated signals from the child, each counted once (sent = received), not twice.
      signals: 9,
      timers: 42,
      upserts: 23,
      updates: 0,
      sideEffects: 0,
      optionsUpdates: 0,
    });
    expect(cost.totalActions).toBe(148);
    expect(cost.events).toBe(112 + 644);
    expect(cost.eventsByType.TIMER_STARTED).toBe(42);
    expect(cost.activityAttemptsByType.recordOrder).toBe(1);
    expect(cost.historyBytes).toBe(History.encode(order.history).finish().length + History.encode(shipment.history).finish().length);
  });

  it('bills a child alone (its parent not exported) for its own start and its signals to the parent', () => {
    const cost = historyCost([shipment]);
    expect(cost.actions.workflowStarts).toBe(1);
    expect(cost.actions.childWorkflows).toBe(0);
    expect(cost.actions.signals).toBe(9);
  });

  it('counts retries, local activities per workflow task, exempt upserts, continue-as-new, updates and side effects', () => {
    const first = made('w', 'run-1', [
      { eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', workflowExecutionStartedEventAttributes: { workflowType: { name: 't' } } },
      { eventType: 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED' },
      // eventId 3: scheduled; its started event carries attempt 3 (two retries) and is written once.
      { eventType: 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED', activityTaskScheduledEventAttributes: { activityType: { name: 'flaky' } } },
      { eventType: 'EVENT_TYPE_ACTIVITY_TASK_STARTED', activityTaskStartedEventAttributes: { scheduledEventId: '3', attempt: 3 } },
      // Three local activities completed in workflow task 2, one more in workflow task 7: 2 actions.
      {
        eventType: 'EVENT_TYPE_MARKER_RECORDED',
        markerRecordedEventAttributes: { markerName: 'core_local_activity', workflowTaskCompletedEventId: '2' },
      },
      {
        eventType: 'EVENT_TYPE_MARKER_RECORDED',
        markerRecordedEventAttributes: { markerName: 'core_local_activity', workflowTaskCompletedEventId: '2' },
      },
      { eventType: 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED' },
      {
        eventType: 'EVENT_TYPE_MARKER_RECORDED',
        markerRecordedEventAttributes: { markerName: 'core_local_activity', workflowTaskCompletedEventId: '2' },
      },
      {
        eventType: 'EVENT_TYPE_MARKER_RECORDED',
        markerRecordedEventAttributes: { markerName: 'LocalActivity', workflowTaskCompletedEventId: '7' },
      },
      // Patch markers are not billed; neither is an upsert of TemporalChangeVersion alone.
      {
        eventType: 'EVENT_TYPE_MARKER_RECORDED',
        markerRecordedEventAttributes: { markerName: 'core_patch', workflowTaskCompletedEventId: '7' },
      },
      {
        eventType: 'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES',
        upsertWorkflowSearchAttributesEventAttributes: { searchAttributes: { indexedFields: { TemporalChangeVersion: {} } } },
      },
      {
        eventType: 'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES',
        upsertWorkflowSearchAttributesEventAttributes: { searchAttributes: { indexedFields: { OrderStatus: {}, Carrier: {} } } },
      },
      {
        eventType: 'EVENT_TYPE_MARKER_RECORDED',
        markerRecordedEventAttributes: { markerName: 'SideEffect', workflowTaskCompletedEventId: '7' },
      },
      { eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED' },
      {
        eventType: 'EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED',
        signalExternalWorkflowExecutionInitiatedEventAttributes: { signalName: 'poke', workflowExecution: { workflowId: 'elsewhere' } },
      },
      { eventType: 'EVENT_TYPE_TIMER_STARTED' },
      {
        eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW',
        workflowExecutionContinuedAsNewEventAttributes: { newExecutionRunId: 'run-2' },
      },
    ]);
    const second = made('w', 'run-2', [
      {
        eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
        workflowExecutionStartedEventAttributes: { workflowType: { name: 't' }, continuedExecutionRunId: 'run-1' },
      },
      { eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED' },
    ]);
    const cost = historyCost([first, second]);
    expect(cost.actions).toEqual({
      workflowStarts: 1,
      childWorkflows: 0,
      continueAsNew: 1,
      activityAttempts: 3,
      localActivityTasks: 2,
      signals: 1,
      timers: 1,
      upserts: 1,
      updates: 1,
      sideEffects: 1,
      optionsUpdates: 0,
    });
    expect(cost.totalActions).toBe(12);
    expect(cost.events).toBe(19);
    expect(cost.runs).toBe(2);
    expect(cost.activityAttemptsByType).toEqual({ flaky: 3 });
  });
});
