import type { Locale, MailData, MailMilestone } from './notifications';
import type { ParcelPlace } from './parcel-place';
import { PARCEL_LOSS_WORDS, PARCEL_LOSS_WORDS_FR } from './parcel-loss';
import { REPROMISE_WORDING, REPROMISE_WORDING_FR } from './repromise-reasons';

/**
 * The customer mails, in French and English, plain text and HTML from one source: each milestone is a
 * subject, a few paragraphs and at most one link, written per language; the renderer turns them into
 * both bodies (HTML-escaped). Pure, so the wording is unit-tested without a mail server.
 */

export interface MailContext {
  locale: Locale;
  milestone: MailMilestone;
  shopName: string;
  customerName: string;
  orderId: string;
  /** The time zone of the address the parcel goes to: a date in a mail is the customer's own day. */
  timeZone: string;
  /** The customer's tracking page (it carries the order's token). */
  trackingUrl: string;
  /** The page where the customer starts a return, when the order can still be returned. */
  returnUrl?: string;
  carrierName?: string;
  /** The parcel's place in a split order (domain/parcel-place.ts); absent for an order of one parcel. */
  parcel?: ParcelPlace;
  data: MailData;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

interface Copy {
  subject: string;
  paragraphs: string[];
  link?: { label: string; url: string };
}

/**
 * Why the carrier could not deliver, in its own words, as a mail quotes them: without markup or links. The HTML part
 * escapes them, but the text part carried them as sent, and mail programs turn a URL there into a link: a scan's detail
 * "<a href=https://…/pay>Pay 2€ customs fee here</a>" reached the customer as an offer to pay from their own shop.
 */
export function carrierWordsForMail(text: string | undefined): string | undefined {
  const words = (text ?? '')
    .replace(/<[^>]*>?/g, ' ')
    .replace(/\S*(?:[a-z][a-z0-9+.-]*:\/\/|www\.)\S*/gi, ' ')
    .replace(/\S+\.[a-z]{2,}\/\S*/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return words === '' ? undefined : words;
}
const carrierReason = (d: MailData) => carrierWordsForMail(d.reason);

/**
 * The code of a cause given in English words only (a mail queued before causes had codes): its words are one of the table's.
 * Words no table holds (a reason written by hand) have no code: an English mail quotes them, a French one leaves them out
 * rather than write English to a customer who reads French.
 */
const codeOf = <C extends string>(words: Readonly<Record<C, string>>, text: string | undefined): C | undefined =>
  (Object.keys(words) as C[]).find((code) => words[code] === text);
const repromiseCode = (d: MailData) => d.reasonCode ?? codeOf(REPROMISE_WORDING, d.reason);
const lossCode = (d: MailData) => d.lossCause ?? codeOf(PARCEL_LOSS_WORDS, d.reason);

/** Why the promise moved, in the mail's language. */
const whyFr = (d: MailData) => {
  const code = repromiseCode(d);
  return code === undefined ? undefined : REPROMISE_WORDING_FR[code];
};
const whyEn = (d: MailData) => {
  const code = repromiseCode(d);
  return code === undefined ? d.reason : REPROMISE_WORDING[code];
};
/** Why a parcel was re-shipped, in the mail's language. */
const lossFr = (d: MailData) => {
  const code = lossCode(d);
  return code === undefined ? undefined : PARCEL_LOSS_WORDS_FR[code];
};
const lossEn = (d: MailData) => {
  const code = lossCode(d);
  return code === undefined ? d.reason : PARCEL_LOSS_WORDS[code];
};

/**
 * A date as the customer reads it: their language, and the day of the place the parcel goes to (a promise
 * by the end of a London day is 00:59 the next day in Paris, and must not read as that next day).
 */
function day(iso: string | undefined, c: Pick<MailContext, 'locale' | 'timeZone'>): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat(c.locale === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'full', timeZone: c.timeZone }).format(new Date(iso));
}

/** An amount as the customer reads it (`12,90 €`, `€12.90`); empty without one. */
function money(data: MailData, locale: Locale): string {
  if (data.amountCents === undefined) return '';
  return new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { style: 'currency', currency: data.currency ?? 'EUR' }).format(
    data.amountCents / 100,
  );
}

function items(data: MailData, locale: Locale): string {
  return (data.items ?? []).map((i) => `${i.quantity} × ${i.skuCode}`).join(locale === 'fr' ? ', ' : ', ');
}

