import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/ports';
import { baseEnv, RunningEntry, runEntry } from '../support/entry-points';
import type { CaughtMail } from '../support/mailbox';

/**
 * Issue 13's "done means", as a user meets it: `npm start` with a shop webhook endpoint named by
 * COLIS_SHOP_WEBHOOK_URL + COLIS_SHOP_WEBHOOK_SECRET, that endpoint being `npm run webhook-receiver`,
 * then `npm run demo`. The inbox `npm start` runs shows each demo customer's mails in their language
 * (French to France, English elsewhere), once per milestone, signed with the demo shop's name; the
 * receiver checks every event's Standard Webhooks signature and its order within the order.
 */

const START_TIMEOUT_MS = 240_000;
// A delivery at 1440× takes a few minutes of real time, longer on a loaded machine or over a weekend of the business calendar.
const WAIT_MS = 420_000;
const dataDir = mkdtempSync(join(tmpdir(), 'colis-demo-path-'));
const secret = `whsec_${randomBytes(32).toString('base64')}`;
const running: RunningEntry[] = [];
const clusterHomes = new Set<string>();
let receiver: RunningEntry;
let colis: RunningEntry;
let apiUrl = '';
let inboxUrl = '';

/** The demo's seven customers (scripts/demo.ts), the address their mails go to, and the language they read. */
const CUSTOMERS = [
  { email: 'camille@example.com', locale: 'fr' },
  { email: 'lucas@example.com', locale: 'fr' },
  { email: 'emma@example.com', locale: 'en' },
  { email: 'hugo@example.com', locale: 'fr' },
  { email: 'lucia@example.com', locale: 'en' },
  { email: 'lea@example.com', locale: 'fr' },
  { email: 'noah@example.com', locale: 'en' },
] as const;

beforeAll(async () => {
  const receiverPort = await freePort();
  receiver = RunningEntry.start('scripts/shop-webhook-receiver.ts', baseEnv(), [secret, String(receiverPort)]);
  running.push(receiver);
  await receiver.waitFor(/shop webhook receiver on/, 60_000);

  const ports = {
    COLIS_PG_PORT: String(await freePort()),
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    COLIS_API_PORT: String(await freePort()),
    COLIS_TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
    COLIS_MAILDEV_SMTP_PORT: String(await freePort()),
    COLIS_MAILDEV_WEB_PORT: String(await freePort()),
  };
  colis = RunningEntry.start(
    'scripts/start.ts',
    baseEnv({
      COLIS_DATA_DIR: dataDir,
      COLIS_LOG_LEVEL: 'warn',
      COLIS_SHOP_WEBHOOK_URL: `http://127.0.0.1:${receiverPort}/`,
      COLIS_SHOP_WEBHOOK_SECRET: secret,
      ...ports,
    }),
  );
  running.push(colis);
  await colis.waitFor(/Colis is running/, START_TIMEOUT_MS);
  const cluster = /cluster in (\S+)/.exec(colis.stdout)?.[1];
  if (cluster) clusterHomes.add(join(cluster, '..'));
  apiUrl = `http://127.0.0.1:${ports.COLIS_API_PORT}`;
  inboxUrl = /mail inbox\s+(\S+)/.exec(colis.stdout)?.[1] ?? '';
}, START_TIMEOUT_MS + 90_000);

