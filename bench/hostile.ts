import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { startMailCatcher } from '../scripts/maildev';
import { freePort } from '../scripts/lib/ports';
import { INSTANT_CLOCK } from './lib/clocks';
import { checkIntegrity, integrityProblems } from './lib/integrity';
import { orderRequest, waitForOrders } from './lib/orders';
import { postJson } from './lib/post-json';
import { INTAKE_KEY, type Stack, sleep, withStack } from './lib/stack';

/**
 * A hostile crash drill (not one of `npm run drill`'s): orders with customer mails and a shop webhook, returns with
 * their labels, while the worker, the API and PostgreSQL are killed -9 at random moments, over and over. Afterwards:
 * every order final, one label per shipment and per return, no mail twice (MailDev), no webhook event twice (a
 * receiver), no stock movement twice, and no 5xx answered to a request asked again.
 */

const ORDERS = Number(process.env.HOSTILE_ORDERS ?? 80);
const CHAOS_S = Number(process.env.HOSTILE_CHAOS_S ?? 60);
const SEED = Number(process.env.HOSTILE_SEED ?? Date.now() % 100000);
/** `term`: the worker is stopped as a deployment stops it (SIGTERM, its graceful shutdown), not killed -9. */
const WORKER_STOP = process.env.HOSTILE_WORKER_STOP === 'term' ? 'term' : 'kill9';
/** The processes the chaos hits (comma-separated among worker, api, postgres): all three unless said. */
const TARGETS = (process.env.HOSTILE_TARGETS ?? 'worker,api,postgres').split(',').map((t) => t.trim());
const unknownTargets = TARGETS.filter((t) => !['worker', 'api', 'postgres'].includes(t));
// A misspelt target would be drawn and hit nothing: the run would pass having killed less than it says.
if (unknownTargets.length > 0) throw new Error(`HOSTILE_TARGETS: ${unknownTargets.join(', ')} is not worker, api or postgres`);
let rnd = SEED;
const random = () => {
  rnd = (rnd * 1103515245 + 12345) % 2147483648;
  return rnd / 2147483648;
};

const smtpPort = await freePort();
const webPort = await freePort();
const mail = await startMailCatcher({ smtpPort, webPort, mailDirectory: `/tmp/hostile-mail-${process.pid}` });
const hookPort = await freePort();
const webhookHits: { id: string; body: string; at: number }[] = [];
const hooks = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (c: Buffer) => chunks.push(c));
  request.on('end', () => {
    webhookHits.push({ id: String(request.headers['webhook-id']), body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
    response.writeHead(204).end();
  });
});
await new Promise<void>((r) => hooks.listen(hookPort, '127.0.0.1', r));
const secret = `whsec_${randomBytes(32).toString('base64')}`;
const notifyEnv = {
  COLIS_SMTP_URL: mail.smtpUrl,
  COLIS_SHOP_WEBHOOK_URL: `http://127.0.0.1:${hookPort}/`,
  COLIS_SHOP_WEBHOOK_SECRET: secret,
};

