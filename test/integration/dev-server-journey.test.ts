import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { orderStatusQuery, resolveEscalationUpdate } from '../../workflows/definitions';
import { startJourney, type Journey } from '../support/journey';
import { JOURNEY_NAMESPACE } from '../support/namespaces';

const run = promisify(execFile);

/**
 * The same stack `npm start` runs — the Temporal dev server with its visibility store, the real
 * CLI — with the business clock at 86 400× (a day per second), so a 48 h stall window passes in
 * two seconds of real time. What ops do in a terminal is what this test does.
 */
describe('ops find escalated parcels with the real temporal CLI', () => {
  let journey: Journey;
  beforeAll(async () => {
    journey = await startJourney({
      server: 'dev',
      timeScale: 86_400,
      simulatorScript: { default: 'stall' },
    });
  });
  afterAll(() => journey?.teardown());

  const listWorkflows = async (query: string): Promise<string[]> => {
    const { stdout } = await run(inject('temporalCliPath'), [
      'workflow',
      'list',
      '--address',
      inject('temporalDevAddress'),
      '--namespace',
      JOURNEY_NAMESPACE,
      '--query',
      query,
      '--output',
      'json',
    ]);
    const rows = JSON.parse(stdout.trim() === '' ? '[]' : stdout) as { execution?: { workflowId?: string } }[];
    return rows.flatMap((r) => (r.execution?.workflowId ? [r.execution.workflowId] : []));
  };

  const eventually = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    for (let i = 0; i < 240; i++) {
      const value = await probe();
      if (value !== undefined) return value;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`gave up waiting for ${what}`);
  };

  it('a stalled shipment is listed by `temporal workflow list --query "Escalated = true"` and leaves the list once ops decide', async () => {
    const handle = await journey.placeOrder({}, { promiseDays: 30 });
    const orderId = handle.workflowId.replace(/^order-/, '');
    const escalation = await eventually(
      'a stuck escalation',
      async () => (await journey.database.db.escalation.findFirst({ where: { orderId, reason: 'stuck', status: 'open' } })) ?? undefined,
    );
    const shipmentWorkflowId = `shipment-${escalation.shipmentId}`;

    const escalated = await eventually('the shipment in the Escalated list', async () => {
      const ids = await listWorkflows(`Escalated = true AND OrderId = "${orderId}"`);
      return ids.includes(shipmentWorkflowId) ? ids : undefined;
    });
    expect(escalated).toContain(shipmentWorkflowId);
    expect(
      await listWorkflows(
        `WorkflowType = "shipmentWorkflow" AND ShipmentStatus = "in_transit" AND Escalated = true AND OrderId = "${orderId}"`,
      ),
    ).toContain(shipmentWorkflowId);

    await journey.env.client.workflow
      .getHandle(shipmentWorkflowId)
      .executeUpdate(resolveEscalationUpdate, { args: [{ escalationId: escalation.id, decision: 'refund', resolvedBy: 'ops-test' }] });
    const outcome = await handle.result();
    expect(outcome.stage).toBe('cancelled');
    expect(outcome.shipments.map((s) => s.stage)).toEqual(['refunded']);
    // A closed workflow still answers its query (the worker replays it): the order says what happened.
    expect((await handle.query(orderStatusQuery)).stage).toBe('cancelled');
    await eventually('the shipment out of the Escalated list', async () =>
      (await listWorkflows(`Escalated = true AND OrderId = "${orderId}"`)).length === 0 ? true : undefined,
    );
    expect(await journey.database.db.escalation.findUniqueOrThrow({ where: { id: escalation.id } })).toMatchObject({
      status: 'resolved',
      decision: 'refund',
      resolvedBy: 'ops-test',
    });
  });
});
