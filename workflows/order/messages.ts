import { condition, log, setHandler } from '@temporalio/workflow';
import { isFinalOrderStage, SHIPMENT_STAGE_WORDS } from '../../domain/lifecycle';
import { CANCEL_ORDER_REQUEST, RESTOCKED_SIGNAL, SHIPMENT_MILESTONE_SIGNAL } from '../../domain/message-shapes';
import type { ShipmentMilestone } from '../../domain/milestones';
import {
  cancelOrderUpdate,
  cancelShipmentSignal,
  orderStatusQuery,
  restockedSignal,
  searchAttributes,
  shipmentMilestoneSignal,
} from '../definitions';
import { CANCEL_REQUEST_REASON, outsideCancelledScope } from '../shared/cancel-request';
import { refuse } from '../shared/failures';
import { LATER_PATCHES, takesLater } from '../shared/generation';
import { guardedSignal, MILESTONE_TEXT_BOUNDED, refuseMalformed } from '../shared/message-guards';
import type { OrderJourney } from './order';
import { answerAddressChange } from './address-change';
import { closedRefusal, pendingChildren, withCarrier } from './refusals';

/**
 * What the order answers: its status query, restocks, its shipments' milestones, and the cancel and
 * address-change updates (address-change.ts), each checked for its shape (shared/message-guards.ts), then validated
 * against what the order knows (a parcel the carrier has can no longer be called back).
 */
export function answerMessages(o: OrderJourney): void {
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
  answerAddressChange(o);
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
