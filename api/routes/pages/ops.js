// The ops pages' only script (served from /ops/assets/ops.js, so the CSP needs no inline script).
// The ops key is typed once per tab, kept in sessionStorage and sent as X-Api-Key; it is never in the HTML.
// A classic script whose names are all `const` inside the block below (a function declaration there would
// land on `window` in a classic script), so none of them is a global.
{
  const KEY = 'colis-ops-key';
  const pageId = document.body.getAttribute('data-page');

  const key = () => {
    return sessionStorage.getItem(KEY) || '';
  };
  const el = (tag, attrs, children) => {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach((name) => {
      if (name === 'text') node.textContent = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach((child) => {
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  };
  const setStatus = (text, isError) => {
    var status = document.getElementById('status');
    if (!status) return;
    status.textContent = text;
    status.className = isError ? 'error' : 'status';
  };
  // Decisions that cannot be undone: the page asks for a confirmation before sending them.
  const DESTRUCTIVE = ['cancel', 'refund'];
  const api = (method, url, body, idempotencyKey) => {
    if (!key()) {
      setStatus('Enter the ops key (top right) to load this page.', true);
      return Promise.reject(new Error('no key'));
    }
    var init = { method: method, headers: { 'x-api-key': key() } };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    if (idempotencyKey) init.headers['idempotency-key'] = idempotencyKey;
    return fetch(url, init).then((response) => {
      var type = response.headers.get('content-type') || '';
      var read = type.indexOf('json') >= 0 ? response.json() : response.text();
      return read.then((data) => {
        if (!response.ok) {
          let message = data?.error ? data.error.message : `HTTP ${response.status}`;
          const details = Array.isArray(data?.error?.details) ? data.error.details : [];
          // "the request body is invalid" alone names nothing: the fields of the request and what is wrong with them are in the details.
          const fields = details.filter((d) => /^(body|query|params|headers)\./.test(String(d.path)));
          if (fields.length > 0) message += `: ${fields.map((d) => `${d.path} ${d.message}`).join('; ')}`;
          if (response.status === 401 || response.status === 403) message = `The ops key was refused: ${message}`;
          const failure = new Error(message);
          failure.code = data?.error?.code;
          failure.details = details;
          throw failure;
        }
        return data;
      });
    });
  };
  const when = (iso) => {
    if (!iso) return '–';
    return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
  };
  const fail = (error) => {
    if (error && error.message !== 'no key') setStatus(error.message, true);
  };

  // ---- key panel ---------------------------------------------------------------------------
  const form = document.getElementById('key-panel');
  const input = document.getElementById('ops-key');
  if (form && input) {
    if (key()) input.placeholder = 'key set for this tab';
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const typed = input.value.trim();
      // Keys are printable ASCII without spaces (config/api-keys.ts). A key pasted with an invisible character (a zero-width
      // space from a chat) cannot go in a header: kept, it failed every request with the browser's "non ISO-8859-1 code point".
      const stray = typed.match(/[^\x21-\x7e]/u);
      if (stray) {
        const code = `U+${stray[0].codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
        setStatus(`That is not an ops key: keys are printable ASCII without spaces, and this one has ${code}. Nothing was kept.`, true);
        return;
      }
      if (typed !== '') sessionStorage.setItem(KEY, typed);
      input.value = '';
      input.placeholder = 'key set for this tab';
      // The same key lets this browser read decrypted payloads in the Temporal Web UI (an HttpOnly cookie for /codec).
      api('POST', '/codec/session').catch(fail);
      void load();
    });
  }

  // ---- process chart -----------------------------------------------------------------------
  const loadChart = () => {
    var select = document.getElementById('window');
    var chart = document.getElementById('chart');
    var query = `window=${encodeURIComponent(select.value)}`;
    setStatus('Loading…');
    return api('GET', `/process.svg?${query}`).then((svg) => {
      // The SVG is our own server's drawing (every text escaped there), parsed as XML, not HTML.
      var doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
      chart.replaceChildren(document.importNode(doc.documentElement, true));
      chart.setAttribute('data-loaded', 'true');
      setStatus(`Updated ${new Date().toLocaleTimeString()} · refreshes every 15 s`);
    }, fail);
  };

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
      el('td', { text: item.detail }),
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
      idempotencyKeys[decision] ||=
        `ops-page-${item.escalationId}-${decision}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
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
          text: `${decision === 'cancel' ? 'Cancel' : 'Refund'} this ${item.shipmentId ? 'shipment' : 'order'}? This cannot be undone. `,
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

  // The API's listings go newest first, a page at a time: a page alone hid the oldest rows (the longest waiting
  // escalations, the first parked webhooks) and counted a page. Pages are followed to the end, up to MAX_PAGES; beyond,
  // `more` says so.
  const MAX_PAGES = 20;
  const allPages = (path, cursor, items, pages) => {
    var query = `${path}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    return api('GET', query).then((list) => {
      var all = (items || []).concat(list.items);
      if (!list.nextCursor) return { items: all, more: false };
      if ((pages || 0) + 1 >= MAX_PAGES) return { items: all, more: true };
      return allPages(path, list.nextCursor, all, (pages || 0) + 1);
    });
  };

  const loadEscalations = () => {
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

  // ---- parked webhooks ---------------------------------------------------------------------
  const parkedWebhookRow = (item) => {
    var action = el('td', {});
    var row = el('tr', { 'data-delivery': item.id }, [
      el('td', {}, [el('a', { href: `/ops/orders/${encodeURIComponent(item.orderId)}`, text: item.orderId })]),
      el('td', { text: `#${item.sequence} ${item.type}` }),
      el('td', { text: item.subscriptionId }),
      el('td', { text: String(item.attempts) }),
      el('td', { text: item.lastError || (item.lastStatusCode ? `HTTP ${item.lastStatusCode}` : '–') }),
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

  const loadWebhooks = () => {
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
      // A return received again after it had closed (its parcel delivered late) says how it had closed.
      el('td', {
        text:
          `${item.reason.replace(/_/g, ' ')} · ${item.status.replace(/_/g, ' ')}` +
          (item.status === 'received' && item.closeReason ? ` · arrived after it closed (${item.closeReason.replace(/_/g, ' ')})` : ''),
      }),
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
      idempotencyKeys[kind] ||= `ops-page-${item.returnId}-${kind}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
      api('POST', `/returns/${encodeURIComponent(item.returnId)}/inspection`, { lines: lines }, idempotencyKeys[kind]).then(
        (done) => {
          // A carrier return ops settled with the customer already (re-ship, refund, cancel) owes nothing more.
          // So does a return refunded without its goods whose parcel arrived later: its refund was made then.
          var settled = (done.channel === 'carrier' && done.refundCents === 0) || item.closeReason === 'refunded_without_goods';
          var money = `${(done.refundCents / 100).toFixed(2)} ${done.currency}`;
          action.replaceChildren(el('span', { class: 'done', text: settled ? 'no refund due' : `refund due ${money}` }));
          row.setAttribute('data-inspected', kind);
          setStatus(
            settled
              ? `Return ${item.returnId} inspected; the customer was settled when ops answered the parcel's escalation.`
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

  const loadReturns = () => {
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
  const money = (cents, currency) => {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  };
  const claimRow = (claim) => {
    var statusCell = el('td', {});
    var byCell = el('td', {});
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
      var idempotencyKey = `ops-page-${current.claimId}-${next}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
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

  const loadClaims = () => {
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

  // Status codes a carrier sent that no mapping reads: ops extend the mapping from this list.
  const loadUnmapped = () => {
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
            el('td', {}, [
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
  const loadOrder = () => {
    var orderId = document.body.getAttribute('data-order');
    setStatus('Loading…');
    return Promise.all([
      api('GET', `/orders/${encodeURIComponent(orderId)}`),
      api('GET', `/orders/${encodeURIComponent(orderId)}/timeline`),
    ]).then((both) => {
      var order = both[0];
      var timeline = both[1];
      var facts = document.getElementById('facts');
      var shipments = order.shipments.map(
        (s) =>
          `${s.shipmentId}: ${s.stage.replace(/_/g, ' ')}${s.carrierCode ? ` (${s.carrierCode} ${s.trackingNumber || ''})` : ''}` +
          (s.replacedBy ? `, re-shipped as ${s.replacedBy.join(', ')}` : '') +
          (s.replaces ? `, replaces ${s.replaces}` : ''),
      );
      var rows = [
        ['Status', order.stage],
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

  const loadPage = () => {
    if (pageId === 'process') return loadChart();
    if (pageId === 'escalations') return Promise.all([loadEscalations(), loadUnmapped()]);
    if (pageId === 'webhooks') return loadWebhooks();
    if (pageId === 'returns') return loadReturns();
    if (pageId === 'claims') return loadClaims();
    if (pageId === 'order') return loadOrder();
  };
  // One load at a time per key: the key entered again while the page's first load (the tab had the key already) is on
  // its way must not draw the rows a second time, under a confirmation the user has just opened in them.
  let loading;
  const load = () => {
    if (loading && loading.key === key()) return loading.promise;
    var promise = Promise.resolve(loadPage()).finally(() => {
      if (loading && loading.promise === promise) loading = undefined;
    });
    loading = { key: key(), promise: promise };
    return promise;
  };

  if (pageId === 'process') {
    document.getElementById('window').addEventListener('change', loadChart);
    setInterval(() => {
      if (key()) void loadChart();
    }, 15000);
  }
  if (pageId === 'claims') document.getElementById('claim-status').addEventListener('change', loadClaims);
  const refresh = document.getElementById('refresh');
  if (refresh) refresh.addEventListener('click', load);
  void load();
}
