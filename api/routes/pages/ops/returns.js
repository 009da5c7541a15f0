import { allPages, api, el, fail, opsIdempotencyKey, setStatus } from './common.js';

// ---- returns at the warehouse --------------------------------------------------------------
// One click per parcel: every unit back on sale, or every unit written off as damaged; a mixed
// finding goes through POST /returns/{id}/inspection with the units per line.
const returnRow = (item) => {
  var action = el('td', {});
  // One Idempotency-Key per return and choice shown: a double click or a retry after a lost answer records one inspection,
  // and the other choice after a refusal is judged as itself, not refused as "the key was used for a different request".
  var idempotencyKeys = {};
  var row = el('tr', { 'data-return': item.returnId }, [
    el('td', {}, [el('a', { href: `/ops/orders/${encodeURIComponent(item.orderId)}`, text: item.orderId })]),
    el('td', { text: item.returnId }),
    el('td', { text: item.lines.map((l) => `${l.quantity} × ${l.sku}`).join(', ') }),
    // A return received again after it had closed (its parcel delivered late) says how it had closed. The customer's own
    // words follow, as text: what the inspector reads before restocking or writing off.
    el(
      'td',
      { class: 'free' },
      [
        `${item.reason.replace(/_/g, ' ')} · ${item.status.replace(/_/g, ' ')}` +
          (item.status === 'received' && item.closeReason ? ` · arrived after it closed (${item.closeReason.replace(/_/g, ' ')})` : ''),
      ].concat(item.comment ? [el('br'), el('q', { 'data-fact': 'comment', style: 'white-space:pre-line', text: item.comment })] : []),
    ),
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
        var money = `${(done.refundCents / 100).toFixed(2)} ${done.currency}`;
        action.replaceChildren(el('span', { class: 'done', text: settled || nothingOwed ? 'no refund due' : `refund due ${money}` }));
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
  showChoices();
  return row;
};

export const loadReturns = () => {
  var body = document.getElementById('returns');
  // Set again once these rows are drawn: a test (or a script) waits for the rows of the latest load.
  body.removeAttribute('data-loaded');
  setStatus('Loading…');
  return Promise.all([allPages('/returns?status=received&limit=200'), allPages('/returns?status=in_transit&limit=200')]).then((lists) => {
    var items = lists[0].items.concat(lists[1].items);
    body.replaceChildren();
    if (items.length === 0)
      body.appendChild(el('tr', {}, [el('td', { colspan: '6', text: 'No return parcel is on its way or waiting.' })]));
    for (const item of items) body.appendChild(returnRow(item));
    body.setAttribute('data-loaded', 'true');
    setStatus(`${items.length} return parcel(s) · ${new Date().toLocaleTimeString()}`);
  }, fail);
};
