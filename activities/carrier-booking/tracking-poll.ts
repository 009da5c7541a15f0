import type { CarrierTrackingEvent } from '../../domain/carrier';
import { screenScans } from '../../domain/scan-screening';
import { parcelOfTrackingNumber, storeUnmappedScans } from '../unmapped-scans';
import { carrierCall, receivedNowMs } from './carrier-calls';
import type { CarrierActivityDeps } from './deps';

/** Asking the carrier where a parcel is. */
export function createPollingActivities({ db, carriers }: CarrierActivityDeps) {
  return {
    /** Polling, for carriers without webhooks and as the safety net when webhooks go missing. */
    pollTracking(input: { carrierCode: string; trackingNumber: string }): Promise<CarrierTrackingEvent[]> {
      return carrierCall(async () => {
        const polled = await carriers.get(input.carrierCode).track(input.trackingNumber);
        // The same screening as the webhook's: dated on receipt beyond the skew allowance, unmapped codes stored for ops.
        const { events, unmapped } = screenScans(polled, receivedNowMs());
        if (unmapped.length > 0) {
          // A shipment's parcel or a return parcel: the return workflow polls through this activity too.
          const owner = await parcelOfTrackingNumber(db, input.carrierCode, input.trackingNumber);
          if (owner) await storeUnmappedScans(db, { source: 'poll', events: unmapped, parcelOf: new Map([[input.trackingNumber, owner]]) });
        }
        // The workflow could not read them: stored here and listed for ops, as the webhook does.
        return events.filter((event) => !unmapped.includes(event));
      });
    },
  };
}
