import { describe, expect, it } from 'vitest';
import type { TrackingStatus } from '../../domain/carrier';
import { TRACKING_STATUSES } from '../../domain/lifecycle';
import {
  MAX_TIMELINE_EVENTS,
  applyTrackingEvents,
  initialTrackingState,
  isBroken,
  isTerminal,
  holdsOneStatus,
  type NormalisedTrackingEvent,
  statusChanges,
  type TrackingState,
} from '../../domain/tracking';

const T0 = Date.parse('2025-03-03T08:00:00Z');
const HOUR = 3_600_000;

function scan(eventId: string, status: TrackingStatus, hoursAfterT0: number): NormalisedTrackingEvent {
  return {
    carrierCode: 'swiftpost',
    eventId,
    trackingNumber: 'SP123',
    status,
    carrierStatusCode: status.toUpperCase(),
    occurredAt: new Date(T0 + hoursAfterT0 * HOUR).toISOString(),
  };
}
const at = (hoursAfterT0: number) => new Date(T0 + hoursAfterT0 * HOUR).toISOString();

function applyOneByOne(events: NormalisedTrackingEvent[], start: TrackingState = initialTrackingState()): TrackingState {
  return events.reduce((state, event) => applyTrackingEvents(state, [event]).state, start);
}

const journey = [
  scan('e1', 'label_created', 0),
  scan('e2', 'in_transit', 4),
  scan('e3', 'in_transit', 20),
  scan('e4', 'out_for_delivery', 30),
  scan('e5', 'delivered', 34),
];