const answers: { what: string; attempt: number; status: number; at: number }[] = [];
const log = (line: string) => process.stdout.write(`  [${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const post = (stack: Stack, path: string, body: unknown, key: string) => postJson(stack.apiUrl, path, INTAKE_KEY, body, key);

/** Asks until answered (0 or 5xx: again, same key); every answer recorded with its attempt number. */
async function askUntilAnswered(stack: Stack, what: string, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const key = randomUUID();
  for (let attempt = 1; ; attempt++) {
    const answer = await post(stack, path, body, key);
    answers.push({ what, attempt, status: answer.status, at: Date.now() });
    if (answer.status > 0 && answer.status < 500) return answer;
    if (attempt > 600) return answer;
    await sleep(200);
  }
}

await withStack({ timeScale: INSTANT_CLOCK, extraStock: 100_000, workerEnv: notifyEnv, apiEnv: notifyEnv }, async (stack) => {
  log(`stack in ${stack.dir}; seed ${SEED}; mail ${mail.webUrl}`);
  let chaosOn = true;
  const kills: string[] = [];
  const chaos = (async () => {
    const until = Date.now() + CHAOS_S * 1000;
    while (chaosOn && Date.now() < until) {
      await sleep(1500 + random() * 3500);
      const target = TARGETS[Math.floor(random() * TARGETS.length)];
      try {
        if (target === 'worker') {
          const pid = stack.worker?.pid;
          if (WORKER_STOP === 'term') await stack.worker?.stop();
          else await stack.worker?.kill9();
          kills.push('worker');
          log(`${WORKER_STOP === 'term' ? 'SIGTERM (graceful stop)' : 'kill -9'} worker ${pid}`);
          await stack.startWorker();
        } else if (target === 'api') {
          const pid = stack.api?.pid;
          await stack.api?.kill9();
          kills.push('api');
          log(`kill -9 api ${pid}`);
          await sleep(300);
          await stack.startApi();
        } else if (target === 'postgres') {
          kills.push('postgres');
          log('kill -9 postgres');
          await stack.restartPostgres(800, true);
        }
      } catch (error) {
        log(`chaos step failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    log(
      `chaos over: ${kills.length} kills (${JSON.stringify(Object.fromEntries([...new Set(kills)].map((k) => [k, kills.filter((x) => x === k).length])))})`,
    );
  })();

  // Intake under chaos.
  const orderIds: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      while (next < ORDERS) {
        const n = next++;
        const request = orderRequest('single', n);
        const body = { ...request, customer: { ...request.customer, email: `c${n}@example.com` } };
        const answer = await askUntilAnswered(stack, 'order', '/orders', body);
        const id = (answer.json as { orderId?: string } | undefined)?.orderId;
        if ((answer.status === 202 || answer.status === 200) && id) orderIds.push(id);
        else log(`order ${n} refused: ${answer.status} ${JSON.stringify(answer.json).slice(0, 300)}`);
        await sleep((random() * (CHAOS_S * 1000 * 6)) / ORDERS);
      }
    }),
  );
  log(`${orderIds.length} orders accepted`);

  // Returns under chaos: as soon as an order completes, its delivery is dated now (the instant clock would close the
  // 30-day window in 2.6 s) and a return is asked for.
  const returned = new Set<string>();
  const returnIds: string[] = [];
  const returnsUntil = Date.now() + CHAOS_S * 1000;
  while (Date.now() < returnsUntil && returned.size < orderIds.length / 2) {
    const done = await stack.db.order
      .findMany({ where: { id: { in: orderIds }, status: 'completed' }, select: { id: true } })
      .catch(() => []);
    const fresh = done.filter((o) => !returned.has(o.id)).slice(0, 4);
    await Promise.all(
      fresh.map(async (o) => {
        returned.add(o.id);
        for (let i = 0; i < 50; i++) {
          const dated = await stack.db.shipment
            .updateMany({ where: { orderId: o.id }, data: { deliveredAt: new Date() } })
            .then(() => true)
            .catch(() => false);
          if (dated) break;
          await sleep(200);
        }
        const answer = await askUntilAnswered(stack, 'return', `/orders/${o.id}/returns`, {
          lines: [{ sku: 'MUG-CER-350', quantity: 1 }],
          reason: 'no_longer_needed',
        });
        const rid = (answer.json as { returnId?: string } | undefined)?.returnId;
        if (rid) returnIds.push(rid);
        else log(`return of ${o.id}: ${answer.status} ${JSON.stringify(answer.json).slice(0, 300)}`);
      }),
    );
    await sleep(500);
  }
  chaosOn = false;
  await chaos;
  // Everything is up again: make sure of it.
  if (stack.worker?.child.exitCode !== null) await stack.startWorker();

  log('draining orders');
  const drained = await waitForOrders(stack, orderIds, 300_000);
  log(`orders drained: ${drained.done} ${JSON.stringify(drained.counts)}`);
  // Relays: wait until no mail or delivery is pending (leases of killed drains run 60 s).
  const until = Date.now() + 240_000;
  for (;;) {
    const [mails, deliveries, unlabeled] = await Promise.all([
      stack.db.customerMail.count({ where: { status: 'pending' } }),
      stack.db.webhookDelivery.count({ where: { status: 'pending' } }),
      stack.db.return.count({ where: { id: { in: returnIds }, status: { in: ['requested'] } } }).catch(() => -1),
    ]);
    if ((mails === 0 && deliveries === 0 && unlabeled <= 0) || Date.now() > until) {
      log(`pending mails ${mails}, deliveries ${deliveries}, returns requested ${unlabeled}`);
      break;
    }
    await sleep(2000);
  }
  await sleep(3000);
  await report(stack, orderIds, returnIds);
});
await mail.stop();
hooks.close();

