import { describe, expect, it } from 'vitest';
import { insertOrder, insertReturn, insertShipment, type ReturnRowOptions, returnRowData, uniqueId } from '../api/fixtures';
import { KEYS } from '../api/harness';
import { servedInChromium } from '../support/browser-harness';
import { screenshotPath } from '../support/chromium';

/**
 * /ops/returns in a real headless Chromium: every return with its state, filtered by state, a page at a time. Before, the
 * page asked for the parcels on their way back and those at a warehouse only: a return whose label was issued and not yet
 * handed to the carrier was on no ops page, nor was any return that had ended. No worker runs: the returns are rows as
 * their workflows leave them (the inspection of a parcel received after its return ended is the API's, in the database).
 */
const served = servedInChromium();

async function openWithKey(path: string): Promise<void> {
  const { page, base } = served;
  await page.goto(`${base}${path}`);
  await page.fill('#ops-key', KEYS.ops.key);
  await page.click('#key-panel button[type=submit]');
  await page.waitForSelector('#returns[data-loaded]');
}

const rowState = (returnId: string) => served.page.textContent(`#returns tr[data-return="${returnId}"] [data-fact="state"]`);
const shownIds = () => served.page.$$eval('#returns tr[data-return]', (rows) => rows.map((r) => r.getAttribute('data-return')));

/** An order with one return per status, `refundCents` on the completed one; answers the order and the ids by status. */
async function orderWithEveryStatus(): Promise<{ orderId: string; ids: Record<ReturnRowOptions['status'], string> }> {
  const { h } = served;
  const orderId = await insertOrder(h.db, { status: 'completed' });
  await insertShipment(h.db, orderId);
  const at = (minute: number) => new Date(Date.UTC(2030, 0, 1, 10, minute));
  const ids = {
    requested: await insertReturn(h.db, orderId, { status: 'requested', createdAt: at(0) }),
    label_created: await insertReturn(h.db, orderId, { status: 'label_created', createdAt: at(1) }),
    in_transit: await insertReturn(h.db, orderId, { status: 'in_transit', createdAt: at(2) }),
    received: await insertReturn(h.db, orderId, { status: 'received', createdAt: at(3) }),
    completed: await insertReturn(h.db, orderId, { status: 'completed', closeReason: 'inspected', refundCents: 1290, createdAt: at(4) }),
    expired: await insertReturn(h.db, orderId, { status: 'expired', createdAt: at(5) }),
    cancelled: await insertReturn(h.db, orderId, { status: 'cancelled', createdAt: at(6) }),
  };
  return { orderId, ids };
}

