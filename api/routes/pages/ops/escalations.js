import { allPages, api, el, fail, opsIdempotencyKey, setStatus, when } from './common.js';

// Decisions that cannot be undone: the page asks for a confirmation before sending them.
const DESTRUCTIVE = ['cancel', 'refund'];

// ---- escalations -------------------------------------------------------------------------
const escalationRow = (item) => {
  var actions = el('td', { class: 'actions' });
  var row = el('tr', { 'data-escalation': item.escalationId }, [
    el('td', {}, [el('span', { class: `sev sev-${item.severity}`, text: item.severity })]),
    el('td', { text: item.reason.replace(/_/g, ' ') }),
    el('td', {}, [
      el('a', { href: `/ops/orders/${encodeURIComponent(item.orderId)}`, text: item.orderId }),
      el('br'),
      document.createTextNode(item.shipmentId || ''),
    ]),
    el('td', { class: 'free', text: item.detail }),
    el('td', { text: when(item.openedAt) }),
    actions,
  ]);
  // One Idempotency-Key per decision shown: a double click or a retry after a lost answer applies the decision once, and
  // another decision after a refusal is judged as itself, not refused as "the key was used for a different request".
  var idempotencyKeys = {};
  function send(decision) {
    Array.prototype.forEach.call(actions.querySelectorAll('button'), (b) => {
      b.disabled = true;
    });
    idempotencyKeys[decision] ||= opsIdempotencyKey(item.escalationId, decision);
    setStatus(`Sending "${decision}" for ${item.escalationId}…`);
    api('POST', `/escalations/${encodeURIComponent(item.escalationId)}/resolve`, { decision: decision }, idempotencyKeys[decision]).then(
      () => {
        actions.replaceChildren(el('span', { class: 'done', text: `resolved: ${decision}` }));
        row.setAttribute('data-resolved', decision);
        setStatus(`Escalation ${item.escalationId} resolved (${decision}); the workflow moves on.`);
      },
      (error) => {
        // Answered meanwhile (another tab, another ops): the row says how, and offers no decision it would refuse.
        if (error.code === 'escalation_resolved') {
          const winner = (error.details || []).find((d) => d.path === 'escalation.decision');
          const by = (error.details || []).find((d) => d.path === 'escalation.resolvedBy');
          const decided = winner ? winner.message : 'closed';
          actions.replaceChildren(
            el('span', { class: 'done', text: `already resolved: ${decided.replace(/_/g, ' ')}${by ? ` by ${by.message}` : ''}` }),
          );
          row.setAttribute('data-resolved', decided);
        } else showDecisions();
        fail(error);
      },
    );
  }
  // Cancel and refund cannot be undone: they ask once more, in the row, before anything is sent.
  function confirmFirst(decision) {
    var question = el('span', { class: 'confirm', role: 'alertdialog', 'data-confirm': decision }, [
      el('strong', {
        text:
          item.reason === 'delivered_after_all'
            ? 'Write the goods off (the customer keeps them)? This cannot be undone. '
            : `${decision === 'cancel' ? 'Cancel' : 'Refund'} this ${item.shipmentId ? 'shipment' : 'order'}? This cannot be undone. `,
      }),
    ]);
    var yes = el('button', { class: 'decision danger', type: 'button', 'data-confirm-yes': decision, text: `Yes, ${decision}` });
    var no = el('button', { class: 'decision', type: 'button', 'data-confirm-no': decision, text: 'Keep it' });
    yes.addEventListener('click', () => send(decision));
    no.addEventListener('click', () => {
      showDecisions();
      setStatus('Nothing was sent.');
    });
    question.append(yes, no);
    actions.replaceChildren(question);
    no.focus();
  }
  function showDecisions() {
    actions.replaceChildren();
    item.allowedDecisions.forEach((decision) => {
      var button = el('button', { class: 'decision', type: 'button', 'data-decision': decision, text: decision.replace(/_/g, ' ') });
      button.addEventListener('click', () => (DESTRUCTIVE.indexOf(decision) >= 0 ? confirmFirst(decision) : send(decision)));
      actions.appendChild(button);
    });
  }
  showDecisions();
  return row;
};

export const loadEscalations = () => {
  var body = document.getElementById('escalations');
  setStatus('Loading…');
  return allPages('/escalations?open=true&limit=100').then((list) => {
    body.replaceChildren();
    if (list.items.length === 0) {
      body.appendChild(el('tr', {}, [el('td', { colspan: '6', text: 'No open escalation. Everything is moving.' })]));
    }
    for (const item of list.items) body.appendChild(escalationRow(item));
    body.setAttribute('data-loaded', 'true');
    var count = list.more
      ? `The newest ${list.items.length} open escalations (more are open: GET /escalations?open=true)`
      : `${list.items.length} open escalation(s)`;
    setStatus(`${count} · ${new Date().toLocaleTimeString()}`);
  }, fail);
};

// Status codes a carrier sent that no mapping reads: ops extend the mapping from this list.
export const loadUnmapped = () => {
  var section = document.getElementById('unmapped-section');
  var body = document.getElementById('unmapped');
  return api('GET', '/carriers/unmapped-statuses').then((list) => {
    body.replaceChildren.apply(
      body,
      list.items.map((item) =>
        el('tr', { 'data-unmapped': `${item.carrierCode}:${item.carrierStatusCode}` }, [
          el('td', { text: item.carrierCode }),
          el('td', {}, [el('code', { text: item.carrierStatusCode })]),
          el('td', { text: String(item.scans) }),
          el('td', { text: String(item.shipments) }),
          el('td', { text: when(item.lastSeenAt) }),
          el('td', { class: 'free' }, [
            el('a', {
              href: `/ops/orders/${encodeURIComponent(item.example.orderId)}`,
              text: item.example.shipmentId || `return ${item.example.returnId}`,
            }),
            document.createTextNode(item.example.detail ? ` — ${item.example.detail}` : ''),
          ]),
        ]),
      ),
    );
    section.hidden = list.items.length === 0;
    body.setAttribute('data-loaded', 'true');
  }, fail);
};

// Scans no workflow heard, their shipment's or return's journey having ended: stored for ops, not dropped.
export const loadScansAfterEnd = () => {
  var section = document.getElementById('after-end-section');
  var body = document.getElementById('after-end');
  return api('GET', '/carriers/scans-after-end').then((list) => {
    body.replaceChildren.apply(
      body,
      list.items.map((item) =>
        el('tr', { 'data-after-end': `${item.carrierCode}:${item.trackingNumber}:${item.occurredAt}` }, [
          el('td', { text: item.carrierCode }),
          el('td', {}, [el('code', { text: item.trackingNumber })]),
          el('td', { text: item.status.replace(/_/g, ' ') }),
          el('td', { text: (item.shipmentStatus || `return ${item.returnStatus}`).replace(/_/g, ' ') }),
          el('td', { text: when(item.occurredAt) }),
          el('td', { class: 'free' }, [
            el('a', { href: `/ops/orders/${encodeURIComponent(item.orderId)}`, text: item.orderId }),
            document.createTextNode(' '),
            // A return parcel's scan links to its return, where the scans after its end are listed.
            item.returnId
              ? el('a', {
                  href: `/ops/returns?order=${encodeURIComponent(item.orderId)}#return-${encodeURIComponent(item.returnId)}`,
                  text: `return ${item.returnId}`,
                })
              : document.createTextNode(item.shipmentId),
            document.createTextNode(item.detail ? ` — ${item.detail}` : ''),
          ]),
        ]),
      ),
    );
    section.hidden = list.items.length === 0;
    body.setAttribute('data-loaded', 'true');
  }, fail);
};
