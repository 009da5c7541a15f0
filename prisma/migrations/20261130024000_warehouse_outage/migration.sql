-- Warehouse outages: who declared a warehouse down, the trail of every change, and the shipments moved away.

-- AlterTable
ALTER TABLE "Warehouse" ADD COLUMN "downBy" TEXT;

-- CreateTable
CREATE TABLE "WarehouseAvailabilityChange" (
    "id" TEXT NOT NULL,
    "warehouseCode" TEXT NOT NULL,
    "down" BOOLEAN NOT NULL,
    "reason" TEXT,
    "changedBy" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WarehouseAvailabilityChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ShipmentReallocation" (
    "id" TEXT NOT NULL,
    "shipmentId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "fromWarehouseCode" TEXT NOT NULL,
    "toWarehouseCode" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ShipmentReallocation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "WarehouseAvailabilityChange_warehouseCode_createdAt_idx" ON "WarehouseAvailabilityChange"("warehouseCode", "createdAt");

-- CreateIndex
CREATE INDEX "ShipmentReallocation_shipmentId_idx" ON "ShipmentReallocation"("shipmentId");
