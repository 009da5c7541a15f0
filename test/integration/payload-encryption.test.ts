import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { orderStatusQuery } from '../../workflows/definitions';
import { KEYS, journeyApi } from '../api/harness';
import { type Journey, startJourney } from '../support/journey';
import { JOURNEY_NAMESPACE } from '../support/namespaces';

const run = promisify(execFile);

/**
 * No customer data reaches the Temporal server in clear: a whole journey runs on the dev server
 * (what `npm start` runs), then its histories are exported with the real `temporal` CLI, as anyone
 * with access to the server could, and searched for the customer's name, e-mail and street, also
 * inside every base64 blob. Through the API's codec endpoint the same CLI shows them again.
 */
const CUSTOMER = {
  name: 'Zoé Confidentielle',
  email: 'zoe.confidentielle@example.org',
  street: '7 impasse des Secrets',
};

/** Every string in a JSON document, and what each base64-looking one decodes to. */
function readableText(json: unknown): string {
  const out: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === 'string') {
      out.push(value);
      if (value.length >= 8 && /^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) out.push(Buffer.from(value, 'base64').toString('utf8'));
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(json);
  return out.join('\n');
}

/** What bytes inflate to if they happen to be a raw deflate stream (ciphertext is not): nothing otherwise. */
function inflatedIfAny(bytes: Uint8Array | null | undefined): string {
  try {
    return inflateRawSync(bytes ?? new Uint8Array()).toString('latin1');
  } catch {
    return '';
  }
}

