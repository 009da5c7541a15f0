import { RETURN_REASONS } from '../../../domain/return-policy';
import type { ReturnView } from '../../../domain/returns';
import type { ReturnableLine } from '../../services/returns';
import type { TrackingPageWords } from '../../../domain/tracking-page-words';
import { escapeHtml } from './layout';

/** The tracking page's Returns card: the customer's returns and the form to start one. */

/**
 * A return's state in the customer's words. A return checked with nothing owed (its units written off, the goods not at
 * fault: README, "Returns (RMA)") read "Checked: the shop refunds you · refund 0.00 EUR", a refund the shop will not make.
 */
function returnStatusWords(r: ReturnView, w: TrackingPageWords['returns']): string {
  return r.status === 'completed' && r.refundCents === 0 ? w.nothingDue : w.statuses[r.status];
}

/**
 * What the customer chose on a form the page refused: drawn again as they left it, so a comment written at length is not lost
 * to a refusal (a quantity of 0 everywhere, a character the rules refuse) that names one thing to change.
 */
export interface ReturnFormChoices {
  /** Per SKU, the quantity as typed (decimal digits only; anything else is drawn as 0). */
  quantities: ReadonlyMap<string, string>;
  reason?: string;
  comment?: string;
}

export interface ReturnSection {
  lines: ReturnableLine[];
  returns: ReturnView[];
  formAction: string;
  /** Where the customer downloads a return's label (under the page's token). */
  labelPath: (returnId: string) => string;
  /** A fresh key per rendered form: a double submit starts one return. */
  formKey: string;
  message?: string;
  /**
   * The field the message is about (`reason`, `comment`, `qty.<SKU>`, or `qty` for every quantity): marked for the browser
   * (`aria-invalid`, described by the message), so a screen reader and the eye find what to change.
   */
  invalidField?: string;
  /** The refused form's choices, drawn back into the new form. */
  choices?: ReturnFormChoices;
}

/** A quantity typed into a refused form, as the number field shows it again: its digits, else 0. */
function typedQuantity(choices: ReturnFormChoices | undefined, sku: string): string {
  const typed = choices?.quantities.get(sku)?.trim();
  return typed !== undefined && /^\d{1,9}$/.test(typed) ? String(Number(typed)) : '0';
}

/** The attributes that mark the field a refusal is about. */
function refusedMark(section: ReturnSection, name: string): string {
  const field = section.message === undefined ? undefined : section.invalidField;
  const refused = field !== undefined && (field === name || (field === 'qty' && name.startsWith('qty.')));
  return refused ? ' aria-invalid="true" aria-describedby="return-message"' : '';
}

/**
 * The customer's returns and, while the window is open, the form to start one (plain HTML: no script needed). `when`: a day in
 * the customer's words and time zone, as the return mail writes it; `page`: the page's words, in the order's language.
 */
export function returnsHtml(section: ReturnSection, when: (iso: string) => string, page: TrackingPageWords): string {
  const w = page.returns;
  const existing = section.returns
    .map(
      (r) =>
        `<li data-return="${escapeHtml(r.returnId)}" data-status="${r.status}"><strong>${escapeHtml(r.returnId)}</strong> — ` +
        `${escapeHtml(returnStatusWords(r, w))}${page.colon} ${r.lines.map((l) => `${l.quantity} × ${escapeHtml(l.sku)}`).join(', ')}` +
        (r.labelUrl && r.status === 'label_created'
          ? ` · <a href="${escapeHtml(section.labelPath(r.returnId))}" rel="noopener" data-fact="return-label">${escapeHtml(w.label)}</a>` +
            (r.labelExpiresAt ? ` ${escapeHtml(w.useBefore(when(r.labelExpiresAt)))}` : '')
          : '') +
        (r.refundCents !== undefined && r.refundCents > 0 ? ` · ${escapeHtml(w.refund(r.refundCents, r.currency))}` : '') +
        `</li>`,
    )
    .join('');
  const form =
    section.lines.length === 0
      ? ''
      : // autocomplete="off": a page drawn again by Back gets no choices restored by the browser under its fresh key, so one
        // more click does not start a second return of what the first already takes back (a refused form's are drawn above).
        `<form id="return-form" method="post" action="${escapeHtml(section.formAction)}" autocomplete="off">` +
        `<input type="hidden" name="key" value="${escapeHtml(section.formKey)}">` +
        `<table><thead><tr><th>${escapeHtml(w.item)}</th><th>${escapeHtml(w.quantity)}</th><th>${escapeHtml(w.returnBy)}</th></tr></thead><tbody>` +
        section.lines
          .map(
            (l) =>
              `<tr><td>${escapeHtml(l.skuCode)}</td><td><input type="number" name="qty.${escapeHtml(l.skuCode)}" min="0" max="${l.returnable}" value="${typedQuantity(section.choices, l.skuCode)}"${refusedMark(section, `qty.${l.skuCode}`)} aria-label="${escapeHtml(w.quantityOf(l.skuCode))}"> ${escapeHtml(w.outOf(l.returnable))}</td>` +
              `<td>${l.closesAtMs ? when(new Date(l.closesAtMs).toISOString()) : ''}</td></tr>`,
          )
          .join('') +
        `</tbody></table><p><label for="reason">${escapeHtml(w.why)}</label> <select id="reason" name="reason"${refusedMark(section, 'reason')}>` +
        RETURN_REASONS.map(
          (r) => `<option value="${r}"${section.choices?.reason === r ? ' selected' : ''}>${escapeHtml(w.reasons[r])}</option>`,
        ).join('') +
        `</select></p><p><label for="comment">${escapeHtml(w.comment)}</label><br><textarea id="comment" name="comment" maxlength="1000" rows="2" cols="60"${refusedMark(section, 'comment')}>` +
        // A leading line break in a textarea is dropped by the HTML parser: one more keeps the customer's own.
        `${section.choices?.comment?.startsWith('\n') ? '\n' : ''}${escapeHtml(section.choices?.comment ?? '')}</textarea></p>` +
        `<button class="primary" type="submit">${escapeHtml(w.submit)}</button></form>`;
  if (!existing && !form && !section.message) return '';
  return (
    `<section class="card" id="returns"><h2>${escapeHtml(w.title)}</h2>` +
    (section.message ? `<p class="error" id="return-message">${escapeHtml(section.message)}</p>` : '') +
    (existing ? `<ul id="return-list">${existing}</ul>` : '') +
    form +
    `</section>`
  );
}