afterAll(async () => {
  colis?.signalGroup('SIGINT');
  await colis?.endWithin(60_000);
  for (const entry of running) entry.signalGroup('SIGKILL');
  for (const home of clusterHomes) if (home.startsWith('/var/tmp/')) rmSync(home, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}, 90_000);

async function inbox(): Promise<CaughtMail[]> {
  const response = await fetch(`${inboxUrl}/api/email`);
  if (!response.ok) throw new Error(`MailDev answered HTTP ${response.status}`);
  return (await response.json()) as CaughtMail[];
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The receiver's lines (`<order> #<n> <type> (signature ok, in order)`) of one order. */
function eventsOf(orderId: string): { sequence: number; type: string; verdict: string }[] {
  return receiver.stdout.split('\n').flatMap((line) => {
    const match = /^(\S+) #(\d+) (\S+) \(signature ok, (.+)\)$/.exec(line);
    return match && match[1] === orderId ? [{ sequence: Number(match[2]), type: match[3] ?? '', verdict: match[4] ?? '' }] : [];
  });
}

describe('npm start, then npm run demo', () => {
  it(
    "the inbox shows each demo customer's mails in their language, once per milestone; the webhook receiver gets every order's events signed and in order",
    async () => {
      const demo = await runEntry('scripts/demo.ts', baseEnv({ COLIS_API_URL: apiUrl, DEMO_ORDERS: String(CUSTOMERS.length) }), 120_000);
      expect(demo.code, `${demo.stdout}\n${demo.stderr}`).toBe(0);
      const orderIds = [...demo.stdout.matchAll(/^order \d+: (\S+)/gm)].map((m) => m[1] ?? '');
      expect(orderIds).toHaveLength(CUSTOMERS.length);

      // Every customer has their confirmation; every order the shop heard was shipped has its shipped mail; a parcel is delivered.
      const mails = await eventually('confirmations, shipped mails for the parcels the shop heard of, a delivery', async () => {
        const all = await inbox();
        const sent = (orderId: string, milestone: string) =>
          all.some((m) => m.headers['x-colis-order'] === orderId && m.headers['x-colis-milestone'] === milestone);
        const confirmed = orderIds.every((id) => sent(id, 'order_confirmed'));
        const shipped = orderIds.filter((id) => eventsOf(id).some((e) => e.type === 'shipment.shipped'));
        const told = shipped.length > 0 && shipped.every((id) => sent(id, 'shipped'));
        return confirmed && told && orderIds.some((id) => sent(id, 'delivered')) ? all : undefined;
      });
      for (const { email, locale } of CUSTOMERS) {
        const theirs = mails.filter((m) => m.to.some((t) => t.address === email));
        expect(
          theirs.map((m) => m.headers['content-language']),
          email,
        ).toEqual(theirs.map(() => locale));
        for (const mail of theirs) {
          // The shop's name, then the language's own punctuation: a split order's parcel ("a parcel of your order…") and a
          // new date ("a new delivery date…") are mails of the demo too, depending on the stock and the hour it runs at.
          expect(mail.subject, email).toMatch(locale === 'fr' ? /^Maison Colis \(démo\) : [a-zé]/ : /^Maison Colis \(démo\): [a-z]/);
          expect(mail.subject, email).toMatch(locale === 'fr' ? /\b(votre|vos|commande|colis|retour)\b/ : /\b(your|order|parcel|return)\b/);
          expect(mail.text.length).toBeGreaterThan(0);
          expect(mail.html).toContain('<');
        }
        // One confirmation per order (each demo customer has one order here), whatever the relay retried.
        expect(
          theirs.filter((m) => m.headers['x-colis-milestone'] === 'order_confirmed'),
          email,
        ).toHaveLength(1);
      }

      // Every order's events reached the receiver, verified, numbered from 1 without a gap or a repeat.
      await eventually("every demo order's events at the receiver", async () =>
        orderIds.every((id) => eventsOf(id).length >= 2) ? true : undefined,
      );
      expect(receiver.stdout).not.toMatch(/REFUSED/);
      for (const orderId of orderIds) {
        const events = eventsOf(orderId);
        expect(events[0]?.type, orderId).toBe('order.accepted');
        expect(
          events.map((e) => e.sequence),
          orderId,
        ).toEqual(events.map((_, i) => i + 1));
        expect(events.every((e) => e.verdict === 'in order')).toBe(true);
      }
      expect(colis.stdout).toContain(`shop webhooks  http://127.0.0.1:`);
    },
    WAIT_MS + 180_000,
  );

  it('with a key the API does not know, stops at the first order saying which key to set', async () => {
    const demo = await runEntry(
      'scripts/demo.ts',
      baseEnv({ COLIS_API_URL: apiUrl, COLIS_INTAKE_KEY: 'not-a-key-of-this-api', DEMO_ORDERS: '5' }),
      60_000,
    );
    expect(demo.code).toBe(1);
    expect(demo.stdout).not.toMatch(/^order \d+:/m);
    expect(demo.stderr.trim().split('\n')).toHaveLength(1);
    expect(demo.stderr).toMatch(/refused the intake key \(HTTP 401: .*\); set COLIS_INTAKE_KEY to an intake key of this API/);
    expect(demo.stderr).not.toContain('not-a-key-of-this-api');
  });
});