describe('payload encryption on a real Temporal server', () => {
  let journey: Journey;
  let api: FastifyInstance;
  let codecEndpoint = '';
  let orderWorkflowId = '';
  let shipmentWorkflowId = '';
  let startedAt = new Date();

  beforeAll(async () => {
    startedAt = new Date(Date.now() - 1_000);
    // With the notify queue: the customer's mails (name, e-mail) go through relay workflows too.
    journey = await startJourney({ server: 'dev', timeScale: 86_400, notify: true });
    api = await journeyApi(journey);
    await api.listen({ host: '127.0.0.1', port: 0 });
    codecEndpoint = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}/codec`;

    const handle = await journey.placeOrder(
      {
        customer: { id: 'CUST-PRIVATE', name: CUSTOMER.name, email: CUSTOMER.email },
        shipTo: { name: CUSTOMER.name, line1: CUSTOMER.street, city: 'Lyon', postalCode: '69002', countryCode: 'FR' },
      },
      { promiseWorkingDays: 30 },
    );
    orderWorkflowId = handle.workflowId;
    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    shipmentWorkflowId = `shipment-${outcome.shipments[0]?.shipmentId ?? ''}`;
  });
  afterAll(async () => {
    await api?.close();
    await journey?.teardown();
  });

  const show = async (workflowId: string, extra: string[] = []) => {
    const { stdout } = await run(
      inject('temporalCliPath'),
      [
        'workflow',
        'show',
        '--workflow-id',
        workflowId,
        '--address',
        inject('temporalDevAddress'),
        '--namespace',
        JOURNEY_NAMESPACE,
        '--output',
        'json',
        ...extra,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    return JSON.parse(stdout) as unknown;
  };

  it('the exported order and shipment histories hold no name, e-mail or street, in clear or in base64', async () => {
    for (const workflowId of [orderWorkflowId, shipmentWorkflowId]) {
      const text = readableText(await show(workflowId));
      for (const secret of Object.values(CUSTOMER)) expect(text, `${workflowId} shows "${secret}"`).not.toContain(secret);
      expect(text).toContain('binary/encrypted');
    }
  });

  it('every workflow the journey ran (relays of mails and webhooks included) holds none of them either, in the raw history', async () => {
    const service = journey.env.connection.workflowService;
    const ran: string[] = [];
    for await (const execution of journey.env.client.workflow.list({ query: `StartTime >= '${startedAt.toISOString()}'` })) {
      ran.push(execution.workflowId);
      let nextPageToken: Uint8Array | undefined;
      do {
        // Straight from the server, as its database holds it: no codec on this path.
        const page = await service.getWorkflowExecutionHistory({
          namespace: JOURNEY_NAMESPACE,
          execution: { workflowId: execution.workflowId, runId: execution.runId },
          ...(nextPageToken ? { nextPageToken } : {}),
        });
        // The message's JSON form (bytes as base64, as the CLI exports them), every base64 blob decoded too.
        const json = JSON.stringify(page.history ?? {});
        expect(json).toContain('"events"');
        const text = readableText(JSON.parse(json));
        for (const secret of Object.values(CUSTOMER)) expect(text, `${execution.workflowId} shows "${secret}"`).not.toContain(secret);
        // Proof that the bytes were read: the payloads' metadata says what they are.
        if (execution.workflowId === orderWorkflowId) expect(text).toContain('binary/encrypted');
        nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
      } while (nextPageToken);
    }
    expect(ran).toEqual(expect.arrayContaining([orderWorkflowId, shipmentWorkflowId]));
  });

  it('search attributes, query answers and current details carry no personal data either', async () => {
    const description = await journey.env.client.workflow.getHandle(orderWorkflowId).describe();
    const attributes = JSON.stringify(description.typedSearchAttributes);
    for (const secret of Object.values(CUSTOMER)) expect(attributes).not.toContain(secret);

    // Straight from the server, without the client's codec: the query answer as the server relays it.
    const raw = await journey.env.connection.workflowService.queryWorkflow({
      namespace: JOURNEY_NAMESPACE,
      execution: { workflowId: orderWorkflowId },
      query: { queryType: 'status' },
    });
    const metadataRaw = await journey.env.connection.workflowService.queryWorkflow({
      namespace: JOURNEY_NAMESPACE,
      execution: { workflowId: shipmentWorkflowId },
      query: { queryType: '__temporal_workflow_metadata' },
    });
    for (const answer of [raw, metadataRaw]) {
      const payloads = answer.queryResult?.payloads ?? [];
      expect(payloads.length).toBeGreaterThan(0);
      for (const payload of payloads) {
        // Deflated before sealing when that shrinks it (worker/payload-codec.ts): encrypted either way.
        expect(Buffer.from(payload.metadata?.encoding ?? []).toString()).toMatch(/^binary\/encrypted(-z1)?$/);
        const visible = Buffer.from(payload.data ?? []).toString('latin1') + inflatedIfAny(payload.data);
        for (const secret of Object.values(CUSTOMER)) expect(visible).not.toContain(secret);
      }
    }
    // The shipment's summary, which the Web UI shows (as Markdown, decoded through the codec): sealed like every payload,
    // and naming the destination's country only, no part of the address.
    const shipment = await journey.env.connection.workflowService.describeWorkflowExecution({
      namespace: JOURNEY_NAMESPACE,
      execution: { workflowId: shipmentWorkflowId },
    });
    const summary = shipment.executionConfig?.userMetadata?.summary;
    expect(Buffer.from(summary?.metadata?.encoding ?? []).toString()).toMatch(/^binary\/encrypted(-z1)?$/);
    const shown = Buffer.from(summary?.data ?? []).toString('latin1') + inflatedIfAny(summary?.data);
    for (const part of ['Lyon', '69002', ...Object.values(CUSTOMER)]) expect(shown).not.toContain(part);
    // With the key, the same query answers in clear.
    const view = await journey.env.client.workflow.getHandle(orderWorkflowId).query(orderStatusQuery);
    expect(view.shipTo.line1).toBe(CUSTOMER.street);
  });

  it('`temporal workflow show --codec-endpoint … --codec-auth "Bearer <ops key>"` decodes them through the API', async () => {
    const text = readableText(await show(orderWorkflowId, ['--codec-endpoint', codecEndpoint, '--codec-auth', `Bearer ${KEYS.ops.key}`]));
    expect(text).toContain(CUSTOMER.name);
    expect(text).toContain(CUSTOMER.street);
    expect(text).toContain(CUSTOMER.email);
  });

  it('the codec endpoint refuses the CLI without the ops key', async () => {
    await expect(show(orderWorkflowId, ['--codec-endpoint', codecEndpoint, '--codec-auth', `Bearer ${KEYS.intake.key}`])).rejects.toThrow();
  });
});