const french = (c: MailContext): Copy => {
  const d = c.data;
  const parcel = d.trackingNumber ? `Votre colis ${c.carrierName ?? ''} n° ${d.trackingNumber}`.replace('  ', ' ') : 'Votre colis';
  switch (c.milestone) {
    case 'order_confirmed':
      return {
        subject: `${c.shopName} : votre commande ${c.orderId} est confirmée`,
        paragraphs: [
          `Merci pour votre commande ${c.orderId} chez ${c.shopName}.`,
          `Nous vous la livrons au plus tard le ${day(d.promisedBy, c)}.`,
          'Vous pouvez suivre chaque étape sur votre page de suivi.',
        ],
        link: { label: 'Suivre ma commande', url: c.trackingUrl },
      };
    case 'shipped':
      return {
        subject: `${c.shopName} : votre commande ${c.orderId} est expédiée`,
        paragraphs: [
          `${parcel} a été remis au transporteur.`,
          d.promisedBy ? `Livraison prévue au plus tard le ${day(d.promisedBy, c)}.` : '',
        ],
        link: { label: 'Suivre mon colis', url: c.trackingUrl },
      };
    case 'promise_changed':
      return {
        subject: `${c.shopName} : nouvelle date de livraison pour la commande ${c.orderId}`,
        paragraphs: [
          `La livraison de votre commande ${c.orderId} est désormais prévue le ${day(d.promisedBy, c)}` +
            (d.previousPromisedBy ? ` (au lieu du ${day(d.previousPromisedBy, c)}).` : '.'),
          whyFr(d) ? `Pourquoi : ${whyFr(d)}.` : '',
          'Nous sommes désolés pour ce changement.',
        ],
        link: { label: 'Suivre ma commande', url: c.trackingUrl },
      };
    case 'out_for_delivery':
      return {
        subject: `${c.shopName} : votre colis arrive aujourd'hui`,
        paragraphs: [`${parcel} est en cours de livraison aujourd'hui.`, 'Pensez à être présent ou à prévenir un voisin.'],
        link: { label: 'Suivre mon colis', url: c.trackingUrl },
      };
    case 'delivered':
      return {
        subject: `${c.shopName} : votre commande ${c.orderId} est livrée`,
        paragraphs: [`${parcel} a été livré.`, `Un article ne vous convient pas ? Vous pouvez le retourner depuis votre page de suivi.`],
        link: { label: c.returnUrl ? 'Retourner un article' : 'Voir ma commande', url: c.returnUrl ?? c.trackingUrl },
      };
    case 'action_needed':
      return d.problem === 'available_for_pickup'
        ? {
            subject: `${c.shopName} : votre colis vous attend en point relais`,
            paragraphs: [
              `${parcel} est disponible au point relais${d.location ? ` ${d.location}` : ''}.`,
              'Munissez-vous d’une pièce d’identité pour le retirer.',
            ],
            link: { label: 'Voir les détails', url: c.trackingUrl },
          }
        : {
            subject: `${c.shopName} : la livraison de votre colis a échoué`,
            paragraphs: [
              // The carrier's words, in whatever language it wrote them: quoted as its own, never as ours.
              `Le transporteur n’a pas pu livrer ${parcel.replace('Votre colis', 'votre colis')}.` +
                (carrierReason(d) ? ` Message du transporteur, tel qu’il l’a écrit : « ${carrierReason(d)} ».` : ''),
              'Une nouvelle tentative est prévue ; vérifiez votre adresse sur la page de suivi.',
            ],
            link: { label: 'Voir les détails', url: c.trackingUrl },
          };
    case 'return_started':
      return {
        subject: `${c.shopName} : votre retour ${d.returnId ?? ''} est enregistré`.replace('  ', ' '),
        paragraphs: [
          `Nous avons enregistré le retour de ${items(d, 'fr')}.`,
          '1. Imprimez l’étiquette retour et collez-la sur le colis.',
          `2. Déposez le colis chez le transporteur avant le ${day(d.returnBy, c)}.`,
          '3. Dès réception et contrôle, nous informons la boutique pour votre remboursement.',
        ],
        ...(d.labelUrl ? { link: { label: 'Télécharger l’étiquette retour', url: d.labelUrl } } : {}),
      };
    case 'reshipped':
      return {
        subject: `${c.shopName} : nous vous renvoyons votre commande ${c.orderId}`,
        paragraphs: [
          `Votre colis a eu un problème chez le transporteur${lossFr(d) ? ` (${lossFr(d)})` : ''}.`,
          'Nous préparons un nouveau colis avec les mêmes articles, sans frais pour vous.',
        ],
        link: { label: 'Suivre ma commande', url: c.trackingUrl },
      };
    case 'replacement_refunded':
      return {
        subject: `${c.shopName} : remboursement pour votre commande ${c.orderId}`,
        paragraphs: [
          d.partial
            ? `Nous n’avons pas pu renvoyer tous les articles de votre colis : ${items(d, 'fr')} ne seront pas expédiés.`
            : `Nous n’avons pas pu vous renvoyer ${items(d, 'fr')} : ces articles ne sont plus disponibles.`,
          money(d, 'fr') ? `La boutique va vous rembourser ${money(d, 'fr')}.` : 'La boutique va vous les rembourser.',
        ],
        link: { label: 'Voir ma commande', url: c.trackingUrl },
      };
    case 'order_cancelled':
      return {
        subject: `${c.shopName} : votre commande ${c.orderId} est annulée`,
        paragraphs: [
          `Votre commande ${c.orderId} chez ${c.shopName} a été annulée.`,
          'Aucun colis ne vous sera envoyé pour cette commande.',
          `Pour toute question sur votre paiement, adressez-vous à ${c.shopName}.`,
        ],
        link: { label: 'Voir ma commande', url: c.trackingUrl },
      };
  }
};

