import { condition, log, setHandler } from '@temporalio/workflow';
import { isFinalOrderStage, isFinalShipmentStage, isWithCarrier, SHIPMENT_STAGE_WORDS } from '../../domain/lifecycle';
import { CANCEL_ORDER_REQUEST, CHANGE_ADDRESS_REQUEST, RESTOCKED_SIGNAL, SHIPMENT_MILESTONE_SIGNAL } from '../../domain/message-shapes';
import type { ShipmentMilestone } from '../../domain/milestones';
import type { Address } from '../../domain/order';
import { sameAddress } from '../../domain/same-address';
import { bookkeeping, summarised } from '../activity-options';
import {
  cancelOrderUpdate,
  cancelShipmentSignal,
  changeAddressUpdate,
  orderStatusQuery,
  restockedSignal,
  searchAttributes,
  shipmentAddressChangedSignal,
  shipmentMilestoneSignal,
} from '../definitions';
import { CANCEL_REQUEST_REASON, outsideCancelledScope } from '../shared/cancel-request';
import { refuse, refuseAs } from '../shared/failures';
import { LATER_PATCHES, takesLater } from '../shared/generation';
import { guardedSignal, MILESTONE_TEXT_BOUNDED, refuseMalformed } from '../shared/message-guards';
import type { OrderJourney } from './order';
import { terminatedRefusal } from './terminated-shipment';

/**
 * What the order answers: its status query, restocks, its shipments' milestones, and the cancel and
 * address-change updates, each checked for its shape (shared/message-guards.ts), then validated against
 * what the order knows (a parcel the carrier has can no longer be called back).
 */
