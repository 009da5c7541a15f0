import { carrier } from '../../../workflows/activity-options';

/**
 * One tracking poll through the carrier activities' own options (CARRIER_COMMAND in workflows/activity-options.ts):
 * for tests of how that retry policy meets a carrier's answers, without a whole shipment journey around it.
 */
export async function pollTrackingOnce(input: { carrierCode: string; trackingNumber: string }) {
  return carrier.pollTracking(input);
}
