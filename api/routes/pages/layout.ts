/** The pages' one HTML frame: no framework, one stylesheet inline (the CSP allows inline styles), scripts only from /ops/assets. */

export const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

// Text others wrote (notes, details, a shop's error) may hold no space at all (a pasted URL): `.free` cells, the
// timeline and the facts break it anywhere, or one such note widened a page to thousands of pixels, its buttons off screen.
// A textarea takes its card's width, not its 60 columns: on a phone the return form's comment ran off the page.
// The ops header wraps on a narrow screen: as one row, on a phone its links and the key field ran past its dark band, white
// on the page's near-white background, and the page scrolled sideways to reach "Use key". A table of many columns (the
// returns) scrolls in its own box on a phone: the page keeps the screen's width.
const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#0f172a;background:#f8fafc}
header{display:flex;flex-wrap:wrap;align-items:center;gap:8px 24px;padding:12px 24px;background:#0f172a;color:#fff}
header a{color:#cbd5e1;text-decoration:none;font-weight:600}header a[aria-current=page]{color:#fff;border-bottom:2px solid #fb923c}
header .brand{font-weight:800;font-size:18px;color:#fff;margin-right:12px}
main{padding:20px 24px;max-width:1760px}
h1{font-size:22px;margin:0 0 12px}
.toolbar{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin-bottom:14px}
button,select,input,textarea{font:inherit;padding:6px 12px;border-radius:8px;border:1px solid #94a3b8;background:#fff}textarea{width:100%}select{max-width:100%}
button{cursor:pointer;font-weight:600}button.primary{background:#0f172a;color:#fff;border-color:#0f172a}
button.decision{margin:2px 4px 2px 0}button.decision:hover{background:#fff7ed;border-color:#ea580c}
button:disabled{opacity:.5;cursor:default}button.danger{background:#b91c1c;color:#fff;border-color:#b91c1c}.confirm{display:inline-flex;flex-wrap:wrap;gap:6px;align-items:center}
#key-panel{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-left:auto;max-width:100%}#key-panel input{width:230px;max-width:100%}
.status{color:#475569}.error{color:#b91c1c;font-weight:600}
.erased-badge{display:inline-block;margin:0 0 12px;padding:4px 12px;border-radius:999px;border:1px solid #94a3b8;background:#f1f5f9;color:#334155;font-weight:700}.erased-badge[hidden]{display:none}
.chart{background:#fff;border:1px solid #e2e8f0;border-radius:12px;padding:8px;overflow:auto}.chart svg{width:100%;min-width:1100px;height:auto;display:block}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #e2e8f0;border-radius:12px}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #e2e8f0;vertical-align:top}th{background:#f1f5f9;font-size:13px;color:#334155}
.sev{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:700;background:#e2e8f0}
.sev-high,.sev-critical{background:#fee2e2;color:#991b1b}.sev-medium{background:#ffedd5;color:#9a3412}
.done{color:#047857;font-weight:700}
.claim{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:700;background:#e2e8f0}.claim-paid{background:#d1fae5;color:#065f46}.claim-refused{background:#fee2e2;color:#991b1b}.claim-submitted{background:#e0f2fe;color:#075985}
td.amount{white-space:nowrap;text-align:right}.confirm input{width:180px}
.card{background:#fff;border:1px solid #e2e8f0;border-radius:12px;padding:16px 20px;margin-bottom:16px}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:10px 24px}.facts div span{display:block;font-size:12px;color:#64748b;text-transform:uppercase;letter-spacing:.05em}
.correction p{margin:0 0 6px}.correction+.correction{margin-top:14px}td.given{color:#64748b;text-decoration:line-through}td.corrected{font-weight:600}
ol.timeline{list-style:none;padding:0;margin:0}ol.timeline li{padding:8px 0 8px 18px;border-left:3px solid #cbd5e1;margin-left:6px;position:relative}
ol.timeline li::before{content:"";position:absolute;left:-8px;top:13px;width:13px;height:13px;border-radius:50%;background:#fff;border:3px solid #64748b}
ol.timeline li.escalation::before{border-color:#ea580c}ol.timeline li.tracking::before{border-color:#2563eb}
ol.timeline time{color:#64748b;font-size:13px;margin-right:8px}
.facts small{display:block;margin-top:2px;color:#475569}
ol.timeline li,.facts div,td.free{overflow-wrap:anywhere}.facts div{min-width:0}
td small{color:#64748b}.scroll{overflow-x:auto;max-width:100%}.scroll>table{min-width:720px}.scroll td.free{min-width:10em}tr.picked td{background:#fff7ed}
.customer main{max-width:760px;margin:0 auto}.facts div span.big{font-size:28px;font-weight:800;color:#0f172a;text-transform:none;letter-spacing:0}
`;

export function page(options: {
  title: string;
  body: string;
  nav?: 'ops' | 'escalations' | 'order' | 'webhooks' | 'returns' | 'claims' | 'stock';
  script?: boolean;
  pageId?: string;
  /** A customer's page; its language and header words when not English (domain/tracking-page-words.ts). */
  customer?: boolean | { lang: string; header: string };
}): string {
  const words = typeof options.customer === 'object' ? options.customer : { lang: 'en', header: 'Your order' };
  const nav = options.customer
    ? `<header><span class="brand">Colis</span><span>${escapeHtml(words.header)}</span></header>`
    : `<header><span class="brand">Colis ops</span>` +
      `<a href="/ops"${options.nav === 'ops' ? ' aria-current="page"' : ''}>Process</a>` +
      `<a href="/ops/escalations"${options.nav === 'escalations' ? ' aria-current="page"' : ''}>Escalations</a>` +
      `<a href="/ops/webhooks"${options.nav === 'webhooks' ? ' aria-current="page"' : ''}>Webhooks</a>` +
      `<a href="/ops/returns"${options.nav === 'returns' ? ' aria-current="page"' : ''}>Returns</a>` +
      `<a href="/ops/claims"${options.nav === 'claims' ? ' aria-current="page"' : ''}>Claims</a>` +
      `<a href="/ops/stock"${options.nav === 'stock' ? ' aria-current="page"' : ''}>Stock</a>` +
      `<form id="key-panel"><label for="ops-key">Ops key</label><input id="ops-key" type="password" autocomplete="off" placeholder="X-Api-Key (kept in this tab only)"><button class="primary" type="submit">Use key</button></form>` +
      `</header>`;
  return (
    `<!doctype html><html lang="${escapeHtml(words.lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(options.title)}</title><style>${STYLE}</style></head>` +
    `<body class="${options.customer ? 'customer' : 'ops'}"${options.pageId ? ` data-page="${options.pageId}"` : ''}>${nav}<main>${options.body}</main>` +
    (options.script ? '<script type="module" src="/ops/assets/ops.js"></script>' : '') +
    '</body></html>'
  );
}
