import { setHandler } from '@temporalio/workflow';
import { ADDRESS, CANCEL_SHIPMENT_SIGNAL, TRACKING_EVENTS_SIGNAL, WAREHOUSE_AVAILABILITY_SIGNAL } from '../../domain/message-shapes';
import {
  cancelShipmentSignal,
  shipmentAddressChangedSignal,
  shipmentStatusQuery,
  trackingEventsSignal,
  warehouseAvailabilitySignal,
} from '../definitions';
import { LATER_PATCHES, takesLater } from '../shared/generation';
import { guardedSignal, SCAN_SCREENS } from '../shared/message-guards';
import type { ShipmentJourney } from './shipment';

/**
 * What the shipment answers: its status query, and the signals it only notes for the journey to act on —
 * carrier scans (the inbox tracking.ts drains), an address change, the order's cancel, a warehouse declared
 * down or up. Each is checked for its shape (shared/message-guards.ts); one without it is dropped with a note.
 */
export function answerMessages(s: ShipmentJourney): void {
  setHandler(shipmentStatusQuery, () => s.view);
  const dropped = (note: string) => s.timeline.note('note', 'message ignored', note);
  guardedSignal(
    trackingEventsSignal,
    TRACKING_EVENTS_SIGNAL,
    (batch) => {
      s.inbox.push(batch);
    },
    dropped,
    SCAN_SCREENS,
  );
  guardedSignal(
    shipmentAddressChangedSignal,
    ADDRESS,
    async (address) => {
      s.pendingAddress = address;
      // Asked only when an address change arrives: an ordinary shipment never meets the marker.
      if (!takesLater(LATER_PATCHES.addressOvertakenByCarrier)) return;
      s.addressOwed = true;
      // No label in hand: no carrier can hold the parcel, and it is booked to the new address — by the next booking, or,
      // for a label being bought right now to the old one, by tracking's re-booking on its first turn (a pickup scan
      // cannot come before the label it scans is even in hand).
      if (s.label === undefined) await s.answerAddress(true);
    },
    dropped,
  );
  guardedSignal(
    cancelShipmentSignal,
    CANCEL_SHIPMENT_SIGNAL,
    ({ reason }) => {
      s.cancelReason = reason;
    },
    dropped,
  );
  guardedSignal(
    warehouseAvailabilitySignal,
    WAREHOUSE_AVAILABILITY_SIGNAL,
    ({ warehouseCode, down, reason }) => {
      if (warehouseCode !== s.warehouseCode) return;
      if (down) s.warehouseDown ??= reason ?? `${warehouseCode} was declared down`;
      else s.warehouseUp = true;
    },
    dropped,
  );
}
