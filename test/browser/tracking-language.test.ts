import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { trackingPath } from '../../api/routes/pages/tracking-token';
import { insertOrder, insertShipment } from '../api/fixtures';
import { TRACKING_SECRET } from '../api/harness';
import { servedInChromium } from '../support/browser-harness';

/**
 * The tracking page speaks the order's language, as its mails do (`Order.locale`): a French order's page is French, from
 * `<html lang>` to its status, timeline, dates (in the customer's time zone), return form and the form's refusals; every other
 * order's page is the English page it always was. Before, every page was English, a French order's too. No worker runs.
 */
const served = servedInChromium();

/** A delivered order with one parcel (its return form open), in `locale`; returns its tracking page's address. */
async function deliveredOrder(locale: 'fr' | 'en'): Promise<string> {
  const orderId = await insertOrder(served.h.db, { status: 'completed' });
  await served.h.db.order.update({ where: { id: orderId }, data: { locale } });
  const { shipmentId } = await insertShipment(served.h.db, orderId);
  await served.h.db.shipment.update({ where: { id: shipmentId }, data: { status: 'delivered', deliveredAt: new Date() } });
  return `${served.base}${trackingPath(orderId, TRACKING_SECRET)}`;
}

/** An order being fulfilled, its one parcel on its way with a carrier scan, in `locale`. */
async function orderOnItsWay(locale: 'fr' | 'en'): Promise<{ url: string; scannedAt: Date }> {
  const { h } = served;
  const orderId = await insertOrder(h.db, { status: 'fulfilling' });
  await h.db.order.update({ where: { id: orderId }, data: { locale } });
  const { shipmentId, trackingNumber } = await insertShipment(h.db, orderId);
  await h.db.shipment.update({ where: { id: shipmentId }, data: { status: 'in_transit' } });
  const scannedAt = new Date('2029-12-31T16:30:00Z');
  await h.db.trackingEvent.create({
    data: {
      id: `${shipmentId}-E1`,
      shipmentId,
      carrierCode: 'swiftpost',
      carrierEventId: `${shipmentId}-E1`,
      trackingNumber,
      carrierStatusCode: 'IT',
      status: 'in_transit',
      occurredAt: scannedAt,
      source: 'poll',
    },
  });
  return { url: `${served.base}${trackingPath(orderId, TRACKING_SECRET)}`, scannedAt };
}

const text = async (selector: string) => (await served.page.textContent(selector)) ?? '';
const fullDay = (locale: string, iso: Date, timeZone = 'Europe/Paris') =>
  new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeZone }).format(iso);

