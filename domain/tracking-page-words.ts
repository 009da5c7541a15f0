import {
  ORDER_STAGE_WORDS,
  ORDER_STAGES,
  type OrderStage,
  SHIPMENT_STAGE_WORDS,
  SHIPMENT_STAGES,
  type ShipmentStage,
  TIMING_WORDS,
} from './lifecycle';
import type { Locale } from './notifications';
import type { UndatedReason } from './promise-undated';
import { REPROMISE_WORDING, REPROMISE_WORDING_FR, type RepromiseReason } from './repromise-reasons';
import type { RETURN_REASONS, RETURN_STATUSES } from './return-policy';

/**
 * The customer tracking page's words, one table per language the mails speak (domain/mail-templates.ts): the page of an
 * order placed in French (`Order.locale`, chosen as its mails' is: README, "Telling customers and shops") reads French,
 * every other English. The English stage words are the journey's own (domain/lifecycle.ts); the rest of the page, its
 * returns card and the return form's refusals take every word from here. Pure, so the wording is unit-testable.
 */

type ReturnStatus = (typeof RETURN_STATUSES)[number];
type FormReason = (typeof RETURN_REASONS)[number];

/**
 * Why the return form was refused, as data: what the page's code knows (which item, how many at most), never a validator's or
 * the API's English message. Each language's table below says it in the customer's words, naming the field in their terms.
 * `field`: a form field's name (`comment`, `reason`, `qty.<SKU>`, or another name a form not sent by the page carried).
 */
export type FormRefusal =
  | { kind: 'formExpired' }
  | { kind: 'incomplete' }
  | { kind: 'noneChosen' }
  | { kind: 'notWhole'; sku?: string | undefined }
  | { kind: 'tooMany'; sku?: string | undefined; atMost?: number | undefined }
  | { kind: 'notOnOrder'; sku?: string | undefined }
  | { kind: 'listedTwice'; sku?: string | undefined }
  | { kind: 'tooManyItems'; max: number }
  | { kind: 'reason' }
  | { kind: 'commentTooLong'; max: number }
  | { kind: 'badCharacter'; field: string }
  | { kind: 'repeated'; field: string }
  | { kind: 'unreadable' }
  | { kind: 'mediaType' }
  | { kind: 'tooLarge' }
  | { kind: 'alreadySent' }
  | { kind: 'windowClosed'; sku?: string | undefined }
  | { kind: 'notDelivered'; sku?: string | undefined }
  | { kind: 'orderCancelled' }
  | { kind: 'notDone' };

/** Each refusal's words in one language: one entry per kind, so a kind added without its words does not compile. */
export type RefusalWords = { readonly [K in FormRefusal['kind']]: (refusal: Extract<FormRefusal, { kind: K }>) => string };

/** An error page: its title, heading and what to do (plain text). */
export interface ErrorPageWords {
  title: string;
  heading: string;
  text: string;
}

/** The error pages of the customer's links (api/error-pages.ts), once the link's token has shown whose order it is. */
export interface CustomerErrorWords {
  orderNotFound: ErrorPageWords;
  labelNotFound: ErrorPageWords;
  pageNotFound: ErrorPageWords;
  linkDamaged: ErrorPageWords;
  /** 405 */
  notThatWay: ErrorPageWords;
  /** 409 */
  conflict: ErrorPageWords;
  /** 413 */
  tooLarge: ErrorPageWords;
  /** 415 */
  unreadable: ErrorPageWords;
  /** 429: `wait` is `wait(seconds)`. */
  tooMany: (wait: string) => ErrorPageWords;
  /** 503 */
  unavailable: (wait: string) => ErrorPageWords;
  /** Any other 5xx. */
  wentWrong: ErrorPageWords;
  /** Any other 4xx. */
  notDone: ErrorPageWords;
  /** How long to wait: a Retry-After in seconds, else a minute. */
  wait: (seconds: string | undefined) => string;
  /** Said under a page whose text does not already send the customer back to their mail or the shop. */
  wayBack: string;
  reference: string;
}