async function report(stack: Stack, orderIds: string[], returnIds: string[]): Promise<void> {
  const problems: string[] = [];
  const integrity = await checkIntegrity(stack, orderIds);
  problems.push(...integrityProblems(integrity));
  log(`integrity ${JSON.stringify({ ...integrity, orderIdsNotCompleted: integrity.orderIdsNotCompleted.slice(0, 5) })}`);

  // 5xx or no answer to a request asked again, after the first.
  // 503 (with Retry-After) is the documented answer while a server is down; any other 5xx is a bug.
  const retried5xx = answers.filter((a) => a.status >= 500 && a.status !== 503);
  const byStatus: Record<string, number> = {};
  for (const a of answers)
    byStatus[`${a.what}:${a.attempt > 1 ? 'retry' : 'first'}:${a.status}`] =
      (byStatus[`${a.what}:${a.attempt > 1 ? 'retry' : 'first'}:${a.status}`] ?? 0) + 1;
  log(`answers ${JSON.stringify(byStatus)}`);
  if (retried5xx.length > 0) problems.push(`${retried5xx.length} 5xx answers other than 503`);

  // Mails: MailDev's inbox against the outbox.
  const inbox = (await (await fetch(`${mail.apiUrl}/email`)).json()) as { messageId?: string; headers: Record<string, string> }[];
  const byMessageId = new Map<string, number>();
  for (const m of inbox) {
    const id = m.headers['message-id'] ?? m.messageId ?? '?';
    byMessageId.set(id, (byMessageId.get(id) ?? 0) + 1);
  }
  const mailRows = await stack.db.customerMail.groupBy({ by: ['status'], _count: { _all: true } });
  const mailDupes = [...byMessageId.values()].filter((n) => n > 1).length;
  log(
    `mails: ${inbox.length} in MailDev, ${byMessageId.size} distinct Message-IDs, ${mailDupes} duplicated; outbox ${JSON.stringify(mailRows)}`,
  );
  if (mailDupes > 0) problems.push(`${mailDupes} mails received more than once (same Message-ID)`);
  const sentRows = await stack.db.customerMail.count({ where: { status: 'sent' } });
  if (byMessageId.size !== sentRows) problems.push(`${byMessageId.size} distinct mails received, ${sentRows} marked sent`);

  // Webhooks.
  const hookIds = new Map<string, number>();
  for (const h of webhookHits) hookIds.set(h.id, (hookIds.get(h.id) ?? 0) + 1);
  const hookDupes = [...hookIds.values()].filter((n) => n > 1).length;
  const events = await stack.db.webhookEvent.count();
  const deliveries = await stack.db.webhookDelivery.groupBy({ by: ['status'], _count: { _all: true } });
  log(
    `webhooks: ${webhookHits.length} posts, ${hookIds.size} distinct ids, ${hookDupes} posted more than once; ${events} events; deliveries ${JSON.stringify(deliveries)}`,
  );
  if (hookDupes > 0) problems.push(`${hookDupes} webhook events posted more than once (same webhook-id)`);
  // Each repeated event: when the receiver got it, against the attempts its delivery recorded (why it was sent again).
  for (const [id] of [...hookIds].filter(([, n]) => n > 1).slice(0, 10)) {
    const hits = webhookHits.filter((h) => h.id === id).map((h) => new Date(h.at).toISOString().slice(11, 23));
    const attempts = await stack.db.webhookAttempt.findMany({
      where: { delivery: { eventId: id } },
      orderBy: { attempt: 'asc' },
      select: { attempt: true, at: true, statusCode: true, error: true, durationMs: true },
    });
    log(
      `  repeated ${id}: received ${hits.join(', ')}; attempts ${attempts.map((a) => `#${a.attempt} ${a.at.toISOString().slice(11, 23)} ${a.statusCode ?? a.error?.slice(0, 60)} ${a.durationMs} ms`).join('; ')}`,
    );
  }
  if (hookIds.size !== events) problems.push(`${hookIds.size} distinct webhooks received for ${events} events`);
  // Order sequence per order, as a shop sees them.
  const seqs = new Map<string, number[]>();
  for (const h of webhookHits) {
    const e = JSON.parse(h.body) as { orderId: string; sequence: number };
    seqs.set(e.orderId, [...(seqs.get(e.orderId) ?? []), e.sequence]);
  }
  const outOfOrder = [...seqs.values()].filter((s) => s.some((v, i) => i > 0 && v < (s[i - 1] ?? 0))).length;
  log(`webhook orders with a sequence going back: ${outOfOrder}`);

  // Stock movements: one per (order, shipment, kind, warehouse, sku) expected for reservations and picks.
  const movementDupes = await stack.db.$queryRaw<{ orderId: string; kind: string; n: number }[]>`
    SELECT "orderId", "shipmentId", "kind"::text, "warehouseCode", "skuCode", COUNT(*)::int AS n FROM "InventoryMovement"
    WHERE "orderId" IS NOT NULL GROUP BY 1, 2, 3, 4, 5 HAVING COUNT(*) > 1`;
  const movementKinds = await stack.db.$queryRaw<{ kind: string; n: number }[]>`
    SELECT "kind"::text, COUNT(*)::int AS n FROM "InventoryMovement" WHERE "orderId" IS NOT NULL GROUP BY 1 ORDER BY 1`;
  log(
    `movements by kind ${JSON.stringify(movementKinds)}; (order, shipment, kind, level) with more than one: ${movementDupes.length} ${JSON.stringify(movementDupes.slice(0, 5))}`,
  );

  // Returns and their labels.
  const returns = await stack.db.return.groupBy({ by: ['status'], where: { id: { in: returnIds } }, _count: { _all: true } });
  log(`returns ${returnIds.length} (distinct ${new Set(returnIds).size}): ${JSON.stringify(returns)}`);
  const withLabel = await stack.db.return.count({ where: { id: { in: returnIds }, trackingNumber: { not: null } } });
  const snapshot = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(stack.simulatorStateFile, 'utf8'))) as {
    labels: { idempotencyKey: string; shipmentId: string; label: { trackingNumber: string } }[];
    carriers: Record<string, { labelsSold: number }>;
  };
  const returnKeys = new Map<string, number>();
  for (const l of snapshot.labels)
    if (l.idempotencyKey.startsWith('return:')) returnKeys.set(l.idempotencyKey, (returnKeys.get(l.idempotencyKey) ?? 0) + 1);
  const perShipment = new Map<string, number>();
  for (const l of snapshot.labels)
    if (!l.idempotencyKey.startsWith('return:')) perShipment.set(l.shipmentId, (perShipment.get(l.shipmentId) ?? 0) + 1);
  log(
    `return labels: ${withLabel} returns with a label in the database; carriers list ${[...returnKeys.values()].reduce((a, b) => a + b, 0)} return labels for ${returnKeys.size} returns; carrier books ${JSON.stringify(snapshot.carriers)}; all labels listed ${snapshot.labels.length}`,
  );
  if ([...returnKeys.values()].some((n) => n > 1)) problems.push('a return has several return labels at the carrier');
  // The carriers' counter counts return labels too.
  const soldProblem = problems.findIndex((p) => p.startsWith('carriers sold '));
  if (soldProblem >= 0 && integrity.carrierLabelsSold === integrity.shipments + returnKeys.size) problems.splice(soldProblem, 1);
  if (returnKeys.size !== withLabel) problems.push(`${returnKeys.size} return labels at the carriers, ${withLabel} in the database`);

  log(`logs kept in ${join(stack.dir, 'logs')}`);
  process.stdout.write(
    `\nVERDICT hostile: ${problems.length === 0 ? 'PASS' : 'FAIL'}${problems.length ? `\n  problems: ${problems.join('; ')}` : ''}\n`,
  );
}
