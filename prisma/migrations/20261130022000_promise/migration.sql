-- The decision layer: promises at intake, expected restocks, learned transit times, warehouse outages,
-- published rate cards and the business clock.

-- AlterTable
ALTER TABLE "Warehouse" ADD COLUMN "packingMinutes" INTEGER NOT NULL DEFAULT 120,
ADD COLUMN "holidayRegion" TEXT,
ADD COLUMN "downSince" TIMESTAMPTZ(3),
ADD COLUMN "downReason" TEXT;

-- AlterTable
ALTER TABLE "WarehouseCapacityDay" ADD COLUMN "promised" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Order" ADD COLUMN "originalPromisedBy" TIMESTAMPTZ(3),
ADD COLUMN "promise" JSONB;

-- AlterTable
ALTER TABLE "Carrier" ADD COLUMN "zoneSurchargeCents" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "destinationCountries" TEXT NOT NULL DEFAULT '',
ADD COLUMN "maxParcelWeightGrams" INTEGER NOT NULL DEFAULT 30000,
ADD COLUMN "maxParcelLengthMm" INTEGER NOT NULL DEFAULT 1500;

-- AlterTable
ALTER TABLE "CarrierService" ADD COLUMN "baseCents" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "perKgCents" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "transitDays" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN "onTimeShare" DOUBLE PRECISION NOT NULL DEFAULT 0.9;

-- CreateTable
CREATE TABLE "InboundStock" (
    "reference" TEXT NOT NULL,
    "warehouseCode" TEXT NOT NULL,
    "skuCode" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "expectedAt" TIMESTAMPTZ(3) NOT NULL,
    "receivedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "InboundStock_pkey" PRIMARY KEY ("reference")
);

-- CreateTable
CREATE TABLE "TransitObservation" (
    "shipmentId" TEXT NOT NULL,
    "carrierCode" TEXT NOT NULL,
    "serviceCode" TEXT NOT NULL,
    "originCountry" CHAR(2) NOT NULL,
    "destinationCountry" CHAR(2) NOT NULL,
    "quotedDays" INTEGER NOT NULL,
    "deliveryDays" INTEGER NOT NULL,
    "handoverDay" DATE NOT NULL,
    "deliveredAt" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TransitObservation_pkey" PRIMARY KEY ("shipmentId")
);

-- CreateTable
CREATE TABLE "PromiseChange" (
    "id" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "shipmentId" TEXT,
    "reason" TEXT NOT NULL,
    "detail" TEXT,
    "oldPromisedBy" TIMESTAMPTZ(3) NOT NULL,
    "newPromisedBy" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PromiseChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BusinessClock" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "scale" DOUBLE PRECISION NOT NULL,
    "realOrigin" TIMESTAMPTZ(3) NOT NULL,
    "businessOrigin" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BusinessClock_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "InboundStock_skuCode_receivedAt_idx" ON "InboundStock"("skuCode", "receivedAt");

-- CreateIndex
CREATE INDEX "TransitObservation_carrierCode_serviceCode_createdAt_idx" ON "TransitObservation"("carrierCode", "serviceCode", "createdAt");

-- CreateIndex
CREATE INDEX "PromiseChange_orderId_idx" ON "PromiseChange"("orderId");

-- AddForeignKey
ALTER TABLE "InboundStock" ADD CONSTRAINT "InboundStock_warehouseCode_fkey" FOREIGN KEY ("warehouseCode") REFERENCES "Warehouse"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InboundStock" ADD CONSTRAINT "InboundStock_skuCode_fkey" FOREIGN KEY ("skuCode") REFERENCES "Sku"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PromiseChange" ADD CONSTRAINT "PromiseChange_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