describe("a French order's tracking page", () => {
  it('is French: its language, header, status, promise, parcels and timeline, dates in French in the Paris time zone', async () => {
    const { page } = served;
    const { url, scannedAt } = await orderOnItsWay('fr');
    expect((await page.goto(url))?.status()).toBe(200);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await text('header')).toContain('Votre commande');
    expect(await text('h1')).toMatch(/^Commande ORD/);
    expect(await page.title()).toMatch(/^Commande ORD/);
    expect(await text('[data-fact="status"]')).toBe('StatutEn route');
    const promised = await text('[data-fact="promised"]');
    expect(promised).toMatch(/^Livraison promise le/);
    // The fixture's promise: 2030-01-05T12:00Z, 13:00 in Paris.
    expect(promised).toContain(`${fullDay('fr-FR', new Date('2030-01-05T12:00:00Z'))} à 13:00`);
    expect(await text('section.card ul li')).toMatch(/ — En route$/);
    expect(await text('#timeline')).toContain('En route');
    // The scan at 16:30 UTC on New Year's Eve is 17:30 in Paris, written in French.
    expect(await text('#timeline time')).toContain(`${fullDay('fr-FR', scannedAt)} à 17:30`);
    const english = /Status|Promised by|Timeline|On its way|Order |Saturday|January|Monday|December/;
    expect(await text('main')).not.toMatch(english);
  });

  it('a cancelled order reads "Annulée", without a date', async () => {
    const { h, page, base } = served;
    const orderId = await insertOrder(h.db, { status: 'cancelled' });
    await h.db.order.update({ where: { id: orderId }, data: { locale: 'fr' } });
    await page.goto(`${base}${trackingPath(orderId, TRACKING_SECRET)}`);
    expect(await text('[data-fact="status"] .big')).toBe('Annulée');
    expect(await text('[data-fact="promised"]')).toContain('Pas de date de livraison : la commande a été annulée');
  });

  it('its return form is French, the last day French, and a refused form is told in French', async () => {
    const { page } = served;
    const url = await deliveredOrder('fr');
    await page.goto(url);
    expect(await text('#returns h2')).toBe('Retours');
    expect(await page.$$eval('#return-form th', (cells) => cells.map((c) => c.textContent))).toEqual([
      'Article',
      'Quantité à retourner',
      'À retourner avant le',
    ]);
    const closesAt = new Date(Date.now() + 30 * 86_400_000);
    const row = await text('#return-form tbody tr');
    expect(row).toContain('sur 1');
    // Today's delivery closes 30 days on: the day in French (a minute either way of midnight may move it, not the language).
    expect(row).toMatch(/(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d{1,2} \S+ \d{4}/);
    expect([fullDay('fr-FR', closesAt), fullDay('fr-FR', new Date(closesAt.getTime() - 60_000))].some((d) => row.includes(d))).toBe(true);
    expect(await text('label[for="reason"]')).toBe('Pourquoi ?');
    expect(await page.$$eval('#reason option', (options) => options.map((o) => o.textContent))).toContain('Il est arrivé abîmé');
    expect(await text('label[for="comment"]')).toBe('Autre chose à nous dire ? (facultatif)');
    expect(await text('#return-form button[type=submit]')).toBe('Commencer le retour');
    expect(await page.getAttribute('input[name="qty.MUG-CER-350"]', 'aria-label')).toBe('Quantité de MUG-CER-350 à retourner');

    // Nothing chosen: the refusal is the French page, its message in French, the field marked.
    await page.selectOption('#reason', 'damaged');
    await page.click('#return-form button[type=submit]');
    await page.waitForSelector('#return-message');
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await text('#return-message')).toBe('Indiquez combien de chaque article renvoyer : choisissez au moins un article');
    expect(await page.getAttribute('input[name="qty.MUG-CER-350"]', 'aria-invalid')).toBe('true');
    expect(await page.inputValue('#reason')).toBe('damaged');
  });
});

describe("a French order's details in French", () => {
  it("a date the shop asked for that could not be met says why in French; a failed delivery's carrier text is quoted as the carrier's", async () => {
    const { h, page } = served;
    const { url } = await orderOnItsWay('fr');
    const orderId = /\/track\/([^?]+)/.exec(url)?.[1] ?? '';
    await h.db.order.update({
      where: { id: orderId },
      data: {
        promise: {
          deliverBy: '2030-01-05T12:00:00.000Z',
          shipBy: '2030-01-03T12:00:00.000Z',
          confidence: 0.9,
          basis: 'in_stock',
          shipments: [],
          estimatedCostCents: 0,
          currency: 'EUR',
          requested: {
            promisedBy: '2030-01-02T12:00:00.000Z',
            met: false,
            confidence: 0.2,
            reason: 'no warehouse and standard service delivers by then with 95 % confidence',
          },
          computedAt: '2029-12-30T12:00:00.000Z',
        },
      },
    });
    const shipment = await h.db.shipment.findFirstOrThrow({ where: { orderId } });
    await h.db.trackingEvent.create({
      data: {
        id: `${shipment.id}-E2`,
        shipmentId: shipment.id,
        carrierCode: 'swiftpost',
        carrierEventId: `${shipment.id}-E2`,
        trackingNumber: shipment.trackingNumber ?? '',
        carrierStatusCode: 'DF',
        status: 'delivery_failed',
        detail: 'Recipient absent <a href="https://pay.example/x">pay here</a>',
        location: 'Lyon',
        occurredAt: new Date('2030-01-01T09:00:00Z'),
        source: 'poll',
      },
    });
    await page.goto(url);
    expect(await text('[data-fact="promise-detail"]')).toContain(
      'la date demandée n’a pas pu être tenue : aucune livraison ne peut vous parvenir d’ici là',
    );
    expect(await text('[data-fact="promise-detail"]')).not.toMatch(/warehouse|service|confidence/);
    const failed = await text('#timeline li:has([data-fact="carrier-words"])');
    expect(failed).toContain('Tentative de livraison échouée');
    expect(await text('[data-fact="carrier-words"]')).toBe('message du transporteur, tel qu’il l’a écrit : « Recipient absent pay here »');
    expect(await page.$('#timeline a')).toBeNull();
  });
});

