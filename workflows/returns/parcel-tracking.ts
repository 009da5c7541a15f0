import { log } from '@temporalio/workflow';
import type { CarrierTrackingEvent, TrackingStatus } from '../../domain/carrier';
import { hoursToRealMs } from '../../domain/clock';
import { stallWindowMs } from '../../domain/return-policy';
import { applyTrackingEvents, initialTrackingState, type NormalisedTrackingEvent, type TrackingState } from '../../domain/tracking';
import { normaliseCarrierEvent } from '../../domain/tracking-codes';
import { returnCarrier, returnsDb } from './activity-options';
import type { ReturnWorkflowView } from './definitions';

/**
 * Business hours between polls of a carrier that pushes no scans (and, as a safety net, of one that does,
 * unless its backend gives a poll fraction: then as outbound parcels, see `nextPollAfter`).
 */
const POLL_HOURS = 4;
const SAFETY_POLL_HOURS = 36;

type ScanSource = 'webhook' | 'poll';

/** What the return label says about following its parcel: the loaded row and a bought label both carry it. */
export interface ReturnParcelLabel {
  carrierCode?: string;
  trackingNumber?: string;
  carrierPushesScans: boolean;
  /** ShipEngine's COLIS_SHIPENGINE_POLL_FRACTION, travelling with the label; absent for labels bought before it (old cadence). */
  pollStallFraction?: number;
}

export interface ReturnParcelOwner {
  returnId: string;
  timeScale: number;
  /** The return's view: scans go on its timeline, the parcel's status and newest scan on the view itself. */
  view: ReturnWorkflowView;
  /** After scans the return had not seen: the journey moves its stage and resolves what the scans answer. */
  scansTaken: () => Promise<void>;
}

/**
 * The return parcel's tracking: carrier scans queued by the webhook signal or fetched by polls, taken in
 * through the tracking status model and recorded, and the cadence of the polls.
 */
export class ReturnParcelTracking {
  private state: TrackingState = initialTrackingState();
  private readonly inbox: { source: ScanSource; events: CarrierTrackingEvent[] }[] = [];
  private label: ReturnParcelLabel = { carrierPushesScans: false };

  constructor(private readonly owner: ReturnParcelOwner) {}

  useLabel(label: ReturnParcelLabel): void {
    this.label = {
      carrierCode: label.carrierCode,
      trackingNumber: label.trackingNumber,
      carrierPushesScans: label.carrierPushesScans,
      pollStallFraction: label.pollStallFraction,
    };
  }

  get trackingNumber(): string | undefined {
    return this.label.trackingNumber;
  }

  get status(): TrackingStatus {
    return this.state.status;
  }

  get lastScanAt(): string | null | undefined {
    return this.state.lastScanAt;
  }

  get lastScanMs(): number | undefined {
    return this.state.lastScanAt ? Date.parse(this.state.lastScanAt) : undefined;
  }

  /** A batch from the webhook signal, taken in by the journey's next turn (`absorbInbox`). */
  receive(source: ScanSource, events: CarrierTrackingEvent[]): void {
    this.inbox.push({ source, events });
  }

  get hasNews(): boolean {
    return this.inbox.length > 0;
  }

  async absorbInbox(): Promise<void> {
    while (this.inbox.length > 0) {
      const batch = this.inbox.shift();
      if (batch) await this.absorb(batch.source, batch.events);
    }
  }

  /** Takes carrier scans in through the tracking status model; the first real scan means the label was used. */
  private async absorb(source: ScanSource, raw: CarrierTrackingEvent[]): Promise<void> {
    const normalised = this.ofThisParcel(raw);
    const update = applyTrackingEvents(this.state, normalised);
    this.state = update.state;
    const duplicates = new Set(update.ignored.filter((i) => i.reason === 'duplicate').map((i) => i.event));
    const fresh = normalised.filter((e) => !duplicates.has(e));
    if (fresh.length === 0) return;
    const { view } = this.owner;
    await returnsDb.recordReturnScans({ returnId: this.owner.returnId, source, events: fresh, lastScanAt: this.state.lastScanAt });
    for (const e of fresh)
      view.timeline.push({
        at: e.occurredAt,
        kind: 'tracking',
        label: e.status.replace(/_/g, ' '),
        detail: e.detail,
        location: e.location,
      });
    view.trackingStatus = this.state.status;
    view.lastScanAt = this.state.lastScanAt ?? undefined;
    await this.owner.scansTaken();
  }

  /** The scans still queued when the return closes, this parcel's in the tracking model's terms, taken off the inbox. */
  takeQueued(): NormalisedTrackingEvent[] {
    return this.inbox.splice(0).flatMap((batch) => this.ofThisParcel(batch.events));
  }

  private ofThisParcel(raw: readonly CarrierTrackingEvent[]): NormalisedTrackingEvent[] {
    const normalised: NormalisedTrackingEvent[] = [];
    for (const event of raw) {
      if (event.trackingNumber !== this.label.trackingNumber) continue;
      const result = normaliseCarrierEvent(event);
      if (result.ok) normalised.push(result.event);
    }
    return normalised;
  }

  /**
   * When to poll after `fromMs`: a carrier without webhooks every few hours; one that pushes scans after
   * 36 h as a safety net; one whose backend gives a poll fraction (ShipEngine) once that fraction of the
   * stall window passes without a scan, as its outbound parcels are (workflows/shipment/tracking.ts).
   */
  nextPollAfter(fromMs: number): number {
    const fraction = this.label.carrierPushesScans ? this.label.pollStallFraction : undefined;
    if (fraction !== undefined) return fromMs + stallWindowMs(this.owner.timeScale) * fraction;
    return fromMs + hoursToRealMs(this.label.carrierPushesScans ? SAFETY_POLL_HOURS : POLL_HOURS, this.owner.timeScale);
  }

  /** A label recorded without a fraction (histories before it existed) is tracked exactly as before. */
  get pollsByFraction(): boolean {
    return this.label.carrierPushesScans && this.label.pollStallFraction !== undefined;
  }

  async pollFoundScan(): Promise<boolean> {
    const lastScanBefore = this.state.lastScanAt;
    await this.poll();
    return this.state.lastScanAt !== lastScanBefore;
  }

  async poll(): Promise<void> {
    const { carrierCode, trackingNumber } = this.label;
    if (!carrierCode || !trackingNumber) return;
    // A carrier that refuses the poll is no reason to fail the return: the stall window covers silence.
    const events = await returnCarrier.pollTracking({ carrierCode, trackingNumber }).catch((error: unknown) => {
      log.warn('return tracking poll refused', { returnId: this.owner.returnId, error: String(error) });
      return [] as CarrierTrackingEvent[];
    });
    await this.absorb('poll', events);
  }
}
