import { join } from 'node:path';
import type { NotifyConfig } from '../../activities/notifications/config';
import { DEV_API_KEYS } from '../../api/config';
import { describeTarget } from '../../worker/temporal-config';
import type { RunningMailCatcher } from '../maildev';
import type { RunningPostgres } from '../postgres';
import type { Plan } from '../start-parts';

/** A URL as the banner shows it: a password or a query (a token) would go into every log that keeps the banner. */
function shownUrl(raw: string): string {
  const url = new URL(raw);
  if (url.password) url.password = '***';
  const query = url.search ? '?…' : '';
  url.search = '';
  return `${url.toString()}${query}`;
}

/** What the operator reads once everything runs: where each part is, and how to use it. */
export function runningBanner({
  plan,
  api,
  uiUrl,
  postgres,
  mailCatcher,
  customerNotify,
}: {
  plan: Plan;
  api: { url: string };
  uiUrl: string;
  postgres: RunningPostgres;
  mailCatcher: RunningMailCatcher | undefined;
  customerNotify: NotifyConfig;
}): string {
  const { config, target, cli, dataDir: dir } = plan;
  const timeScale = config.COLIS_TIME_SCALE;
  const keys = config.COLIS_API_KEYS
    ? '(from COLIS_API_KEYS)'
    : DEV_API_KEYS.filter((k) => k.role !== 'carrier')
        .map((k) => `${k.role}: ${k.key}`)
        .join(', ');
  const apiPort = new URL(api.url).port;
  const lines = [
    '',
    `Colis is running (pid ${process.pid})`,
    `  API            ${api.url}   (docs ${api.url}/docs, OpenAPI ${api.url}/openapi.json)`,
    `  ops pages      ${api.url}/ops   (escalations, webhooks, returns, claims, stock; enter the ops key in the header)`,
    `  Temporal UI    ${uiUrl}/namespaces/${target.namespace}/workflows`,
    `  decrypted UI   enter the ops key at http://localhost:${apiPort}/ops, then tick "Include cross-origin credentials"`,
    `                 in the Web UI's codec settings (endpoint http://localhost:${apiPort}/codec)`,
    `  Temporal       ${describeTarget(target)}${cli ? ` (dev server, ${join(dir, 'temporal', 'temporal.db')})` : ''}`,
    `  PostgreSQL     ${postgres.embedded ? `embedded, 127.0.0.1:${config.COLIS_PG_PORT}, ${postgres.dataDir}` : 'DATABASE_URL'}`,
    `  mail inbox     ${mailCatcher ? `${mailCatcher.webUrl}   (MailDev; SMTP ${mailCatcher.smtpUrl})` : 'COLIS_SMTP_URL (your relay)'}`,
    `  shop webhooks  ${customerNotify.envSubscription ? shownUrl(customerNotify.envSubscription.url) : 'none (COLIS_SHOP_WEBHOOK_URL, or POST /webhooks/subscriptions)'}`,
    `  time scale     ${timeScale} business seconds per second (COLIS_TIME_SCALE)`,
    `  API keys       ${keys}`,
    '  demo orders    npm run demo   (in another terminal)',
    '  stop           Ctrl-C',
    '',
  ];
  return `${lines.join('\n')}\n`;
}