export interface TrackingPageWords {
  /** The page's `<html lang>`. */
  lang: Locale;
  /** The Intl locale its dates and amounts are written in. */
  intl: 'en-GB' | 'fr-FR';
  /** A colon as the language writes it: French puts a space before it, as the mails do. */
  colon: ':' | ' :';
  header: string;
  order: (orderId: string) => string;
  status: string;
  promisedBy: string;
  parcels: string;
  timeline: string;
  /** Beside a cancelled order's status: when it was cancelled. */
  endedOn: (when: string) => string;
  orderStages: Readonly<Record<OrderStage, string>>;
  shipmentStages: Readonly<Record<ShipmentStage, string>>;
  /** Stage visits that are not workflow stages (lifecycle.ts, TIMING_WORDS). */
  timingStages: Readonly<Record<string, string>>;
  /** A carrier scan whose code no mapping reads yet. */
  carrierUpdate: string;
  /** A scan's free text, quoted as the carrier wrote it (in whatever language it wrote), labelled as its words. */
  carrierSaid: (text: string) => string;
  /** A parcel given up (lost, refunded) that the carrier delivered after all: its line and its delivery scan. */
  deliveredAfterAll: string;
  partlyDelivered: (count: number, total: number) => string;
  partlyShipped: (count: number, total: number) => string;
  /** Why an order that ended has no delivery date any more. */
  noDateAnyMore: Readonly<Partial<Record<OrderStage, string>>>;
  sure: (percent: number) => string;
  undated: { inStock: string; waitingForStock: string };
  shipsFrom: (warehouses: string) => string;
  demoCalendar: (day: string) => string;
  /** A date the shop asked for that could not be met, and why (the engine's code; undefined: a reason no code reads). */
  requestedNotMet: (reason: UndatedReason | undefined) => string;
  dateChanged: string;
  /** The date in force was moved, and why (the re-promise's code, recorded with the move: api/services/promise-moves.ts). */
  dateMoved: (reason: RepromiseReason) => string;
  returns: {
    title: string;
    reasons: Readonly<Record<FormReason, string>>;
    statuses: Readonly<Record<ReturnStatus, string>>;
    /** A return checked with nothing owed. */
    nothingDue: string;
    label: string;
    useBefore: (day: string) => string;
    refund: (cents: number, currency: string) => string;
    item: string;
    quantity: string;
    returnBy: string;
    quantityOf: (sku: string) => string;
    outOf: (returnable: number) => string;
    why: string;
    comment: string;
    submit: string;
  };
  errors: CustomerErrorWords;
  /** The return form's refusals, as the page shows them. */
  refusals: RefusalWords;
}

const of = <K extends string>(keys: readonly K[], word: (key: K) => string): Record<K, string> =>
  Object.fromEntries(keys.map((key) => [key, word(key)])) as Record<K, string>;

const isOneOf = <T extends string>(list: readonly T[], value: string): value is T => (list as readonly string[]).includes(value);

/** An item as the form names it (its code, as its row shows it), cut to a line. */
const item = (sku: string | undefined): string | undefined => (sku === undefined || sku.trim() === '' ? undefined : sku.slice(0, 80));
const forItem = (sku: string | undefined) => (item(sku) === undefined ? '' : ` for ${item(sku)}`);
const pourArticle = (sku: string | undefined) => (item(sku) === undefined ? '' : ` pour ${item(sku)}`);

/** A form field in the customer's terms, as the object of a sentence ("we cannot accept your comment"). */
function fieldEn(field: string): string {
  if (field === 'comment') return 'your comment';
  if (field === 'reason') return 'the reason';
  return field.startsWith('qty.') ? `the quantity of ${item(field.slice(4)) ?? 'an item'}` : 'the form';
}
function fieldFr(field: string): string {
  if (field === 'comment') return 'votre commentaire';
  if (field === 'reason') return 'le motif';
  return field.startsWith('qty.') ? `la quantité de ${item(field.slice(4)) ?? 'un article'}` : 'le formulaire';
}

