import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../domain/clock';
import { ids, TASK_QUEUES } from '../../domain/ids';
import type { EscalationSeverity } from '../../domain/lifecycle';
import { SEVERITY_STEP_HOURS } from '../../workflows/shared/escalation-owner';
import { ESCALATION_ALERT_WORKFLOW_TYPE, type EscalationAlertInput } from '../../workflows/escalations/definitions';
import { insertOrder } from '../api/fixtures';
import { RECORD_HISTORIES, writeHistory } from './history-files';
import { type Journey, startJourney } from '../support/journey';
import { type Pager, startPager } from '../support/pager';

/**
 * An escalation no journey holds (the API opens `left_after_cancel` for a cancelled parcel the carrier scanned after
 * all) pages ops through `escalation-alert-<id>` as a journey's escalation does: once when opened, then one severity
 * up every SEVERITY_STEP_HOURS business hours until answered or critical. Pages reach a real HTTP endpoint.
 */
let journey: Journey;
let pager: Pager;

beforeAll(async () => {
  pager = await startPager();
  journey = await startJourney({ escalationWebhookUrl: pager.url });
});
afterAll(async () => {
  await journey?.teardown();
  await pager?.close();
});

async function openEscalation(severity: EscalationSeverity): Promise<string> {
  const orderId = await insertOrder(journey.database.db, { status: 'cancelled' });
  const dedupeKey = `${orderId}-S1:left_after_cancel`;
  const escalationId = ids.escalationId(dedupeKey);
  await journey.database.db.escalation.create({
    data: { id: escalationId, dedupeKey, orderId, reason: 'left_after_cancel', severity, detail: 'parcel scanned after its cancel' },
  });
  return escalationId;
}

function startAlert(escalationId: string, severity: EscalationSeverity) {
  const input: EscalationAlertInput = { escalationId, summary: `${escalationId} left_after_cancel (${severity})`, severity, timeScale: 1 };
  return journey.env.client.workflow.start(ESCALATION_ALERT_WORKFLOW_TYPE, {
    workflowId: ids.escalationAlertWorkflowId(escalationId),
    taskQueue: TASK_QUEUES.orders,
    args: [input],
  });
}

const pagesOf = (escalationId: string) => pager.pages.filter((p) => p.body.escalationId === escalationId).map((p) => p.key);

async function untilPaged(escalationId: string, count: number): Promise<void> {
  for (let i = 0; i < 300 && pagesOf(escalationId).length < count; i++) await new Promise((r) => setTimeout(r, 100));
  expect(pagesOf(escalationId)).toHaveLength(count);
}

describe('the alert of an escalation the API opened', () => {
  it('pages when opened, steps up to critical while unanswered, paging each step once', async () => {
    const escalationId = await openEscalation('high');
    const alert = await startAlert(escalationId, 'high');
    await untilPaged(escalationId, 1);
    const started = await journey.env.currentTimeMs();
    expect(await alert.result()).toBe('critical');
    expect(await journey.env.currentTimeMs()).toBeGreaterThanOrEqual(started + SEVERITY_STEP_HOURS * HOUR_MS - 60_000);
    expect(pagesOf(escalationId)).toEqual([`${escalationId}:opened`, `${escalationId}:severity:critical`]);
    const row = await journey.database.db.escalation.findUniqueOrThrow({ where: { id: escalationId } });
    expect(row).toMatchObject({ severity: 'critical', status: 'open' });
    expect(await journey.database.db.notification.count({ where: { escalationId, deliveredAt: { not: null } } })).toBe(2);
    // With COLIS_RECORD_HISTORIES=1, kept for the replay test (test/workflows/replay.test.ts).
    if (RECORD_HISTORIES) await writeHistory(journey.env.client, alert.workflowId, 'escalation-alert-stepped-to-critical.alert');
  });

  it('stops once ops answered it: no step, no second page', async () => {
    const escalationId = await openEscalation('medium');
    const alert = await startAlert(escalationId, 'medium');
    await untilPaged(escalationId, 1);
    await journey.database.db.escalation.update({
      where: { id: escalationId },
      data: { status: 'resolved', decision: 'cancel', resolvedBy: 'ops', resolvedAt: new Date() },
    });
    expect(await alert.result()).toBe('answered');
    expect(pagesOf(escalationId)).toEqual([`${escalationId}:opened`]);
    expect(await journey.database.db.escalation.findUniqueOrThrow({ where: { id: escalationId } })).toMatchObject({ severity: 'medium' });
    if (RECORD_HISTORIES) await writeHistory(journey.env.client, alert.workflowId, 'escalation-alert-answered.alert');
  });

  it('started by hand for an escalation nobody recorded, pages no one', async () => {
    const escalationId = ids.escalationId(`made-up-${Date.now()}`);
    const alert = await startAlert(escalationId, 'high');
    expect(await alert.result()).toBe('answered');
    expect(pagesOf(escalationId)).toEqual([]);
    expect(await journey.database.db.notification.count({ where: { escalationId } })).toBe(0);
  });

  it("started by hand on a journey's escalation, fails at once: no second page, the row's severity as its journey left it", async () => {
    // A shipment's stuck parcel, critical, paged by its journey (its own keys): an alert typed with the CLI on its id.
    // Before, the alert paged it again (another key), then set its row back to `medium` from its own count.
    const orderId = await insertOrder(journey.database.db, { status: 'fulfilling' });
    const dedupeKey = `shipment-${orderId}-S1:stuck:1`;
    const escalationId = ids.escalationId(dedupeKey);
    await journey.database.db.escalation.create({
      data: { id: escalationId, dedupeKey, orderId, reason: 'stuck', severity: 'critical', detail: 'no scan for 3 days' },
    });
    const alert = await startAlert(escalationId, 'low');
    await expect(alert.result()).rejects.toThrow();
    const failure = await alert.result().catch((error: Error) => String((error.cause as Error | undefined)?.cause));
    expect(failure).toMatch(/held by the workflow that opened it/);
    expect(pagesOf(escalationId)).toEqual([]);
    expect(await journey.database.db.notification.count({ where: { escalationId } })).toBe(0);
    expect(await journey.database.db.escalation.findUniqueOrThrow({ where: { id: escalationId } })).toMatchObject({
      severity: 'critical',
      status: 'open',
    });
  });

  it('started by hand with a malformed input, fails at once naming the field', async () => {
    const alert = await journey.env.client.workflow.start(ESCALATION_ALERT_WORKFLOW_TYPE, {
      workflowId: `escalation-alert-by-hand-${Date.now()}`,
      taskQueue: TASK_QUEUES.orders,
      args: [{ escalationId: 'ESC-X', summary: 'x', severity: 'urgent', timeScale: 1 } as unknown as EscalationAlertInput],
    });
    await expect(alert.result()).rejects.toThrow();
    const failure = await alert.result().catch((error: Error) => String((error.cause as Error | undefined)?.message));
    expect(failure).toMatch(/escalation alert workflow: input\.severity/);
  });
});