const english = (c: MailContext): Copy => {
  const d = c.data;
  const parcel = d.trackingNumber ? `Your ${c.carrierName ?? ''} parcel ${d.trackingNumber}`.replace('  ', ' ') : 'Your parcel';
  switch (c.milestone) {
    case 'order_confirmed':
      return {
        subject: `${c.shopName}: your order ${c.orderId} is confirmed`,
        paragraphs: [
          `Thank you for your order ${c.orderId} at ${c.shopName}.`,
          `We will deliver it by ${day(d.promisedBy, c)} at the latest.`,
          'You can follow every step on your tracking page.',
        ],
        link: { label: 'Track my order', url: c.trackingUrl },
      };
    case 'shipped':
      return {
        subject: `${c.shopName}: your order ${c.orderId} has shipped`,
        paragraphs: [`${parcel} is with the carrier.`, d.promisedBy ? `Expected by ${day(d.promisedBy, c)} at the latest.` : ''],
        link: { label: 'Track my parcel', url: c.trackingUrl },
      };
    case 'promise_changed':
      return {
        subject: `${c.shopName}: a new delivery date for order ${c.orderId}`,
        paragraphs: [
          `Your order ${c.orderId} is now expected on ${day(d.promisedBy, c)}` +
            (d.previousPromisedBy ? ` (instead of ${day(d.previousPromisedBy, c)}).` : '.'),
          whyEn(d) ? `Why: ${whyEn(d)}.` : '',
          'We are sorry for the change.',
        ],
        link: { label: 'Track my order', url: c.trackingUrl },
      };
    case 'out_for_delivery':
      return {
        subject: `${c.shopName}: your parcel arrives today`,
        paragraphs: [`${parcel} is out for delivery today.`, 'Please be in, or let a neighbour know.'],
        link: { label: 'Track my parcel', url: c.trackingUrl },
      };
    case 'delivered':
      return {
        subject: `${c.shopName}: your order ${c.orderId} was delivered`,
        paragraphs: [`${parcel} was delivered.`, 'Something not right? You can return it from your tracking page.'],
        link: { label: c.returnUrl ? 'Return an item' : 'See my order', url: c.returnUrl ?? c.trackingUrl },
      };
    case 'action_needed':
      return d.problem === 'available_for_pickup'
        ? {
            subject: `${c.shopName}: your parcel is waiting at a pickup point`,
            paragraphs: [
              `${parcel} is ready for collection at the pickup point${d.location ? ` ${d.location}` : ''}.`,
              'Bring an identity document to collect it.',
            ],
            link: { label: 'See the details', url: c.trackingUrl },
          }
        : {
            subject: `${c.shopName}: we could not deliver your parcel`,
            paragraphs: [
              `The carrier could not deliver ${parcel.replace('Your parcel', 'your parcel').replace('Your ', 'your ')}.` +
                (carrierReason(d) ? ` The carrier's words: “${carrierReason(d)}”.` : ''),
              'Another attempt is planned; please check your address on the tracking page.',
            ],
            link: { label: 'See the details', url: c.trackingUrl },
          };
    case 'return_started':
      return {
        subject: `${c.shopName}: your return ${d.returnId ?? ''} is registered`.replace('  ', ' '),
        paragraphs: [
          `We registered the return of ${items(d, 'en')}.`,
          '1. Print the return label and stick it on the parcel.',
          `2. Hand the parcel to the carrier before ${day(d.returnBy, c)}.`,
          '3. Once it is received and checked, we tell the shop to refund you.',
        ],
        ...(d.labelUrl ? { link: { label: 'Download the return label', url: d.labelUrl } } : {}),
      };
    case 'reshipped':
      return {
        subject: `${c.shopName}: we are sending your order ${c.orderId} again`,
        paragraphs: [
          `Your parcel ran into a problem with the carrier${lossEn(d) ? ` (${lossEn(d)})` : ''}.`,
          'We are preparing a new parcel with the same items, at no cost to you.',
        ],
        link: { label: 'Track my order', url: c.trackingUrl },
      };
    case 'replacement_refunded':
      return {
        subject: `${c.shopName}: a refund for your order ${c.orderId}`,
        paragraphs: [
          d.partial
            ? `We could not send every item of your parcel again: ${items(d, 'en')} will not be shipped.`
            : `We could not send ${items(d, 'en')} again: these items are no longer available.`,
          money(d, 'en') ? `The shop will refund you ${money(d, 'en')}.` : 'The shop will refund them to you.',
        ],
        link: { label: 'View my order', url: c.trackingUrl },
      };
    case 'order_cancelled':
      return {
        subject: `${c.shopName}: your order ${c.orderId} has been cancelled`,
        paragraphs: [
          `Your order ${c.orderId} at ${c.shopName} has been cancelled.`,
          'No parcel will be sent to you for this order.',
          `For any question about your payment, please contact ${c.shopName}.`,
        ],
        link: { label: 'View my order', url: c.trackingUrl },
      };
  }
};

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Milestones of one parcel: in a split order each says which parcel it is, so "delivered" never reads as the whole order. */
const PARCEL_MILESTONES: ReadonlySet<MailMilestone> = new Set(['shipped', 'out_for_delivery', 'delivered', 'action_needed']);

