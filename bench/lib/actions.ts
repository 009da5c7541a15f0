import proto from '@temporalio/proto';

// @temporalio/proto is CommonJS: reached through its default export under native ESM (tsx runs the benches so).
const { temporal } = proto;

/**
 * Billable actions, events and bytes of one order's exported histories (the order, its children,
 * every run of each), counted as Temporal Cloud bills them. Pure: histories in, figures out.
 *
 * Temporal Cloud's definition (docs.temporal.io/cloud/actions), and how each is read from history:
 * - workflow started (client start, continue-as-new, child start): a root run's
 *   WorkflowExecutionStarted is 1; WorkflowExecutionContinuedAsNew is 1 (the next run's start, whose
 *   own started event is then not counted again);
 * - child workflow: 2 (start + execution) per StartChildWorkflowExecutionInitiated in the parent; the
 *   child's own started event is not counted again (unless its parent is not among the histories);
 * - activity started or retried: the `attempt` of each ActivityTaskStarted (the server writes that
 *   event once, for the last attempt, so attempt N means N billed attempts);
 * - local activities: all local-activity markers recorded by one workflow task are 1 action (a
 *   workflow-task heartbeat during a long local activity would add 1: not visible in history, so not
 *   counted; none of our local activities runs near the workflow task timeout);
 * - signal sent, from a client or a workflow: 1 per WorkflowExecutionSignaled in the histories, plus
 *   1 per SignalExternalWorkflowExecutionInitiated whose target's history is not among them (so a
 *   signal from a child to its parent is counted once, not sent + received);
 * - timer started: 1 per TimerStarted;
 * - search-attribute upsert: 1 per UpsertWorkflowSearchAttributes (several attributes in one command
 *   are one action), except one that only sets TemporalChangeVersion (exempt);
 * - update: 1 per WorkflowExecutionUpdateAccepted (rejected updates are billed but leave no event);
 * - side effect recorded: 1 per SideEffect / MutableSideEffect marker (Go SDK; the TypeScript SDK has none);
 * - workflow execution options updated: 1 per WorkflowExecutionOptionsUpdated.
 * Not in any history, so not counted here: queries (the benches issue none), activity heartbeats
 * that reach the server, rejected updates, schedules, exports.
 */

const { EventType } = temporal.api.enums.v1;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
export type History = proto.temporal.api.history.v1.IHistory;

/** One run's history, with the workflow it belongs to. */
export interface RunHistory {
  workflowId: string;
  runId: string;
  history: History;
}

export const ACTION_KINDS = [
  'workflowStarts',
  'childWorkflows',
  'continueAsNew',
  'activityAttempts',
  'localActivityTasks',
  'signals',
  'timers',
  'upserts',
  'updates',
  'sideEffects',
  'optionsUpdates',
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];
export type ActionsByKind = Record<ActionKind, number>;

export interface HistoryCost {
  actions: ActionsByKind;
  totalActions: number;
  /** Every event of every run, order and children. */
  events: number;
  /** Events by type name (EVENT_TYPE_ prefix dropped), for the profile of where they go. */
  eventsByType: Record<string, number>;
  /** Protobuf-serialized size of the histories, as the server hands them out. */
  historyBytes: number;
  /** Activity attempts by activity type: where the activity actions go. */
  activityAttemptsByType: Record<string, number>;
  /** Signals by signal name. */
  signalsByName: Record<string, number>;
  runs: number;
}

const LOCAL_ACTIVITY_MARKERS = new Set(['core_local_activity', 'LocalActivity']);
const SIDE_EFFECT_MARKERS = new Set(['SideEffect', 'MutableSideEffect']);
const CHANGE_VERSION_ATTRIBUTE = 'TemporalChangeVersion';

export function emptyActions(): ActionsByKind {
  return Object.fromEntries(ACTION_KINDS.map((k) => [k, 0])) as ActionsByKind;
}

/** Counts actions, events and bytes over one order's runs (order, children, continued runs). */
export function historyCost(runs: readonly RunHistory[]): HistoryCost {
  const actions = emptyActions();
  const eventsByType: Record<string, number> = {};
  const activityAttemptsByType: Record<string, number> = {};
  const signalsByName: Record<string, number> = {};
  const workflowIds = new Set(runs.map((r) => r.workflowId));
  let events = 0;
  let historyBytes = 0;
  for (const run of runs) {
    const list = run.history.events ?? [];
    events += list.length;
    historyBytes += temporal.api.history.v1.History.encode(run.history).finish().length;
    const activityTypes = new Map<string, string>();
    const localActivityTasks = new Set<string>();
    for (const event of list) {
      const type = eventTypeName(event);
      eventsByType[type] = (eventsByType[type] ?? 0) + 1;
      countEvent(event, { actions, workflowIds, activityTypes, localActivityTasks, activityAttemptsByType, signalsByName });
    }
    actions.localActivityTasks += localActivityTasks.size;
  }
  const totalActions = ACTION_KINDS.reduce((n, k) => n + actions[k], 0);
  return { actions, totalActions, events, eventsByType, historyBytes, activityAttemptsByType, signalsByName, runs: runs.length };
}