export function answerMessages(o: OrderJourney): void {
  const { orderId } = o.input;
  setHandler(orderStatusQuery, () => o.view());
  const dropped = (note: string) => o.timeline.note('note', 'message ignored', note);
  guardedSignal(
    restockedSignal,
    RESTOCKED_SIGNAL,
    (restock) => {
      o.restocks += 1;
      if (restock.expected !== true) o.restocksReceived += 1;
    },
    dropped,
  );
  guardedSignal(shipmentMilestoneSignal, SHIPMENT_MILESTONE_SIGNAL, (m) => heardFromShipment(o, m), dropped, [MILESTONE_TEXT_BOUNDED]);

  setHandler(
    cancelOrderUpdate,
    ({ reason }) =>
      outsideCancelledScope(async () => {
        await callOff(o, reason);
        await condition(() => isFinalOrderStage(o.stage) || o.cancelOvertaken !== undefined);
        if (!isFinalOrderStage(o.stage) && o.cancelOvertaken !== undefined) refuse(o.cancelOvertaken);
        return o.view();
      }),
    {
      validator: (request) => {
        refuseMalformed(cancelOrderUpdate.name, CANCEL_ORDER_REQUEST, request);
        const refusal = cancelRefusal(o);
        if (refusal !== undefined) refuse(refusal);
      },
    },
  );

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

/**
 * Ops cancelled the order from Temporal itself (workflows/shared/cancel-request.ts): the API's cancel when
 * the API would take it, else a refusal in the timeline and the journey goes on.
 */
export async function takeCancelRequest(o: OrderJourney): Promise<void> {
  const refusal = cancelRefusal(o);
  if (refusal !== undefined) {
    o.timeline.note('note', 'cancellation in Temporal refused', refusal);
    return;
  }
  try {
    await callOff(o, CANCEL_REQUEST_REASON);
  } catch (error) {
    // A shipment that ended meanwhile cannot be signalled: it has nothing left to call off.
    log.warn('a shipment could not be told to stop', { orderId: o.input.orderId, error: String(error) });
  }
}

/** Why the order can no longer be cancelled; undefined when it can. */
function cancelRefusal(o: OrderJourney): string | undefined {
  const { orderId } = o.input;
  const closed = closedRefusal(o, 'already being cancelled');
  if (closed !== undefined) return closed;
  const gone = withCarrier(o);
  if (gone.length === 0) return undefined;
  return (
    `order ${orderId} cannot be cancelled: shipment ${gone.map((s) => `${s.shipmentId} is ${SHIPMENT_STAGE_WORDS[s.stage].label}`).join(', ')}; ` +
    'the carrier already has it (ask for a return instead)'
  );
}

/** The order's cancel: its reason, its timeline, and every shipment not yet ended told to stop. */
async function callOff(o: OrderJourney, reason: string): Promise<void> {
  o.cancelReason = reason;
  o.cancelOvertaken = undefined;
  o.timeline.note('note', 'cancellation requested', reason);
  for (const [, child] of pendingChildren(o)) await child.signal(cancelShipmentSignal, { reason });
}

/**
 * A parcel reached the carrier while the order's cancel was on its way to its shipment: the validator took the cancel
 * before this milestone arrived, and the shipment, already dispatched, ignores it (shipment/tracking.ts). The order
 * is not being cancelled after all: it says so in its timeline, answers the cancel's caller with the refusal, and
 * takes cancels and address changes again (refused by the carrier's hold, not by a cancel that will never come).
 * Shipments not yet with the carrier were told to stop and still do.
 */
function cancelOvertaken(o: OrderJourney, shipmentId: string): void {
  const others = o.shipments.size > 1 ? '; the shipments not yet with the carrier are still called off' : '';
  const why =
    `order ${o.input.orderId} cannot be cancelled: shipment ${shipmentId} reached the carrier before the cancellation did; ` +
    `the carrier already has it (ask for a return instead)${others}`;
  o.cancelReason = undefined;
  o.cancelOvertaken = why;
  o.timeline.note('note', 'cancellation overtaken by the carrier', why);
}

function closedRefusal(o: OrderJourney, what: string): string | undefined {
  const { orderId } = o.input;
  if (isFinalOrderStage(o.stage)) return `order ${orderId} is already ${o.stage}`;
  if (o.cancelReason !== undefined) return `order ${orderId} is ${what}`;
  return terminatedRefusal(o);
}

// A parcel given up and re-shipped no longer binds the order: its replacement may still be cancelled or re-addressed.
function withCarrier(o: OrderJourney) {
  return [...o.shipments.values()].filter((s) => isWithCarrier(s.stage) && s.replacedBy === undefined);
}

function pendingChildren(o: OrderJourney) {
  return [...o.children].filter(([shipmentId]) => {
    const s = o.shipments.get(shipmentId);
    return !(s && isFinalShipmentStage(s.stage));
  });
}

/** A shipment's milestone: what the order shows of it, its Escalated and Carrier attributes, its current details. */
async function heardFromShipment(o: OrderJourney, milestone: ShipmentMilestone): Promise<void> {
  const shipment = o.shipments.get(milestone.shipmentId);
  if (!shipment) return;
  switch (milestone.kind) {
    case 'dispatched': {
      Object.assign(shipment, { stage: 'in_transit', carrierCode: milestone.carrierCode, trackingNumber: milestone.trackingNumber });
      const carriers = [...new Set([...o.shipments.values()].flatMap((s) => (s.carrierCode ? [s.carrierCode] : [])))];
      // Published with the order's next upsert (its end, or an escalation): the shipments carry theirs from booking.
      o.searchAttributes.set({ key: searchAttributes.carrier, value: carriers });
      if (o.cancelReason !== undefined && !isFinalOrderStage(o.stage) && takesLater(LATER_PATCHES.cancelOvertakenByCarrier))
        cancelOvertaken(o, shipment.shipmentId);
      break;
    }
    case 'address_answered':
      // Kept only while an address change waits for it (addressReachedTheParcels).
      o.addressAnswers?.set(shipment.shipmentId, milestone.taken);
      break;
    case 'escalated':
    case 'escalation_closed': {
      const i = shipment.escalations.findIndex((e) => e.escalationId === milestone.escalation.escalationId);
      if (i >= 0) shipment.escalations[i] = milestone.escalation;
      else shipment.escalations.push(milestone.escalation);
      o.publishEscalated();
      o.showDetails();
      break;
    }
    case 'repromised': {
      shipment.promisedBy = milestone.promisedBy;
      // Only ever later: two shipments re-promising at once leave the order on the later date.
      if (Date.parse(milestone.promisedBy) <= Date.parse(o.promisedBy)) break;
      const previousPromisedBy = o.promisedBy;
      o.promisedBy = milestone.promisedBy;
      o.timeline.note(
        'note',
        `re-promised: ${milestone.promisedBy.slice(0, 16).replace('T', ' ')}`,
        `${milestone.wording} (was ${previousPromisedBy.slice(0, 16).replace('T', ' ')})`,
      );
      o.searchAttributes.set({ key: searchAttributes.promisedBy, value: new Date(milestone.promisedBy) });
      // Ops search by it in the Web UI: the date the order view shows, now, not at the order's next upsert (its end).
      if (takesLater(LATER_PATCHES.repromisePublishesPromisedBy)) o.searchAttributes.publish();
      await o.onMilestone({
        kind: 'repromised',
        orderId: o.input.orderId,
        previousPromisedBy,
        promisedBy: milestone.promisedBy,
        reason: milestone.reason,
        wording: milestone.wording,
      });
      break;
    }
    default:
      break;
  }
}
