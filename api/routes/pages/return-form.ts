import { z } from 'zod';
import { EntityIdSchema } from '../../../domain/api';
import { MAX_RETURN_LINES } from '../../../domain/return-policy';
import { RETURN_COMMENT_MAX_CHARS, ReturnRequestSchema } from '../../../domain/returns';
import { type FormRefusal, refusalText } from '../../../domain/tracking-page-words';
import { ApiError } from '../../errors';
import { returnDepsOf, returnOptions, startReturn } from '../../services/returns';
import { bodyTextProblems, utf8Text } from '../../services/json-input';
import type { ReturnFormChoices } from './returns-section';
import { orderPageWords, type Told, type TrackingPage } from './tracking-page';
import { trackingToken, validTrackingToken, wrongToken } from './tracking-token';
import type { RoutesApp } from '../route-app';
import { hidden, publicAccess } from './route-options';

/**
 * The tracking page's return form, posted by the customer's browser as a browser posts a form: its bytes read into fields
 * (by the content-type parser the pages plugin registers), checked, and a return started; every refusal is the page again
 * with the reason in the customer's words.
 */

/**
 * A form's name or value as the browser encoded it (`+` a space, `%XX` a byte), or undefined when its bytes are not UTF-8:
 * URLSearchParams would put U+FFFD in place of `%E9` in silence, and the comment would be stored as other text than sent.
 */
function formText(encoded: string): string | undefined {
  const bytes: number[] = [];
  for (const part of encoded.replace(/\+/g, ' ').split(/(%[0-9A-Fa-f]{2})/)) {
    if (/^%[0-9A-Fa-f]{2}$/.test(part)) bytes.push(Number.parseInt(part.slice(1), 16));
    else bytes.push(...Buffer.from(part, 'utf8'));
  }
  const text = utf8Text(Uint8Array.from(bytes));
  return text.ok ? text.text : undefined;
}

/** A posted form's fields, or why its bytes are not a form of ours (kept for the route to answer with its page). */
type PostedForm = { fields: Record<string, string | string[]> } | { unreadable: string };

/** A posted form's fields; one given more than once keeps every value (a list), for the route to refuse, never the last one silently. */
export function formFields(body: string): PostedForm {
  // A Map, then own properties: a field named `__proto__` stays a field (refused as a name), never the object's prototype.
  const fields = new Map<string, string | string[]>();
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const name = formText(at < 0 ? pair : pair.slice(0, at));
    const value = formText(at < 0 ? '' : pair.slice(at + 1));
    if (name === undefined) return { unreadable: 'a field name is not UTF-8 text' };
    if (value === undefined) return { unreadable: `${name.slice(0, 80)} is not UTF-8 text` };
    const had = fields.get(name);
    fields.set(name, had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value]);
  }
  return { fields: Object.fromEntries(fields) };
}

/** Why a posted form's bytes cannot be read (not UTF-8, another charset declared), by request: the route answers it with its page. */
export const unreadableForms = new WeakMap<object, string>();

/** The first field of a posted form given more than once: a browser's form never does, and which value counts would be a guess. */
const repeatedField = (form: unknown): string | undefined =>
  typeof form === 'object' && form !== null ? Object.entries(form).find(([, value]) => Array.isArray(value))?.[0] : undefined;

/** The return form's most bytes: its fields and a 1,000-character comment fit many times over. */
export const FORM_BODY_LIMIT_BYTES = 16_384;

/** The tracking page's return form, as posted: `qty.<SKU>` per item, the reason, a comment, the form's key. */
const ReturnFormSchema = z.looseObject({
  key: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  reason: z.string(),
  comment: z.string().max(RETURN_COMMENT_MAX_CHARS).optional(),
});

/**
 * A quantity as a browser's number field sends it: decimal digits, or nothing (read as 0). Anything else (`0x2`, `1e1`, JSON's
 * `true`) is not a number a customer typed: NaN, which the request's schema refuses, rather than Number()'s reading of it.
 */
