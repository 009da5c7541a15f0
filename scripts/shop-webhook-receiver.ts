import { createServer } from 'node:http';
import { verifyWebhook } from '../activities/notifications/webhook-signature';

/**
 * `npm run webhook-receiver`: a shop's webhook endpoint for trying Colis by hand. Listens on
 * http://127.0.0.1:$PORT/ (default 4000), checks every delivery's Standard Webhooks signature with
 * the secret in argv[2] (the same as COLIS_SHOP_WEBHOOK_SECRET) and prints one line per event:
 * order, sequence, type, whether the signature holds, and whether the order's events came in order.
 *
 *   COLIS_SHOP_WEBHOOK_URL=http://127.0.0.1:4000/ COLIS_SHOP_WEBHOOK_SECRET=whsec_… npm start
 *   npm run webhook-receiver -- whsec_…
 */

const secret = process.argv[2] ?? '';
if (!secret.startsWith('whsec_')) {
  process.stderr.write('usage: npm run webhook-receiver -- whsec_<the COLIS_SHOP_WEBHOOK_SECRET> [port]\n');
  process.exit(2);
}
const port = Number(process.argv[3] ?? 4000);
const lastSequence = new Map<string, number>();

createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const verified = verifyWebhook({
      id: String(request.headers['webhook-id'] ?? ''),
      timestampSeconds: Number(request.headers['webhook-timestamp']),
      body,
      signatureHeader: String(request.headers['webhook-signature'] ?? ''),
      secret,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    if (!verified) {
      process.stdout.write(`REFUSED ${request.headers['webhook-id']}: bad signature\n`);
      response.writeHead(401).end();
      return;
    }
    const event = JSON.parse(body) as { type: string; orderId: string; sequence: number };
    const previous = lastSequence.get(event.orderId) ?? 0;
    const order = event.sequence === previous + 1 ? 'in order' : event.sequence <= previous ? 'repeat' : `gap after ${previous}`;
    lastSequence.set(event.orderId, Math.max(previous, event.sequence));
    process.stdout.write(`${event.orderId} #${event.sequence} ${event.type} (signature ok, ${order})\n`);
    response.writeHead(204).end();
  });
}).listen(port, '127.0.0.1', () => process.stdout.write(`shop webhook receiver on http://127.0.0.1:${port}/\n`));
