import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { EntityIdSchema } from '../../../domain/api';
import { type CalendarPlace, timeZoneOf } from '../../../domain/calendar';
import type { OrderView } from '../../../domain/journey';
import { undatedReasonCode } from '../../../domain/promise-undated';
import type { RepromiseReason } from '../../../domain/repromise-reasons';
import { carrierWordsForMail } from '../../../domain/mail-templates';
import { cutText } from '../../../domain/text-cut';
import { SHIPMENT_STAGE_WORDS } from '../../../domain/lifecycle';
import { stageWords, type TrackingPageWords } from '../../../domain/tracking-page-words';
import { orderLanguageWords } from '../../services/customer-language';
import { whyPromiseMoved } from '../../services/promise-moves';
import { returnOptions } from '../../services/returns';
import { readOrder } from '../../services/orders';
import { DELIVERED_AFTER_ALL_LABEL, isUnmappedScanLabel } from '../../services/stored-scans';
import { timelineOf, withoutScannedStages } from '../orders/timeline';
import { cancelledAt, customerStatus, givenUpStage, parcelWords } from './customer-status';
import { escapeHtml, page } from './layout';
import { type ReturnFormChoices, type ReturnSection, returnsHtml } from './returns-section';
import { returnLabelPath, trackingToken, validTrackingToken, wrongToken } from './tracking-token';
import type { FastifyRequest } from 'fastify';
import { speakToCustomerIn } from '../../error-pages';
import { notFound } from '../../errors';
import type { RoutesApp } from '../route-app';
import { hidden, publicAccess } from './route-options';

/**
 * The customer tracking page, rendered on the server for the holder of the order's tracking token: the order's status,
 * its promise, its parcels, a timeline of stages and carrier scans, and its returns. It shows no internal data.
 */

/** A promise nothing could date, in the customer's words: the stock is the usual cause, not the only one (the shop reads which). */
function undatedNote(basis: string, w: TrackingPageWords): string {
  return basis === 'in_stock' ? w.undated.inStock : w.undated.waitingForStock;
}

/**
 * What the promise rests on, in the customer's words: how sure, from where, a date the shop asked for that could not be met,
 * and, once the date moved, why (`movedBecause`: the code recorded with the move that set the date in force).
 */
function promiseNote(view: OrderView, w: TrackingPageWords, movedBecause: RepromiseReason | undefined): string {
  const promise = view.promise;
  if (!promise || promise.basis === 'fixed_days') return '';
  const from = [...new Set(promise.shipments.map((s) => s.warehouseCode))].join(', ');
  const parts = [
    promise.confidence > 0 ? w.sure(Math.round(promise.confidence * 100)) : undatedNote(promise.basis, w),
    ...(from ? [w.shipsFrom(from)] : []),
    ...(promise.businessTime ? [w.demoCalendar(promise.businessTime.deliverBy.slice(0, 10))] : []),
    ...(promise.requested && !promise.requested.met
      ? [w.requestedNotMet(promise.requested.reasonCode ?? undatedReasonCode(promise.requested.reason))]
      : []),
    ...(view.promisedBy !== promise.deliverBy ? [movedBecause === undefined ? w.dateChanged : w.dateMoved(movedBecause)] : []),
  ];
  return `<small data-fact="promise-detail">${escapeHtml(parts.join(' · '))}</small>`;
}

/**
 * The "Promised by" fact: the date and what it rests on, or why there is none any more. Orders that ended without delivering
 * what the page promised (`noDateAnyMore`): the date and how sure it was no longer hold. Before, a cancelled order read
 * "Cancelled" beside "Promised by <date>, 99 % sure, ships from PAR1".
 */
function promisedHtml(
  view: OrderView,
  when: (iso: string) => string,
  w: TrackingPageWords,
  movedBecause: RepromiseReason | undefined,
): string {
  const ended = w.noDateAnyMore[view.stage];
  if (ended) return `–<small data-fact="promise-detail">${escapeHtml(ended)}</small>`;
  return `${escapeHtml(when(view.promisedBy))}${promiseNote(view, w, movedBecause)}`;
}

/**
 * An instant as the customer reads it: a day and a clock of the place the parcel goes to, the zone named
 * ("Friday, 4 December 2026 at 18:00 CET"), not a UTC timestamp (a promise by the end of a Paris delivery day read "17:00 UTC").
 */
function customerTime(place: CalendarPlace, w: TrackingPageWords): (iso: string) => string {
  const format = new Intl.DateTimeFormat(w.intl, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
    timeZone: timeZoneOf(place),
  });
  return (iso: string) => format.format(new Date(iso));
}

/**
 * A day as the customer reads it, of the place the parcel goes to, as the mails write it ("Sunday, 20 December 2026"): a return's
 * last day read as its UTC date ("2026-12-21") was a day later than the mail's for a New York customer, a day earlier for Paris.
 */
function customerDay(place: CalendarPlace, w: TrackingPageWords): (iso: string) => string {
  const format = new Intl.DateTimeFormat(w.intl, { dateStyle: 'full', timeZone: timeZoneOf(place) });
  return (iso: string) => format.format(new Date(iso));
}

