import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../../activities/db';
import { localeFor } from '../../domain/notifications';
import { OrderWorkflowInputSchema } from '../../domain/order';
import { type TrackingPageWords, trackingPageWords } from '../../domain/tracking-page-words';
import { speakToCustomerIn } from '../error-pages';
import { validTrackingToken } from '../routes/pages/tracking-token';

/**
 * The language of an order's pages, chosen as its mails' is (`Order.locale`, README "Telling customers and shops"; an order
 * accepted whose journey has not recorded it yet has the language its mails will have, from its intake).
 */
export async function orderLanguageWords(db: Pick<Db, 'order' | 'orderIntake'>, orderId: string): Promise<TrackingPageWords> {
  const order = await db.order.findUnique({ where: { id: orderId }, select: { locale: true } });
  let locale: string | undefined = order?.locale;
  if (locale === undefined) {
    const intake = await db.orderIntake.findUnique({ where: { orderId }, select: { input: true } });
    const input = OrderWorkflowInputSchema.safeParse(intake?.input);
    if (input.success) locale = localeFor(input.data.request.locale, input.data.request.shipTo.countryCode);
  }
  return trackingPageWords(locale);
}

/** The languages of orders whose links were refused before their route ran, newest last: a burst of 429s asks once. */
const REFUSED_LINK_LANGUAGES = new Map<string, TrackingPageWords>();
const REFUSED_LINKS_KEPT = 1000;

/**
 * The order a customer's link names: its route's parameter, or, when no route took the request (a 404 for a wrong
 * sub-path, a 405 for a wrong method: plugins/app/not-found.ts), the path's segment after `/track/`.
 */
function linkOrderId(request: FastifyRequest): unknown {
  const { orderId } = (request.params ?? {}) as { orderId?: unknown };
  if (orderId !== undefined) return orderId;
  const segment = /^\/track\/([^/?#]+)/.exec(request.url)?.[1];
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * For a customer's link refused before its route could tell the order's language (a 429 once the client's allowance is spent,
 * a query the route's schema refuses, a sub-path or method no route under /track takes): the order's language, when the
 * link's token is good for its order. A wrong token proves nothing and stays English (its language would tell a stranger
 * the order exists). Never throws: a page in English is the answer when the language cannot be read.
 */
export async function learnLinkLanguage(app: FastifyInstance, request: FastifyRequest): Promise<void> {
  if (!request.url.startsWith('/track/')) return;
  const orderId = linkOrderId(request);
  const { t } = (request.query ?? {}) as { t?: unknown };
  if (typeof orderId !== 'string' || typeof t !== 'string' || !validTrackingToken(orderId, t, app.config)) return;
  let words = REFUSED_LINK_LANGUAGES.get(orderId);
  if (words === undefined) {
    try {
      words = await orderLanguageWords(app.db, orderId);
    } catch {
      return;
    }
    REFUSED_LINK_LANGUAGES.set(orderId, words);
    const oldest = REFUSED_LINK_LANGUAGES.keys().next().value;
    if (REFUSED_LINK_LANGUAGES.size > REFUSED_LINKS_KEPT && oldest !== undefined) REFUSED_LINK_LANGUAGES.delete(oldest);
  }
  speakToCustomerIn(request, words);
}
