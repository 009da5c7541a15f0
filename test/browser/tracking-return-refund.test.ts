import { describe, expect, it } from 'vitest';
import { trackingPath } from '../../api/routes/pages/tracking-token';
import { insertFinishedReturn } from '../api/fixtures';
import { TRACKING_SECRET } from '../api/harness';
import { servedInChromium } from '../support/browser-harness';

/**
 * What a checked return tells the customer on their tracking page, in a real headless Chromium. Before: a return whose units
 * ops wrote off while the goods were not at fault (nothing owed) read "Checked: the shop refunds you · refund 0.00 EUR". No
 * worker runs: the returns are rows as a settled return leaves them.
 */
const served = servedInChromium();

async function returnLine(refundCents: number): Promise<string> {
  const { orderId, returnId } = await insertFinishedReturn(served.h.db, 'shop-a', {
    status: 'completed',
    closeReason: 'inspected',
    refundCents,
  });
  const response = await served.page.goto(`${served.base}${trackingPath(orderId, TRACKING_SECRET)}`);
  expect(response?.status()).toBe(200);
  return (await served.page.textContent(`#return-list li[data-return="${returnId}"]`)) ?? '';
}

describe('a checked return on the tracking page', () => {
  it('with nothing owed, promises no refund', async () => {
    const line = await returnLine(0);
    expect(line).toContain('Checked: no refund is due');
    expect(line).not.toMatch(/refunds you|refund 0\.00/);
  });

  it('with a refund owed, says the shop refunds it and how much', async () => {
    const line = await returnLine(1290);
    expect(line).toContain('Checked: the shop refunds you');
    expect(line).toContain('refund 12.90 EUR');
  });
});
