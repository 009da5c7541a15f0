import { condition, setHandler } from '@temporalio/workflow';
import { isFinalOrderStage, isFinalShipmentStage, isWithCarrier, SHIPMENT_STAGE_WORDS } from '../../domain/lifecycle';
import type { ShipmentMilestone } from '../../domain/milestones';
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
import { refuse } from '../shared/failures';
import type { OrderJourney } from './order';

/**
 * What the order answers: its status query, restocks, its shipments' milestones, and the cancel and
 * address-change updates, each validated against what the order knows (a parcel the carrier has can
 * no longer be called back).
 */
export function answerMessages(o: OrderJourney): void {
  const { orderId } = o.input;
  setHandler(orderStatusQuery, () => o.view());
  setHandler(restockedSignal, () => {
    o.restocks += 1;
  });
  setHandler(shipmentMilestoneSignal, (milestone) => heardFromShipment(o, milestone));

  // A parcel given up and re-shipped no longer binds the order: its replacement may still be cancelled or re-addressed.
  const withCarrier = () => [...o.shipments.values()].filter((s) => isWithCarrier(s.stage) && s.replacedBy === undefined);
  const refuseWhenClosed = (what: string) => {
    if (isFinalOrderStage(o.stage)) refuse(`order ${orderId} is already ${o.stage}`);
    if (o.cancelReason !== undefined) refuse(`order ${orderId} is ${what}`);
  };
  const pendingChildren = () =>
    [...o.children].filter(([shipmentId]) => {
      const s = o.shipments.get(shipmentId);
      return !(s && isFinalShipmentStage(s.stage));
    });

  setHandler(
    cancelOrderUpdate,
    async ({ reason }) => {
      o.cancelReason = reason;
      o.timeline.note('note', 'cancellation requested', reason);
      for (const [, child] of pendingChildren()) await child.signal(cancelShipmentSignal, { reason });
      await condition(() => isFinalOrderStage(o.stage));
      return o.view();
    },
    {
      validator: (_request) => {
        refuseWhenClosed('already being cancelled');
        const gone = withCarrier();
        if (gone.length > 0) {
          refuse(
            `order ${orderId} cannot be cancelled: shipment ${gone.map((s) => `${s.shipmentId} is ${SHIPMENT_STAGE_WORDS[s.stage].label}`).join(', ')}; ` +
              'the carrier already has it (ask for a return instead)',
          );
        }
      },
    },
  );

  setHandler(
    changeAddressUpdate,
    async ({ shipTo }) => {
      o.addressVersion += 1;
      await summarised(bookkeeping.changeShippingAddress, `Address version ${o.addressVersion}`, {
        orderId,
        version: o.addressVersion,
        address: shipTo,
      });
      o.shipTo = shipTo;
      o.timeline.note('note', 'shipping address changed', `${shipTo.city}, ${shipTo.countryCode}`);
      for (const [, child] of pendingChildren()) await child.signal(shipmentAddressChangedSignal, shipTo);
      return o.view();
    },
    {
      validator: (_request) => {
        refuseWhenClosed('being cancelled');
        const gone = withCarrier();
        if (gone.length > 0) {
          refuse(
            `the address of order ${orderId} can no longer change: shipment ${gone.map((s) => s.shipmentId).join(', ')} is already with the carrier`,
          );
        }
      },
    },
  );
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
      break;
    }
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
