import { api, el, fail, setStatus, when } from './common.js';

// ---- stock levels and expected restocks ---------------------------------------------------
// What the promise engine counts: on the shelf, held by reservations, promised to orders that have not reserved yet,
// and what is on its way. Ops announce, re-date and call off restocks here; the API tells the waiting orders.

const filterQuery = () => {
  var sku = document.getElementById('sku-filter').value.trim().toUpperCase();
  return sku ? `?skuCode=${encodeURIComponent(sku)}` : '';
};

const levelRow = (level) =>
  el('tr', { 'data-level': `${level.warehouseCode}:${level.skuCode}` }, [
    el('td', { text: level.warehouseCode }),
    el('td', { text: level.skuCode }),
    el('td', { text: String(level.onHand) }),
    el('td', { text: String(level.reserved) }),
    el('td', { 'data-fact': 'promised', text: String(level.promised) }),
    el('td', { 'data-fact': 'free', text: String(Math.max(0, level.available - level.promised)) }),
  ]);

const restockRow = (restock) => {
  var action = el('td', {});
  var row = el('tr', { 'data-restock': restock.reference, 'data-expected-at': restock.expectedAt }, [
    el('td', { class: 'free', text: restock.reference }),
    el('td', { text: restock.warehouseCode }),
    el('td', { text: restock.skuCode }),
    el('td', { text: String(restock.quantity) }),
    el(
      'td',
      restock.overdue
        ? { class: 'error', 'data-overdue': 'true', text: `${when(restock.expectedAt)} · overdue` }
        : { text: when(restock.expectedAt) },
    ),
    action,
  ]);
  var button = el('button', { class: 'decision', type: 'button', 'data-call-off': restock.reference, text: 'call off' });
  button.addEventListener('click', () => {
    button.disabled = true;
    setStatus(`Calling off ${restock.reference}…`);
    api('DELETE', `/inventory/inbound/${encodeURIComponent(restock.reference)}`).then(
      (answer) =>
        loadStock().then(() => setStatus(`${restock.reference} called off; ${answer.signalledOrders.length} waiting order(s) told.`)),
      (error) => {
        button.disabled = false;
        fail(error);
      },
    );
  });
  action.appendChild(button);
  return row;
};

const fill = (id, rows, empty, columns) => {
  var body = document.getElementById(id);
  body.replaceChildren();
  if (rows.length === 0) body.appendChild(el('tr', {}, [el('td', { colspan: String(columns), text: empty })]));
  for (const row of rows) body.appendChild(row);
  body.setAttribute('data-loaded', 'true');
};

export const loadStock = () => {
  setStatus('Loading…');
  var query = filterQuery();
  return Promise.all([api('GET', `/inventory${query}`), api('GET', `/inventory/inbound${query}${query ? '&' : '?'}limit=200`)]).then(
    ([levels, restocks]) => {
      fill('levels', levels.items.map(levelRow), 'No stock level for this SKU.', 6);
      fill('restocks', restocks.items.map(restockRow), 'No restock expected.', 6);
      setStatus(`${levels.items.length} level(s), ${restocks.items.length} restock(s) expected · ${new Date().toLocaleTimeString()}`);
    },
    fail,
  );
};

/** The form: a new reference announces, a known one gets its new date or quantity (a PUT: sent twice, the same). */
export const watchAnnounceForm = () => {
  var form = document.getElementById('announce');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    var value = (id) => document.getElementById(id).value.trim();
    var expected = new Date(value('restock-expected'));
    if (Number.isNaN(expected.getTime())) return setStatus('Give the date and time the goods are expected.', true);
    var reference = value('restock-reference');
    var body = {
      warehouseCode: value('restock-warehouse').toUpperCase(),
      skuCode: value('restock-sku').toUpperCase(),
      quantity: Number(value('restock-quantity')),
      expectedAt: expected.toISOString(),
    };
    setStatus(`Announcing ${reference}…`);
    api('PUT', `/inventory/inbound/${encodeURIComponent(reference)}`, body).then(
      (answer) =>
        loadStock().then(() =>
          setStatus(`${answer.reference} expected ${when(answer.expectedAt)}; ${answer.signalledOrders.length} waiting order(s) told.`),
        ),
      fail,
    );
  });
};
