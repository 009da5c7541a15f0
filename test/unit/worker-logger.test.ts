import type { Info } from '@temporalio/activity';
import { activityLogAttributes, DefaultLogger, type LogEntry } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { WorkerLogger } from '../../worker/logger';

/** What the SDK attaches to every line an activity logs, for an activity of a shipment's workflow. */
const TOKEN = Buffer.from('a task token that completes the activity').toString('base64');
const attributes = activityLogAttributes({
  isLocal: false,
  attempt: 1,
  namespace: 'default',
  base64TaskToken: TOKEN,
  activityId: '8',
  activityType: 'notifyEscalation',
  taskQueue: 'colis-orders',
  inWorkflow: true,
  workflowExecution: { workflowId: 'shipment-ORD-1-S1', runId: 'run-1' },
  workflowType: 'shipmentWorkflowV3',
} as unknown as Info);

const written = (logger: new (level: 'INFO', fn: (entry: LogEntry) => void) => DefaultLogger) => {
  const entries: LogEntry[] = [];
  new logger('INFO', (entry) => entries.push(entry)).warn('escalation', { ...attributes, escalationId: 'ESC-1' });
  return entries;
};

describe("the workers' log", () => {
  it("leaves out the activity's task token the SDK adds to an activity's log line, and keeps the rest", () => {
    // The SDK's own logger writes it: the reason this logger exists.
    expect(JSON.stringify(written(DefaultLogger)[0]?.meta)).toContain(TOKEN);
    const [entry] = written(WorkerLogger);
    expect(entry?.message).toBe('escalation');
    expect(JSON.stringify(entry?.meta)).not.toContain(TOKEN);
    expect(entry?.meta).toMatchObject({ activityId: '8', workflowId: 'shipment-ORD-1-S1', escalationId: 'ESC-1' });
    expect(entry?.meta).not.toHaveProperty('taskToken');
  });

  it('keeps the SDK warning about an activity-only worker out of a start-up at the default level; other warnings stay', () => {
    const entries: LogEntry[] = [];
    const logger = new WorkerLogger('WARN', (entry) => entries.push(entry));
    logger.warn('No workflows registered, not polling for workflow tasks', { sdkComponent: 'worker', taskQueue: 'colis-carriers' });
    logger.warn('Activity failed', { activityId: '3' });
    expect(entries.map((e) => e.message)).toEqual(['Activity failed']);
    const debug: LogEntry[] = [];
    new WorkerLogger('DEBUG', (entry) => debug.push(entry)).warn('No workflows registered, not polling for workflow tasks');
    expect(debug.map((e) => e.level)).toEqual(['DEBUG']);
  });
});
