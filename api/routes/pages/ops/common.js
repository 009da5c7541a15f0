// What every ops page shares: the ops key of this tab, the one call to the JSON API, the status line, and small
// builders for the rows. An ES module, so nothing here is a global.

const KEY = 'colis-ops-key';

export const key = () => {
  return sessionStorage.getItem(KEY) || '';
};
export const el = (tag, attrs, children) => {
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
export const setStatus = (text, isError) => {
  var status = document.getElementById('status');
  if (!status) return;
  status.textContent = text;
  status.className = isError ? 'error' : 'status';
};
// The Idempotency-Key of one action shown on a page (an entity and what is done to it): made once per page view, so
// a double click or a retry after a lost answer is the same request, and a reload is a new one.
export const opsIdempotencyKey = (entityId, action) =>
  `ops-page-${entityId}-${action}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
export const api = (method, url, body, idempotencyKey) => {
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
export const when = (iso) => {
  if (!iso) return '–';
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
};
export const fail = (error) => {
  if (error && error.message !== 'no key') setStatus(error.message, true);
};

// The API's listings go newest first, a page at a time: a page alone hid the oldest rows (the longest waiting
// escalations, the first parked webhooks) and counted a page. Pages are followed to the end, up to MAX_PAGES; beyond,
// `more` says so.
const MAX_PAGES = 20;
export const allPages = (path, cursor, items, pages) => {
  var query = `${path}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  return api('GET', query).then((list) => {
    var all = (items || []).concat(list.items);
    if (!list.nextCursor) return { items: all, more: false };
    if ((pages || 0) + 1 >= MAX_PAGES) return { items: all, more: true };
    return allPages(path, list.nextCursor, all, (pages || 0) + 1);
  });
};

export const money = (cents, currency) => {
  return `${(cents / 100).toFixed(2)} ${currency}`;
};

/** Remembers the key typed for this tab. */
export const rememberKey = (typed) => {
  sessionStorage.setItem(KEY, typed);
};
