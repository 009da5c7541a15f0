-- AlterEnum: a parcel given up (ended lost or refunded) that the carrier delivered after all (api/services/found-parcels.ts).
ALTER TYPE "EscalationReason" ADD VALUE 'delivered_after_all';

-- CreateTable: a carrier scan of a shipment's parcel that arrived after its journey had ended. No workflow is left to
-- hear it: it was answered 200 and dropped with a log line, and a lost parcel the carrier then delivered still read
-- "lost" everywhere (api/services/scans-after-end.ts).
CREATE TABLE "TrackingEventAfterEnd" (
    "id" TEXT NOT NULL,
    "shipmentId" TEXT NOT NULL,
    "carrierCode" TEXT NOT NULL,
    "carrierEventId" TEXT NOT NULL,
    "trackingNumber" TEXT NOT NULL,
    "carrierStatusCode" TEXT NOT NULL,
    "status" "TrackingStatus" NOT NULL,
    "shipmentStatus" "ShipmentStatus" NOT NULL,
    "detail" TEXT,
    "location" TEXT,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "source" "TrackingSource" NOT NULL,

    CONSTRAINT "TrackingEventAfterEnd_pkey" PRIMARY KEY ("id")
);

-- CreateIndex: the order's timeline, by shipment.
CREATE INDEX "TrackingEventAfterEnd_shipmentId_occurredAt_idx" ON "TrackingEventAfterEnd"("shipmentId", "occurredAt");

-- CreateIndex: the ops list, newest first.
CREATE INDEX "TrackingEventAfterEnd_receivedAt_idx" ON "TrackingEventAfterEnd"("receivedAt");

-- CreateIndex: a scan the carrier repeats, or two copies of its webhook at once, is stored once.
CREATE UNIQUE INDEX "TrackingEventAfterEnd_carrierCode_carrierEventId_key" ON "TrackingEventAfterEnd"("carrierCode", "carrierEventId");

-- AddForeignKey
ALTER TABLE "TrackingEventAfterEnd" ADD CONSTRAINT "TrackingEventAfterEnd_shipmentId_fkey" FOREIGN KEY ("shipmentId") REFERENCES "Shipment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
