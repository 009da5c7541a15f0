import type { CarrierCode, CarrierTrackingEvent, TrackingWebhook } from '../../domain/carrier';
import { SIGNATURE_HEADER, signPayload } from '../../activities/carriers/signature';
import type { WebhookSink } from './webhook-dispatcher';

/**
 * Delivers simulated webhooks to the API as a carrier would: a signed JSON POST to
 * `<baseUrl>/carriers/<code>/webhooks`. Anything but a 2xx is a failure for the dispatcher to retry.
 */

export interface HttpWebhookSinkOptions {
  baseUrl: string;
  secretFor: (carrierCode: CarrierCode) => string;
  /**
   * Signing time. Wall clock by default even when the simulator runs on a skipping clock: the
   * signature dates the HTTP request, which the API checks against its own real clock.
   */
  now?: () => number;
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
}

export class HttpWebhookSink implements WebhookSink {
  private readonly baseUrl: string;

  constructor(private readonly options: HttpWebhookSinkOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async deliver(carrierCode: CarrierCode, events: CarrierTrackingEvent[]): Promise<void> {
    const payload: TrackingWebhook = { events };
    const body = JSON.stringify(payload);
    const now = this.options.now ?? Date.now;
    const send = this.options.fetch ?? fetch;
    const response = await send(`${this.baseUrl}/carriers/${encodeURIComponent(carrierCode)}/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signPayload(body, this.options.secretFor(carrierCode), now()),
      },
      body,
      signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 5000),
    });
    // Drain the body so the connection goes back to the pool.
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`webhook to ${carrierCode} endpoint answered ${response.status}`);
  }
}
