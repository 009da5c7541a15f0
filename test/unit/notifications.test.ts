import { REPROMISE_REASONS, REPROMISE_WORDING, REPROMISE_WORDING_FR } from '../../domain/repromise-reasons';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { journeyOrder, withDisplayName } from '../../activities/notifications/mail-relay';
import { withoutAddresses } from '../../activities/notifications/smtp-failure';
import { newWebhookSecret, signWebhook, verifyWebhook } from '../../activities/notifications/webhook-signature';
import { checkWebhookUrl, isPrivateAddress } from '../../activities/notifications/webhook-url';
import { orderEndMilestones } from '../../activities/orders';
import { carrierWordsForMail, renderMail } from '../../domain/mail-templates';
import { CustomerSchema, OrderRequestSchema } from '../../domain/order';
import { parcelPlace } from '../../domain/parcel-place';
import {
  localeFor,
  MAIL_MILESTONES,
  WEBHOOK_GIVE_UP_AFTER_MS,
  WEBHOOK_TEXT_MAX_CHARS,
  webhookRetryDelayMs,
} from '../../domain/notifications';

describe('the language of customer mails', () => {
  it('follows the order when Colis writes that language, else the destination country, else English', () => {
    expect(localeFor(undefined, 'FR')).toBe('fr');
    expect(localeFor(undefined, 'BE')).toBe('fr');
    expect(localeFor(undefined, 'DE')).toBe('en');
    expect(localeFor('en-GB', 'FR')).toBe('en');
    expect(localeFor('fr', 'ES')).toBe('fr');
    expect(localeFor('de-DE', 'FR')).toBe('fr');
    expect(localeFor('de', 'DE')).toBe('en');
  });

  it('reads the language of any BCP 47 tag an order gives, and refuses what is none (old: es-419, zh-Hant-TW, fil refused)', () => {
    const order = (locale: string) =>
      OrderRequestSchema.safeParse({
        customer: { id: 'CUST-LANG', name: 'Lucía Pérez' },
        shipTo: { name: 'Lucía Pérez', line1: '12 rue de la République', city: 'Lyon', postalCode: '69002', countryCode: 'FR' },
        lines: [{ sku: 'MUG-CER-350', quantity: 1 }],
        locale,
      });
    for (const tag of ['fr', 'en-GB', 'es-419', 'zh-Hant-TW', 'fil', 'sr-Latn', 'fr-Latn-CA', 'de-CH-1996'])
      expect(order(tag).success, tag).toBe(true);
    for (const tag of ['', 'french', 'fr_FR', 'en-', '12', 'x'.repeat(40), 'fr-FR\n']) expect(order(tag).success, tag).toBe(false);
    expect(localeFor('fr-Latn-CA', 'DE')).toBe('fr');
    expect(localeFor('es-419', 'FR')).toBe('fr');
    expect(localeFor('es-419', 'MX')).toBe('en');
    // North Frisian is no French: the first two letters of a three-letter language are not a language.
    expect(localeFor('frr', 'DE')).toBe('en');
  });
});

describe('customer e-mail addresses', () => {
  it('take an internationalised domain, its top-level domain too (old: refused, and the whole order with it)', () => {
    const email = (address: string) => CustomerSchema.shape.email.safeParse(address).success;
    for (const address of ['lucie@exämple.fr', 'jean@münchen.de', 'ivan@пример.рф', 'camille+colis@example.com', "o'neil@example.ie"])
      expect(email(address), address).toBe(true);
    for (const address of [
      'jöhn@example.fr',
      '"jean dupont"@example.com',
      'jean@exämple',
      'jean@exämple.fr:25',
      'jean@exa/mple.fr',
      'a@localhost',
    ])
      expect(email(address), address).toBe(false);
  });
});

describe('the order mails go out in', () => {
  it('oldest first; mails written in the same instant (one poll brought the whole day) in the order of the journey', () => {
    const at = new Date('2026-12-07T10:00:00Z');
    const later = new Date('2026-12-07T10:00:01Z');
    const mails = [
      { id: 'a', milestone: 'delivered', createdAt: at },
      { id: 'b', milestone: 'action_needed', createdAt: at },
      { id: 'c', milestone: 'order_confirmed', createdAt: later },
      { id: 'd', milestone: 'shipped', createdAt: at },
    ];
    expect([...mails].sort(journeyOrder).map((m) => m.milestone)).toEqual(['shipped', 'action_needed', 'delivered', 'order_confirmed']);
  });
});

