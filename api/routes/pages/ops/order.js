import { allPages, api, el, fail, money, setStatus, when } from './common.js';
import { returnState } from './returns.js';

// ---- one order ---------------------------------------------------------------------------
// What the intake promise rested on: on-time is measured against it, whatever was re-promised since.
const PROMISE_BASIS = {
  in_stock: 'from stock',
  backorder: 'dated from a restock on its way',
  partial: 'what is on the shelf ships first',
  restock_unknown: 'no restock to date it from',
  fixed_days: 'fixed days (baseline rules)',
};
const intakePromise = (order) => {
  var promise = order.promise;
  if (!promise) return '–';
  return [
    when(promise.deliverBy),
    promise.confidence > 0 ? `${Math.round(promise.confidence * 100)} % sure` : `date to be confirmed: ${promise.reason || 'not dated'}`,
    PROMISE_BASIS[promise.basis] || promise.basis,
    ...(promise.deliverBy === order.promisedBy ? [] : ['re-promised since']),
  ].join(' · ');
};
// The shop's own promisedBy: kept, or refused and why (the customer may have been told that date).
const askedFor = (promise) => {
  var requested = promise?.requested;
  if (!requested) return '–';
  return requested.met
    ? `${when(requested.promisedBy)} · kept`
    : `${when(requested.promisedBy)} · refused: ${requested.reason || 'cannot be met'} (${Math.round(requested.confidence * 100)} % sure)`;
};
const workflowEnded = (ended) => `${ended.status.replace(/_/g, ' ')}${ended.at ? ` ${when(ended.at)}` : ''} — ${ended.hint}`;
export const loadOrder = () => {
  var orderId = document.body.getAttribute('data-order');
  setStatus('Loading…');
  return Promise.all([
    api('GET', `/orders/${encodeURIComponent(orderId)}`),
    api('GET', `/orders/${encodeURIComponent(orderId)}/timeline`),
    // The order and its timeline are the page: returns that cannot be read are said in their card, the rest still drawn.
    allPages(`/orders/${encodeURIComponent(orderId)}/returns?limit=200`).catch((error) => ({ items: [], error: error })),
  ]).then((all) => {
    var order = all[0];
    var timeline = all[1];
    showReturns(orderId, all[2]);
    showErased(order.personalDataErasedAt);
    var facts = document.getElementById('facts');
    var shipments = order.shipments.map(
      (s) =>
        `${s.shipmentId}: ${s.stage.replace(/_/g, ' ')}${s.carrierCode ? ` (${s.carrierCode} ${s.trackingNumber || ''})` : ''}` +
        (s.replacedBy ? `, re-shipped as ${s.replacedBy.join(', ')}` : '') +
        (s.replaces ? `, replaces ${s.replaces}` : ''),
    );
    var rows = [
      ['Status', order.stage],
      // The stage above is the row's, and no workflow moves it any more: say so, and how to resume the order.
      ...(order.workflowEnded ? [['Workflow ended', workflowEnded(order.workflowEnded)]] : []),
      ['Promised by', when(order.promisedBy)],
      ['Promise at intake', intakePromise(order)],
      ['Date asked for', askedFor(order.promise)],
      ['Received', when(order.receivedAt)],
      ['Service', order.serviceLevel],
      ['Shipments', shipments.join(' · ') || '–'],
      [
        'Cost',
        ((order.packagingCostCents + order.shippingCostCents) / 100).toFixed(2) +
          ' (boxes ' +
          (order.packagingCostCents / 100).toFixed(2) +
          ', carrier ' +
          (order.shippingCostCents / 100).toFixed(2) +
          ')',
      ],
      [
        'Open escalations',
        String(
          order.shipments.reduce(
            (n, s) => n + s.escalations.filter((e) => !e.resolvedAt).length,
            order.escalations.filter((e) => !e.resolvedAt).length,
          ),
        ),
      ],
      ['Read from', order.source],
    ];
    facts.replaceChildren.apply(
      facts,
      rows.map((r) => el('div', { 'data-fact': r[0] }, [el('span', { text: r[0] }), document.createTextNode(r[1])])),
    );
    showCorrections(order.addressCorrections || []);
    var link = document.getElementById('web-ui');
    link.setAttribute('href', order.webUiUrl);
    link.hidden = false;
    var list = document.getElementById('timeline');
    list.replaceChildren.apply(
      list,
      timeline.entries.map((e) =>
        el('li', { class: e.kind }, [
          el('time', { text: when(e.at) }),
          el('strong', { text: e.label }),
          document.createTextNode(
            (e.shipmentId ? ` · ${e.shipmentId}` : '') + (e.location ? ` · ${e.location}` : '') + (e.detail ? ` — ${e.detail}` : ''),
          ),
        ]),
      ),
    );
    list.setAttribute('data-loaded', 'true');
    setStatus(`Updated ${new Date().toLocaleTimeString()}`);
  }, fail);
};

