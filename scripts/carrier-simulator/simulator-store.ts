import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { CarrierCodeSchema, CarrierTrackingEventSchema, PurchasedLabelSchema } from '../../domain/carrier';
import { SCENARIOS } from './scenarios';
import type { SoldLabel } from './simulated-carrier';
import { makeDirectory } from '../lib/directories';

/**
 * Where the carrier simulator keeps its servers' state between our process restarts: the labels
 * it sold (timelines, scenario, void), the idempotency keys that lead to them, its sales counters,
 * and which webhook deliveries are already behind it. A real carrier keeps all this on its side, so
 * a restart of the worker process must not make a sold label unknown or a retried purchase new.
 */

export const SIMULATOR_SNAPSHOT_VERSION = 1;

/** A scan without what its label already says (carrier, tracking number). */
const StoredEventSchema = CarrierTrackingEventSchema.omit({ carrierCode: true, trackingNumber: true });

const StoredLabelSchema = z
  .object({
    label: PurchasedLabelSchema,
    shipmentId: z.string(),
    idempotencyKey: z.string().min(1),
    scenario: z.enum(SCENARIOS),
    fingerprint: z.string(),
    voidedAtMs: z.number().int().optional(),
    timeline: z.array(StoredEventSchema),
    /** Planned webhook pushes as [index in `timeline`, real instant in ms]. */
    deliveries: z.array(z.tuple([z.number().int().nonnegative(), z.number().int()])),
    /** Indexes in `deliveries` already pushed (or given up, or void): never pushed again. */
    settled: z.array(z.number().int().nonnegative()).optional(),
  })
  .superRefine((stored, ctx) => {
    if (stored.deliveries.some(([eventIndex]) => eventIndex >= stored.timeline.length)) {
      ctx.addIssue({ code: 'custom', message: `label ${stored.label.trackingNumber}: a delivery points past its timeline` });
    }
    if ((stored.settled ?? []).some((index) => index >= stored.deliveries.length)) {
      ctx.addIssue({ code: 'custom', message: `label ${stored.label.trackingNumber}: a settled delivery does not exist` });
    }
  });
export type StoredLabel = z.infer<typeof StoredLabelSchema>;

export const SimulatorSnapshotSchema = z.object({
  version: z.literal(SIMULATOR_SNAPSHOT_VERSION),
  savedAt: z.iso.datetime({ offset: true }),
  /** Per carrier: labels sold and cents billed (a retried purchase counts once). */
  carriers: z.record(
    CarrierCodeSchema,
    z.object({ labelsSold: z.number().int().nonnegative(), chargedCents: z.number().int().nonnegative() }),
  ),
  labels: z.array(StoredLabelSchema),
});
export type SimulatorSnapshot = z.infer<typeof SimulatorSnapshotSchema>;

export interface SimulatorStore {
  /** Where the state lives, for error messages. */
  readonly location: string;
  /** The last saved snapshot; `undefined` when nothing was ever saved. Throws on a state it cannot read. */
  load(): SimulatorSnapshot | undefined;
  /** Replaces the saved state; done when this returns. */
  save(snapshot: SimulatorSnapshot): void;
}

/**
 * One JSON file, rewritten whole on each change: written to `<path>.tmp-<pid>`, flushed, then renamed
 * over the file, so a crash leaves either the old state or the new one, never half of either.
 */
export class FileSimulatorStore implements SimulatorStore {
  private directoryReady = false;

  constructor(readonly path: string) {}

  get location(): string {
    return this.path;
  }

  load(): SimulatorSnapshot | undefined {
    let raw: string;
    try {
      raw = readFileSync(this.path, 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return undefined;
      throw new Error(`cannot read the carrier simulator state ${this.path}: ${messageOf(error)}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      throw new Error(
        `the carrier simulator state ${this.path} is not valid JSON (${messageOf(error)}); move it away to start with no labels sold`,
      );
    }
    const version = json !== null && typeof json === 'object' && 'version' in json ? json.version : undefined;
    if (version !== SIMULATOR_SNAPSHOT_VERSION) {
      throw new Error(
        `the carrier simulator state ${this.path} has version ${JSON.stringify(version)}; this simulator reads version ${SIMULATOR_SNAPSHOT_VERSION}`,
      );
    }
    const parsed = SimulatorSnapshotSchema.safeParse(json);
    if (!parsed.success) throw new Error(`the carrier simulator state ${this.path} is invalid: ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  }

  /**
   * Throws unless `save` can write here: its folder can be made and written, and the file, if any, written. Asked at
   * start (carriers/wiring.ts), so a path that can never be saved to (a read-only place, a path under a file) stops the process
   * naming it, instead of every label sold failing its activity at its first save. Nothing is written.
   */
  checkWritable(): void {
    try {
      makeDirectory(dirname(this.path));
      accessSync(dirname(this.path), constants.W_OK);
      if (existsSync(this.path)) accessSync(this.path, constants.W_OK);
    } catch (error) {
      throw new Error(`cannot save the carrier simulator state ${this.path}: ${messageOf(error)}`);
    }
  }

  save(snapshot: SimulatorSnapshot): void {
    if (!this.directoryReady) {
      makeDirectory(dirname(this.path));
      this.directoryReady = true;
    }
    const temporary = `${this.path}.tmp-${process.pid}`;
    try {
      const fd = openSync(temporary, 'w');
      try {
        writeSync(fd, JSON.stringify(snapshot));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, this.path);
    } catch (error) {
      try {
        unlinkSync(temporary);
      } catch {
        // Already gone or never created: nothing to clean.
      }
      throw new Error(`cannot save the carrier simulator state ${this.path}: ${messageOf(error)}`);
    }
  }
}

export function encodeLabel(sold: SoldLabel, settled: ReadonlySet<number> | undefined): StoredLabel {
  const eventIndex = new Map(sold.timeline.map((event, index) => [event.eventId, index]));
  return {
    label: sold.label,
    shipmentId: sold.shipmentId,
    idempotencyKey: sold.idempotencyKey,
    scenario: sold.scenario,
    fingerprint: sold.fingerprint,
    ...(sold.voidedAtMs === undefined ? {} : { voidedAtMs: sold.voidedAtMs }),
    timeline: sold.timeline.map(({ carrierCode: _carrier, trackingNumber: _tracking, ...rest }) => rest),
    deliveries: sold.deliveries.map((delivery) => {
      const index = eventIndex.get(delivery.event.eventId);
      if (index === undefined)
        throw new Error(`label ${sold.label.trackingNumber}: delivery of ${delivery.event.eventId}, which is not in its timeline`);
      return [index, delivery.deliverAtMs];
    }),
    ...(settled && settled.size > 0 ? { settled: [...settled].sort((a, b) => a - b) } : {}),
  };
}

export function decodeLabel(stored: StoredLabel): { sold: SoldLabel; settled: Set<number> } {
  const { carrierCode, trackingNumber } = stored.label;
  const timeline = stored.timeline.map((event) => ({ carrierCode, trackingNumber, ...event }));
  const sold: SoldLabel = {
    label: stored.label,
    shipmentId: stored.shipmentId,
    idempotencyKey: stored.idempotencyKey,
    scenario: stored.scenario,
    timeline,
    deliveries: stored.deliveries.map(([eventIndex, deliverAtMs]) => ({ event: timeline[eventIndex]!, deliverAtMs })),
    voidedAtMs: stored.voidedAtMs,
    fingerprint: stored.fingerprint,
  };
  return { sold, settled: new Set(stored.settled ?? []) };
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