describe('mail templates', () => {
  const base = {
    shopName: 'Atelier <Lumière>',
    customerName: 'Camille "C" Martin',
    orderId: 'ORD-ABC',
    timeZone: 'Europe/Paris',
    trackingUrl: 'https://colis.example/track/ORD-ABC?t=token',
    data: { promisedBy: '2026-12-07T12:00:00Z', carrierCode: 'swiftpost', trackingNumber: 'SP123' },
  };
  it('writes every milestone in both languages, as text and HTML, with the link and no raw markup from data', () => {
    for (const milestone of MAIL_MILESTONES) {
      for (const locale of ['fr', 'en'] as const) {
        const mail = renderMail({ ...base, locale, milestone });
        expect(mail.subject).toContain('Atelier <Lumière>');
        expect(mail.text).toContain(locale === 'fr' ? 'Bonjour Camille' : 'Hello Camille');
        expect(mail.html).toContain(`<html lang="${locale}">`);
        expect(mail.html).not.toContain('<Lumière>');
        expect(mail.html).toContain('Atelier &lt;Lumière&gt;');
        expect(mail.text).not.toMatch(/undefined|NaN|\[object/);
      }
    }
  });
  it('quote why the carrier could not deliver without its links or markup, in both parts of the mail', () => {
    const phishing = 'Address incomplete <a href="https://evil.example/pay">Pay 2€ customs fee here</a> or www.evil.example now';
    for (const locale of ['en', 'fr'] as const) {
      const mail = renderMail({
        ...base,
        locale,
        milestone: 'action_needed',
        data: { ...base.data, problem: 'delivery_failed', reason: phishing },
      });
      for (const part of [mail.text, mail.html]) {
        expect(part).toContain('Address incomplete Pay 2€ customs fee here or now');
        expect(part).not.toMatch(/evil\.example|href="https:\/\/evil/);
      }
    }
    expect(carrierWordsForMail('Recipient absent, notice left')).toBe('Recipient absent, notice left');
    expect(carrierWordsForMail('see track.example/abc123')).toBe('see');
    expect(carrierWordsForMail('<b></b> https://x.example')).toBeUndefined();
  });
  it('dates read as a customer reads them, in their language', () => {
    expect(renderMail({ ...base, locale: 'fr', milestone: 'order_confirmed' }).text).toContain('lundi 7 décembre 2026');
    expect(renderMail({ ...base, locale: 'en', milestone: 'order_confirmed' }).text).toContain('Monday, 7 December 2026');
  });
  it('dates a promise by the customer’s own day: the end of a London Monday is Tuesday in Paris', () => {
    const endOfLondonMonday = { ...base.data, promisedBy: '2026-12-07T23:59:59.999Z', previousPromisedBy: '2026-12-04T23:59:59.999Z' };
    const london = { ...base, timeZone: 'Europe/London', data: endOfLondonMonday };
    expect(renderMail({ ...london, locale: 'en', milestone: 'order_confirmed' }).text).toContain('by Monday, 7 December 2026');
    expect(renderMail({ ...london, locale: 'en', milestone: 'promise_changed' }).text).toContain('(instead of Friday, 4 December 2026)');
    expect(renderMail({ ...london, locale: 'fr', milestone: 'shipped' }).text).toContain('au plus tard le lundi 7 décembre 2026');
    // Read in Paris the same instant is already the next day: what the mails said before.
    expect(renderMail({ ...base, data: endOfLondonMonday, locale: 'en', milestone: 'order_confirmed' }).text).toContain(
      'Tuesday, 8 December',
    );
  });
  it('says what changed and why when the promise moves', () => {
    const mail = renderMail({
      ...base,
      locale: 'en',
      milestone: 'promise_changed',
      data: { promisedBy: '2026-12-09T12:00:00Z', previousPromisedBy: '2026-12-07T12:00:00Z', reason: 'the carrier is late' },
    });
    expect(mail.text).toContain('Wednesday, 9 December 2026 (instead of Monday, 7 December 2026)');
    expect(mail.text).toContain('Why: the carrier is late.');
  });
  it("says why the promise moved in the customer's language, not in English", () => {
    const change = { promisedBy: '2026-12-09T12:00:00Z', reason: 'the carrier is behind its schedule', reasonCode: 'late_scan' as const };
    const fr = renderMail({ ...base, locale: 'fr', milestone: 'promise_changed', data: change });
    expect(fr.text).toContain('Pourquoi : le transporteur a pris du retard sur son planning.');
    expect(fr.text).not.toContain('behind its schedule');
    expect(fr.html).toContain('le transporteur a pris du retard');
    const en = renderMail({ ...base, locale: 'en', milestone: 'promise_changed', data: change });
    expect(en.text).toContain('Why: the carrier is behind its schedule.');
    for (const reasonCode of REPROMISE_REASONS) {
      const words = renderMail({ ...base, locale: 'fr', milestone: 'promise_changed', data: { ...change, reasonCode } }).text;
      expect(words).toContain(`Pourquoi : ${REPROMISE_WORDING_FR[reasonCode]}.`);
    }
  });
  it("says why a parcel is sent again in the customer's language; a mail queued before causes had codes keeps its words", () => {
    const data = { reason: 'late in transit', lossCause: 'late' as const };
    const fr = renderMail({ ...base, locale: 'fr', milestone: 'reshipped', data }).text;
    expect(fr).toContain('(en retard chez le transporteur)');
    expect(fr).not.toContain('late in transit');
    expect(renderMail({ ...base, locale: 'en', milestone: 'reshipped', data }).text).toContain('(late in transit)');
    // Queued before causes had codes: its English words read back as their cause, in French; words no table holds are left
    // out of a French mail (before, "(stuck in transit)" in the middle of French), kept in an English one.
    const queued = renderMail({ ...base, locale: 'fr', milestone: 'reshipped', data: { reason: 'late in transit' } }).text;
    expect(queued).toContain('Votre colis a eu un problème chez le transporteur (en retard chez le transporteur).');
    const unknown = renderMail({ ...base, locale: 'fr', milestone: 'reshipped', data: { reason: 'stuck in transit' } }).text;
    expect(unknown).toContain('Votre colis a eu un problème chez le transporteur.');
    expect(unknown).not.toContain('stuck in transit');
    expect(renderMail({ ...base, locale: 'en', milestone: 'reshipped', data: { reason: 'stuck in transit' } }).text).toContain(
      '(stuck in transit)',
    );
  });
  it('a promise change queued before reasons had codes is told in French from its English words, never in English', () => {
    const queued = { promisedBy: '2026-12-09T12:00:00Z', reason: REPROMISE_WORDING.late_scan };
    const fr = renderMail({ ...base, locale: 'fr', milestone: 'promise_changed', data: queued }).text;
    expect(fr).toContain(`Pourquoi : ${REPROMISE_WORDING_FR.late_scan}.`);
    expect(fr).not.toContain(REPROMISE_WORDING.late_scan);
    const handWritten = renderMail({
      ...base,
      locale: 'fr',
      milestone: 'promise_changed',
      data: { ...queued, reason: 'the van broke down' },
    });
    expect(handWritten.text).not.toMatch(/Pourquoi|van broke/);
    expect(
      renderMail({ ...base, locale: 'en', milestone: 'promise_changed', data: { ...queued, reason: 'the van broke down' } }).text,
    ).toContain('Why: the van broke down.');
  });
  it("quotes the carrier's words of a failed delivery as the carrier's, beside our own words in the customer's language", () => {
    const data = { ...base.data, problem: 'delivery_failed' as const, reason: 'Recipient absent, notice left' };
    const fr = renderMail({ ...base, locale: 'fr', milestone: 'action_needed', data }).text;
    expect(fr).toMatch(
      /Le transporteur n’a pas pu livrer votre colis[^.]*\. Message du transporteur, tel qu’il l’a écrit : « Recipient absent, notice left »\./,
    );
    const en = renderMail({ ...base, locale: 'en', milestone: 'action_needed', data }).text;
    expect(en).toMatch(/The carrier could not deliver your[^.]*\. The carrier's words: “Recipient absent, notice left”\./);
  });
  it('tells the customer what a called-off replacement refunds, in their language and currency, and says so when part of it shipped', () => {
    const data = { items: [{ skuCode: 'KETTLE-17L', quantity: 2 }], amountCents: 11980, currency: 'EUR' };
    const fr = renderMail({ ...base, locale: 'fr', milestone: 'replacement_refunded', data }).text;
    expect(fr).toContain('2 × KETTLE-17L');
    expect(fr).toMatch(/rembourser 119,80\s€/);
    expect(fr).toContain('ne sont plus disponibles');
    const en = renderMail({ ...base, locale: 'en', milestone: 'replacement_refunded', data: { ...data, partial: true } }).text;
    expect(en).toContain('refund you €119.80');
    expect(en).toContain('could not send every item');
  });
  it('tells the customer a cancelled order sends nothing, in their language, and never why (the reason may be ops’ words)', () => {
    const data = { ...base.data, reason: 'fraud check failed: card flagged by ops' };
    const fr = renderMail({ ...base, locale: 'fr', milestone: 'order_cancelled', data });
    expect(fr.subject).toBe('Atelier <Lumière> : votre commande ORD-ABC est annulée');
    expect(fr.text).toContain('Votre commande ORD-ABC chez Atelier <Lumière> a été annulée.');
    expect(fr.text).toContain('Aucun colis ne vous sera envoyé pour cette commande.');
    expect(fr.text).toContain(`Voir ma commande : ${base.trackingUrl}`);
    const en = renderMail({ ...base, locale: 'en', milestone: 'order_cancelled', data });
    expect(en.subject).toBe('Atelier <Lumière>: your order ORD-ABC has been cancelled');
    expect(en.text).toContain('No parcel will be sent to you for this order.');
    expect(en.html).toContain('has been cancelled.');
    for (const mail of [fr, en]) {
      expect(`${mail.subject}${mail.text}${mail.html}`).not.toMatch(/fraud|flagged|SP123/);
      // Colis sends parcels, the shop takes payments: the mail promises no refund it cannot see through.
      expect(mail.text).not.toMatch(/rembours|refund/i);
    }
  });
  it('says which parcel of a split order a mail is about, and never calls a first parcel delivered the whole order', () => {
    const first = renderMail({ ...base, locale: 'en', milestone: 'delivered', parcel: { position: 1, count: 2, othersDelivered: false } });
    expect(first.subject).toBe('Atelier <Lumière>: a parcel of your order ORD-ABC was delivered');
    expect(first.text).toContain('This is parcel 1 of 2 of your order.');
    expect(first.text).toContain('The rest of your order is on its way');
    const last = renderMail({ ...base, locale: 'fr', milestone: 'delivered', parcel: { position: 2, count: 2, othersDelivered: true } });
    expect(last.subject).toContain('votre commande ORD-ABC est livrée');
    expect(last.text).toContain('C’est le colis 2 sur 2 de votre commande.');
    expect(last.text).toContain('toute votre commande est arrivée');
    const shipped = renderMail({ ...base, locale: 'en', milestone: 'shipped', parcel: { position: 2, count: 3, othersDelivered: false } });
    expect(shipped.text).toContain('This is parcel 2 of 3 of your order.');
    expect(shipped.text).not.toContain('on its way: we will write');
    // Order-wide mails do not speak of parcels; a single parcel's mails are unchanged.
    const confirmed = renderMail({
      ...base,
      locale: 'en',
      milestone: 'order_confirmed',
      parcel: { position: 1, count: 2, othersDelivered: false },
    });
    expect(confirmed.text).not.toContain('parcel 1 of 2');
    expect(renderMail({ ...base, locale: 'en', milestone: 'delivered' }).subject).toBe(
      'Atelier <Lumière>: your order ORD-ABC was delivered',
    );
  });
});

describe('the end of an order, as the outbox records it', () => {
  it('a cancel tells the shop why (cut to a bound) and the customer that it is cancelled (never why), each under its own key', () => {
    const long = `${'x'.repeat(WEBHOOK_TEXT_MAX_CHARS)} and more`;
    const [shop, customer, ...rest] = orderEndMilestones('ORD-1', 'fulfilling', 'cancelled', long);
    expect(rest).toEqual([]);
    expect(shop).toEqual({
      orderId: 'ORD-1',
      key: 'order.cancelled',
      webhook: {
        type: 'order.cancelled',
        data: { orderId: 'ORD-1', status: 'cancelled', reason: `${'x'.repeat(WEBHOOK_TEXT_MAX_CHARS - 1)}…` },
      },
    });
    expect(customer).toEqual({ orderId: 'ORD-1', key: 'order_cancelled', mail: { milestone: 'order_cancelled', data: {} } });
    // No reason recorded (a first-version run): the event without one.
    expect(orderEndMilestones('ORD-1', 'reserving', 'cancelled')[0]?.webhook?.data).toEqual({ orderId: 'ORD-1', status: 'cancelled' });
  });
  it('a completed order mails nothing here, and an order already ended (or never recorded) tells nobody again', () => {
    expect(orderEndMilestones('ORD-1', 'fulfilling', 'completed', 'done').map((m) => [m.key, m.mail, m.webhook?.data])).toEqual([
      ['order.completed', undefined, { orderId: 'ORD-1', status: 'completed' }],
    ]);
    expect(orderEndMilestones('ORD-1', 'cancelled', 'cancelled', 'again')).toEqual([]);
    expect(orderEndMilestones('ORD-1', undefined, 'cancelled', 'no row')).toEqual([]);
  });
});

describe('where a parcel stands in its order', () => {
  const parcel = (
    shipmentId: string,
    status: string,
    trackingNumber: string | null = shipmentId,
    replacesShipmentId: string | null = null,
  ) => ({
    shipmentId,
    trackingNumber,
    status,
    replacesShipmentId,
  });
  it('counts the parcels that will arrive: not a cancelled, refunded or lost one, nor one a replacement stands in for', () => {
    const parcels = [
      parcel('S1', 'delivered'),
      parcel('S2', 'lost'),
      parcel('S3', 'in_transit', 'T3', 'S2'),
      parcel('S4', 'cancelled'),
      parcel('S5', 'planned', null),
    ];
    expect(parcelPlace(parcels, 'T3')).toEqual({ position: 2, count: 3, othersDelivered: false });
    expect(parcelPlace(parcels, 'S1')).toEqual({ position: 1, count: 3, othersDelivered: false });
    expect(parcelPlace([parcel('S1', 'delivered'), parcel('S2', 'delivered')], 'S2')).toEqual({
      position: 2,
      count: 2,
      othersDelivered: true,
    });
    // One parcel, or a tracking number that is not among the arriving ones: nothing to say.
    expect(parcelPlace([parcel('S1', 'delivered'), parcel('S2', 'cancelled')], 'S1')).toBeUndefined();
    expect(parcelPlace(parcels, 'S2')).toBeUndefined();
  });
});

describe('Standard Webhooks signatures', () => {
  it('verify with the standardwebhooks library, an independent implementation of the convention', () => {
    const secret = newWebhookSecret();
    const body = JSON.stringify({ type: 'shipment.delivered', data: { orderId: 'ORD-1' } });
    const timestampSeconds = Math.floor(Date.now() / 1000);
    const signature = signWebhook({ id: 'msg_1', timestampSeconds, body, secrets: [secret] });
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': signature };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });
  it('during a rotation carry one signature per secret, each valid on its own', () => {
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    const timestampSeconds = Math.floor(Date.now() / 1000);
    const signature = signWebhook({ id: 'msg_2', timestampSeconds, body: '{}', secrets: [current, previous] });
    expect(signature.split(' ')).toHaveLength(2);
    for (const secret of [current, previous]) {
      const headers = { 'webhook-id': 'msg_2', 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': signature };
      expect(new Webhook(secret).verify('{}', headers)).toEqual({});
      expect(
        verifyWebhook({ id: 'msg_2', timestampSeconds, body: '{}', signatureHeader: signature, secret, nowSeconds: timestampSeconds }),
      ).toBe(true);
    }
  });
});

describe('webhook retries', () => {
  it('back off from seconds to ten hours, for three days', () => {
    expect(webhookRetryDelayMs(1)).toBe(5_000);
    expect(webhookRetryDelayMs(6)).toBe(10 * 3_600_000);
    expect(webhookRetryDelayMs(40)).toBe(10 * 3_600_000);
    expect(WEBHOOK_GIVE_UP_AFTER_MS).toBeGreaterThanOrEqual(72 * 3_600_000);
  });
});

describe('webhook URLs (SSRF)', () => {
  it('knows loopback, link-local, private and metadata addresses', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
    ])
      expect(isPrivateAddress(address), address).toBe(true);
    for (const address of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '::ffff:5db8:d822', '64:ff9b::5db8:d822'])
      expect(isPrivateAddress(address), address).toBe(false);
  });
  it('knows an IPv4 address inside IPv6 as the URL standard writes it: [::ffff:127.0.0.1] is [::ffff:7f00:1] once parsed', async () => {
    // A dual-stack socket connects ::ffff:7f00:1 to 127.0.0.1: the subscription reached PostgreSQL's or Temporal's port.
    for (const address of [
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '::ffff:0:a00:7',
      '::7f00:1',
      '64:ff9b::a9fe:a9fe',
      '2002:c0a8:101::1',
      'fec0::1',
    ])
      expect(isPrivateAddress(address), address).toBe(true);
    for (const url of [
      'https://[::ffff:127.0.0.1]:5433/',
      'https://[::ffff:169.254.169.254]/latest/meta-data/',
      'https://[64:ff9b::10.0.0.7]/',
    ])
      expect(await checkWebhookUrl(url, { allowPrivate: false }), url).toMatchObject({ ok: false });
  });
  it('in production refuses a URL whose host resolves inside, plain http and credentials; allows them in development', async () => {
    const resolve = async (host: string) => (host === 'shop.example' ? ['93.184.216.34'] : ['10.0.0.7']);
    expect(await checkWebhookUrl('https://shop.example/hooks', { allowPrivate: false, resolve })).toMatchObject({ ok: true });
    expect(await checkWebhookUrl('https://internal.example/hooks', { allowPrivate: false, resolve })).toMatchObject({ ok: false });
    expect(await checkWebhookUrl('https://127.0.0.1:8080/', { allowPrivate: false, resolve })).toMatchObject({ ok: false });
    expect(await checkWebhookUrl('https://[::1]/', { allowPrivate: false, resolve })).toMatchObject({ ok: false });
    expect(await checkWebhookUrl('http://shop.example/hooks', { allowPrivate: false, resolve })).toMatchObject({ ok: false });
    expect(await checkWebhookUrl('https://user:pw@shop.example/', { allowPrivate: false, resolve })).toMatchObject({ ok: false });
    expect(await checkWebhookUrl('ftp://shop.example/', { allowPrivate: true, resolve })).toMatchObject({ ok: false });
    expect(await checkWebhookUrl('http://127.0.0.1:8080/hooks', { allowPrivate: true, resolve })).toMatchObject({ ok: true });
  });
});

describe('mail errors in logs', () => {
  it('lose the addresses SMTP servers quote', () => {
    expect(withoutAddresses('550 5.1.1 <camille.martin@example.org>: Recipient address rejected')).toBe(
      '550 5.1.1 <[address]>: Recipient address rejected',
    );
  });

  it('lose an address whose mailbox name holds an apostrophe or quotes whole, not cut at the apostrophe (old: "jean.o\'[address]")', () => {
    expect(withoutAddresses("550 5.1.1 <jean.o'neil@example.org>: rejected")).toBe('550 5.1.1 <[address]>: rejected');
    expect(withoutAddresses('550 5.1.1 <"jean dupont"@example.org>: rejected')).toBe('550 5.1.1 <[address]>: rejected');
  });
});

describe('mail headers', () => {
  /** The raw message nodemailer writes for these From and To, as a mail server receives it. */
  async function headersOf(from: ReturnType<typeof withDisplayName>, to: ReturnType<typeof withDisplayName>): Promise<string> {
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
    const sent = await transport.sendMail({ from, to, subject: 'Votre commande', text: 'Bonjour' });
    const raw = sent.message.toString();
    return raw.slice(0, raw.indexOf('\r\n\r\n'));
  }

  it('carry the customer and shop names, but never one a mail program would decode into another name or address', async () => {
    const plain = await headersOf(
      withDisplayName('Boutique Lumière', 'no-reply@colis.localhost'),
      withDisplayName('Camille', 'c@example.org'),
    );
    expect(plain).toMatch(/^To: Camille <c@example.org>$/m);
    expect(plain).toMatch(/^From: =\?UTF-8\?Q\?Boutique_Lumi=C3=A8re\?= <no-reply@colis.localhost>$/m);
    // The sweep's spoof: MailDev showed this To as "Service client <support@bank.example>".
    const spoof = '=?utf-8?q?Service_client_<support@bank.example>?=';
    const headers = await headersOf(withDisplayName(spoof, 'no-reply@colis.localhost'), withDisplayName(spoof, 'alice@example.org'));
    expect(headers).toMatch(/^To: alice@example.org$/m);
    expect(headers).toMatch(/^From: no-reply@colis.localhost$/m);
    expect(headers).not.toContain('bank.example');
  });
});
