import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../domain/clock';
import { TASK_QUEUES } from '../../domain/ids';
import { relayIds } from '../../domain/notifications';
import { LegacyRelayServing, relaysLeftOnTheNotifyQueue } from '../../worker/legacy-relays';
import { cachedWorkflowBundle } from '../../worker/workflow-bundles';
import { RELAY_WORKFLOW_TYPE } from '../../workflows/notify/definitions';
import { mailsTo, milestoneOf, uniqueAddress } from '../support/mailbox';
import { startJourney, type Journey } from '../support/journey';
import { testDataConverter } from '../support/temporal';
import { until } from './steps';

/**
 * Relays run their workflow tasks on the orders queue; the notify worker keeps only their deliveries. A relay
 * that a release before started on the notify queue is served there until its next wake-up, then moves over by
 * continue-as-new, and what its outbox holds is sent once, by the moved relay.
 */
describe('notification relays on the orders queue', () => {
  let journey: Journey;
  beforeAll(async () => {
    journey = await startJourney({ notify: true });
  });
  afterAll(() => journey?.teardown());

  /** What a worker of this release adds on the notify queue while relays of the release before run there. */
  const notifyWorkflowWorker = async () =>
    Worker.create({
      connection: journey.env.nativeConnection,
      namespace: 'default',
      dataConverter: testDataConverter,
      taskQueue: TASK_QUEUES.notify,
      workflowBundle: await cachedWorkflowBundle('notify'),
    });
  const mailRelay = () => journey.env.client.workflow.getHandle(relayIds.workflowId(relayIds.mail));

  it('a relay started on the notify queue by the release before moves to the orders queue, and its mails leave once', async () => {
    const left = relaysLeftOnTheNotifyQueue(journey.env.client, journey.database.db);
    expect(await left()).toBe(false);
    // As the release before started it: on the notify queue, where no workflow worker of this release polls.
    const first = await journey.env.client.workflow.start(RELAY_WORKFLOW_TYPE, {
      workflowId: relayIds.workflowId(relayIds.mail),
      taskQueue: TASK_QUEUES.notify,
      args: [{ relayId: relayIds.mail }],
    });
    expect(await left()).toBe(true);

    const warnings: string[] = [];
    const serving = new LegacyRelayServing(left, notifyWorkflowWorker, (message) => warnings.push(message));
    try {
      await serving.start();
      expect(serving.serving).toBe(true);
      const moved = await until(
        journey,
        'the relay moved to the orders queue',
        () => mailRelay().describe(),
        (d) => d.runId !== first.firstExecutionRunId && d.taskQueue === TASK_QUEUES.orders,
        { stepMs: 60_000 },
      );
      expect(moved.status.name).toBe('RUNNING');
      expect(await left()).toBe(false);
      const firstRun = await journey.env.client.workflow.getHandle(first.workflowId, first.firstExecutionRunId).describe();
      expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');
    } finally {
      await serving.shutdown();
    }
    expect(warnings).toEqual([]);

    // Mails of an order placed now wake the moved relay, which the orders worker serves alone.
    const email = uniqueAddress('moved');
    const order = await journey.placeOrder({ customer: { id: 'CUST-MOVED', name: 'Moved Relay', email } });
    await order.result();
    const mails = await until(
      journey,
      "the order's mails",
      () => mailsTo(email),
      (m) => m.length >= 4,
      { stepMs: HOUR_MS },
    );
    expect(mails.map(milestoneOf).sort()).toEqual(['delivered', 'order_confirmed', 'out_for_delivery', 'shipped']);
    expect((await mailRelay().describe()).taskQueue).toBe(TASK_QUEUES.orders);
  });

  it('a worker that finds no relay on the notify queue adds no workflow worker there, and adds one when a relay appears', async () => {
    let found = false;
    let created = 0;
    const serving = new LegacyRelayServing(
      async () => found,
      async () => {
        created += 1;
        return notifyWorkflowWorker();
      },
      () => {},
      50,
    );
    try {
      await serving.start();
      expect(serving.serving).toBe(false);
      found = true;
      const deadline = Date.now() + 30_000;
      while (!serving.serving && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(serving.serving).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(created).toBe(1);
    } finally {
      await serving.shutdown();
    }
  });

  it('a worker that cannot tell whether relays are left serves the notify queue rather than strand one', async () => {
    const warnings: string[] = [];
    let created = 0;
    const serving = new LegacyRelayServing(
      async () => {
        throw new Error('visibility unavailable');
      },
      async () => {
        created += 1;
        return notifyWorkflowWorker();
      },
      (message) => warnings.push(message),
    );
    try {
      await serving.start();
      expect(serving.serving).toBe(true);
      expect(created).toBe(1);
      expect(warnings[0]).toMatch(/could not tell whether relays are left on the notify queue: visibility unavailable/);
    } finally {
      await serving.shutdown();
    }
  });
});