/** Why a date the shop asked for could not be met, as the customer reads it (codes: domain/promise-undated.ts). */
const UNDATED_WORDS_EN: Readonly<Record<UndatedReason, string>> = {
  promised_to_others: 'the items in stock are already promised to earlier orders',
  restock_overdue: 'the items are out of stock and their restock is late',
  no_restock: 'the items are out of stock and no restock date is known yet',
  not_in_stock: 'the items are not in stock yet',
  no_pick_slot: 'the warehouse cannot prepare the order before then',
  no_service_level: 'the delivery service chosen does not reach this address',
  beyond_horizon: 'no delivery can be planned in the coming weeks',
  requested_date_passed: 'that date had already passed',
  not_by_requested_date: 'no delivery can reach you by then',
};
const UNDATED_WORDS_FR: Readonly<Record<UndatedReason, string>> = {
  promised_to_others: 'les articles en stock sont déjà promis à des commandes précédentes',
  restock_overdue: 'les articles sont en rupture de stock et leur réassort est en retard',
  no_restock: 'les articles sont en rupture de stock et aucune date de réassort n’est encore connue',
  not_in_stock: 'les articles ne sont pas encore en stock',
  no_pick_slot: 'l’entrepôt ne peut pas préparer la commande d’ici là',
  no_service_level: 'le mode de livraison choisi ne dessert pas cette adresse',
  beyond_horizon: 'aucune livraison ne peut être planifiée dans les semaines à venir',
  requested_date_passed: 'cette date était déjà passée',
  not_by_requested_date: 'aucune livraison ne peut vous parvenir d’ici là',
};