function withParcelPlace(copy: Copy, c: MailContext): Copy {
  const place = c.parcel;
  if (!place || !PARCEL_MILESTONES.has(c.milestone)) return copy;
  const fr = c.locale === 'fr';
  const which = fr
    ? `C’est le colis ${place.position} sur ${place.count} de votre commande.`
    : `This is parcel ${place.position} of ${place.count} of your order.`;
  const rest =
    c.milestone !== 'delivered'
      ? ''
      : place.othersDelivered
        ? fr
          ? 'Avec lui, toute votre commande est arrivée.'
          : 'With it, your whole order has arrived.'
        : fr
          ? 'Le reste de votre commande est en route : nous vous écrirons à son arrivée.'
          : 'The rest of your order is on its way: we will write when it arrives.';
  const subject =
    c.milestone === 'delivered' && !place.othersDelivered
      ? fr
        ? `${c.shopName} : un colis de votre commande ${c.orderId} a été livré`
        : `${c.shopName}: a parcel of your order ${c.orderId} was delivered`
      : copy.subject;
  const [first = '', ...others] = copy.paragraphs;
  return { ...copy, subject, paragraphs: [first, which, rest, ...others] };
}

export function renderMail(context: MailContext): RenderedMail {
  const copy = withParcelPlace(context.locale === 'fr' ? french(context) : english(context), context);
  const greeting = context.locale === 'fr' ? `Bonjour ${context.customerName},` : `Hello ${context.customerName},`;
  const signature = context.locale === 'fr' ? `L’équipe ${context.shopName}` : `The ${context.shopName} team`;
  const paragraphs = copy.paragraphs.filter((p) => p !== '');
  // French puts a space before a colon, as the subjects do.
  const colon = context.locale === 'fr' ? ' :' : ':';
  const link = copy.link ? ['', `${copy.link.label}${colon} ${copy.link.url}`] : [];
  const text = [greeting, '', ...paragraphs, ...link, '', signature, ''].join('\n');
  const html =
    `<!doctype html><html lang="${context.locale}"><head><meta charset="utf-8"><title>${escapeHtml(copy.subject)}</title></head>` +
    '<body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#0f172a;max-width:560px;margin:0 auto;padding:24px">' +
    `<p style="font-weight:700;font-size:18px">${escapeHtml(context.shopName)}</p>` +
    `<p>${escapeHtml(greeting)}</p>` +
    paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('') +
    (copy.link
      ? `<p><a href="${escapeHtml(copy.link.url)}" style="display:inline-block;background:#0f172a;color:#fff;padding:10px 16px;border-radius:8px;text-decoration:none">${escapeHtml(copy.link.label)}</a></p>`
      : '') +
    `<p style="color:#475569">${escapeHtml(signature)}</p></body></html>`;
  return { subject: copy.subject, text, html };
}
