import { condition, setHandler } from '@temporalio/workflow';
import { MAX_ADDRESS_CHANGES } from '../../domain/address-changes';
import { isFinalShipmentStage } from '../../domain/lifecycle';
import { CHANGE_ADDRESS_REQUEST } from '../../domain/message-shapes';
import type { Address } from '../../domain/order';
import { sameAddress } from '../../domain/same-address';
import { bookkeeping, summarised } from '../activity-options';
import { changeAddressUpdate, shipmentAddressChangedSignal } from '../definitions';
import { outsideCancelledScope } from '../shared/cancel-request';
import { refuse, refuseAs } from '../shared/failures';
import { LATER_PATCHES, takesLater } from '../shared/generation';
import { refuseMalformed } from '../shared/message-guards';
import type { OrderJourney } from './order';
import { closedRefusal, pendingChildren, withCarrier } from './refusals';

/**
 * The order's address-change update: validated against what the order knows (the parcel with the carrier can no longer
 * be re-addressed; one change at a time; at most MAX_ADDRESS_CHANGES), then recorded and told to the shipments.
 */
export function answerAddressChange(o: OrderJourney): void {
  const { orderId } = o.input;
  setHandler(
    changeAddressUpdate,
    ({ shipTo }) =>
      outsideCancelledScope(async () => {
        o.addressChanging = true;
        try {
          return await changeAddress(o, shipTo);
        } finally {
          o.addressChanging = false;
        }
      }),
    {
      validator: (request) => {
        refuseMalformed(changeAddressUpdate.name, CHANGE_ADDRESS_REQUEST, request);
        const closed = closedRefusal(o, 'being cancelled');
        if (closed !== undefined) refuse(closed);
        const conflict = { orderId, attempted: 'change_address' };
        if (o.addressChanging || o.addressAnswers !== undefined)
          refuseAs('change_in_progress', `the address of order ${orderId} is already changing: try again once it is answered`, conflict);
        if (sameAddress(o.shipTo, request.shipTo))
          refuseAs('nothing_to_change', `order ${orderId} already ships to this address: no label voided or bought again`, conflict);
        // A change put back because the carrier had the parcel first counts too: it cost the same records and signals.
        if (o.addressVersion > MAX_ADDRESS_CHANGES)
          refuse(`the address of order ${orderId} has changed ${MAX_ADDRESS_CHANGES} times already, the most an order takes`);
        const gone = withCarrier(o);
        if (gone.length > 0) {
          refuse(
            `the address of order ${orderId} can no longer change: shipment ${gone.map((s) => s.shipmentId).join(', ')} is already with the carrier`,
          );
        }
      },
    },
  );
}

/**
 * Records the new address (its version in the order's row), tells the shipments still to reach the carrier, and, under
 * patch address-overtaken-by-carrier, waits for each to say whether its parcel took it.
 */
async function changeAddress(o: OrderJourney, shipTo: Address) {
  const { orderId } = o.input;
  const before = { shipTo: o.shipTo, version: o.addressVersion };
  o.addressVersion += 1;
  await summarised(bookkeeping.changeShippingAddress, `Address version ${o.addressVersion}`, {
    orderId,
    version: o.addressVersion,
    address: shipTo,
  });
  o.shipTo = shipTo;
  o.timeline.note('note', 'shipping address changed', `${shipTo.city}, ${shipTo.countryCode}`);
  const told = pendingChildren(o);
  // Answers are kept from here on: a shipment may answer before the last of its siblings is told.
  o.addressAnswers = new Map();
  for (const [, child] of told) await child.signal(shipmentAddressChangedSignal, shipTo);
  // Asked only when a shipment was told: an address change before any shipment exists meets no marker.
  if (told.length === 0 || !takesLater(LATER_PATCHES.addressOvertakenByCarrier)) {
    o.addressAnswers = undefined;
    return o.view();
  }
  await addressReachedTheParcels(
    o,
    told.map(([shipmentId]) => shipmentId),
    before,
  );
  return o.view();
}

/**
 * Waits for each shipment told of the address change to say whether it reached its parcel (shipment/tracking.ts), or to
 * end. A parcel the carrier collected while the change was on its way (the order had not heard its `dispatched`
 * milestone, so the validator took the change) travels to the address on its label: the order says so in its timeline
 * and refuses the update's caller. When no parcel took the new address, the address it travels to is put back (the
 * order's row points at its earlier version again, and the view shows it); when some did (a split order), the order
 * keeps the new one, and names the shipment that did not take it.
 */
async function addressReachedTheParcels(
  o: OrderJourney,
  told: readonly string[],
  before: { shipTo: Address; version: number },
): Promise<void> {
  const answers = o.addressAnswers ?? new Map<string, boolean>();
  // A shipment that ended (or was terminated in Temporal) without answering has no parcel on its way to re-address.
  const ended = (shipmentId: string) => {
    const shipment = o.shipments.get(shipmentId);
    return (shipment !== undefined && isFinalShipmentStage(shipment.stage)) || o.terminatedShipments.has(shipmentId);
  };
  await condition(() => told.every((shipmentId) => answers.has(shipmentId) || ended(shipmentId)));
  o.addressAnswers = undefined;
  const missed = told.filter((shipmentId) => answers.get(shipmentId) === false);
  if (missed.length === 0) return;
  const { orderId } = o.input;
  const old = `${before.shipTo.city}, ${before.shipTo.countryCode}`;
  const gone = `shipment ${missed.join(', ')} reached the carrier before the address change did and travels to ${old}`;
  const reached = told.filter((shipmentId) => answers.get(shipmentId) === true);
  let why: string;
  if (reached.length === 0) {
    await summarised(bookkeeping.changeShippingAddress, `Address version ${before.version} again`, {
      orderId,
      version: before.version,
      address: before.shipTo,
    });
    o.shipTo = before.shipTo;
    why = `the address of order ${orderId} did not change: ${gone} (ask the carrier to redirect it)`;
  } else {
    why = `the address of order ${orderId} changed for shipment ${reached.join(', ')} only: ${gone} ` + '(ask the carrier to redirect it)';
  }
  o.timeline.note('note', 'address change overtaken by the carrier', why);
  refuse(why);
}