describe('applyTrackingEvents', () => {
  it('follows the main line to delivered when scans arrive in order', () => {
    const { state, applied, ignored } = applyTrackingEvents(initialTrackingState(), journey);
    expect(state.status).toBe('delivered');
    expect(state.statusAt).toBe(at(34));
    expect(state.lastScanAt).toBe(at(34));
    expect(applied.map((e) => e.eventId)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
    expect(ignored).toEqual([]);
  });

  it('absorbs a duplicate delivery of the same scan', () => {
    const first = applyTrackingEvents(initialTrackingState(), [scan('e2', 'in_transit', 4)]);
    const again = applyTrackingEvents(first.state, [scan('e2', 'in_transit', 4)]);
    expect(again.applied).toEqual([]);
    expect(again.ignored.map((i) => i.reason)).toEqual(['duplicate']);
    expect(again.state.timeline).toHaveLength(1);
  });

  it('reaches the same status whatever order the scans arrive in', () => {
    const withoutDelivery = journey.slice(0, 4);
    const expected = applyOneByOne(withoutDelivery).status;
    expect(expected).toBe('out_for_delivery');
    expect(applyOneByOne([...withoutDelivery].reverse()).status).toBe(expected);
    expect(applyOneByOne([journey[3]!, journey[0]!, journey[2]!, journey[1]!]).status).toBe(expected);
    expect(applyOneByOne([...journey].reverse()).status).toBe('delivered');
  });

  it('records an older scan in the timeline without moving the status back', () => {
    const atDoor = applyTrackingEvents(initialTrackingState(), [scan('e4', 'out_for_delivery', 30)]).state;
    const late = applyTrackingEvents(atDoor, [scan('e2', 'in_transit', 4)]);
    expect(late.state.status).toBe('out_for_delivery');
    expect(late.ignored).toEqual([{ event: scan('e2', 'in_transit', 4), reason: 'stale' }]);
    expect(late.state.timeline.map((e) => e.eventId)).toEqual(['e2', 'e4']);
  });

  it('a late in_transit after delivered changes nothing but the timeline', () => {
    const delivered = applyTrackingEvents(initialTrackingState(), journey).state;
    const late = applyTrackingEvents(delivered, [scan('e9', 'in_transit', 40)]);
    expect(late.state.status).toBe('delivered');
    expect(late.state.statusAt).toBe(at(34));
    expect(late.ignored.map((i) => i.reason)).toEqual(['after_terminal']);
  });

  it('a delivery scan wins even when its clock lags a later-reported scan', () => {
    const state = applyOneByOne([scan('e3', 'in_transit', 20), scan('e5', 'delivered', 19)]);
    expect(state.status).toBe('delivered');
    expect(isTerminal(state.status)).toBe(true);
  });

  it('a newer in_transit resumes after an exception', () => {
    const { state } = applyTrackingEvents(initialTrackingState(), [
      scan('e2', 'in_transit', 4),
      scan('x1', 'exception', 10),
      scan('e3', 'in_transit', 20),
    ]);
    expect(state.status).toBe('in_transit');
  });

  it('an older in_transit does not clear a newer exception', () => {
    const broken = applyTrackingEvents(initialTrackingState(), [scan('x1', 'exception', 10)]).state;
    expect(isBroken(broken.status)).toBe(true);
    const late = applyTrackingEvents(broken, [scan('e2', 'in_transit', 4)]);
    expect(late.state.status).toBe('exception');
    expect(late.ignored.map((i) => i.reason)).toEqual(['stale']);
  });

  it('a failed delivery attempt is followed by a newer re-attempt', () => {
    const { state, applied } = applyTrackingEvents(initialTrackingState(), [
      scan('e4', 'out_for_delivery', 30),
      scan('f1', 'delivery_failed', 32),
      scan('e6', 'out_for_delivery', 54),
    ]);
    expect(state.status).toBe('out_for_delivery');
    expect(state.statusAt).toBe(at(54));
    expect(applied).toHaveLength(3);
  });

  it('a newer in_transit does not move out_for_delivery back on the main line', () => {
    const { state, ignored } = applyTrackingEvents(initialTrackingState(), [
      scan('e4', 'out_for_delivery', 30),
      scan('e5', 'in_transit', 31),
    ]);
    expect(state.status).toBe('out_for_delivery');
    expect(state.lastScanAt).toBe(at(31));
    expect(ignored.map((i) => i.reason)).toEqual(['stale']);
  });

  it('a newer label_created never displaces a later stage', () => {
    const { state } = applyTrackingEvents(initialTrackingState(), [scan('e2', 'in_transit', 4), scan('e1', 'label_created', 5)]);
    expect(state.status).toBe('in_transit');
  });

  it('scans sharing an instant fold in journey order', () => {
    const a = applyOneByOne([scan('a', 'out_for_delivery', 30), scan('b', 'in_transit', 30)]);
    const b = applyOneByOne([scan('b', 'in_transit', 30), scan('a', 'out_for_delivery', 30)]);
    expect(a.status).toBe('out_for_delivery');
    expect(b.status).toBe('out_for_delivery');
  });

  it('lastScanAt tracks the newest scan, even one that did not change the status', () => {
    const { state } = applyTrackingEvents(initialTrackingState(), [scan('e4', 'out_for_delivery', 30), scan('e5', 'in_transit', 45)]);
    expect(state.lastScanAt).toBe(at(45));
    expect(state.statusAt).toBe(at(30));
  });

  it('keeps state bounded while still recognising duplicates and the reached status', () => {
    const scans = Array.from({ length: MAX_TIMELINE_EVENTS + 50 }, (_, i) => scan(`s${i}`, 'in_transit', i));
    const { state } = applyTrackingEvents(initialTrackingState(), scans);
    expect(state.timeline).toHaveLength(MAX_TIMELINE_EVENTS);
    expect(state.status).toBe('in_transit');

    const replay = applyTrackingEvents(state, [scans[0]!, scan('old', 'out_for_delivery', 10)]);
    expect(replay.ignored.map((i) => i.reason)).toEqual(['duplicate', 'stale']);
    expect(replay.state.status).toBe('in_transit');

    const delivered = applyTrackingEvents(replay.state, [scan('done', 'delivered', 400)]);
    expect(delivered.state.status).toBe('delivered');
  });
});

describe('status predicates', () => {
  it('delivered, returned_to_sender and lost are terminal; exception is not', () => {
    expect(['delivered', 'returned_to_sender', 'lost'].every((s) => isTerminal(s as TrackingStatus))).toBe(true);
    expect(isTerminal('exception')).toBe(false);
    expect(isTerminal('delivery_failed')).toBe(false);
  });

  it('exception, returned_to_sender and lost are broken', () => {
    expect(isBroken('exception')).toBe(true);
    expect(isBroken('returned_to_sender')).toBe(true);
    expect(isBroken('lost')).toBe(true);
    expect(isBroken('delivery_failed')).toBe(false);
    expect(isBroken('delivered')).toBe(false);
  });
});

describe('statusChanges: what one batch of scans is news of', () => {
  const statuses = (changes: { status: TrackingStatus }[]) => changes.map((c) => c.status);

  it('a day of scans brought by one poll tells every status it passed through, in the order they happened', () => {
    const day = [
      scan('d5', 'delivered', 40),
      scan('d1', 'exception', 10),
      scan('d2', 'in_transit', 20),
      scan('d3', 'out_for_delivery', 30),
      scan('d4', 'delivery_failed', 33),
      scan('d6', 'out_for_delivery', 37),
    ];
    const changes = statusChanges('in_transit', day, 'delivered');
    expect(statuses(changes)).toEqual(['exception', 'in_transit', 'out_for_delivery', 'delivery_failed', 'out_for_delivery', 'delivered']);
    expect(changes.map((c) => c.scan?.eventId)).toEqual(['d1', 'd2', 'd3', 'd4', 'd6', 'd5']);
  });

  it('repeats of a status and scans the fold refuses are no news; a terminal status ends the story', () => {
    const batch = [scan('r1', 'in_transit', 1), scan('r2', 'in_transit', 2), scan('r3', 'label_created', 3), scan('r4', 'delivered', 4)];
    expect(statuses(statusChanges('label_created', batch, 'delivered'))).toEqual(['in_transit', 'delivered']);
    expect(statusChanges('delivered', [scan('r5', 'in_transit', 5)], 'delivered')).toEqual([]);
    // The van went back to the depot: the parcel is still out for delivery.
    expect(statusChanges('out_for_delivery', [scan('r6', 'in_transit', 6)], 'out_for_delivery')).toEqual([]);
  });

  it('where the whole history decides otherwise than the batch alone, only that verdict is news', () => {
    // A late in-transit scan the workflow absorbed into a history that is already out for delivery elsewhere.
    expect(statusChanges('label_created', [scan('l1', 'in_transit', 1)], 'out_for_delivery')).toEqual([{ status: 'out_for_delivery' }]);
    expect(statusChanges('in_transit', [scan('l2', 'exception', 1)], 'in_transit')).toEqual([]);
  });
});

describe('holdsOneStatus: a batch the API may store without its workflow writing it again', () => {
  const statuses = (changes: { status: TrackingStatus }[]) => changes.map((c) => c.status);

  it('a batch of one status leaves a parcel where it was with no change on the way, from any status: no news to lose', () => {
    for (const from of TRACKING_STATUSES) {
      for (const status of TRACKING_STATUSES) {
        const batch = [scan('o1', status, 1), scan('o2', status, 2)];
        expect(holdsOneStatus(batch)).toBe(true);
        expect(statusChanges(from, batch, from)).toEqual([]);
      }
    }
  });

  it('a batch of several statuses may go somewhere and back: news although the status ends where it was', () => {
    const customs = [scan('c1', 'exception', 1), scan('c2', 'in_transit', 2)];
    expect(holdsOneStatus(customs)).toBe(false);
    expect(statuses(statusChanges('in_transit', customs, 'in_transit'))).toEqual(['exception', 'in_transit']);
    const secondRound = [scan('a1', 'delivery_failed', 1), scan('a2', 'out_for_delivery', 2)];
    expect(holdsOneStatus(secondRound)).toBe(false);
    expect(statuses(statusChanges('out_for_delivery', secondRound, 'out_for_delivery'))).toEqual(['delivery_failed', 'out_for_delivery']);
    expect(holdsOneStatus([])).toBe(true);
  });
});
