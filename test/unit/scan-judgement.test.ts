import { describe, expect, it } from 'vitest';
import { judgeAtScan } from '../../workflows/shipment/repromise';
import type { ShipmentJourney } from '../../workflows/shipment/shipment';

/**
 * A v3 shipment asks the write that stores its scans to judge its promise: at the scan's instant, not the worker's.
 * On a fast clock a worker a few seconds behind its scans is hours behind them in business time, past the day's last
 * delivery: judged then, a parcel scanned in good time looked a day late (peak week, stop 48: 22 orders re-promised
 * that were delivered by their promise).
 */
function journeyAt(lastScanAt: string): ShipmentJourney {
  const partial = {
    input: { orderId: 'ORD-SCAN', shipmentId: 'ORD-SCAN-S1', timeScale: 1 },
    tracking: { status: 'in_transit', lastScanAt },
    watch: {},
  };
  return partial as unknown as ShipmentJourney;
}

describe('judging a promise at a scan', () => {
  it('dates the judgement at the scan, however late the worker takes it', () => {
    const scannedAt = new Date(Date.now() - 5 * 3_600_000).toISOString();
    const work = judgeAtScan(journeyAt(scannedAt), true);
    expect(work.judgePromise?.nowMs).toBe(Date.parse(scannedAt));
    expect(work.judgePromise?.detail).toBe(`judged at the in transit scan of ${scannedAt.slice(0, 16).replace('T', ' ')}`);
  });

  it("never judges in the future: a carrier's clock ahead of ours is taken as now", () => {
    const before = Date.now();
    const work = judgeAtScan(journeyAt(new Date(before + 3_600_000).toISOString()), true);
    expect(work.judgePromise?.nowMs).toBeGreaterThanOrEqual(before);
    expect(work.judgePromise?.nowMs).toBeLessThanOrEqual(Date.now());
  });

  it('judges once per half business day of scans', () => {
    const journey = journeyAt(new Date(Date.now() - 3_600_000).toISOString());
    expect(judgeAtScan(journey, true).judgePromise).toBeDefined();
    expect(judgeAtScan(journey, true).judgePromise).toBeUndefined();
  });
});