describe('/ops/returns lists every return with its state', () => {
  it('shows a label issued and not yet handed to the carrier among every open return, and the filter narrows to each state', async () => {
    const { page } = served;
    const { orderId, ids } = await orderWithEveryStatus();
    await openWithKey(`/ops/returns?order=${orderId}`);
    // Opened for one order: every one of its returns, newest first.
    expect(await page.inputValue('#return-status')).toBe('all');
    expect(await page.textContent('#return-order')).toContain(orderId);
    expect(await shownIds()).toEqual([
      ids.cancelled,
      ids.expired,
      ids.completed,
      ids.received,
      ids.in_transit,
      ids.label_created,
      ids.requested,
    ]);
    expect(await rowState(ids.label_created)).toMatch(/^label issued, not handed to the carrier yet · valid until 20\d\d-/);
    expect(await rowState(ids.requested)).toBe('requested: label being bought');
    expect(await rowState(ids.in_transit)).toBe('on its way back');
    expect(await rowState(ids.received)).toBe('at the warehouse: to inspect');
    expect(await rowState(ids.completed)).toBe('inspected · refund due 12.90 EUR');
    expect(await rowState(ids.expired)).toBe('ended without goods: the label expired unused');
    expect(await rowState(ids.cancelled)).toBe('ended without goods: cancelled');
    // Only the parcel at the warehouse is inspected from here.
    expect(await page.$$eval('#returns button[data-inspect]', (b) => b.map((x) => x.closest('tr')?.getAttribute('data-return')))).toEqual([
      ids.received,
      ids.received,
    ]);
    await page.screenshot({ path: screenshotPath('ops-returns-every-state'), fullPage: true });

    await page.selectOption('#return-status', 'open');
    await page.waitForSelector('#returns[data-loaded]');
    expect(await shownIds()).toEqual([ids.received, ids.in_transit, ids.label_created, ids.requested]);
    await page.selectOption('#return-status', 'label_created');
    await page.waitForSelector('#returns[data-loaded]');
    expect(await shownIds()).toEqual([ids.label_created]);
    await page.selectOption('#return-status', 'completed');
    await page.waitForSelector('#returns[data-loaded]');
    expect(await shownIds()).toEqual([ids.completed]);
  });

  it('opens on every open return of every order, and shows older ones a page at a time', async () => {
    const { h, page } = served;
    const orderId = await insertOrder(h.db, { status: 'completed' });
    await insertShipment(h.db, orderId);
    // 230 returns waiting for their parcel, newer than any other of this file: three pages of 100.
    const rows = Array.from({ length: 230 }, (_, i) =>
      returnRowData(orderId, {
        status: 'label_created',
        returnId: `RMA-${uniqueId('PG').replace(/[^A-Z0-9]/g, '')}${String(i).padStart(3, '0')}`,
        createdAt: new Date(Date.UTC(2035, 0, 1, 0, i)),
      }),
    );
    await h.db.return.createMany({ data: rows });
    const newestFirst = rows.map((r) => r.id).reverse();
    await openWithKey('/ops/returns');
    expect(await page.inputValue('#return-status')).toBe('open');
    expect(await shownIds()).toEqual(newestFirst.slice(0, 100));
    expect(await page.textContent('#status')).toMatch(/^100 return\(s\), older ones on the next page/);
    await page.click('#more-returns');
    await page.waitForSelector('#returns[data-loaded]');
    expect(await shownIds()).toEqual(newestFirst.slice(0, 200));
    await page.click('#more-returns');
    await page.waitForSelector('#returns[data-loaded]');
    const shown = await shownIds();
    expect(shown.slice(0, 230)).toEqual(newestFirst);
    expect(new Set(shown).size).toBe(shown.length);
    // The rest of this file's open returns (older) follow on the third page; the button goes once the last page is drawn.
    expect(await page.isHidden('#more-returns')).toBe(true);
    expect(await page.textContent('#status')).not.toMatch(/next page/);
  });

  it('an inspection with nothing owed says "no refund due", not "refund due 0.00 EUR"', async () => {
    const { h, page } = served;
    const orderId = await insertOrder(h.db, { status: 'completed' });
    await insertShipment(h.db, orderId);
    // A customer who changed their mind, their return cancelled once the parcel was on its way, the parcel delivered to
    // the warehouse after all: received again, inspected by the API. Written off, it owes nothing (not the shop's fault).
    const returnId = await insertReturn(h.db, orderId, { status: 'received' });
    await h.db.return.update({
      where: { id: returnId },
      data: { reason: 'no_longer_needed', closedAt: new Date(Date.now() - 3_600_000), closeReason: 'cancelled' },
    });
    await openWithKey(`/ops/returns?order=${orderId}`);
    const row = `#returns tr[data-return="${returnId}"]`;
    expect(await rowState(returnId)).toBe('at the warehouse: to inspect · arrived after it closed (cancelled)');
    await page.click(`${row} button[data-inspect="write_off"]`);
    await page.click(`${row} button[data-confirm-yes="write_off"]`);
    await page.waitForSelector(`${row}[data-inspected="write_off"]`);
    expect(await page.textContent(`${row} .done`)).toBe('no refund due');
    expect(await page.textContent(row)).not.toContain('0.00');
    expect(await page.textContent('#status')).toBe(`Return ${returnId} inspected; no refund is due for these items.`);
    // The state says what became of it.
    expect(await rowState(returnId)).toBe('inspected · no refund due');
    const stored = await h.db.return.findUniqueOrThrow({ where: { id: returnId }, select: { status: true, refundCents: true } });
    expect(stored).toEqual({ status: 'completed', refundCents: 0 });
  });

  it('keeps the width of a phone: the table scrolls in its box, the filter and its label stay on screen', async () => {
    const { h, page } = served;
    const orderId = await insertOrder(h.db, { status: 'completed' });
    await insertShipment(h.db, orderId);
    await insertReturn(h.db, orderId, { status: 'label_created' });
    await page.setViewportSize({ width: 390, height: 800 });
    try {
      await openWithKey(`/ops/returns?order=${orderId}`);
      const measured = (await page.evaluate(
        `(() => ({ pageWidth: document.documentElement.scrollWidth, screen: window.innerWidth,
          filterRight: document.getElementById('return-status').getBoundingClientRect().right }))()`,
      )) as { pageWidth: number; screen: number; filterRight: number };
      expect(measured.pageWidth).toBeLessThanOrEqual(measured.screen);
      expect(measured.filterRight).toBeLessThanOrEqual(measured.screen);
      expect(await page.textContent('label[for="return-status"]')).toBe('Show');
      await page.screenshot({ path: screenshotPath('ops-returns-phone'), fullPage: true });
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });
});