const formQuantity = (value: unknown): number => (typeof value === 'string' && /^\s*\d{0,9}\s*$/.test(value) ? Number(value) : Number.NaN);

/** The form's items and quantities, as the return request lists them (items kept are not listed). */
const returnLinesOf = (form: Record<string, unknown>) =>
  Object.entries(form)
    .filter(([name]) => name.startsWith('qty.'))
    .map(([name, value]) => ({ sku: name.slice(4), quantity: formQuantity(value) }))
    .filter((line) => line.quantity !== 0);

function returnRequestFromForm(form: Record<string, unknown>) {
  const lines = returnLinesOf(form);
  const comment = typeof form.comment === 'string' && form.comment.trim() !== '' ? form.comment : undefined;
  return ReturnRequestSchema.safeParse({ lines, reason: form.reason, ...(comment ? { comment } : {}) });
}

/**
 * A refused form: why (as data, told in the page's language: domain/tracking-page-words.ts, `refusals`) and the field it is
 * about (marked on the page; returns-section.ts).
 */
interface FormProblem {
  refusal: FormRefusal;
  field?: string;
}

/** The item a request line's issue is about (`lines.<i>…`), from the lines the form asked for. */
const skuAt = (path: readonly PropertyKey[], lines: readonly { sku: string }[]): string | undefined =>
  typeof path[1] === 'number' ? lines[path[1]]?.sku : undefined;

/** A quantity's issue (`lines`, `lines.<i>.quantity`, `lines.<i>.sku`), in the customer's terms: never zod's message. */
function quantityProblem(issue: z.core.$ZodIssue, lines: readonly { sku: string }[]): FormProblem {
  const sku = skuAt(issue.path, lines);
  const field = sku === undefined ? 'qty' : `qty.${sku}`;
  if (issue.path.length === 1) {
    // The list itself: nothing chosen, or more items than a return takes (a form not sent by the page).
    return issue.code === 'too_big'
      ? { refusal: { kind: 'tooManyItems', max: MAX_RETURN_LINES }, field }
      : { refusal: { kind: 'noneChosen' }, field };
  }
  if (issue.path[2] === 'sku') {
    // An item code no order has (`qty.bad sku!`), or one listed twice.
    return { refusal: { kind: issue.code === 'custom' ? 'listedTwice' : 'notOnOrder', sku }, field };
  }
  if (issue.code === 'too_big') return { refusal: { kind: 'tooMany', sku }, field };
  return { refusal: { kind: 'notWhole', sku }, field };
}

/**
 * What the customer is told about the field at fault, in their words, naming it: before, a comment's problem was announced as
 * "Choose a reason", a quantity that is not a whole number as zod's "expected number, received NaN", a quantity over 1,000
 * as "Too big: expected number to be <=1000" and a comment over its length as "Too big: expected string to have <=1000 characters".
 * `lines`: the request's lines, to name the item a quantity's issue is about.
 */
function returnFormProblem(issue: z.core.$ZodIssue | undefined, lines: readonly { sku: string }[] = []): FormProblem {
  switch (issue?.path[0]) {
    case 'lines':
      return quantityProblem(issue, lines);
    case 'reason':
      return { refusal: { kind: 'reason' }, field: 'reason' };
    case 'comment':
      return issue.code === 'too_big'
        ? { refusal: { kind: 'commentTooLong', max: RETURN_COMMENT_MAX_CHARS }, field: 'comment' }
        : { refusal: { kind: 'badCharacter', field: 'comment' }, field: 'comment' };
    case 'key':
      return { refusal: { kind: 'formExpired' } };
    default:
      return { refusal: { kind: 'incomplete' } };
  }
}

/**
 * A return the service refused (api/services/returns.ts), in the customer's terms: the API's message names the order and
 * the SKU for a shop's developer ("only 1 unit(s) of SKU MUG-CER-350 can still be returned"); the page says what the
 * customer can do, from the refusal's code and the item its detail points at.
 */
