import { api, el, fail, money, opsIdempotencyKey, setStatus, when } from './common.js';

// ---- returns -----------------------------------------------------------------------------------
// Every return, newest first, from its request to its end: a label issued and not yet handed to the carrier was on no
// page before (the page listed parcels on their way or at a warehouse only). Parcels at a warehouse are inspected with
// one click: every unit back on sale, or every unit written off as damaged; a mixed finding goes through
// POST /returns/{id}/inspection with the units per line.

const withoutUnderscores = (text) => text.replace(/_/g, ' ');

/**
 * Where a return is, or how it ended and what is owed, in ops' words (also the order page's returns card), then what
 * the carrier said of its parcel after it had ended: stored, not dropped, and moving nothing.
 */
export const returnState = (item) => stateWords(item) + afterEndWords(item);

const afterEndWords = (item) =>
  (item.scansAfterEnd || [])
    .map((scan) => ` · after it ended, the carrier said: ${withoutUnderscores(scan.status)} (${when(scan.occurredAt)})`)
    .join('');

const stateWords = (item) => {
  const owed = item.refundCents === undefined ? '' : money(item.refundCents, item.currency);
  switch (item.status) {
    case 'requested':
      return 'requested: label being bought';
    case 'label_created':
      return `label issued, not handed to the carrier yet${item.labelExpiresAt ? ` · valid until ${when(item.labelExpiresAt)}` : ''}`;
    case 'in_transit':
      return `on its way back${item.trackingStatus && item.trackingStatus !== 'in_transit' ? ` · ${withoutUnderscores(item.trackingStatus)}` : ''}`;
    case 'received':
      // A return received again after it had closed (its parcel delivered late) says how it had closed.
      return `at the warehouse: to inspect${item.closeReason ? ` · arrived after it closed (${withoutUnderscores(item.closeReason)})` : ''}`;
    case 'completed':
      if (item.closeReason === 'refunded_without_goods') return `ended without goods: refunded ${owed}`;
      return item.refundCents ? `inspected · refund due ${owed}` : 'inspected · no refund due';
    case 'expired':
      return 'ended without goods: the label expired unused';
    default:
      return `ended without goods: cancelled${item.closeReason && item.closeReason !== 'cancelled' ? ` (${item.closeReason})` : ''}`;
  }
};

const returnRow = (item) => {
  var action = el('td', {});
  var state = el('td', { class: 'free', 'data-fact': 'state', text: returnState(item) });
  // One Idempotency-Key per return and choice shown: a double click or a retry after a lost answer records one inspection,
  // and the other choice after a refusal is judged as itself, not refused as "the key was used for a different request".
  var idempotencyKeys = {};
  var row = el('tr', { 'data-return': item.returnId, 'data-status': item.status, id: `return-${item.returnId}` }, [
    el('td', {}, [el('a', { href: `/ops/orders/${encodeURIComponent(item.orderId)}`, text: item.orderId })]),
    el('td', {}, [document.createTextNode(item.returnId), el('br'), el('small', { text: when(item.createdAt) })]),
    el('td', { text: item.lines.map((l) => `${l.quantity} × ${l.sku}`).join(', ') }),
    // The customer's own words follow the reason, as text: what the inspector reads before restocking or writing off.
    el(
      'td',
      { class: 'free' },
      [withoutUnderscores(item.reason)].concat(
        item.comment ? [el('br'), el('q', { 'data-fact': 'comment', style: 'white-space:pre-line', text: item.comment })] : [],
      ),
    ),
    state,
    // A carrier return has no return label: it is the outbound parcel, brought back.
    el('td', {
      text: `${item.warehouseCode} · ${item.trackingNumber || (item.shipmentId ? `brought back: ${item.shipmentId}` : '–')}`,
    }),
    action,
  ]);
  function inspect(kind) {
    action.querySelectorAll('button').forEach((b) => {
      b.disabled = true;
    });
    setStatus(`Recording the inspection of ${item.returnId}…`);
    var lines = item.lines.map((l) => ({
      lineNo: l.lineNo,
      restock: kind === 'restock' ? l.quantity : 0,
      writeOff: kind === 'restock' ? 0 : l.quantity,
    }));
    idempotencyKeys[kind] ||= opsIdempotencyKey(item.returnId, kind);
    api('POST', `/returns/${encodeURIComponent(item.returnId)}/inspection`, { lines: lines }, idempotencyKeys[kind]).then(
      (done) => {
        // A carrier return ops settled with the customer already (re-ship, refund, cancel) owes nothing more.
        // So does a return refunded without its goods whose parcel arrived later: its refund was made then.
        var settled = (done.channel === 'carrier' && done.refundCents === 0) || item.closeReason === 'refunded_without_goods';
        // Goods written off for no fault of theirs owe nothing: said so, not "refund due 0.00 EUR".
        var nothingOwed = !settled && done.refundCents === 0;
        var due = money(done.refundCents, done.currency);
        action.replaceChildren(el('span', { class: 'done', text: settled || nothingOwed ? 'no refund due' : `refund due ${due}` }));
        state.textContent = returnState(done);
        row.setAttribute('data-status', done.status);
        row.setAttribute('data-inspected', kind);
        setStatus(
          settled
            ? `Return ${item.returnId} inspected; the customer was settled when ops answered the parcel's escalation.`
            : nothingOwed
              ? `Return ${item.returnId} inspected; no refund is due for these items.`
              : `Return ${item.returnId} inspected; the shop was told the refund due.`,
        );
      },
      (error) => {
        showChoices();
        fail(error);
      },
    );
  }
  // Writing every unit off cannot be undone (the goods never go back on sale): the row asks once more first.
  function confirmWriteOff() {
    var units = item.lines.reduce((n, l) => n + l.quantity, 0);
    var question = el('span', { class: 'confirm', role: 'alertdialog', 'data-confirm': 'write_off' }, [
      el('strong', {
        text: `Write off all ${units} unit(s) of ${item.returnId} as damaged? They never go back on sale. This cannot be undone. `,
      }),
    ]);
    var yes = el('button', { class: 'decision danger', type: 'button', 'data-confirm-yes': 'write_off', text: 'Yes, write off' });
    var no = el('button', { class: 'decision', type: 'button', 'data-confirm-no': 'write_off', text: 'Keep it' });
    yes.addEventListener('click', () => inspect('write_off'));
    no.addEventListener('click', () => {
      showChoices();
      setStatus('Nothing was sent.');
    });
    question.append(yes, no);
    action.replaceChildren(question);
    no.focus();
  }
  function showChoices() {
    action.replaceChildren();
    [
      ['restock', 'restock all'],
      ['write_off', 'write off all'],
    ].forEach((choice) => {
      var button = el('button', { class: 'decision', type: 'button', 'data-inspect': choice[0], text: choice[1] });
      button.addEventListener('click', () => (choice[0] === 'write_off' ? confirmWriteOff() : inspect('restock')));
      action.appendChild(button);
    });
  }
  // Only a parcel at a warehouse is inspected; the others say where they are in their state.
  if (item.status === 'received') showChoices();
  else action.appendChild(el('span', { class: 'status', text: '–' }));
  return row;
};