// An erased order shows "[erased]" where names and streets were, and no scan words: said once, at the top, with when.
const showErased = (erasedAt) => {
  var badge = document.getElementById('erased');
  badge.textContent = erasedAt
    ? `Personal data erased on ${when(erasedAt)}: names, addresses, e-mail and free texts are gone; lines, costs, dates and statuses remain`
    : '';
  badge.hidden = !erasedAt;
};

const ADDRESS_FIELD_NAMES = {
  line1: 'Street',
  line2: 'Street, second line',
  city: 'City',
  region: 'Region',
  postalCode: 'Postal code',
  countryCode: 'Country',
};

// The fields the carrier changed, what the customer gave and what ships; the rest of the address is not repeated.
const showCorrections = (corrections) => {
  var card = document.getElementById('corrections-card');
  var holder = document.getElementById('corrections');
  holder.replaceChildren.apply(
    holder,
    corrections.map((c, i) =>
      el('div', { class: 'correction', 'data-correction': String(i) }, [
        el('p', {
          text:
            `${when(c.at)} · ${c.occasion === 'intake' ? 'when the order was placed' : 'on an address change'} · ` +
            `corrected by ${c.validator}: ${c.fields.map((f) => ADDRESS_FIELD_NAMES[f] || f).join(', ')}`,
        }),
        el('table', {}, [
          el('thead', {}, [el('tr', {}, [el('th', { text: 'Field' }), el('th', { text: 'Given' }), el('th', { text: 'Ships to' })])]),
          el(
            'tbody',
            {},
            c.fields.map((f) =>
              el('tr', { 'data-field': f }, [
                el('td', { text: ADDRESS_FIELD_NAMES[f] || f }),
                el('td', { class: 'given', text: c.original[f] || '–' }),
                el('td', { class: 'corrected', text: c.corrected[f] || '–' }),
              ]),
            ),
          ),
        ]),
      ]),
    ),
  );
  card.hidden = corrections.length === 0;
  holder.setAttribute('data-loaded', 'true');
};

// A line of a return, with what its inspection found once it was inspected.
const returnLine = (l) => {
  var found = [...(l.restocked ? [`${l.restocked} restocked`] : []), ...(l.writtenOff ? [`${l.writtenOff} written off`] : [])];
  return `${l.quantity} × ${l.sku}${found.length > 0 ? ` (${found.join(', ')})` : ''}`;
};

// What is owed: not known before the inspection (or a refund without the goods), "none due" when nothing is.
const refundOf = (item) => {
  if (item.refundCents === undefined) return '–';
  return item.refundCents === 0 ? 'none due' : money(item.refundCents, item.currency);
};

// The order's returns, newest first, each linked to its row on /ops/returns (where a parcel at a warehouse is inspected).
const showReturns = (orderId, list) => {
  var items = list.items;
  var none = document.getElementById('returns-none');
  var body = document.getElementById('order-returns');
  body.replaceChildren.apply(
    body,
    items.map((item) =>
      el('tr', { 'data-return': item.returnId, 'data-status': item.status }, [
        el('td', {}, [
          el('a', {
            href: `/ops/returns?order=${encodeURIComponent(orderId)}#return-${encodeURIComponent(item.returnId)}`,
            text: item.returnId,
          }),
          el('br'),
          el('small', { text: `${item.channel} · ${when(item.createdAt)}` }),
        ]),
        el('td', { class: 'free', 'data-fact': 'state', text: returnState(item) }),
        el('td', { text: item.lines.map(returnLine).join(', ') }),
        el('td', { class: 'amount', 'data-fact': 'refund', text: refundOf(item) }),
      ]),
    ),
  );
  document.getElementById('returns-table').hidden = items.length === 0;
  none.textContent = list.error ? `The returns could not be read: ${list.error.message}` : 'No return of this order.';
  none.className = list.error ? 'error' : 'status';
  none.hidden = items.length > 0;
  body.setAttribute('data-loaded', 'true');
};