function serviceProblem(error: ApiError, lines: readonly { sku: string }[]): FormProblem {
  const detail = error.details?.[0];
  const [, name, index, part] = (detail?.path ?? '').split('.');
  const sku = name === 'lines' && index !== undefined ? lines[Number(index)]?.sku : undefined;
  const field = sku === undefined ? undefined : `qty.${sku}`;
  const at = (refusal: FormRefusal): FormProblem => (field === undefined ? { refusal } : { refusal, field });
  if (error.code === 'return_window_closed') return at({ kind: 'windowClosed', sku });
  if (error.code === 'order_state_conflict')
    return detail?.message === 'the order was cancelled' ? at({ kind: 'orderCancelled' }) : at({ kind: 'notDelivered', sku });
  if (error.code === 'validation_failed' && part === 'quantity') return at({ kind: 'tooMany', sku });
  if (error.code === 'validation_failed' && part === 'sku') return at({ kind: 'notOnOrder', sku });
  return at({ kind: 'notDone' });
}

/**
 * How many of `sku` the customer may still return, for a refusal of too many (the form shows it beside the item): 0 for an
 * item with nothing left to return.
 */
async function returnableOf(app: RoutesApp, orderId: string, problem: FormProblem): Promise<FormProblem> {
  const { refusal } = problem;
  if (refusal.kind !== 'tooMany' || refusal.sku === undefined) return problem;
  const { lines } = await returnOptions(app.db, orderId, app.config.timeScale);
  const atMost = lines.find((line) => line.skuCode === refusal.sku)?.returnable ?? 0;
  return { ...problem, refusal: { ...refusal, atMost } };
}

/** A refusal about a field, marked when the field is one of the page's. */
const withField = (refusal: FormRefusal, field: string | undefined): FormProblem =>
  field === undefined ? { refusal } : { refusal, field };

/** A repeated or unreadable field's name, when it is one of the page's fields. */
const pageField = (name: string): string | undefined =>
  name === 'reason' || name === 'comment' || name.startsWith('qty.') ? name : undefined;

/** What the customer chose on a posted form, to draw back on the page that refuses it (fields given once, as text, only). */
function choicesOf(form: unknown): ReturnFormChoices | undefined {
  if (typeof form !== 'object' || form === null) return undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const quantities = new Map<string, string>();
  for (const [name, value] of Object.entries(form)) {
    const typed = text(value);
    if (name.startsWith('qty.') && typed !== undefined) quantities.set(name.slice(4), typed);
  }
  const reason = 'reason' in form ? text(form.reason) : undefined;
  const comment = 'comment' in form ? text(form.comment) : undefined;
  return { quantities, ...(reason !== undefined ? { reason } : {}), ...(comment !== undefined ? { comment } : {}) };
}

/** A refusal's words, in the page's language. */
const told =
  (refusal: FormRefusal): Told =>
  (words) =>
    refusalText(words, refusal);

