import { describe, expect, it } from 'vitest';
import { claimReasonFor, parcelLossCause } from '../../domain/parcel-loss';

describe('why a re-shipped parcel was given up, and whether its carrier owes the goods', () => {
  it('the carrier’s own word comes first: a damage report is damaged, a loss lost, a return to sender returned', () => {
    expect(parcelLossCause('broken', 'exception')).toBe('damaged');
    expect(parcelLossCause('stuck', 'exception')).toBe('damaged');
    expect(parcelLossCause('broken', 'lost')).toBe('lost');
    expect(parcelLossCause('late', 'lost')).toBe('lost');
    expect(parcelLossCause('broken', 'returned_to_sender')).toBe('returned');
  });

  it('a parcel nobody scanned for the stall window is presumed lost; one only late is late', () => {
    expect(parcelLossCause('stuck', 'in_transit')).toBe('lost');
    expect(parcelLossCause('stuck', 'label_created')).toBe('lost');
    expect(parcelLossCause('late', 'in_transit')).toBe('late');
    expect(parcelLossCause('late', 'out_for_delivery')).toBe('late');
  });

  it('only goods the carrier lost or broke are claimed from it', () => {
    expect(claimReasonFor('lost')).toBe('lost');
    expect(claimReasonFor('damaged')).toBe('damaged');
    expect(claimReasonFor('late')).toBeUndefined();
    expect(claimReasonFor('returned')).toBeUndefined();
  });
});
