import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackingToken } from '../../api/routes/pages/tracking-token';
import { DAY_MS } from '../../domain/clock';
import { insertOrder, insertShipment } from './fixtures';
import { createHarness, expectErrorShape, type Harness, KEYS, newKey, TRACKING_SECRET } from './harness';

/**
 * What a customer reads when the tracking page's return form is refused, whatever was posted to it (empty, huge, negative,
 * not a number, an item not on the order, one already all returned, a comment too long or with a control character, a form
 * not a browser's, a key missing): plain words naming the field in the customer's terms, in the order's language. Before,
 * the page showed the validator's or the API's English ("Too big: expected number to be <=1000", "only 1 unit(s) of SKU
 * MUG-CER-350 can still be returned", "order ORD-… has no line for SKU …"), on a French order's page too. The shops' JSON API
 * keeps its error shape. No worker runs.
 */
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

/** A French or English order of one mug, delivered `daysAgo` days ago. */
async function deliveredOrder(locale: 'en' | 'fr', daysAgo = 2): Promise<string> {
  const orderId = await insertOrder(h.db, { submittedBy: KEYS.intake.name });
  const { shipmentId } = await insertShipment(h.db, orderId);
  await h.db.order.update({ where: { id: orderId }, data: { status: 'completed', locale, shopId: KEYS.intake.name } });
  await h.db.shipment.update({
    where: { id: shipmentId },
    data: { status: 'delivered', deliveredAt: new Date(Date.now() - daysAgo * DAY_MS) },
  });
  return orderId;
}

