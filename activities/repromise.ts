import { type BusinessClock, deadlineToBusinessMs, toBusinessMs, toRealMs } from '../domain/business-clock';
import { timeZoneOf } from '../domain/calendar';
import { DEFAULT_DECISION_SETTINGS, type DecisionSettings } from '../domain/decision-rules';
import { DELIVERY_WINDOW_END_MINUTE, type Destination, type NetworkFacts, ShipmentCosting } from '../domain/fulfilment-plan';
import { localDay, localMinuteOfDay } from '../domain/local-time';
import { isFinalOrderStage } from '../domain/lifecycle';
import {
  REPROMISE_WHEN_ON_TIME_BELOW,
  REPROMISE_WORDING,
  type RepromiseReason,
  repromise,
  type ShipmentPosition,
} from '../domain/repromise';
import { currentBusinessClock } from './business-clock';
import type { Db } from './db';
import { asActivity } from './failures';
import { noRelayWaker, type RelayWaker, withMilestones } from './notifications/outbox';
import { promiseChangedMilestone } from './orders';
import type { PlanningFacts } from './planning-facts';

/**
 * Re-promise, never surprise: the journey calls this when it learns a shipment's promise is at risk (a
 * missed pick slot, a late scan, a stall, a re-ship, its warehouse down). It dates the shipment from where
 * it is now (domain/repromise.ts) and, when that is later than the promise in force, records the change
 * with its reason (PromiseChange), moves the order's and the shipment's promise and keeps the intake's
 * (Order.originalPromisedBy, Order.promise) for measuring. With `announce` (v3 shipments) the customer's
 * mail and the shop's webhook are written in the same transaction when the order's own date moved, and the
 * answer says whether it did (`orderMoved`: the shipment tells its order only then); v2 orders announce it
 * themselves (`announcePromiseChange`). Keyed by shipment, reason and new date: a retry records one change,
 * and a second call after it finds the promise already moved.
 */

export interface RepromiseRequest {
  orderId: string;
  shipmentId: string;
  reason: RepromiseReason;
  /** What the journey saw, for the timeline and ops (no personal data). */
  detail?: string;
  /** Workflow time: the shipment is dated on the orchestrator's clock, like its pick slot (absent: now). */
  nowMs?: number;
  /** Tell the customer and the shop when the order's date moves (v3); v2 orders announce it themselves. */
  announce?: boolean;
  /**
   * `not_out_for_delivery`: the carrier's round as the label has it (business hours before the delivery window closes).
   * The parcel counts as getting nothing more today only once the round has ended in the destination's local day: a
   * promise set for earlier in the day than the window's close (a shop's own `promisedBy`) is checked before it.
   */
  outForDeliveryByHours?: number;
}

export type RepromiseAnswer =
  | { changed: false; promisedBy: string }
  | {
      changed: true;
      previousPromisedBy: string;
      promisedBy: string;
      reason: RepromiseReason;
      wording: string;
      /** The order's own date moved with it (another shipment of the order may already promise later). */
      orderMoved: boolean;
    };

export function createRepromiseActivities(deps: { db: Db; facts: PlanningFacts; settings?: DecisionSettings; waker?: RelayWaker }) {
  const { db, facts } = deps;
  const waker = deps.waker ?? noRelayWaker;
  const settings = deps.settings ?? DEFAULT_DECISION_SETTINGS;
  return {
    repromiseShipment(input: RepromiseRequest): Promise<RepromiseAnswer> {
      return asActivity(async () => {
        const shipment = await db.shipment.findUniqueOrThrow({
          where: { id: input.shipmentId },
          select: {
            orderId: true,
            warehouseCode: true,
            carrierCode: true,
            serviceCode: true,
            shippedAt: true,
            deliveredAt: true,
            lines: { select: { orderLineId: true, skuCode: true, quantity: true } },
            order: {
              select: {
                status: true,
                promisedBy: true,
                shippingAddress: { select: { countryCode: true, postalCode: true, region: true } },
              },
            },
          },
        });
        const promisedBy = shipment.order.promisedBy;
        // The baseline rules never re-promise: they are what "surprise" looks like. An ended order has no date left to
        // move: a shipment run again after its order ended (`temporal workflow reset` of a closed shipment) tells no one.
        if (settings.rules === 'baseline' || shipment.deliveredAt || isFinalOrderStage(shipment.order.status))
          return { changed: false, promisedBy: promisedBy.toISOString() };

        const realNowMs = Date.now();
        const nowMs = input.nowMs ?? realNowMs;
        const [network, clock] = await Promise.all([facts.networkFacts(realNowMs), currentBusinessClock(db, realNowMs)]);
        const destination: Destination = shipment.order.shippingAddress;
        const position = await positionOf(shipment, input, { network, clock, destination, nowMs, facts });
        if (!position) return { changed: false, promisedBy: promisedBy.toISOString() };
        const decision = repromise(
          position,
          destination,
          deadlineToBusinessMs(clock, promisedBy.getTime()),
          { confidence: settings.promiseConfidence, horizonDays: 30 },
          // A scan that finds the parcel merely less sure than the promise was is no news for the customer.
          // A parcel checked before its round ended is judged as at a scan.
          input.reason === 'late_scan' || (input.reason === 'not_out_for_delivery' && !missedRound(position))
            ? REPROMISE_WHEN_ON_TIME_BELOW
            : undefined,
        );
        if (!decision.changed) return { changed: false, promisedBy: promisedBy.toISOString() };

        const newPromisedBy = new Date(toRealMs(clock, decision.promisedByMs));
        // Judged again in real time, what is stored: under a fast clock the promise in force, read back into business
        // time, can fall a few hundred ms short of the day's end it was set to, which the engine then calls later.
        // The same instant again is no change: nothing recorded, nobody told.
        if (newPromisedBy.getTime() <= promisedBy.getTime()) return { changed: false, promisedBy: promisedBy.toISOString() };
        const wording = REPROMISE_WORDING[input.reason];
        const orderMoved = await withMilestones(db, waker, async (tx) => {
          await tx.promiseChange.createMany({
            data: [
              {
                id: `${input.shipmentId}:${input.reason}:${newPromisedBy.toISOString()}`,
                orderId: shipment.orderId,
                shipmentId: input.shipmentId,
                reason: input.reason,
                detail: input.detail ?? null,
                oldPromisedBy: promisedBy,
                newPromisedBy,
              },
            ],
            skipDuplicates: true,
          });
          // Only later: a concurrent re-promise of another shipment of the order may have moved it further.
          const order = await tx.order.updateMany({
            where: { id: shipment.orderId, promisedBy: { lt: newPromisedBy } },
            data: { promisedBy: newPromisedBy },
          });
          await tx.shipment.updateMany({
            where: { id: input.shipmentId, promisedBy: { lt: newPromisedBy } },
            data: { promisedBy: newPromisedBy },
          });
          const moved = order.count === 1;
          const announcement = {
            orderId: shipment.orderId,
            previousPromisedBy: promisedBy.toISOString(),
            promisedBy: newPromisedBy.toISOString(),
            reason: wording,
            reasonCode: input.reason,
          };
          return { result: moved, milestones: moved && input.announce ? [promiseChangedMilestone(announcement)] : [] };
        });
        return {
          changed: true,
          previousPromisedBy: promisedBy.toISOString(),
          promisedBy: newPromisedBy.toISOString(),
          reason: input.reason,
          wording,
          orderMoved,
        };
      });
    },
  };
}