/** The tracking page's return form, posted by the customer's browser. */
export function returnFormRoute(app: RoutesApp, trackingPage: TrackingPage): void {
  const secret = app.config.trackingSecret;
  app.post(
    '/track/:orderId/returns',
    {
      // A wrong token, or a link that cannot be read: the 404 or 400 page "We cannot find this order" (api/error-pages.ts).
      config: { ...publicAccess, parsesItsOwnBody: true, errorPage: 'order' },
      schema: { ...hidden, params: z.object({ orderId: EntityIdSchema }), querystring: z.object({ t: z.string().max(64).optional() }) },
      // A form over the parser's limit (a pasted essay) is refused before the handler: the customer gets the form's page
      // saying so. Anything else, or a wrong token, goes to the API's error handler, which answers a browser with its page.
      errorHandler: async (error, request, reply) => {
        const { orderId } = request.params as { orderId?: unknown };
        const { t: token } = request.query as { t?: unknown };
        const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
        // A form sent as multipart/form-data (a page's enctype) has no parser here: told on the page, like a JSON body, not
        // as the API's "send application/json".
        const refused =
          code === 'FST_ERR_CTP_BODY_TOO_LARGE'
            ? { status: 413, message: told({ kind: 'tooLarge' }) }
            : code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
              ? { status: 415, message: told({ kind: 'mediaType' }) }
              : undefined;
        if (!refused || typeof orderId !== 'string' || typeof token !== 'string' || !validTrackingToken(orderId, token, app.config))
          throw error;
        const words = await orderPageWords(app, request, orderId);
        const body = await trackingPage(orderId, trackingToken(orderId, secret), words, refused.message);
        return reply.code(refused.status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
      },
    },
    async (request, reply) => {
      const { orderId } = request.params;
      const token = request.query.t;
      if (!validTrackingToken(orderId, token, app.config) || token === undefined) throw wrongToken(app, request, `order ${orderId}`);
      const words = await orderPageWords(app, request, orderId);
      // A refusal draws the form again as the customer left it: what they wrote is not lost to the one thing to change.
      const choices = unreadableForms.has(request) ? undefined : choicesOf(request.body);
      const html = (status: number, problem: FormProblem) =>
        trackingPage(orderId, trackingToken(orderId, secret), words, told(problem.refusal), choices, problem.field).then((body) =>
          reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body),
        );
      // A browser posts this form as a form; a JSON body (`"qty.MUG-CER-350": true`) is no form of ours.
      const mediaType = String(request.headers['content-type'] ?? '')
        .split(';')[0]
        ?.trim()
        .toLowerCase();
      if (mediaType !== 'application/x-www-form-urlencoded') return html(415, { refusal: { kind: 'mediaType' } });
      // Why the bytes could not be read (not UTF-8, another charset) is for a developer: the customer is told to send it again.
      if (unreadableForms.has(request)) return html(400, { refusal: { kind: 'unreadable' } });
      // Form text is checked as JSON text is (services/json-input.ts): a NUL byte cannot reach PostgreSQL as a comment.
      const badText = bodyTextProblems(request.body ?? {})[0];
      if (badText) {
        const name = badText.path.replace(/^body\./, '');
        return html(400, withField({ kind: 'badCharacter', field: name }, pageField(name)));
      }
      const repeated = repeatedField(request.body);
      if (repeated !== undefined) return html(400, withField({ kind: 'repeated', field: repeated }, pageField(repeated)));
      const form = ReturnFormSchema.safeParse(request.body ?? {});
      if (!form.success) return html(400, returnFormProblem(form.error.issues[0]));
      const parsed = returnRequestFromForm(form.data);
      if (!parsed.success) {
        const problem = returnFormProblem(parsed.error.issues[0], returnLinesOf(form.data));
        return html(400, await returnableOf(app, orderId, problem));
      }
      try {
        await startReturn(returnDepsOf(app), {
          orderId,
          request: parsed.data,
          channel: 'customer',
          requestedBy: 'tracking-page',
          idempotencyKey: `${orderId}:${form.data.key}`,
        });
      } catch (error) {
        // The form's key is an Idempotency-Key the customer never sees: a form sent again with other choices (back, edit, send)
        // is told in their words, not as the API's `Idempotency-Key "ORD-…:…" was already used`.
        if (error instanceof ApiError && error.code === 'idempotency_conflict') return html(409, { refusal: { kind: 'alreadySent' } });
        if (error instanceof ApiError && error.statusCode < 500)
          return html(error.statusCode, await returnableOf(app, orderId, serviceProblem(error, parsed.data.lines)));
        throw error;
      }
      return reply
        .code(303)
        .header('location', `/track/${encodeURIComponent(orderId)}?t=${trackingToken(orderId, secret)}#returns`)
        .send();
    },
  );
}