// The filter's values: a status of GET /returns, `open` (the default: every return not ended) or `all`.
const FILTERS = { open: 'open=true', all: '' };
const PAGE_SIZE = 100;

// Which load is drawn: a refresh or a new filter while a page is on its way makes the older answer stale.
var generation = 0;
var nextCursor;

/** The API query of the page's filter and, from a link of the order page (`?order=<id>`), the one order. */
const listQuery = () => {
  var filter = document.getElementById('return-status').value;
  var orderId = new URLSearchParams(location.search).get('order');
  var parts = [`limit=${PAGE_SIZE}`];
  var byFilter = filter in FILTERS ? FILTERS[filter] : `status=${encodeURIComponent(filter)}`;
  if (byFilter) parts.push(byFilter);
  if (orderId) parts.push(`orderId=${encodeURIComponent(orderId)}`);
  return `/returns?${parts.join('&')}`;
};

/** Draws one page: the first replaces the rows, an older one is added under them. */
const drawPage = (list, first) => {
  var body = document.getElementById('returns');
  var more = document.getElementById('more-returns');
  if (first) body.replaceChildren();
  for (const item of list.items) body.appendChild(returnRow(item));
  var shown = body.querySelectorAll('tr[data-return]').length;
  if (shown === 0) body.replaceChildren(el('tr', {}, [el('td', { colspan: '7', text: 'No return here.' })]));
  nextCursor = list.nextCursor;
  more.hidden = !nextCursor;
  body.setAttribute('data-loaded', 'true');
  setStatus(`${shown} return(s)${nextCursor ? ', older ones on the next page' : ''} · ${new Date().toLocaleTimeString()}`);
  // Opened from the order page's link to one return: that row, brought into view and marked.
  var picked = location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
  if (first && picked) {
    picked.classList.add('picked');
    picked.scrollIntoView({ block: 'center' });
  }
};

export const loadReturns = () => {
  var body = document.getElementById('returns');
  var mine = ++generation;
  // Set again once these rows are drawn: a test (or a script) waits for the rows of the latest load.
  body.removeAttribute('data-loaded');
  setStatus('Loading…');
  return api('GET', listQuery()).then((list) => {
    if (mine === generation) drawPage(list, true);
  }, fail);
};

/** The next page, older returns under the same filter (a keyset cursor: as fast at the thousandth row as at the first). */
export const loadOlderReturns = () => {
  var body = document.getElementById('returns');
  var more = document.getElementById('more-returns');
  var mine = generation;
  if (!nextCursor) return Promise.resolve();
  more.disabled = true;
  body.removeAttribute('data-loaded');
  setStatus('Loading older returns…');
  return api('GET', `${listQuery()}&cursor=${encodeURIComponent(nextCursor)}`)
    .then((list) => {
      if (mine === generation) drawPage(list, false);
    }, fail)
    .finally(() => {
      more.disabled = false;
    });
};

/** The order a link narrowed the page to, said above the rows with the way back to every order's returns. */
export const showReturnsOrder = () => {
  var orderId = new URLSearchParams(location.search).get('order');
  var note = document.getElementById('return-order');
  if (!orderId) return;
  document.getElementById('return-status').value = 'all';
  note.replaceChildren(
    document.createTextNode('Returns of order '),
    el('a', { href: `/ops/orders/${encodeURIComponent(orderId)}`, text: orderId }),
    document.createTextNode(' · '),
    el('a', { href: '/ops/returns', text: "every order's returns" }),
  );
  note.hidden = false;
};