/**
 * A scan's free text (a failed delivery's "Recipient absent, left at the post office"), as the carrier wrote it, in whatever
 * language: quoted and labelled as the carrier's words beside the status in the page's language, without markup or links (as
 * the mails quote it), cut to a line.
 */
const carrierWords = (detail: string | undefined): string | undefined => {
  const words = carrierWordsForMail(detail);
  return words === undefined ? undefined : cutText(words, 200);
};

/**
 * Scans whose status alone does not tell the customer what happened: one no mapping reads yet ("Carrier update"), a failed
 * attempt or a delay (why, and what to do, is in the carrier's text). The others' text repeats their status.
 */
const toldInCarrierWords = (label: string): boolean =>
  isUnmappedScanLabel(label) || ['delivery_failed', 'exception'].includes(label.replace(/ /g, '_'));

/**
 * `w`: the page's words, in the order's language (domain/tracking-page-words.ts); `movedBecause`: why the date in force
 * moved, when a recorded re-promise set it.
 */
function trackingHtml(view: OrderView, w: TrackingPageWords, movedBecause: RepromiseReason | undefined, returns?: ReturnSection): string {
  const timeline = timelineOf(view, 'database');
  const when = customerTime(view.shipTo, w);
  // Stages and carrier scans only: escalations, notes and their details are internal.
  // Each stage once (a re-book is ops' business), every carrier scan with its place. Once for the parcels first sent and once
  // more for those sending a given-up parcel again: a replacement's "Scheduled at the warehouse", "Being picked"… were hidden
  // behind the lost parcel's, and the timeline of an order being sent again ended on "Lost by the carrier" under a status
  // "Being prepared".
  // Once the carrier has the parcel its scans tell the story: the timeline lists no stage a scan of that parcel repeats
  // (orders/timeline.ts), and neither does this page once a given-up parcel's stage is in the customer's words (below).
  const sentAgain = new Map(view.shipments.map((s) => [s.shipmentId, s.replaces ?? '']));
  const seen = new Set<string>();
  // A given-up parcel's last stage in the customer's words: one the carrier brought back was not lost (customer-status.ts).
  const asTold = <E extends { kind: string; shipmentId?: string; label: string }>(e: E): E =>
    e.kind === 'stage' && e.label === 'lost' && givenUpStage(view, e.shipmentId) === 'returned_to_sender'
      ? { ...e, label: SHIPMENT_STAGE_WORDS.returned_to_sender.label }
      : e;
  // An order's own stage (no parcel's) in its words: French tells an order (`Annulée`) from a parcel (`Annulé`).
  const entryWords = (e: { kind: string; shipmentId?: string; label: string }) =>
    stageWords(w, e.label, e.kind === 'stage' && e.shipmentId === undefined ? 'order' : 'parcel');
  // A scan whose code no mapping reads yet still tells the customer the carrier has news of the parcel; a given-up parcel
  // delivered after its end says so (before, the page ended on "Lost by the carrier" with the goods at the door).
  const scanLabel = (label: string) =>
    isUnmappedScanLabel(label) ? w.carrierUpdate : label === DELIVERED_AFTER_ALL_LABEL ? w.deliveredAfterAll : stageWords(w, label);
  const worded = withoutScannedStages(timeline.entries.map(asTold))
    .filter((e) => e.kind === 'tracking' || e.kind === 'stage')
    .map((e) => ({
      at: e.at,
      label: e.kind === 'tracking' ? scanLabel(e.label) : entryWords(e),
      location: e.kind === 'tracking' ? e.location : undefined,
      carrierWords: e.kind === 'tracking' && toldInCarrierWords(e.label) ? carrierWords(e.detail) : undefined,
      kind: e.kind,
      shipmentId: e.shipmentId,
    }));
  // The order's own stage in the words of a carrier's scan on the list is that step again: a delivered order read
  // "Delivered" (the carrier's scan, with its place) and "Delivered" (the order's `completed`) one under the other.
  const scannedWords = new Set(worded.filter((e) => e.kind === 'tracking').map((e) => e.label));
  const entries = worded
    .filter((e) => e.kind === 'tracking' || e.shipmentId !== undefined || !scannedWords.has(e.label))
    .filter((e) => {
      if (e.kind === 'tracking') return true;
      const key = `${sentAgain.get(e.shipmentId ?? '') ?? ''}|${e.label}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  const status = customerStatus(view, w);
  const ended = cancelledAt(view);
  const parcels = timeline.trackingNumbers
    .map((t) => {
      const words = parcelWords(view, t, w);
      return `<li>${escapeHtml(t.carrierCode)} ${escapeHtml(t.trackingNumber)}${words ? ` — ${escapeHtml(words)}` : ''}</li>`;
    })
    .join('');
  return page({
    title: w.order(view.orderId),
    customer: w,
    body:
      `<h1>${escapeHtml(w.order(view.orderId))}</h1>` +
      `<section class="card"><div class="facts">` +
      `<div data-fact="status"><span>${escapeHtml(w.status)}</span><span class="big">${escapeHtml(status)}</span>` +
      `${ended ? `<small data-fact="ended-at">${escapeHtml(w.endedOn(when(ended)))}</small>` : ''}</div>` +
      `<div data-fact="promised"><span>${escapeHtml(w.promisedBy)}</span>${promisedHtml(view, when, w, movedBecause)}</div>` +
      `<div><span>${escapeHtml(w.parcels)}</span>${view.shipments.length || '–'}</div>` +
      `</div>${parcels ? `<ul>${parcels}</ul>` : ''}</section>` +
      `<section class="card"><h2>${escapeHtml(w.timeline)}</h2><ol class="timeline" id="timeline">` +
      entries
        .map(
          (e) =>
            `<li class="${e.kind}"><time>${escapeHtml(when(e.at))}</time><strong>${escapeHtml(e.label)}</strong>${e.location ? ` · ${escapeHtml(e.location)}` : ''}` +
            `${e.carrierWords ? ` <small data-fact="carrier-words">${escapeHtml(w.carrierSaid(e.carrierWords))}</small>` : ''}</li>`,
        )
        .join('') +
      `</ol></section>` +
      (returns ? returnsHtml(returns, customerDay(view.shipTo, w), w) : ''),
  });
}

/** A message for the customer, written in the page's language (the return form's refusals: return-form.ts). */
export type Told = (words: TrackingPageWords) => string;

/** `words`: the order's (orderPageWords); `field`: the form's field the message is about, marked on the page (returns-section.ts). */
export type TrackingPage = (
  orderId: string,
  token: string,
  words: TrackingPageWords,
  message?: Told,
  choices?: ReturnFormChoices,
  field?: string,
) => Promise<string>;

/**
 * The words of an order's pages, in its language, chosen as its mails' is (`Order.locale`, README "Telling customers and
 * shops"; an order accepted whose journey has not recorded it yet has the language its mails will have, from its intake).
 * Asked once the link's token is known good, and recorded on the request: its error pages speak that language too.
 */
export async function orderPageWords(app: RoutesApp, request: FastifyRequest, orderId: string): Promise<TrackingPageWords> {
  const erased = await app.db.order.findUnique({ where: { id: orderId }, select: { personalDataErasedAt: true } });
  // An order whose personal data was erased has no page any more: its link, in old mails, opens nothing.
  if (erased?.personalDataErasedAt) throw notFound(`order ${orderId}`);
  const words = await orderLanguageWords(app.db, orderId);
  speakToCustomerIn(request, words);
  return words;
}

/**
 * The customer tracking page's HTML, with a fresh return form (and a message about the last one posted, if any, with the
 * choices made in it drawn back).
 */
export function trackingPageOf(app: RoutesApp): TrackingPage {
  return async (orderId, token, words, message, choices, field) => {
    const { view } = await readOrder(app, orderId, { name: 'tracking-page', role: 'ops' });
    const [options, movedBecause] = await Promise.all([
      returnOptions(app.db, orderId, app.config.timeScale),
      whyPromiseMoved(app.db, orderId, view.promisedBy),
    ]);
    return trackingHtml(view, words, movedBecause, {
      ...options,
      formAction: `/track/${encodeURIComponent(orderId)}/returns?t=${encodeURIComponent(token)}`,
      labelPath: (returnId) => returnLabelPath(orderId, returnId, token),
      formKey: randomBytes(18).toString('base64url'),
      ...(message ? { message: message(words) } : {}),
      ...(choices ? { choices } : {}),
      ...(message && field ? { invalidField: field } : {}),
    });
  };
}

const trackingLinkSchema = {
  ...hidden,
  params: z.object({ orderId: EntityIdSchema }),
  querystring: z.object({ t: z.string().max(64).optional() }),
};

export function trackingPageRoute(app: RoutesApp, trackingPage: TrackingPage): void {
  const secret = app.config.trackingSecret;
  // The return form's address, opened again (the address bar after a refused form, the history): the tracking page and its
  // form, not the API's JSON 405 (GET is not allowed here). The tracking page checks the token.
  app.get(
    '/track/:orderId/returns',
    { config: { ...publicAccess, errorPage: 'order' }, schema: trackingLinkSchema },
    async (request, reply) => {
      const { t } = request.query;
      const query = t === undefined ? '' : `?t=${encodeURIComponent(t)}`;
      return reply
        .code(303)
        .header('location', `/track/${encodeURIComponent(request.params.orderId)}${query}#returns`)
        .send();
    },
  );
  app.get('/track/:orderId', { config: { ...publicAccess, errorPage: 'order' }, schema: trackingLinkSchema }, async (request, reply) => {
    const { orderId } = request.params;
    // The page's own links (the return form, the labels) carry the current secret's token, whichever opened it.
    // A wrong token and an unknown order look the same: the 404 page "We cannot find this order" (api/error-pages.ts).
    if (!validTrackingToken(orderId, request.query.t, app.config)) throw wrongToken(app, request, `order ${orderId}`);
    const words = await orderPageWords(app, request, orderId);
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(await trackingPage(orderId, trackingToken(orderId, secret), words));
  });
}
