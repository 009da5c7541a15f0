import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEscalationActivities } from '../../activities/escalations';
import { insertNoCarrierEscalation } from '../api/fixtures';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * The page to ops' webhook (COLIS_ESCALATION_WEBHOOK_URL) goes to that URL only. Its summary may name the customer's
 * city ("no carrier quoted 1 parcel(s) to Lyon"): fetch followed a 307 and POSTed it again wherever the endpoint
 * pointed, 127.0.0.1 included, and counted the page delivered when that answered 200. A redirect is the endpoint's
 * answer, as it is for shop webhooks (activities/notifications/webhook-post.ts): recorded, and the page tried again.
 */
let database: TestDatabase;
let server: Server;
const hits: { path: string; body: string }[] = [];
let base = '';

beforeAll(async () => {
  database = await createTestDatabase();
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      hits.push({ path: request.url ?? '', body });
      if (request.url === '/page') {
        response.writeHead(307, { location: `${base}/inside` });
        response.end();
      } else response.end('reached inside');
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((closed) => server?.close(closed));
  await database?.drop();
});

describe('paging ops through a webhook that answers a redirect', () => {
  it('posts the page to the configured URL only, and records the 3xx as a failed attempt', async () => {
    const { db } = database;
    const { orderId, escalationId } = await insertNoCarrierEscalation(db);
    const activities = createEscalationActivities(db, { webhookUrl: `${base}/page` });
    const page = new MockActivityEnvironment().run(activities.notifyEscalation, {
      escalationId,
      dedupeKey: `${escalationId}:opened`,
      summary: `order ${orderId} no_carrier (high): no carrier quoted 1 parcel(s) to Lyon`,
    });

    await expect(page).rejects.toThrow(/HTTP 307/);
    expect(hits.map((h) => h.path)).toEqual(['/page']);
    const row = await db.notification.findUniqueOrThrow({ where: { dedupeKey: `${escalationId}:opened` } });
    expect(row).toMatchObject({ deliveredAt: null, lastError: 'HTTP 307' });
  });
});
