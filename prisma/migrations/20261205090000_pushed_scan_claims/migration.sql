-- AlterTable: the claim a webhook copy takes on a stored scan while it signals it, so concurrent copies of the
-- delivery signal it once and one of them counts it accepted (api/services/carrier-scans.ts).
ALTER TABLE "TrackingEvent" ADD COLUMN     "claimedAt" TIMESTAMPTZ(3),
ADD COLUMN     "claimToken" TEXT;
