-- AlterTable: a return parcel's scans after its return had ended are kept as a shipment's are. Before, no workflow heard
-- them and they were answered and dropped with a log line (api/services/carrier-scans.ts); now each is stored once, with
-- how the return had ended, for the return's view and the ops list (api/services/scans-after-end.ts). One table for both
-- parcels, as UnmappedTrackingEvent: a row belongs to a shipment's parcel or to a return's, never both.
ALTER TABLE "TrackingEventAfterEnd" ALTER COLUMN "shipmentId" DROP NOT NULL,
ALTER COLUMN "shipmentStatus" DROP NOT NULL,
ADD COLUMN "returnId" TEXT,
ADD COLUMN "returnStatus" "ReturnStatus";

-- CreateIndex: the return's view, by return.
CREATE INDEX "TrackingEventAfterEnd_returnId_occurredAt_idx" ON "TrackingEventAfterEnd"("returnId", "occurredAt");

-- AddForeignKey
ALTER TABLE "TrackingEventAfterEnd" ADD CONSTRAINT "TrackingEventAfterEnd_returnId_fkey" FOREIGN KEY ("returnId") REFERENCES "Return"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddCheck: a shipment's parcel with how the shipment had ended, or a return parcel with how the return had ended,
-- exactly one (schema.prisma cannot say so; the database does).
ALTER TABLE "TrackingEventAfterEnd" ADD CONSTRAINT "TrackingEventAfterEnd_one_parcel_check" CHECK (
    ("shipmentId" IS NULL) <> ("returnId" IS NULL)
    AND ("shipmentId" IS NULL) = ("shipmentStatus" IS NULL)
    AND ("returnId" IS NULL) = ("returnStatus" IS NULL));
