-- AlterTable
ALTER TABLE "TrackingEvent" ADD COLUMN     "signalledAt" TIMESTAMPTZ(3);

-- Every scan stored before this migration was written by its shipment's workflow, which had heard it.
UPDATE "TrackingEvent" SET "signalledAt" = "receivedAt";