describe('a promise moved since the order was placed', () => {
  /** The order's intake promise (5 January), its date in force moved twice: last by `reason`, to 9 January. */
  async function movedOrder(locale: 'fr' | 'en', reason: string): Promise<string> {
    const { h } = served;
    const { url } = await orderOnItsWay(locale);
    const orderId = /\/track\/([^?]+)/.exec(url)?.[1] ?? '';
    const intake = new Date('2030-01-05T12:00:00.000Z');
    const moves = [
      { reason: 'missed_pick_slot', from: intake, to: new Date('2030-01-07T12:00:00.000Z') },
      { reason, from: new Date('2030-01-07T12:00:00.000Z'), to: new Date('2030-01-09T12:00:00.000Z') },
    ];
    await h.db.promiseChange.createMany({
      data: moves.map((move, i) => ({
        id: `${orderId}:${move.reason}:${i}`,
        orderId,
        reason: move.reason,
        // What the journey saw, for ops: never the customer's to read.
        detail: 'p(on time) 0.41 on swiftpost FR-FR, hub LYS-3 stalled',
        oldPromisedBy: move.from,
        newPromisedBy: move.to,
        createdAt: new Date(Date.now() - (2 - i) * 60_000),
      })),
    });
    const promise = { deliverBy: intake.toISOString(), shipBy: '2030-01-03T12:00:00.000Z', confidence: 0.95, basis: 'in_stock' };
    await h.db.order.update({
      where: { id: orderId },
      data: {
        promisedBy: moves[1]?.to ?? intake,
        promise: { ...promise, shipments: [], estimatedCostCents: 0, currency: 'EUR', computedAt: '2029-12-30T12:00:00.000Z' },
      },
    });
    return url;
  }

  it("says why in the order's language, from the code recorded with the move that set the date in force", async () => {
    const { page } = served;
    // Before: "la date a changé depuis la commande", and no word of why.
    await page.goto(await movedOrder('fr', 'late_scan'));
    const detail = await text('[data-fact="promise-detail"]');
    expect(detail).toContain('la date a changé depuis la commande : le transporteur a pris du retard sur son planning');
    expect(detail).not.toMatch(/entrepôt n'a pas pu|hub|swiftpost|0\.41|late_scan|carrier/);
    expect(await text('[data-fact="promised"]')).toContain(fullDay('fr-FR', new Date('2030-01-09T12:00:00Z')));

    await page.goto(await movedOrder('en', 'warehouse_down'));
    const english = await text('[data-fact="promise-detail"]');
    expect(english).toContain('the date has changed since the order was placed: the parcel now leaves from another warehouse');
    expect(english).not.toMatch(/prepare the parcel|hub|0\.41|warehouse_down/);
  });

  it('a date in force no recorded move set says only that it changed', async () => {
    const { h, page } = served;
    const url = await movedOrder('en', 'stall');
    const orderId = /\/track\/([^?]+)/.exec(url)?.[1] ?? '';
    await h.db.order.update({ where: { id: orderId }, data: { promisedBy: new Date('2030-01-10T12:00:00Z') } });
    await page.goto(url);
    const detail = await text('[data-fact="promise-detail"]');
    expect(detail).toContain('the date has changed since the order was placed');
    expect(detail).not.toContain('placed:');
  });
});

describe("a French order's error pages", () => {
  it('a return label no longer there is told in French once the link is good; a wrong link stays English', async () => {
    const { page, base } = served;
    const url = await deliveredOrder('fr');
    const orderId = /\/track\/([^?]+)/.exec(url)?.[1] ?? '';
    const token = url.split('t=')[1] ?? '';
    const gone = await page.goto(`${base}/track/${orderId}/returns/RMA-GONE1/label?t=${token}`);
    expect(gone?.status()).toBe(404);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await text('h1')).toBe('Nous ne trouvons pas cette étiquette retour');
    expect(await text('header')).toContain('Votre commande');
    expect(await text('main')).toContain('Référence :');
    // A wrong token proves nothing: the page does not tell a stranger the order exists, nor its language.
    const wrong = await page.goto(`${base}/track/${orderId}?t=${'A'.repeat(32)}`);
    expect(wrong?.status()).toBe(404);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await text('h1')).toBe('We cannot find this order');
  });
});