const key = () => newKey('form').replace(/[^A-Za-z0-9_-]/g, '');
const htmlText = (html: string) =>
  html
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/** The form posted to an order's page: its status and the message the page shows. */
async function posted(orderId: string, payload: string | Buffer, headers: Record<string, string> = {}) {
  const response = await h.app.inject({
    method: 'POST',
    url: `/track/${orderId}/returns?t=${trackingToken(orderId, TRACKING_SECRET)}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload,
  });
  return { status: response.statusCode, message: htmlText(/id="return-message">([^<]*)</.exec(response.body)?.[1] ?? '') };
}

/** What no customer should read: a validator's or the API's words, field paths, codes, encodings. */
const DEVELOPER_WORDS =
  /Too big|Too small|expected|<=|NaN|unit\(s\)|SKU|order ORD|line|qty\.|body\.|UTF-8|charset|Content-Encoding|urlencoded|KiB|U\+|Idempotency|validation|_/;
/** English a French page must not show. */
const ENGLISH = /\b(the|is|of|at most|choose|your|cannot|form|reload|item)\b/i;

const MUG = 'MUG-CER-350';
const form = (fields: string) => `${fields}&key=${key()}`;

/** Each hostile form, the status it gets, and what each language tells. */
const CASES: { what: string; payload: () => string; status: number; en: string; fr: string }[] = [
  {
    what: 'nothing chosen',
    payload: () => form(`qty.${MUG}=&reason=defective`),
    status: 400,
    en: 'Choose how many of each item to send back: at least one item',
    fr: 'Indiquez combien de chaque article renvoyer : choisissez au moins un article',
  },
  {
    what: 'more than delivered',
    payload: () => form(`qty.${MUG}=2&reason=defective`),
    status: 400,
    en: `You can return at most 1 of ${MUG}`,
    fr: `Vous pouvez retourner au plus 1 exemplaire de ${MUG}`,
  },
  {
    what: 'a quantity out of any range',
    payload: () => form(`qty.${MUG}=1001&reason=defective`),
    status: 400,
    en: `You can return at most 1 of ${MUG}`,
    fr: `Vous pouvez retourner au plus 1 exemplaire de ${MUG}`,
  },
  {
    what: 'a huge quantity',
    payload: () => form(`qty.${MUG}=999999999&reason=defective`),
    status: 400,
    en: `You can return at most 1 of ${MUG}`,
    fr: `Vous pouvez retourner au plus 1 exemplaire de ${MUG}`,
  },
  {
    what: 'a negative quantity',
    payload: () => form(`qty.${MUG}=-1&reason=defective`),
    status: 400,
    en: `Choose how many of each item to send back: enter a whole number (0 to keep an item) for ${MUG}`,
    fr: `Indiquez combien de chaque article renvoyer : saisissez un nombre entier (0 pour garder un article) pour ${MUG}`,
  },
  {
    what: 'an item not on the order',
    payload: () => form('qty.BOGUS-1=1&reason=defective'),
    status: 400,
    en: 'BOGUS-1 is not an item of this order: choose among the items listed',
    fr: 'BOGUS-1 ne fait pas partie de cette commande : choisissez parmi les articles listés',
  },
  {
    what: 'an item code no order can have',
    payload: () => form('qty.bad%20code!=1&reason=defective'),
    status: 400,
    en: 'bad code! is not an item of this order: choose among the items listed',
    fr: 'bad code! ne fait pas partie de cette commande : choisissez parmi les articles listés',
  },
  {
    what: 'a quantity given twice',
    payload: () => form(`qty.${MUG}=1&qty.${MUG}=1&reason=defective`),
    status: 400,
    en: `Your browser sent the quantity of ${MUG} twice: send the form again from this page`,
    fr: `Votre navigateur a envoyé la quantité de ${MUG} deux fois : renvoyez le formulaire depuis cette page`,
  },
  {
    what: 'more items than a return takes',
    payload: () => form(`${Array.from({ length: 101 }, (_, i) => `qty.ITEM-${i}=1`).join('&')}&reason=defective`),
    status: 400,
    en: 'A return takes at most 100 different items: return the others in another one',
    fr: 'Un retour compte au plus 100 articles différents : retournez les autres dans un autre retour',
  },
  {
    what: 'a comment too long',
    payload: () => form(`qty.${MUG}=1&reason=defective&comment=${'a'.repeat(1001)}`),
    status: 400,
    en: 'Your comment is too long: shorten it to 1000 characters or fewer',
    fr: 'Votre commentaire est trop long : raccourcissez-le à 1000 caractères au plus',
  },
  {
    what: 'a comment with a text-direction character',
    payload: () => form(`qty.${MUG}=1&reason=defective&comment=a%E2%80%AEb`),
    status: 400,
    en: 'We cannot accept your comment: it contains an invisible or control character. Remove it and send the form again',
    fr: 'Nous ne pouvons pas accepter votre commentaire : il contient un caractère invisible ou de contrôle. Supprimez-le et renvoyez le formulaire',
  },
  {
    what: 'a comment with a NUL byte',
    payload: () => form(`qty.${MUG}=1&reason=defective&comment=a%00b`),
    status: 400,
    en: 'We cannot accept your comment: it contains an invisible or control character. Remove it and send the form again',
    fr: 'Nous ne pouvons pas accepter votre commentaire : il contient un caractère invisible ou de contrôle. Supprimez-le et renvoyez le formulaire',
  },
  {
    what: 'a comment that is not UTF-8',
    payload: () => form(`qty.${MUG}=1&reason=defective&comment=R%E9sum%E9`),
    status: 400,
    en: 'We could not read the form your browser sent: send it again from this page',
    fr: 'Nous n’avons pas pu lire le formulaire envoyé par votre navigateur : renvoyez-le depuis cette page',
  },
  {
    what: 'no reason',
    payload: () => form(`qty.${MUG}=1`),
    status: 400,
    en: 'Choose a reason from the list',
    fr: 'Choisissez un motif dans la liste',
  },
  {
    what: "the form's key missing",
    payload: () => `qty.${MUG}=1&reason=defective`,
    status: 400,
    en: 'This form had expired: check your choices below and send it again',
    fr: 'Ce formulaire avait expiré : vérifiez vos choix ci-dessous et renvoyez-le',
  },
];

describe('a refused return form tells the customer in plain words, in the order’s language', () => {
  for (const locale of ['en', 'fr'] as const) {
    it(`${locale}: every hostile form is refused in the customer's terms, and starts nothing`, async () => {
      const orderId = await deliveredOrder(locale);
      for (const c of CASES) {
        const { status, message } = await posted(orderId, c.payload());
        expect([c.what, status, message]).toEqual([c.what, c.status, c[locale]]);
        expect(message, c.what).not.toMatch(DEVELOPER_WORDS);
        if (locale === 'fr') expect(message, c.what).not.toMatch(ENGLISH);
      }
      const json = await posted(orderId, JSON.stringify({ key: key(), reason: 'defective', [`qty.${MUG}`]: 1 }), {
        'content-type': 'application/json',
      });
      expect(json).toEqual({
        status: 415,
        message: {
          en: 'We could not read the form as it was sent: send it from this page, with its button',
          fr: 'Nous n’avons pas pu lire le formulaire tel qu’il a été envoyé : envoyez-le depuis cette page, avec son bouton',
        }[locale],
      });
      const latin1 = await posted(orderId, form(`qty.${MUG}=1&reason=defective`), {
        'content-type': 'application/x-www-form-urlencoded; charset=iso-8859-1',
      });
      expect(latin1.message).not.toMatch(DEVELOPER_WORDS);
      const huge = await posted(orderId, form(`qty.${MUG}=1&reason=defective&comment=${'a'.repeat(20_000)}`));
      expect(huge).toEqual({
        status: 413,
        message: {
          en: 'The form is too long: shorten your comment and send it again',
          fr: 'Le formulaire est trop long : raccourcissez votre commentaire et renvoyez-le',
        }[locale],
      });
      expect(await h.db.return.count({ where: { orderId } })).toBe(0);
    });

    it(`${locale}: a return the service refuses (all returned already, window closed, not delivered) is told as what to do`, async () => {
      const orderId = await deliveredOrder(locale);
      expect((await posted(orderId, form(`qty.${MUG}=1&reason=defective`))).status).toBe(303);
      const again = await posted(orderId, form(`qty.${MUG}=1&reason=defective`));
      expect(again).toEqual({
        status: 400,
        message: {
          en: `Nothing more can be returned for ${MUG}: it is all on a return already`,
          fr: `Plus rien ne peut être retourné pour ${MUG} : tout est déjà dans un retour`,
        }[locale],
      });
      const old = await deliveredOrder(locale, 60);
      expect(await posted(old, form(`qty.${MUG}=1&reason=defective`))).toEqual({
        status: 409,
        message: {
          en: `The time to return ${MUG} is over: it can no longer be returned`,
          fr: `Le délai de retour est dépassé : ${MUG} ne peut plus être retourné`,
        }[locale],
      });
      const onItsWay = await insertOrder(h.db, { status: 'fulfilling' });
      await h.db.order.update({ where: { id: onItsWay }, data: { locale } });
      expect(await posted(onItsWay, form(`qty.${MUG}=1&reason=defective`))).toEqual({
        status: 409,
        message: {
          en: `${MUG} has not been delivered yet: there is nothing to return`,
          fr: `Rien n’a encore été livré pour ${MUG} : il n’y a rien à retourner`,
        }[locale],
      });
    });
  }

  it("the shops' JSON API keeps its error shape naming the field", async () => {
    const orderId = await deliveredOrder('fr');
    const refused = await h.as(KEYS.intake, {
      method: 'POST',
      url: `/orders/${orderId}/returns`,
      headers: { 'idempotency-key': newKey('rma') },
      payload: { lines: [{ sku: MUG, quantity: 1001 }], reason: 'defective' },
    });
    expect(expectErrorShape(refused, 400, 'validation_failed').details?.[0]?.path).toBe('body.lines.0.quantity');
  });
});

