import { allPages, api, el, fail, money, opsIdempotencyKey, setStatus, when } from './common.js';

// ---- carrier claims ------------------------------------------------------------------------
// A claim moves open → submitted (filed with the carrier) → paid or refused, or is withdrawn (open or filed)
// when the parcel turned up after all. Every move is final (no way back), so each asks once more in the row,
// with an optional note, before it is sent; the calling key is recorded as who moved it.
const CLAIM_MOVES = {
  submitted: { button: 'submit to carrier', ask: 'Mark as filed with the carrier', done: 'filed with the carrier' },
  paid: { button: 'settle: carrier paid', ask: 'Record that the carrier paid', done: 'settled: paid' },
  refused: { button: 'reject: carrier refused', ask: 'Record that the carrier refused', done: 'rejected: refused' },
  withdrawn: { button: 'withdraw: parcel turned up', ask: 'Withdraw the claim', done: 'withdrawn' },
};
const claimRow = (claim) => {
  var statusCell = el('td', {});
  var byCell = el('td', { class: 'free' });
  var actions = el('td', { class: 'actions' });
  var row = el('tr', { 'data-claim': claim.claimId }, [
    el('td', { text: claim.claimId }),
    el('td', {}, [
      el('a', { href: `/ops/orders/${encodeURIComponent(claim.orderId)}`, text: claim.orderId }),
      el('br'),
      document.createTextNode(claim.shipmentId),
    ]),
    el('td', { text: `${claim.carrierCode} · ${claim.trackingNumber}` }),
    el('td', { text: claim.reason }),
    el('td', { class: 'amount', text: money(claim.amountCents, claim.currency) }),
    statusCell,
    byCell,
    actions,
  ]);
  function show(current) {
    row.setAttribute('data-status', current.status);
    statusCell.replaceChildren(el('span', { class: `claim claim-${current.status}`, text: current.status }));
    byCell.replaceChildren(
      document.createTextNode(`${current.updatedBy} · ${when(current.updatedAt)}`),
      ...(current.note ? [el('br'), el('small', { text: current.note })] : []),
    );
    actions.replaceChildren();
    current.nextStatuses.forEach((next) => {
      var button = el('button', { class: 'decision', type: 'button', 'data-move': next, text: CLAIM_MOVES[next].button });
      button.addEventListener('click', () => confirmMove(current, next));
      actions.appendChild(button);
    });
    if (current.nextStatuses.length === 0) actions.appendChild(el('span', { class: 'done', text: 'final' }));
  }
  function confirmMove(current, next) {
    var note = el('input', {
      type: 'text',
      maxlength: '500',
      placeholder: 'note (optional)',
      'aria-label': 'Note',
      'data-note': next,
    });
    var question = el('span', { class: 'confirm', role: 'alertdialog', 'data-confirm': next }, [
      el('strong', { text: `${CLAIM_MOVES[next].ask} for ${money(current.amountCents, current.currency)}? This cannot be undone. ` }),
      note,
    ]);
    var yes = el('button', {
      class: 'decision danger',
      type: 'button',
      'data-confirm-yes': next,
      text: `Yes, ${CLAIM_MOVES[next].button}`,
    });
    var no = el('button', { class: 'decision', type: 'button', 'data-confirm-no': next, text: 'Keep it' });
    // One Idempotency-Key per move shown: a double click or a retry after a lost answer moves the claim once.
    var idempotencyKey = opsIdempotencyKey(current.claimId, next);
    yes.addEventListener('click', () => {
      yes.disabled = true;
      no.disabled = true;
      setStatus(`Recording ${next} for ${current.claimId}…`);
      var payload = { status: next };
      if (note.value.trim() !== '') payload.note = note.value.trim();
      api('POST', `/claims/${encodeURIComponent(current.claimId)}/status`, payload, idempotencyKey).then(
        (moved) => {
          show(moved);
          row.setAttribute('data-moved', next);
          setStatus(`Claim ${moved.claimId} ${CLAIM_MOVES[next].done}, recorded as ${moved.updatedBy}.`);
        },
        (error) => {
          show(current);
          fail(error);
          // Moved meanwhile (another tab, another ops): the row shows the claim as it is now, with the moves it can still make.
          if (error.code === 'claim_state_conflict') {
            api('GET', `/claims/${encodeURIComponent(current.claimId)}`).then(show, () => {});
          }
        },
      );
    });
    no.addEventListener('click', () => {
      show(current);
      setStatus('Nothing was sent.');
    });
    question.append(yes, no);
    actions.replaceChildren(question);
    no.focus();
  }
  show(claim);
  return row;
};

export const loadClaims = () => {
  var body = document.getElementById('claims');
  var filter = document.getElementById('claim-status');
  var query = filter.value ? `&status=${encodeURIComponent(filter.value)}` : '';
  setStatus('Loading…');
  return allPages(`/claims?limit=200${query}`).then((list) => {
    body.replaceChildren();
    if (list.items.length === 0) body.appendChild(el('tr', {}, [el('td', { colspan: '8', text: 'No carrier claim here.' })]));
    for (const claim of list.items) body.appendChild(claimRow(claim));
    body.setAttribute('data-loaded', 'true');
    var openCents = list.items.filter((c) => c.status === 'open' || c.status === 'submitted').reduce((n, c) => n + c.amountCents, 0);
    setStatus(`${list.items.length} claim(s) · ${(openCents / 100).toFixed(2)} still to recover · ${new Date().toLocaleTimeString()}`);
  }, fail);
};