interface Situation {
  network: NetworkFacts;
  clock: BusinessClock;
  destination: Destination;
  nowMs: number;
  facts: PlanningFacts;
}

interface ShipmentFacts {
  warehouseCode: string;
  carrierCode: string | null;
  serviceCode: string | null;
  shippedAt: Date | null;
  lines: { orderLineId: string; skuCode: string; quantity: number }[];
}

/** Where the shipment is: with the carrier once handed over (unless it is being sent again), else in its warehouse. */
async function positionOf(
  shipment: ShipmentFacts,
  request: Pick<RepromiseRequest, 'reason' | 'outForDeliveryByHours'>,
  situation: Situation,
): Promise<ShipmentPosition | undefined> {
  const { reason } = request;
  const { network, clock, destination, nowMs } = situation;
  const warehouse = network.warehouses.find((w) => w.code === shipment.warehouseCode);
  if (!warehouse) return undefined;
  const nowBusiness = toBusinessMs(clock, nowMs);
  if (shipment.shippedAt && shipment.carrierCode && shipment.serviceCode && reason !== 'reship') {
    const service = network.services.find((s) => s.carrierCode === shipment.carrierCode && s.serviceCode === shipment.serviceCode);
    if (!service) return undefined;
    const crossBorder = warehouse.countryCode !== destination.countryCode;
    const quotedDays = service.transitDays + (crossBorder ? 1 : 0);
    const destinationZone = timeZoneOf(destination);
    const minute = localMinuteOfDay(nowBusiness, destinationZone);
    return {
      kind: 'with_carrier',
      handoverDay: localDay(toBusinessMs(clock, shipment.shippedAt.getTime()), warehouse.timeZone),
      today: localDay(nowBusiness, destinationZone),
      // A parcel that missed the day's delivery round gets nothing more today, whatever the hour.
      todayIsOver: minute >= DELIVERY_WINDOW_END_MINUTE || (reason === 'not_out_for_delivery' && roundEnded(request, minute)),
      distribution: network.transit.distribution(
        service.carrierCode,
        service.serviceCode,
        warehouse.countryCode,
        destination.countryCode,
        quotedDays,
      ),
    };
  }
  const promisedByDay = await situation.facts.promisedByDay(clock, nowMs);
  const lines = shipment.lines.map((line) => ({ lineId: line.orderLineId, skuCode: line.skuCode, quantity: line.quantity }));
  const option = new ShipmentCosting(network).option(warehouse, lines, destination, nowBusiness, promisedByDay[warehouse.code] ?? {});
  return option ? { kind: 'in_warehouse', option } : undefined;
}

/**
 * Whether the carrier's round has ended at this minute of the destination's day (a label without one: taken as ended).
 * A minute's slack: the check is timed at the round's end in real time, which under a fast clock reads back in business
 * time a second or two either side of it.
 */
function roundEnded({ outForDeliveryByHours }: Pick<RepromiseRequest, 'outForDeliveryByHours'>, minute: number): boolean {
  return outForDeliveryByHours === undefined || minute >= DELIVERY_WINDOW_END_MINUTE - outForDeliveryByHours * 60 - 1;
}

/** A parcel with the carrier that has no delivery left today because it missed the round. */
const missedRound = (position: ShipmentPosition): boolean => position.kind === 'with_carrier' && position.todayIsOver;

export type RepromiseActivities = ReturnType<typeof createRepromiseActivities>;
