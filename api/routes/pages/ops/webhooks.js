import { allPages, api, el, fail, setStatus, when } from './common.js';

// ---- parked webhooks ---------------------------------------------------------------------
const parkedWebhookRow = (item) => {
  var action = el('td', {});
  var row = el('tr', { 'data-delivery': item.id }, [
    el('td', {}, [el('a', { href: `/ops/orders/${encodeURIComponent(item.orderId)}`, text: item.orderId })]),
    el('td', { text: `#${item.sequence} ${item.type}` }),
    el('td', { text: item.subscriptionId }),
    el('td', { text: String(item.attempts) }),
    el('td', { class: 'free', text: item.lastError || (item.lastStatusCode ? `HTTP ${item.lastStatusCode}` : '–') }),
    el('td', { text: when(item.failedAt) }),
    action,
  ]);
  var button = el('button', { class: 'decision', type: 'button', 'data-replay': item.id, text: 'replay' });
  button.addEventListener('click', () => {
    button.disabled = true;
    setStatus(`Replaying ${item.id}…`);
    api('POST', `/webhooks/deliveries/${encodeURIComponent(item.id)}/replay`).then(
      () => {
        action.replaceChildren(el('span', { class: 'done', text: 'sent again' }));
        row.setAttribute('data-replayed', 'true');
        setStatus(`Delivery ${item.id} is being sent again; it retries for three more days if the shop still fails.`);
      },
      (error) => {
        button.disabled = false;
        fail(error);
      },
    );
  });
  action.appendChild(button);
  return row;
};

export const loadWebhooks = () => {
  var body = document.getElementById('deliveries');
  setStatus('Loading…');
  return allPages('/webhooks/deliveries?status=failed&limit=200').then((list) => {
    body.replaceChildren();
    if (list.items.length === 0) {
      body.appendChild(el('tr', {}, [el('td', { colspan: '7', text: 'No parked webhook. Every shop endpoint is answering.' })]));
    }
    for (const item of list.items) body.appendChild(parkedWebhookRow(item));
    body.setAttribute('data-loaded', 'true');
    setStatus(`${list.items.length} parked webhook(s) · ${new Date().toLocaleTimeString()}`);
  }, fail);
};
