import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Db } from '../../activities/db';

/**
 * A shop's webhook endpoint on loopback, verifying every delivery with the `standardwebhooks`
 * library (an implementation of the convention independent of ours). It can be told to fail or to
 * answer slowly, as a dead or struggling endpoint would.
 */

export interface ReceivedWebhook {
  id: string;
  timestamp: number;
  signature: string;
  type: string;
  orderId: string;
  sequence: number;
  data: Record<string, unknown>;
  /** Whether the signature verified with the secret the test gave. */
  verified: boolean;
}

export interface ShopReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Deliveries refused with 500 or a status of `answer` (they do not land in `received`). */
  refused: number;
  /**
   * `ok` answers 204, `fail` 500, `slow` waits this many ms before 204; `answer` refuses with that status and, when given,
   * that `Retry-After` header (429 or 503 asking for a pause, 410 saying the endpoint is gone for good).
   */
  mode: 'ok' | 'fail' | { slowMs: number } | { answer: number; retryAfter?: string };
  secrets: string[];
  close(): Promise<void>;
}

export async function startShopReceiver(): Promise<ShopReceiver> {
  const receiver: Omit<ShopReceiver, 'url' | 'close'> = { received: [], refused: 0, mode: 'ok', secrets: [] };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(request.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
      };
      const mode = receiver.mode;
      if (mode === 'fail') {
        receiver.refused += 1;
        response.writeHead(500).end('down');
        return;
      }
      if (typeof mode === 'object' && 'answer' in mode) {
        receiver.refused += 1;
        response.writeHead(mode.answer, mode.retryAfter === undefined ? {} : { 'retry-after': mode.retryAfter }).end();
        return;
      }
      const verified = receiver.secrets.some((secret) => {
        try {
          new Webhook(secret).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      const payload = JSON.parse(body) as { type: string; orderId: string; sequence: number; data: Record<string, unknown> };
      const answer = () => {
        receiver.received.push({
          id: headers['webhook-id'],
          timestamp: Number(headers['webhook-timestamp']),
          signature: headers['webhook-signature'],
          type: payload.type,
          orderId: payload.orderId,
          sequence: payload.sequence,
          data: payload.data,
          verified,
        });
        response.writeHead(verified ? 204 : 401).end();
      };
      if (typeof mode === 'object' && 'slowMs' in mode) setTimeout(answer, mode.slowMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/colis-webhooks`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/**
 * A receiver subscribed to every shop's events, written straight to the database (for suites that run
 * no API): a fresh secret, which the receiver verifies with.
 */
export async function startSubscribedShopReceiver(db: Db, subscriptionId: string): Promise<ShopReceiver> {
  const receiver = await startShopReceiver();
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  receiver.secrets.push(secret);
  await db.webhookSubscription.create({ data: { id: subscriptionId, shopId: '*', url: receiver.url, secret } });
  return receiver;
}