describe("a French order's link refused before its page is drawn", () => {
  const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
  const lang = (html: string) => /<html lang="(\w+)"/.exec(html)?.[1];
  const heading = (html: string) => htmlText(/<h1>([^<]*)</.exec(html)?.[1] ?? '');

  it('a rate-limited customer (429) is told in French to wait, when the link is good; a wrong link stays English', async () => {
    const orderId = await deliveredOrder('fr');
    const t = trackingToken(orderId, TRACKING_SECRET);
    const app = await h.rebuild({ authFailuresPerMinute: 2 });
    for (let i = 0; i < 2; i += 1) await app.inject({ method: 'GET', url: `/track/${orderId}?t=${'A'.repeat(32)}` });
    const page = await app.inject({ method: 'GET', url: `/track/${orderId}?t=${t}`, headers: { accept: BROWSER } });
    expect(page.statusCode).toBe(429);
    const retryAfter = page.headers['retry-after'];
    expect(lang(page.body)).toBe('fr');
    expect(heading(page.body)).toBe('Trop de demandes');
    expect(page.body).toContain(`Attendez ${retryAfter} secondes, puis rechargez la page.`);
    const posted = await app.inject({
      method: 'POST',
      url: `/track/${orderId}/returns?t=${t}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: BROWSER },
      payload: form(`qty.${MUG}=1&reason=defective`),
    });
    expect([posted.statusCode, lang(posted.body), heading(posted.body)]).toEqual([429, 'fr', 'Trop de demandes']);
    const label = await app.inject({ method: 'GET', url: `/track/${orderId}/returns/RMA-X1/label?t=${t}`, headers: { accept: BROWSER } });
    expect([label.statusCode, lang(label.body)]).toEqual([429, 'fr']);
    // A wrong token proves nothing: the page does not tell a stranger the order exists, nor its language.
    const wrong = await app.inject({ method: 'GET', url: `/track/${orderId}?t=${'B'.repeat(32)}`, headers: { accept: BROWSER } });
    expect([wrong.statusCode, lang(wrong.body), heading(wrong.body)]).toEqual([429, 'en', 'Too many requests']);
    // The JSON a client asks for is the error shape it always was.
    expectErrorShape(
      await app.inject({ method: 'GET', url: `/track/${orderId}?t=${t}`, headers: { accept: 'application/json' } }),
      429,
      'rate_limited',
    );
  });

  it("a good link whose query the route refuses (a label's format) is told in French", async () => {
    const orderId = await deliveredOrder('fr');
    const t = trackingToken(orderId, TRACKING_SECRET);
    const refused = await h.app.inject({
      method: 'GET',
      url: `/track/${orderId}/returns/RMA-X1/label?t=${t}&format=bogus`,
      headers: { accept: BROWSER },
    });
    expect([refused.statusCode, lang(refused.body), heading(refused.body)]).toEqual([
      400,
      'fr',
      'Nous ne trouvons pas cette étiquette retour',
    ]);
  });

  it('a good link with a sub-path or a method no page takes (404, 405) is told in French; a wrong token stays English', async () => {
    const orderId = await deliveredOrder('fr');
    const t = trackingToken(orderId, TRACKING_SECRET);
    const ask = (method: 'GET' | 'PUT' | 'DELETE', path: string, token: string) =>
      h.app.inject({ method, url: `${path}?t=${token}`, headers: { accept: BROWSER } });
    // Before: "We cannot find this page" and "This page cannot be used that way", in English, on a French order's link.
    const missing = await ask('GET', `/track/${orderId}/suivi`, t);
    expect([missing.statusCode, lang(missing.body), heading(missing.body)]).toEqual([404, 'fr', 'Nous ne trouvons pas cette page']);
    const deeper = await ask('GET', `/track/${encodeURIComponent(orderId)}/returns/RMA-X1/label/extra`, t);
    expect([deeper.statusCode, lang(deeper.body)]).toEqual([404, 'fr']);
    const wrongMethod = await ask('PUT', `/track/${orderId}`, t);
    expect([wrongMethod.statusCode, lang(wrongMethod.body), heading(wrongMethod.body)]).toEqual([
      405,
      'fr',
      'Cette page ne peut pas être utilisée ainsi',
    ]);
    expect(wrongMethod.headers.allow).toBe('GET, HEAD');
    expect([
      (await ask('DELETE', `/track/${orderId}/returns`, t)).statusCode,
      lang((await ask('DELETE', `/track/${orderId}/returns`, t)).body),
    ]).toEqual([405, 'fr']);

    // A wrong token proves nothing: the same English page as for an order that does not exist, the request id aside.
    const withoutId = (html: string) => html.replace(/<code>[^<]*<\/code>/g, '<code>id</code>');
    for (const [method, sub, status] of [
      ['GET', '/suivi', 404],
      ['PUT', '', 405],
    ] as const) {
      const wrong = await ask(method, `/track/${orderId}${sub}`, 'A'.repeat(32));
      const none = await ask(method, `/track/ORD-NO-SUCH-ORDER${sub}`, 'A'.repeat(32));
      expect([wrong.statusCode, lang(wrong.body), none.statusCode]).toEqual([status, 'en', status]);
      expect(withoutId(wrong.body)).toBe(withoutId(none.body));
    }
    // The JSON an API client asks for is the error shape it always was.
    expectErrorShape(
      await h.app.inject({ method: 'GET', url: `/track/${orderId}/suivi?t=${t}`, headers: { accept: 'application/json' } }),
      404,
      'not_found',
    );
  });
});