interface Tally {
  actions: ActionsByKind;
  workflowIds: ReadonlySet<string>;
  activityTypes: Map<string, string>;
  localActivityTasks: Set<string>;
  activityAttemptsByType: Record<string, number>;
  signalsByName: Record<string, number>;
}

function countEvent(event: HistoryEvent, t: Tally): void {
  const a = t.actions;
  switch (event.eventType) {
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: {
      const started = event.workflowExecutionStartedEventAttributes;
      const continued = Boolean(started?.continuedExecutionRunId);
      const parent = started?.parentWorkflowExecution?.workflowId;
      const countedByParent = parent !== undefined && parent !== null && parent !== '' && t.workflowIds.has(parent);
      if (!continued && !countedByParent) a.workflowStarts += 1;
      break;
    }
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
      a.continueAsNew += 1;
      break;
    case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
      a.childWorkflows += 2;
      break;
    case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
      t.activityTypes.set(String(event.eventId), event.activityTaskScheduledEventAttributes?.activityType?.name ?? '?');
      break;
    case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
      const attrs = event.activityTaskStartedEventAttributes;
      const attempts = Math.max(1, attrs?.attempt ?? 1);
      a.activityAttempts += attempts;
      const name = t.activityTypes.get(String(attrs?.scheduledEventId)) ?? '?';
      t.activityAttemptsByType[name] = (t.activityAttemptsByType[name] ?? 0) + attempts;
      break;
    }
    case EventType.EVENT_TYPE_MARKER_RECORDED: {
      const marker = event.markerRecordedEventAttributes;
      const name = marker?.markerName ?? '';
      if (LOCAL_ACTIVITY_MARKERS.has(name)) t.localActivityTasks.add(String(marker?.workflowTaskCompletedEventId));
      else if (SIDE_EFFECT_MARKERS.has(name)) a.sideEffects += 1;
      break;
    }
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: {
      a.signals += 1;
      const name = event.workflowExecutionSignaledEventAttributes?.signalName ?? '?';
      t.signalsByName[name] = (t.signalsByName[name] ?? 0) + 1;
      break;
    }
    case EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: {
      const target = event.signalExternalWorkflowExecutionInitiatedEventAttributes?.workflowExecution?.workflowId ?? '';
      if (!t.workflowIds.has(target)) {
        a.signals += 1;
        const name = `${event.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName ?? '?'} (to ${target})`;
        t.signalsByName[name] = (t.signalsByName[name] ?? 0) + 1;
      }
      break;
    }
    case EventType.EVENT_TYPE_TIMER_STARTED:
      a.timers += 1;
      break;
    case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
      const fields = Object.keys(event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});
      if (!(fields.length > 0 && fields.every((f) => f === CHANGE_VERSION_ATTRIBUTE))) a.upserts += 1;
      break;
    }
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
      a.updates += 1;
      break;
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED:
      a.optionsUpdates += 1;
      break;
    default:
      break;
  }
}

function eventTypeName(event: HistoryEvent): string {
  const type = event.eventType;
  const name = typeof type === 'number' ? EventType[type] : String(type);
  return (name ?? String(type)).replace(/^EVENT_TYPE_/, '');
}

/** Sums several orders' costs and divides by their count: the per-order mean. */
export function meanCost(costs: readonly HistoryCost[]): HistoryCost {
  const n = Math.max(1, costs.length);
  const actions = emptyActions();
  const sumInto = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v / n;
  };
  const eventsByType: Record<string, number> = {};
  const activityAttemptsByType: Record<string, number> = {};
  const signalsByName: Record<string, number> = {};
  let events = 0;
  let historyBytes = 0;
  let totalActions = 0;
  let runs = 0;
  for (const c of costs) {
    for (const k of ACTION_KINDS) actions[k] += c.actions[k] / n;
    sumInto(eventsByType, c.eventsByType);
    sumInto(activityAttemptsByType, c.activityAttemptsByType);
    sumInto(signalsByName, c.signalsByName);
    events += c.events / n;
    historyBytes += c.historyBytes / n;
    totalActions += c.totalActions / n;
    runs += c.runs / n;
  }
  return { actions, totalActions, events, eventsByType, historyBytes, activityAttemptsByType, signalsByName, runs };
}
