-- Re-ship that re-fulfils: a replacement shipment names the one it replaces; a carrier claim per re-shipped parcel.

-- CreateEnum
CREATE TYPE "CarrierClaimStatus" AS ENUM ('open', 'submitted', 'paid', 'refused');

-- CreateEnum
CREATE TYPE "CarrierClaimReason" AS ENUM ('lost', 'damaged');


-- AlterTable
ALTER TABLE "Shipment" ADD COLUMN     "replacesShipmentId" TEXT;

-- CreateTable
CREATE TABLE "CarrierClaim" (
    "id" TEXT NOT NULL,
    "shipmentId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "carrierCode" TEXT NOT NULL,
    "trackingNumber" TEXT NOT NULL,
    "reason" "CarrierClaimReason" NOT NULL,
    "amountCents" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "status" "CarrierClaimStatus" NOT NULL DEFAULT 'open',
    "updatedBy" TEXT NOT NULL,
    "note" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CarrierClaim_pkey" PRIMARY KEY ("id")
);


-- CreateIndex
CREATE INDEX "Shipment_replacesShipmentId_idx" ON "Shipment"("replacesShipmentId");

-- CreateIndex
CREATE UNIQUE INDEX "CarrierClaim_shipmentId_key" ON "CarrierClaim"("shipmentId");

-- CreateIndex
CREATE INDEX "CarrierClaim_status_idx" ON "CarrierClaim"("status");

-- CreateIndex
CREATE INDEX "CarrierClaim_orderId_idx" ON "CarrierClaim"("orderId");
