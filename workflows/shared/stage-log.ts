import type { StageRecord } from '../activity-types';

export type StageOutcome = NonNullable<StageRecord['outcome']>;

/**
 * The stage visits of one order or shipment, for the process chart: when each began and ended, and how.
 * Visits accumulate in memory and leave with the next status write (`take`), so timing a stage the
 * workflow passes through in milliseconds costs no write of its own.
 */
export class StageLog {
  private current: StageRecord | undefined;
  private pending: StageRecord[] = [];
  /** Whether the visit in progress has left with a write since it began (a resumed one is not known to have). */
  private currentWritten = false;

  constructor(
    private readonly owner: { orderId: string; shipmentId?: string },
    resumed?: StageRecord,
  ) {
    this.current = resumed;
  }

  /** Ends the visit in progress (`outcome`) and, unless `stage` is final, begins one of `stage`. */
  enter(stage: string | undefined, at: string, outcome: StageOutcome = 'ok'): void {
    if (this.current) this.pending.push({ ...this.current, endedAt: at, outcome });
    this.current = stage === undefined ? undefined : { ...this.owner, stage, startedAt: at };
    this.currentWritten = false;
  }

  /**
   * Goes on from the visit in progress as the database holds it (a run that resumes a journey an earlier run took
   * this far): the visits this run began and did not write are dropped, and `recorded` ends under its own key.
   */
  resumeRecorded(recorded: StageRecord | undefined): void {
    this.pending = [];
    this.current = recorded;
    this.currentWritten = true;
  }

  /** A visit that began and ended before the workflow knew of it (intake, before the order's first task). */
  visited(stage: string, startedAt: string, endedAt: string): void {
    this.pending.push({ ...this.owner, stage, startedAt, endedAt, outcome: 'ok' });
  }

  /** What `take` would hand over, left in place: for an activity that writes them only if it succeeds. */
  peek(): StageRecord[] {
    return this.current ? [...this.pending, this.current] : [...this.pending];
  }

  /** Every visit not yet written, the one in progress included (written again, by key, when it ends). */
  take(): StageRecord[] {
    const batch = this.pending;
    this.pending = [];
    this.currentWritten = true;
    return this.current ? [...batch, this.current] : batch;
  }

  /** Every visit is written as it stands: a write now would carry nothing new. */
  get allWritten(): boolean {
    return this.pending.length === 0 && (this.current === undefined || this.currentWritten);
  }

  /** The visit in progress, carried over a continue-as-new. */
  get inProgress(): StageRecord | undefined {
    return this.current;
  }
}
