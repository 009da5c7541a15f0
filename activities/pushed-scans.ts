import type { NormalisedTrackingEvent } from '../domain/tracking';
import type { Db } from './db';
import { advanceLastScanAt, trackingEventId, trackingEventRows } from './tracking';

/**
 * A shipment's scans as the API receives them by webhook, stored before its workflow is signalled, so that
 * a scan that moves nothing (another hub, the same status) costs the workflow no write of its own: the
 * signal says the scans are stored, and the workflow writes only what changes a status or asks for work.
 *
 * Stored first, signalled second, marked third: a row without `signalledAt` is a scan the workflow may not
 * have heard (the API died between the two), so the carrier's retry of the webhook signals it again rather
 * than dropping it as a duplicate; the workflow drops the copies it already has by event id.
 *
 * Between store and signal, the copy of the webhook that signals a scan claims it (`claimedAt`, `claimToken`): a
 * carrier that retries on a timeout posts the same scans several times at once, and each copy would otherwise read
 * "not signalled" and signal too. The claim lapses after its lease, so one held by an API that died in between
 * keeps the scan from no retry for longer than that.
 */

export async function storePushedScans(db: Db, shipmentId: string, events: readonly NormalisedTrackingEvent[]): Promise<void> {
  if (events.length === 0) return;
  const newestMs = Math.max(...events.map((e) => Date.parse(e.occurredAt)));
  await db.$transaction(async (tx) => {
    await tx.trackingEvent.createMany({ data: trackingEventRows(shipmentId, 'webhook', events, null), skipDuplicates: true });
    await advanceLastScanAt(tx, shipmentId, new Date(newestMs));
  });
}

/** The workflow has them now: a later copy of these scans is a duplicate. */
export async function markScansSignalled(db: Db, events: readonly NormalisedTrackingEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.trackingEvent.updateMany({
    where: { id: { in: events.map(trackingEventId) }, signalledAt: null },
    data: { signalledAt: new Date(), claimedAt: null, claimToken: null },
  });
}

export interface ScanClaim {
  /** This copy of the webhook's, so it releases only its own claims. */
  token: string;
  /** Longer than the claimer's signal may take: a claim older than this belongs to an API that died. */
  leaseMs: number;
}

export interface ClaimedScans {
  /** This copy signals these. */
  claimed: NormalisedTrackingEvent[];
  /** Another copy has signalled these: duplicates. */
  signalled: NormalisedTrackingEvent[];
  /** Another copy holds these, its signal under way: signalled or released once it has answered. */
  inFlight: NormalisedTrackingEvent[];
}

/**
 * Claims the stored scans no copy has signalled or holds (or whose claim has lapsed). Rows another claim is being
 * written on are skipped rather than waited for (two copies locking the same scans in another order would deadlock).
 */
export async function claimStoredScans(db: Db, events: readonly NormalisedTrackingEvent[], claim: ScanClaim): Promise<ClaimedScans> {
  const ids = events.map(trackingEventId);
  const rows = await db.$queryRaw<{ id: string }[]>`
    WITH claimable AS (
      SELECT "id" FROM "TrackingEvent"
       WHERE "id" = ANY(${ids}::text[]) AND "signalledAt" IS NULL
         AND ("claimedAt" IS NULL OR "claimedAt" < now() - ${claim.leaseMs}::double precision * interval '1 millisecond')
       ORDER BY "id" FOR UPDATE SKIP LOCKED
    )
    UPDATE "TrackingEvent" AS scan SET "claimedAt" = now(), "claimToken" = ${claim.token}
      FROM claimable WHERE scan."id" = claimable."id"
    RETURNING scan."id"`;
  const claimedIds = new Set(rows.map((row) => row.id));
  const others = events.filter((event) => !claimedIds.has(trackingEventId(event)));
  const signalledIds = new Set(
    others.length === 0
      ? []
      : (
          await db.trackingEvent.findMany({
            where: { id: { in: others.map(trackingEventId) }, signalledAt: { not: null } },
            select: { id: true },
          })
        ).map((row) => row.id),
  );
  return {
    claimed: events.filter((event) => claimedIds.has(trackingEventId(event))),
    signalled: others.filter((event) => signalledIds.has(trackingEventId(event))),
    inFlight: others.filter((event) => !signalledIds.has(trackingEventId(event))),
  };
}

/** This copy did not signal its claimed scans (the signal failed, or the shipment's workflow is gone): another copy may. */
export async function releaseScanClaims(db: Db, events: readonly NormalisedTrackingEvent[], token: string): Promise<void> {
  if (events.length === 0) return;
  await db.trackingEvent.updateMany({
    where: { id: { in: events.map(trackingEventId) }, claimToken: token, signalledAt: null },
    data: { claimedAt: null, claimToken: null },
  });
}
