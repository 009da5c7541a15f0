import { z } from 'zod';
import type { CarrierCode, CarrierTrackingEvent } from '../../../domain/carrier';
import { toTrackingEvents } from './requests';

/**
 * ShipEngine's `track` webhook: what it POSTs to the URL subscribed for the `track` event whenever a
 * tracked parcel's status changes — the tracking information of `GET /v1/tracking` under `data`.
 * Validated as received (strings, bounded), then read exactly as a poll's answer is, so a scan
 * learnt by webhook and the same scan learnt by polling carry the same event id.
 */

const text = (max: number) => z.string().max(max);

const TrackWebhookEventSchema = z.looseObject({
  occurred_at: z.string().min(1).max(40),
  description: text(500).nullish(),
  city_locality: text(200).nullish(),
  country_code: text(10).nullish(),
  event_code: text(50).nullish(),
});

export const ShipEngineTrackWebhookSchema = z
  .looseObject({
    resource_url: text(2048),
    resource_type: z.literal('API_TRACK', { error: 'only API_TRACK (the track event) is taken here' }),
    data: z.looseObject({
      tracking_number: z.string().trim().min(1).max(100),
      status_code: z.string().trim().min(1).max(10),
      carrier_code: text(64).nullish(),
      status_description: text(500).nullish(),
      actual_delivery_date: text(40).nullish(),
      events: z.array(TrackWebhookEventSchema).max(500).nullish(),
    }),
  })
  .meta({ id: 'ShipEngineTrackWebhook', description: "ShipEngine's track webhook payload (resource_type API_TRACK)" });
export type ShipEngineTrackWebhook = z.infer<typeof ShipEngineTrackWebhookSchema>;

/** The scan a track webhook reports for the Colis carrier `carrierCode` (the one whose label has this tracking number). */
export function scansOfTrackWebhook(carrierCode: CarrierCode, payload: ShipEngineTrackWebhook): CarrierTrackingEvent[] {
  return toTrackingEvents(carrierCode, payload.data);
}