export const TRACKING_PAGE_WORDS_EN: TrackingPageWords = {
  lang: 'en',
  intl: 'en-GB',
  colon: ':',
  header: 'Your order',
  order: (orderId) => `Order ${orderId}`,
  status: 'Status',
  promisedBy: 'Promised by',
  parcels: 'Parcels',
  timeline: 'Timeline',
  endedOn: (when) => `on ${when}`,
  orderStages: of(ORDER_STAGES, (stage) => ORDER_STAGE_WORDS[stage].customer),
  shipmentStages: of(SHIPMENT_STAGES, (stage) => SHIPMENT_STAGE_WORDS[stage].customer),
  timingStages: of(Object.keys(TIMING_WORDS), (stage) => TIMING_WORDS[stage]?.customer ?? stage),
  carrierUpdate: 'Carrier update',
  carrierSaid: (text) => `the carrier's words: “${text}”`,
  deliveredAfterAll: 'Delivered after all',
  partlyDelivered: (count, total) => `Partly delivered (${count} of ${total} parcels)`,
  partlyShipped: (count, total) => `Partly shipped (${count} of ${total} parcels)`,
  noDateAnyMore: {
    cancelled: 'No delivery date: the order was cancelled',
    failed: 'No delivery date: the order could not be processed',
  },
  sure: (percent) => `${percent} % sure`,
  undated: { inStock: 'date to be confirmed', waitingForStock: 'date to be confirmed when the stock arrives' },
  shipsFrom: (warehouses) => `ships from ${warehouses}`,
  demoCalendar: (day) => `demo calendar: ${day}`,
  requestedNotMet: (reason) => `the date first asked for could not be met${reason === undefined ? '' : `: ${UNDATED_WORDS_EN[reason]}`}`,
  dateChanged: 'the date has changed since the order was placed',
  dateMoved: (reason) => `the date has changed since the order was placed: ${REPROMISE_WORDING[reason]}`,
  returns: {
    title: 'Returns',
    reasons: {
      damaged: 'It arrived damaged',
      defective: 'It does not work',
      wrong_item: 'I received the wrong item',
      not_as_described: 'It is not as described',
      no_longer_needed: 'I changed my mind',
      other: 'Another reason',
    },
    statuses: {
      requested: 'Registered: preparing your return label',
      label_created: 'Label ready: hand the parcel to the carrier',
      in_transit: 'On its way back to us',
      received: 'Received at the warehouse: being checked',
      completed: 'Checked: the shop refunds you',
      expired: 'Expired: the label was not used in time',
      cancelled: 'Closed',
    },
    nothingDue: 'Checked: no refund is due for these items',
    label: 'Return label (PDF)',
    useBefore: (day) => `(use it before ${day})`,
    refund: (cents, currency) => `refund ${(cents / 100).toFixed(2)} ${currency}`,
    item: 'Item',
    quantity: 'Quantity to return',
    returnBy: 'Return by',
    quantityOf: (sku) => `Quantity of ${sku} to return`,
    outOf: (returnable) => `of ${returnable}`,
    why: 'Why?',
    comment: 'Anything to add? (optional)',
    submit: 'Start the return',
  },
  errors: {
    orderNotFound: {
      title: 'Order not found',
      heading: 'We cannot find this order',
      text: 'This tracking link is incomplete or not valid. Open it again from your order confirmation mail, or contact the shop you ordered from.',
    },
    labelNotFound: {
      title: 'Return label not found',
      heading: 'We cannot find this return label',
      text:
        'The link is incomplete, or the label is no longer valid (a return not sent in time is cancelled). Open your order ' +
        'from its tracking link to see your returns, or contact the shop you ordered from.',
    },
    pageNotFound: { title: 'Page not found', heading: 'We cannot find this page', text: 'This link is incomplete or not valid.' },
    linkDamaged: {
      title: 'Link not valid',
      heading: 'This link is damaged',
      text: 'Part of the address was changed or cut on its way to you.',
    },
    notThatWay: { title: 'Not available', heading: 'This page cannot be used that way', text: 'Open the page from its link instead.' },
    conflict: {
      title: 'Not done',
      heading: 'This could not be done now',
      text: 'It conflicts with how things stand now. Reload the page to see where they are, then try again.',
    },
    tooLarge: { title: 'Too large', heading: 'What you sent is too large', text: 'Send less (a shorter comment), from the page itself.' },
    unreadable: {
      title: 'Not readable',
      heading: 'What you sent cannot be read',
      text: 'Send it from the page itself, as your browser sends its forms.',
    },
    tooMany: (wait) => ({
      title: 'Too many requests',
      heading: 'Too many requests',
      text: `Too many requests came from your connection in a short time. Wait ${wait}, then reload the page.`,
    }),
    unavailable: (wait) => ({
      title: 'Temporarily unavailable',
      heading: 'Temporarily unavailable',
      text: `We cannot answer right now: part of the service is down or restarting. Nothing was lost. Try again in ${wait}.`,
    }),
    wentWrong: {
      title: 'Something went wrong',
      heading: 'Something went wrong on our side',
      text: 'Try again in a few minutes. If it goes on, tell us the reference below.',
    },
    notDone: { title: 'Not done', heading: 'This request could not be completed', text: 'Reload the page and try again.' },
    wait: (seconds) => (seconds === undefined ? 'a minute' : `${seconds} seconds`),
    wayBack: 'Open the link again from your order confirmation mail, or contact the shop you ordered from.',
    reference: 'Reference:',
  },
  refusals: {
    formExpired: () => 'This form had expired: check your choices below and send it again',
    incomplete: () => 'The form is incomplete: reload the page and fill it in again',
    noneChosen: () => 'Choose how many of each item to send back: at least one item',
    notWhole: ({ sku }) => `Choose how many of each item to send back: enter a whole number (0 to keep an item)${forItem(sku)}`,
    tooMany: ({ sku, atMost }) =>
      atMost === undefined
        ? `That is more than you can return${forItem(sku)}`
        : atMost === 0
          ? `Nothing more can be returned${forItem(sku)}: it is all on a return already`
          : `You can return at most ${atMost} of ${item(sku) ?? 'this item'}`,
    notOnOrder: ({ sku }) =>
      `${item(sku) === undefined ? 'An item of the form' : item(sku)} is not an item of this order: choose among the items listed`,
    listedTwice: ({ sku }) => `${item(sku) ?? 'An item'} is listed twice: give its quantity once`,
    tooManyItems: ({ max }) => `A return takes at most ${max} different items: return the others in another one`,
    reason: () => 'Choose a reason from the list',
    commentTooLong: ({ max }) => `Your comment is too long: shorten it to ${max} characters or fewer`,
    badCharacter: ({ field }) =>
      `We cannot accept ${fieldEn(field)}: it contains an invisible or control character. Remove it and send the form again`,
    repeated: ({ field }) => `Your browser sent ${fieldEn(field)} twice: send the form again from this page`,
    unreadable: () => 'We could not read the form your browser sent: send it again from this page',
    mediaType: () => 'We could not read the form as it was sent: send it from this page, with its button',
    tooLarge: () => 'The form is too long: shorten your comment and send it again',
    alreadySent: () => 'This form was already sent with other choices, and that return is started: reload the page to start another one',
    windowClosed: ({ sku }) => `The time to return ${item(sku) ?? 'this item'} is over: it can no longer be returned`,
    notDelivered: ({ sku }) => `${item(sku) ?? 'This item'} has not been delivered yet: there is nothing to return`,
    orderCancelled: () => 'This order was cancelled: nothing was delivered, so there is nothing to return',
    notDone: () => 'This return could not be started: reload the page and try again',
  },
};

