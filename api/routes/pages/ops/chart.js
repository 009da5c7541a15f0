import { api, fail, setStatus } from './common.js';

// ---- process chart -----------------------------------------------------------------------
export const loadChart = () => {
  var select = document.getElementById('window');
  var chart = document.getElementById('chart');
  var query = `window=${encodeURIComponent(select.value)}`;
  setStatus('Loading…');
  return api('GET', `/process.svg?${query}`).then((svg) => {
    // The SVG is our own server's drawing (every text escaped there), parsed as XML, not HTML.
    var doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
    chart.replaceChildren(document.importNode(doc.documentElement, true));
    chart.setAttribute('data-loaded', 'true');
    setStatus(`Updated ${new Date().toLocaleTimeString()} · refreshes every 15 s while shown`);
  }, fail);
};
