import { describe, expect, it } from 'vitest';
import { SHIPMENT_MILESTONE_SIGNAL } from '../../domain/message-shapes';
import { boundedMilestone, MILESTONE_TEXT_MAX_CHARS, type ShipmentMilestone } from '../../domain/milestones';
import { REPROMISE_WORDING } from '../../domain/repromise-reasons';
import { cutText } from '../../domain/text-cut';

const escalated = (detail: string, extra: Record<string, string> = {}): ShipmentMilestone => ({
  kind: 'escalated',
  shipmentId: 'ORD-1-S1',
  escalation: {
    escalationId: 'ESC-ORD-1-S1-stuck-1',
    reason: 'stuck',
    severity: 'high',
    detail,
    openedAt: '2026-12-05T07:22:00.000Z',
    ...extra,
  },
});

describe("what an order keeps of a shipment's milestone", () => {
  it('keeps what our shipments send as it came: nothing to cut, so no patch is asked', () => {
    // The longest our shipments write: a no_carrier detail with a city of 100 characters.
    const longest = `no carrier quoted 12 parcel(s) to ${'C'.repeat(100)} (12 of 12 failed)`;
    expect(boundedMilestone(escalated(longest))).toBeUndefined();
    const wording = Object.values(REPROMISE_WORDING).reduce((a, b) => (a.length >= b.length ? a : b));
    const repromised: ShipmentMilestone = {
      kind: 'repromised',
      shipmentId: 'ORD-1-S1',
      previousPromisedBy: '2026-12-08T18:00:00.000Z',
      promisedBy: '2026-12-10T18:00:00.000Z',
      reason: 'missed_pick_slot',
      wording,
    };
    expect(boundedMilestone(repromised)).toBeUndefined();
    expect(
      boundedMilestone({ kind: 'dispatched', shipmentId: 'ORD-1-S1', carrierCode: 'swiftpost', trackingNumber: 'SP1' }),
    ).toBeUndefined();
    expect(longest.length * 5).toBeLessThanOrEqual(MILESTONE_TEXT_MAX_CHARS);
  });

  it('cuts each long text field, never through a surrogate pair, and leaves out fields no escalation has', () => {
    for (const lead of ['', 'a']) {
      const trimmed = boundedMilestone(escalated(`${lead}${'😀'.repeat(300_000)}`, { junk: 'j'.repeat(10_000) }));
      expect(trimmed?.cut.sort()).toEqual(['escalation.detail', 'escalation.junk']);
      const kept = trimmed?.bounded.kind === 'escalated' ? trimmed.bounded.escalation : undefined;
      expect(Object.keys(kept ?? {}).sort()).toEqual(['detail', 'escalationId', 'openedAt', 'reason', 'severity']);
      expect(kept?.detail.length).toBeLessThanOrEqual(MILESTONE_TEXT_MAX_CHARS);
      expect(kept?.detail.endsWith('…')).toBe(true);
      expect(JSON.stringify(kept)).not.toMatch(/\\ud[89a-f]/i);
      // What is kept still has the milestone's shape.
      expect(SHIPMENT_MILESTONE_SIGNAL(trimmed?.bounded, '')).toBeUndefined();
    }
  });

  it('writes a date too long to keep in its shortest form (a cut one would be no date), the same instant', () => {
    const promisedBy = `2026-12-10T18:00:00.${'9'.repeat(5_000)}+01:00`;
    const trimmed = boundedMilestone({
      kind: 'repromised',
      shipmentId: 'ORD-1-S1',
      previousPromisedBy: '2026-12-08T18:00:00.000Z',
      promisedBy,
      reason: 'stall',
      wording: 'w'.repeat(MILESTONE_TEXT_MAX_CHARS + 1),
    });
    expect(trimmed?.cut).toEqual(['promisedBy', 'wording']);
    expect(trimmed?.bounded).toMatchObject({ promisedBy: '2026-12-10T17:00:00.999Z', previousPromisedBy: '2026-12-08T18:00:00.000Z' });
    expect(trimmed?.bounded.kind === 'repromised' ? trimmed.bounded.wording : '').toBe(`${'w'.repeat(MILESTONE_TEXT_MAX_CHARS - 1)}…`);
    expect(SHIPMENT_MILESTONE_SIGNAL(trimmed?.bounded, '')).toBeUndefined();
  });

  it('cuts the same text the same way: an escalation closed with the id it was opened with is still the same one', () => {
    const id = `ESC-${'i'.repeat(5_000)}`;
    expect(cutText(id, MILESTONE_TEXT_MAX_CHARS)).toBe(cutText(id, MILESTONE_TEXT_MAX_CHARS));
    expect(cutText('short', MILESTONE_TEXT_MAX_CHARS)).toBe('short');
  });
});