/** The French page: a parcel (`colis`) is masculine, an order (`commande`) feminine. */
export const TRACKING_PAGE_WORDS_FR: TrackingPageWords = {
  lang: 'fr',
  intl: 'fr-FR',
  colon: ' :',
  header: 'Votre commande',
  order: (orderId) => `Commande ${orderId}`,
  status: 'Statut',
  promisedBy: 'Livraison promise le',
  parcels: 'Colis',
  timeline: 'Historique',
  endedOn: (when) => `le ${when}`,
  orderStages: {
    received: 'Commande reçue',
    reserving: 'Commande reçue',
    backordered: 'En attente de stock',
    fulfilling: 'En préparation',
    completed: 'Livrée',
    cancelled: 'Annulée',
    failed: 'N’a pas pu être traitée',
  },
  shipmentStages: {
    planned: 'En préparation',
    waiting_for_pick_slot: 'Programmé à l’entrepôt',
    picking: 'Articles en cours de prélèvement',
    packing: 'En cours d’emballage',
    rating: 'Choix du transporteur',
    booking: 'Choix du transporteur',
    label_created: 'Prêt pour le transporteur',
    in_transit: 'En route',
    out_for_delivery: 'En cours de livraison',
    available_for_pickup: 'Disponible en point relais',
    delivery_failed: 'Tentative de livraison échouée',
    exception: 'Retardé par le transporteur',
    delivered: 'Livré',
    returned_to_sender: 'Retourné',
    lost: 'Perdu par le transporteur',
    cancelled: 'Annulé',
    refunded: 'Remboursé',
  },
  timingStages: { intake: 'Commande reçue', fulfilment: 'En préparation' },
  carrierUpdate: 'Information du transporteur',
  carrierSaid: (text) => `message du transporteur, tel qu’il l’a écrit : « ${text} »`,
  deliveredAfterAll: 'Livré finalement',
  partlyDelivered: (count, total) => `Livrée en partie (${count} colis sur ${total})`,
  partlyShipped: (count, total) => `Expédiée en partie (${count} colis sur ${total})`,
  noDateAnyMore: {
    cancelled: 'Pas de date de livraison : la commande a été annulée',
    failed: 'Pas de date de livraison : la commande n’a pas pu être traitée',
  },
  sure: (percent) => `sûr à ${percent} %`,
  undated: { inStock: 'date à confirmer', waitingForStock: 'date à confirmer à l’arrivée du stock' },
  shipsFrom: (warehouses) => `part de ${warehouses}`,
  demoCalendar: (day) => `calendrier de démonstration : ${day}`,
  requestedNotMet: (reason) => `la date demandée n’a pas pu être tenue${reason === undefined ? '' : ` : ${UNDATED_WORDS_FR[reason]}`}`,
  dateChanged: 'la date a changé depuis la commande',
  dateMoved: (reason) => `la date a changé depuis la commande : ${REPROMISE_WORDING_FR[reason]}`,
  returns: {
    title: 'Retours',
    reasons: {
      damaged: 'Il est arrivé abîmé',
      defective: 'Il ne fonctionne pas',
      wrong_item: 'Ce n’est pas l’article commandé',
      not_as_described: 'Il ne correspond pas à la description',
      no_longer_needed: 'J’ai changé d’avis',
      other: 'Une autre raison',
    },
    statuses: {
      requested: 'Enregistré : préparation de votre étiquette retour',
      label_created: 'Étiquette prête : déposez le colis chez le transporteur',
      in_transit: 'En route vers nous',
      received: 'Reçu à l’entrepôt : en cours de contrôle',
      completed: 'Contrôlé : la boutique vous rembourse',
      expired: 'Expiré : l’étiquette n’a pas été utilisée à temps',
      cancelled: 'Clos',
    },
    nothingDue: 'Contrôlé : aucun remboursement n’est dû pour ces articles',
    label: 'Étiquette retour (PDF)',
    useBefore: (day) => `(à utiliser avant le ${day})`,
    refund: (cents, currency) => `remboursement ${new Intl.NumberFormat('fr-FR', { style: 'currency', currency }).format(cents / 100)}`,
    item: 'Article',
    quantity: 'Quantité à retourner',
    returnBy: 'À retourner avant le',
    quantityOf: (sku) => `Quantité de ${sku} à retourner`,
    outOf: (returnable) => `sur ${returnable}`,
    why: 'Pourquoi ?',
    comment: 'Autre chose à nous dire ? (facultatif)',
    submit: 'Commencer le retour',
  },
  errors: {
    orderNotFound: {
      title: 'Commande introuvable',
      heading: 'Nous ne trouvons pas cette commande',
      text: 'Ce lien de suivi est incomplet ou n’est pas valide. Ouvrez-le à nouveau depuis l’e-mail de confirmation de votre commande, ou contactez la boutique où vous avez commandé.',
    },
    labelNotFound: {
      title: 'Étiquette retour introuvable',
      heading: 'Nous ne trouvons pas cette étiquette retour',
      text:
        'Le lien est incomplet, ou l’étiquette n’est plus valable (un retour non envoyé à temps est annulé). Ouvrez votre ' +
        'commande depuis son lien de suivi pour voir vos retours, ou contactez la boutique où vous avez commandé.',
    },
    pageNotFound: {
      title: 'Page introuvable',
      heading: 'Nous ne trouvons pas cette page',
      text: 'Ce lien est incomplet ou n’est pas valide.',
    },
    linkDamaged: {
      title: 'Lien non valide',
      heading: 'Ce lien est abîmé',
      text: 'Une partie de l’adresse a été modifiée ou coupée en chemin.',
    },
    notThatWay: {
      title: 'Non disponible',
      heading: 'Cette page ne peut pas être utilisée ainsi',
      text: 'Ouvrez plutôt la page depuis son lien.',
    },
    conflict: {
      title: 'Non effectué',
      heading: 'Cela ne peut pas être fait maintenant',
      text: 'Cela ne correspond plus à la situation actuelle. Rechargez la page pour la voir, puis réessayez.',
    },
    tooLarge: {
      title: 'Trop long',
      heading: 'Ce que vous avez envoyé est trop long',
      text: 'Envoyez moins (un commentaire plus court), depuis la page elle-même.',
    },
    unreadable: {
      title: 'Illisible',
      heading: 'Ce que vous avez envoyé ne peut pas être lu',
      text: 'Envoyez-le depuis la page elle-même, comme votre navigateur envoie ses formulaires.',
    },
    tooMany: (wait) => ({
      title: 'Trop de demandes',
      heading: 'Trop de demandes',
      text: `Trop de demandes sont venues de votre connexion en peu de temps. Attendez ${wait}, puis rechargez la page.`,
    }),
    unavailable: (wait) => ({
      title: 'Momentanément indisponible',
      heading: 'Momentanément indisponible',
      text: `Nous ne pouvons pas répondre pour le moment : une partie du service est arrêtée ou redémarre. Rien n’est perdu. Réessayez dans ${wait}.`,
    }),
    wentWrong: {
      title: 'Une erreur est survenue',
      heading: 'Une erreur est survenue de notre côté',
      text: 'Réessayez dans quelques minutes. Si cela continue, donnez-nous la référence ci-dessous.',
    },
    notDone: { title: 'Non effectué', heading: 'Cette demande n’a pas pu aboutir', text: 'Rechargez la page et réessayez.' },
    wait: (seconds) => (seconds === undefined ? 'une minute' : `${seconds} secondes`),
    wayBack: 'Ouvrez à nouveau le lien depuis l’e-mail de confirmation de votre commande, ou contactez la boutique où vous avez commandé.',
    reference: 'Référence :',
  },
  refusals: {
    formExpired: () => 'Ce formulaire avait expiré : vérifiez vos choix ci-dessous et renvoyez-le',
    incomplete: () => 'Le formulaire est incomplet : rechargez la page et remplissez-le à nouveau',
    noneChosen: () => 'Indiquez combien de chaque article renvoyer : choisissez au moins un article',
    notWhole: ({ sku }) =>
      `Indiquez combien de chaque article renvoyer : saisissez un nombre entier (0 pour garder un article)${pourArticle(sku)}`,
    tooMany: ({ sku, atMost }) =>
      atMost === undefined
        ? `C’est plus que ce que vous pouvez retourner${pourArticle(sku)}`
        : atMost === 0
          ? `Plus rien ne peut être retourné${pourArticle(sku)} : tout est déjà dans un retour`
          : `Vous pouvez retourner au plus ${atMost} exemplaire${atMost > 1 ? 's' : ''} de ${item(sku) ?? 'cet article'}`,
    notOnOrder: ({ sku }) =>
      `${item(sku) === undefined ? 'Un article du formulaire' : item(sku)} ne fait pas partie de cette commande : choisissez parmi les articles listés`,
    listedTwice: ({ sku }) => `${item(sku) ?? 'Un article'} est indiqué deux fois : donnez sa quantité une seule fois`,
    tooManyItems: ({ max }) => `Un retour compte au plus ${max} articles différents : retournez les autres dans un autre retour`,
    reason: () => 'Choisissez un motif dans la liste',
    commentTooLong: ({ max }) => `Votre commentaire est trop long : raccourcissez-le à ${max} caractères au plus`,
    badCharacter: ({ field }) =>
      `Nous ne pouvons pas accepter ${fieldFr(field)} : il contient un caractère invisible ou de contrôle. Supprimez-le et renvoyez le formulaire`,
    repeated: ({ field }) => `Votre navigateur a envoyé ${fieldFr(field)} deux fois : renvoyez le formulaire depuis cette page`,
    unreadable: () => 'Nous n’avons pas pu lire le formulaire envoyé par votre navigateur : renvoyez-le depuis cette page',
    mediaType: () => 'Nous n’avons pas pu lire le formulaire tel qu’il a été envoyé : envoyez-le depuis cette page, avec son bouton',
    tooLarge: () => 'Le formulaire est trop long : raccourcissez votre commentaire et renvoyez-le',
    alreadySent: () =>
      'Ce formulaire a déjà été envoyé avec d’autres choix, et ce retour est commencé : rechargez la page pour en commencer un autre',
    windowClosed: ({ sku }) => `Le délai de retour est dépassé : ${item(sku) ?? 'cet article'} ne peut plus être retourné`,
    notDelivered: ({ sku }) => `Rien n’a encore été livré pour ${item(sku) ?? 'cet article'} : il n’y a rien à retourner`,
    orderCancelled: () => 'Cette commande a été annulée : rien n’a été livré, il n’y a donc rien à retourner',
    notDone: () => 'Ce retour n’a pas pu être commencé : rechargez la page et réessayez',
  },
};

