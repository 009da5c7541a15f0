-- CreateTable
CREATE TABLE "UnmappedTrackingEvent" (
    "id" TEXT NOT NULL,
    "shipmentId" TEXT,
    "returnId" TEXT,
    "carrierCode" TEXT NOT NULL,
    "carrierEventId" TEXT NOT NULL,
    "trackingNumber" TEXT NOT NULL,
    "carrierStatusCode" TEXT NOT NULL,
    "detail" TEXT,
    "location" TEXT,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "source" "TrackingSource" NOT NULL,

    CONSTRAINT "UnmappedTrackingEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "UnmappedTrackingEvent_shipmentId_occurredAt_idx" ON "UnmappedTrackingEvent"("shipmentId", "occurredAt");

-- CreateIndex
CREATE INDEX "UnmappedTrackingEvent_returnId_occurredAt_idx" ON "UnmappedTrackingEvent"("returnId", "occurredAt");

-- CreateIndex
CREATE INDEX "UnmappedTrackingEvent_carrierCode_carrierStatusCode_receivedAt_idx" ON "UnmappedTrackingEvent"("carrierCode", "carrierStatusCode", "receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "UnmappedTrackingEvent_carrierCode_carrierEventId_key" ON "UnmappedTrackingEvent"("carrierCode", "carrierEventId");

-- AddForeignKey
ALTER TABLE "UnmappedTrackingEvent" ADD CONSTRAINT "UnmappedTrackingEvent_shipmentId_fkey" FOREIGN KEY ("shipmentId") REFERENCES "Shipment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UnmappedTrackingEvent" ADD CONSTRAINT "UnmappedTrackingEvent_returnId_fkey" FOREIGN KEY ("returnId") REFERENCES "Return"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddCheck: a shipment's parcel or a return parcel, exactly one (schema.prisma cannot say so; the database does)
ALTER TABLE "UnmappedTrackingEvent" ADD CONSTRAINT "UnmappedTrackingEvent_one_parcel_check" CHECK (("shipmentId" IS NULL) <> ("returnId" IS NULL));