describe("a French order's rate-limited page", () => {
  it('is French once the link is good: "Trop de demandes", how long to wait in French; a wrong link stays English', async () => {
    const { h, page } = served;
    const url = await deliveredOrder('fr');
    const limited = await h.rebuild({ authFailuresPerMinute: 2 });
    await limited.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(limited.server.address() as AddressInfo).port}`;
    const path = url.slice(served.base.length);
    const orderId = /\/track\/([^?]+)/.exec(path)?.[1] ?? '';
    for (let i = 0; i < 2; i += 1) await page.goto(`${base}/track/${orderId}?t=${'A'.repeat(32)}`);
    const response = await page.goto(`${base}${path}`);
    expect(response?.status()).toBe(429);
    const retryAfter = response?.headers()['retry-after'];
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await text('h1')).toBe('Trop de demandes');
    expect(await text('main')).toContain(`Attendez ${retryAfter} secondes, puis rechargez la page.`);
    expect(await text('main')).not.toMatch(/Too many|seconds|Wait/);
    await page.goto(`${base}/track/${orderId}?t=${'B'.repeat(32)}`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
  });
});

describe("a French order's good link with a wrong sub-path or method", () => {
  it('is refused in French (404 and 405); the same address with a wrong token stays English', async () => {
    const { page, base } = served;
    const url = await deliveredOrder('fr');
    const [path = '', query = ''] = url.slice(base.length).split('?');
    // Before: "We cannot find this page" in English, a French order's link all the same.
    const missing = await page.goto(`${base}${path}/suivi?${query}`);
    expect(missing?.status()).toBe(404);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await text('h1')).toBe('Nous ne trouvons pas cette page');
    // A form a customer's mail tool or an old bookmark posts to the page itself: it takes GET only.
    await page.setContent(`<form method="post" action="${base}${path}?${query}"><button>go</button></form>`);
    const [posted] = await Promise.all([page.waitForNavigation(), page.click('button')]);
    expect(posted?.status()).toBe(405);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await text('h1')).toBe('Cette page ne peut pas être utilisée ainsi');
    await page.goto(`${base}${path}/suivi?t=${'A'.repeat(32)}`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await text('h1')).toBe('We cannot find this page');
  });
});

describe("an English order's tracking page is the page it always was", () => {
  it('English words and English dates', async () => {
    const { page } = served;
    const { url } = await orderOnItsWay('en');
    await page.goto(url);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await text('header')).toContain('Your order');
    expect(await text('[data-fact="status"]')).toBe('StatusOn its way');
    const promised = await text('[data-fact="promised"]');
    expect(promised).toMatch(/^Promised by/);
    expect(promised).toContain(`${fullDay('en-GB', new Date('2030-01-05T12:00:00Z'))} at 13:00`);
    expect(await text('#timeline')).toContain('On its way');
  });

  it('its return form and refusals are English', async () => {
    const { page } = served;
    await page.goto(await deliveredOrder('en'));
    expect(await page.$$eval('#return-form th', (cells) => cells.map((c) => c.textContent))).toEqual([
      'Item',
      'Quantity to return',
      'Return by',
    ]);
    expect(await text('#return-form button[type=submit]')).toBe('Start the return');
    await page.click('#return-form button[type=submit]');
    await page.waitForSelector('#return-message');
    expect(await text('#return-message')).toBe('Choose how many of each item to send back: at least one item');
  });
});