export const TRACKING_PAGE_WORDS: Readonly<Record<Locale, TrackingPageWords>> = { en: TRACKING_PAGE_WORDS_EN, fr: TRACKING_PAGE_WORDS_FR };

/** The page's words for an order's locale (`Order.locale`, as its mails are written); English for none. */
export const trackingPageWords = (locale: string | undefined): TrackingPageWords =>
  locale === 'fr' ? TRACKING_PAGE_WORDS_FR : TRACKING_PAGE_WORDS_EN;

/**
 * What the customer reads for a timeline label in `words`' language: a stage's label or id, a timing stage, or the label
 * itself (a carrier's own words). `of`: whose stage it is, where a stage is both an order's and a parcel's (`cancelled`:
 * French tells a cancelled order, `Annulée`, from a parcel, `Annulé`).
 */
export function stageWords(words: TrackingPageWords, label: string, of: 'order' | 'parcel' = 'parcel'): string {
  const id = label.replace(/ /g, '_');
  if (of === 'order' && isOneOf(ORDER_STAGES, id)) return words.orderStages[id];
  if (isOneOf(SHIPMENT_STAGES, id)) return words.shipmentStages[id];
  if (isOneOf(ORDER_STAGES, id)) return words.orderStages[id];
  return words.timingStages[label] ?? label.replace(/_/g, ' ');
}

/** A refusal of the return form in `words`' language. */
export function refusalText(words: TrackingPageWords, refusal: FormRefusal): string {
  // Each kind's words take that kind (RefusalWords): the lookup by the refusal's own kind is that pairing.
  const say = words.refusals[refusal.kind] as (refusal: FormRefusal) => string;
  return say(refusal);
}
