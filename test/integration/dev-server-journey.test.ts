import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { orderStatusQuery, resolveEscalationUpdate } from '../../workflows/definitions';
import { ESCALATION_MEMO_MAX_CHARS } from '../../workflows/shared/memo';
import { KEYS, journeyApi } from '../api/harness';
import { startJourney, type Journey } from '../support/journey';
import { OPS_CLI_NAMESPACE } from '../support/namespaces';
import { opsCli } from '../support/ops-cli';

const run = promisify(execFile);

/**
 * The same stack `npm start` runs — the Temporal dev server with its visibility store, the real
 * CLI — with the business clock at 86 400× (a day per second), so a 48 h stall window passes in
 * two seconds of real time. What ops do in a terminal is what this test does.
 */
describe('ops find escalated parcels with the real temporal CLI', () => {
  let journey: Journey;
  let api: FastifyInstance | undefined;
  let codecEndpoint = '';
  beforeAll(async () => {
    journey = await startJourney({
      server: 'dev',
      namespace: OPS_CLI_NAMESPACE,
      timeScale: 86_400,
      simulatorScript: { default: 'stall' },
    });
    // Payloads and memos are encrypted: ops read them through the API's codec endpoint with their key.
    api = await journeyApi(journey);
    await api.listen({ host: '127.0.0.1', port: 0 });
    codecEndpoint = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}/codec`;
  });
  afterAll(async () => {
    await api?.close();
    await journey?.teardown();
  });

  const { cli } = opsCli(OPS_CLI_NAMESPACE);

  const listWorkflows = async (query: string): Promise<string[]> => {
    const { stdout } = await run(inject('temporalCliPath'), [
      'workflow',
      'list',
      '--address',
      inject('temporalDevAddress'),
      '--namespace',
      OPS_CLI_NAMESPACE,
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
    const handle = await journey.placeOrder({}, { promiseWorkingDays: 30 });
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
        `WorkflowType = "shipmentWorkflowV3" AND ShipmentStatus = "in_transit" AND Escalated = true AND OrderId = "${orderId}"`,
      ),
    ).toContain(shipmentWorkflowId);

    // `temporal workflow describe` says why (the workflows' memo, decoded by the codec endpoint): the
    // shipment names the reason and its severity, its order names the shipment and the reason.
    const describe = async (workflowId: string) =>
      (
        await run(inject('temporalCliPath'), [
          'workflow',
          'describe',
          '--address',
          inject('temporalDevAddress'),
          '--namespace',
          OPS_CLI_NAMESPACE,
          '--workflow-id',
          workflowId,
          '--codec-endpoint',
          codecEndpoint,
          '--codec-auth',
          `Bearer ${KEYS.ops.key}`,
        ])
      ).stdout;
    const described = await eventually('the escalation in the shipment description', async () => {
      const text = await describe(shipmentWorkflowId);
      return /ESCALATED stuck \((medium|high|critical)\): no scan since/.test(text) ? text : undefined;
    });
    expect(described).toMatch(/Memo .*escalation/);
    expect(await describe(handle.workflowId)).toMatch(new RegExp(`Shipment ${escalation.shipmentId} ESCALATED stuck`));

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

  /** `n` random CJK characters, 3 bytes each in UTF-8: no compression shrinks them much. */
  const incompressible = (n: number): string => {
    const bytes = randomBytes(2 * n);
    const chars: string[] = [];
    for (let i = 0; i < n; i++) chars.push(String.fromCharCode(0x4e00 + (bytes.readUInt16LE(2 * i) % 0x5000)));
    return chars.join('');
  };

  it("an order told from the CLI of escalations whose details run to megabytes keeps its memo short and goes on: before, its memo passed Temporal's 2 MB and failed every workflow task", async () => {
    const handle = await journey.placeOrder({}, { promiseWorkingDays: 30 });
    const orderId = handle.workflowId.replace(/^order-/, '');
    const escalation = await eventually(
      'a stuck escalation',
      async () => (await journey.database.db.escalation.findFirst({ where: { orderId, reason: 'stuck', status: 'open' } })) ?? undefined,
    );
    const shipmentId = escalation.shipmentId ?? '';
    const dir = await mkdtemp(join(tmpdir(), 'colis-oversized-'));
    try {
      // Each under the 2 MB a signal may carry, and of the milestone's shape: the order takes them.
      for (let i = 1; i <= 3; i++) {
        const file = join(dir, `escalated-${i}.json`);
        const detail = incompressible(450_000);
        const view = { escalationId: `ESC-CLI-${i}`, reason: 'stuck', severity: 'high', detail, openedAt: new Date().toISOString() };
        await writeFile(file, JSON.stringify({ kind: 'escalated', shipmentId, escalation: view }));
        await cli('workflow', 'signal', '--workflow-id', handle.workflowId, '--name', 'shipmentMilestone', '--input-file', file);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // The order takes the three (its task failed with PayloadsTooLarge instead, and again at every retry, for ever).
    const described = await eventually('the order settled or failing', async () => {
      const now = await handle.describe();
      const task = now.raw.pendingWorkflowTask;
      return !task || (task.attempt ?? 1) > 1 ? now : undefined;
    });
    expect(described.raw.pendingWorkflowTask?.attempt ?? 0).toBe(0);
    expect(described.searchAttributes.TemporalReportedProblems).toBeUndefined();
    const memo = String((await handle.describe()).memo?.escalation ?? '');
    // The shipment's own stuck escalation first (its severity steps up as time passes), then what the CLI sent, cut short.
    expect(memo).toMatch(
      new RegExp(`^Shipment ${shipmentId} ESCALATED stuck \\((medium|high|critical)\\): no scan since .*; stuck \\(high\\): .*…`),
    );
    expect(memo.length).toBeLessThanOrEqual(ESCALATION_MEMO_MAX_CHARS);

    // The order still hears its shipment: ops' answer to the real escalation ends it.
    await journey.env.client.workflow
      .getHandle(`shipment-${shipmentId}`)
      .executeUpdate(resolveEscalationUpdate, { args: [{ escalationId: escalation.id, decision: 'refund', resolvedBy: 'ops-test' }] });
    expect((await handle.result()).stage).toBe('cancelled');
  });

  it('an order deleted with `temporal workflow delete` while its parcel travels: its answer says Temporal no longer knows its workflow and that it cannot be reset', async () => {
    const handle = await journey.placeOrder({}, { promiseWorkingDays: 30 });
    const orderId = handle.workflowId.replace(/^order-/, '');
    const shipmentWorkflowId = `shipment-${orderId}-S1`;
    await eventually(
      'the parcel with the carrier',
      async () => (await journey.database.db.shipment.findFirst({ where: { orderId, status: 'in_transit' } })) ?? undefined,
    );
    const read = async () => {
      const response = await api?.inject({ method: 'GET', url: `/orders/${orderId}`, headers: { 'x-api-key': KEYS.ops.key } });
      expect(response?.statusCode, response?.body).toBe(200);
      return response?.json() as { source: string; stage: string; workflowEnded?: { status: string; at?: string; hint: string } };
    };
    expect((await read()).workflowEnded).toBeUndefined();

    await cli('workflow', 'delete', '--workflow-id', handle.workflowId, '--yes');
    try {
      // Deletion is asynchronous: the answer changes once Temporal has forgotten the workflow.
      // Before, the order read `fulfilling` from its rows for good, as a journey under way.
      const gone = await eventually('the order read as deleted', async () => {
        const view = await read();
        return view.workflowEnded ? view : undefined;
      });
      expect(gone).toMatchObject({ source: 'database', workflowEnded: { status: 'deleted' } });
      expect(['completed', 'cancelled', 'failed']).not.toContain(gone.stage);
      expect(gone.workflowEnded?.hint).toContain(`Temporal no longer knows workflow ${handle.workflowId}`);
      expect(gone.workflowEnded?.hint).toContain('cannot be reset');
      expect(gone.workflowEnded).not.toHaveProperty('at');
    } finally {
      // Its shipment, whose parcel the carrier has, refused the cancel and goes on alone: stopped with the test.
      await journey.env.client.workflow
        .getHandle(shipmentWorkflowId)
        .terminate('test over')
        .catch(() => undefined);
    }
  });
});
