import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyCost } from '../../bench/lib/actions';
import { HOUR_MS } from '../../domain/clock';
import { relayIds } from '../../domain/notifications';
import { mailsTo, uniqueAddress } from '../support/mailbox';
import { startJourney, type Journey } from '../support/journey';
import { until } from './steps';

/**
 * What telling people costs in Temporal, counted from the relays' histories as Temporal Cloud bills
 * them (bench/lib/actions.ts). The figures are printed for bench/RESULTS.md; the test holds only the
 * structural claims: the relays' cost does not grow with each event of a burst, and no subscription
 * means no webhook relay at all.
 */
let journey: Journey;

beforeAll(async () => {
  journey = await startJourney({ notify: true });
});
afterAll(async () => {
  await journey?.teardown();
});

async function relayCost(relayId: string) {
  const handle = journey.env.client.workflow.getHandle(relayIds.workflowId(relayId));
  const description = await handle.describe();
  const history = await handle.fetchHistory();
  return historyCost([{ workflowId: handle.workflowId, runId: description.runId, history }]);
}

describe('the Temporal cost of mails and webhooks', () => {
  it('a lone order sends its mails for a handful of relay actions, and a burst of orders costs less per order', async () => {
    const email = uniqueAddress('cost');
    const lone = await journey.placeOrder({ customer: { id: 'CUST-COST-1', name: 'Ada Cost', email } });
    await lone.result();
    await until(
      journey,
      "the lone order's mails",
      () => mailsTo(email),
      (m) => m.length >= 4,
      { stepMs: HOUR_MS },
    );
    const afterOne = await relayCost(relayIds.mail);

    const burst = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        journey.placeOrder({ customer: { id: `CUST-COST-B${i}`, name: 'Burst', email: uniqueAddress(`burst${i}`) } }),
      ),
    );
    for (const handle of burst) await handle.result();
    const mails = await until(
      journey,
      'the burst mails sent',
      () => journey.database.db.customerMail.count({ where: { status: 'pending' } }),
      (pending) => pending === 0,
      { stepMs: HOUR_MS },
    );
    expect(mails).toBe(0);
    const afterBurst = await relayCost(relayIds.mail);
    // Wake-ups are what orders cost; drains follow them, and sweeps (timers with a drain) follow business time.
    const loneSignals = afterOne.actions.signals;
    const burstSignalsPerOrder = (afterBurst.actions.signals - loneSignals) / burst.length;
    process.stdout.write(
      `[notify cost] mail relay after a lone order (4 mails): ${afterOne.totalActions} actions ${JSON.stringify(afterOne.actions)}, ` +
        `${loneSignals} wake-up signals; burst of ${burst.length} orders: ${burstSignalsPerOrder.toFixed(2)} wake-ups per order, ` +
        `relay total ${afterBurst.totalActions} actions over ${afterBurst.runs} run(s)\n`,
    );
    expect(loneSignals).toBeLessThanOrEqual(4);
    expect(burstSignalsPerOrder).toBeLessThanOrEqual(4);
    expect(await journey.database.db.customerMail.count({ where: { status: 'sent' } })).toBe(4 * (burst.length + 1));
    expect(await journey.database.db.notificationRelay.count({ where: { id: { startsWith: 'webhooks:' } } })).toBe(0);
  });
});
