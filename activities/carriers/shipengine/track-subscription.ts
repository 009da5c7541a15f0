import { z } from 'zod';
import type { ShipEngineHttp } from './http';

/**
 * Points the ShipEngine account's `track` webhook at Colis, once per account: the event is
 * account-wide (every tracked parcel's updates go to one URL), so this is an operator's step, not
 * a per-label one. Idempotent: an existing `track` webhook with the URL is kept, one with another
 * URL is moved to it, none is created.
 */

const WebhookSchema = z.looseObject({ webhook_id: z.string(), url: z.string().nullish(), event: z.string().nullish() });

export type TrackSubscription = { action: 'kept' | 'moved' | 'created'; webhookId: string };

/** The name errors carry: this call belongs to the account, not to one carrier code. */
const ACCOUNT = 'shipengine';

export async function subscribeTrackWebhook(http: ShipEngineHttp, url: string): Promise<TrackSubscription> {
  const existing = await http.call(ACCOUNT, {
    operation: 'webhook list',
    method: 'GET',
    path: '/v1/environment/webhooks',
    answer: z.array(WebhookSchema),
  });
  const track = existing.filter((webhook) => webhook.event === 'track');
  const same = track.find((webhook) => webhook.url === url);
  if (same) return { action: 'kept', webhookId: same.webhook_id };
  const other = track[0];
  if (other) {
    await http.call(ACCOUNT, {
      operation: 'webhook update',
      method: 'PUT',
      path: `/v1/environment/webhooks/${encodeURIComponent(other.webhook_id)}`,
      body: { url },
      answer: z.unknown(),
      notFound: 'invalid_request',
    });
    return { action: 'moved', webhookId: other.webhook_id };
  }
  const created = await http.call(ACCOUNT, {
    operation: 'webhook creation',
    method: 'POST',
    path: '/v1/environment/webhooks',
    body: { event: 'track', url },
    answer: WebhookSchema,
  });
  return { action: 'created', webhookId: created.webhook_id };
}
