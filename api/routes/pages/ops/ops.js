// The ops pages' entry script (served from /ops/assets/ops.js as an ES module, so the CSP needs no inline script).
// The ops key is typed once per tab, kept in sessionStorage and sent as X-Api-Key; it is never in the HTML.
// Each page's frame is filled by its own module; this one reads the key panel and loads the page it is on.
import { loadChart } from './chart.js';
import { loadClaims } from './claims.js';
import { api, fail, key, rememberKey, setStatus } from './common.js';
import { loadEscalations, loadScansAfterEnd, loadUnmapped } from './escalations.js';
import { loadOrder } from './order.js';
import { loadOlderReturns, loadReturns, showReturnsOrder } from './returns.js';
import { loadStock, watchAnnounceForm } from './stock.js';
import { loadWebhooks } from './webhooks.js';

const pageId = document.body.getAttribute('data-page');

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
    if (typed !== '') rememberKey(typed);
    input.value = '';
    input.placeholder = 'key set for this tab';
    // The same key lets this browser read decrypted payloads in the Temporal Web UI (an HttpOnly cookie for /codec).
    api('POST', '/codec/session').catch(fail);
    void load();
  });
}

const loadPage = () => {
  if (pageId === 'process') return loadChart();
  if (pageId === 'escalations') return Promise.all([loadEscalations(), loadUnmapped(), loadScansAfterEnd()]);
  if (pageId === 'webhooks') return loadWebhooks();
  if (pageId === 'returns') return loadReturns();
  if (pageId === 'claims') return loadClaims();
  if (pageId === 'stock') return loadStock();
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
  // Only a tab on screen polls: each poll is the chart's whole computation in PostgreSQL (a week's chart is ~0.45 s of
  // it at 2,000 orders a day, bench/RESULTS.md), and ops leave tabs open behind others. Shown again, it redraws at once.
  const onScreen = () => document.visibilityState === 'visible';
  setInterval(() => {
    if (key() && onScreen()) void loadChart();
  }, 15000);
  document.addEventListener('visibilitychange', () => {
    if (key() && onScreen()) void loadChart();
  });
}
if (pageId === 'claims') document.getElementById('claim-status').addEventListener('change', loadClaims);
if (pageId === 'returns') {
  showReturnsOrder();
  document.getElementById('return-status').addEventListener('change', loadReturns);
  document.getElementById('more-returns').addEventListener('click', loadOlderReturns);
}
if (pageId === 'stock') {
  document.getElementById('sku-filter').addEventListener('change', loadStock);
  watchAnnounceForm();
}
const refresh = document.getElementById('refresh');
if (refresh) refresh.addEventListener('click', load);
void load();
