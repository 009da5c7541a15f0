-- CreateEnum
CREATE TYPE "ServiceLevel" AS ENUM ('economy', 'standard', 'express');

-- CreateEnum
CREATE TYPE "BackorderPolicy" AS ENUM ('backorder', 'ship_available');

-- CreateEnum
CREATE TYPE "OrderStatus" AS ENUM ('received', 'reserving', 'backordered', 'fulfilling', 'completed', 'cancelled', 'failed');

-- CreateEnum
CREATE TYPE "ReservationStatus" AS ENUM ('held', 'released', 'consumed');

-- CreateEnum
CREATE TYPE "ShipmentStatus" AS ENUM ('planned', 'picking', 'packing', 'rating', 'booked', 'label_created', 'in_transit', 'out_for_delivery', 'delivered', 'available_for_pickup', 'delivery_failed', 'exception', 'returned_to_sender', 'lost', 'cancelled', 'refunded');

-- CreateEnum
CREATE TYPE "MovementKind" AS ENUM ('receipt', 'reserve', 'release', 'ship', 'adjust');

-- CreateEnum
CREATE TYPE "LabelStatus" AS ENUM ('purchased', 'voided');

-- CreateEnum
CREATE TYPE "TrackingStatus" AS ENUM ('label_created', 'in_transit', 'out_for_delivery', 'delivered', 'available_for_pickup', 'delivery_failed', 'exception', 'returned_to_sender', 'lost');

-- CreateEnum
CREATE TYPE "TrackingSource" AS ENUM ('webhook', 'poll');

-- CreateEnum
CREATE TYPE "EscalationReason" AS ENUM ('stuck', 'late', 'broken', 'no_carrier', 'backorder_deadline');

-- CreateEnum
CREATE TYPE "EscalationSeverity" AS ENUM ('low', 'medium', 'high', 'critical');

-- CreateEnum
CREATE TYPE "EscalationStatus" AS ENUM ('open', 'resolved');

-- CreateEnum
CREATE TYPE "EscalationDecision" AS ENUM ('wait', 'reship', 'refund', 'cancel', 'ship_available');

-- CreateEnum
CREATE TYPE "StageOutcome" AS ENUM ('ok', 'failed', 'escalated', 'cancelled');

-- CreateEnum
CREATE TYPE "ApiRole" AS ENUM ('intake', 'ops', 'carrier');

-- CreateTable
CREATE TABLE "Customer" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Address" (
    "id" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "line1" TEXT NOT NULL,
    "line2" TEXT,
    "city" TEXT NOT NULL,
    "region" TEXT,
    "postalCode" TEXT NOT NULL,
    "countryCode" CHAR(2) NOT NULL,
    "phone" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Address_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Warehouse" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "city" TEXT NOT NULL,
    "postalCode" TEXT NOT NULL,
    "countryCode" CHAR(2) NOT NULL,
    "timeZone" TEXT NOT NULL,
    "cutoffLocalTime" TEXT NOT NULL,
    "dailyCapacityShipments" INTEGER NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Warehouse_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "WarehouseCapacityDay" (
    "warehouseCode" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "booked" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "WarehouseCapacityDay_pkey" PRIMARY KEY ("warehouseCode", "day")
);

-- CreateTable
CREATE TABLE "Sku" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "weightGrams" INTEGER NOT NULL,
    "lengthMm" INTEGER NOT NULL,
    "widthMm" INTEGER NOT NULL,
    "heightMm" INTEGER NOT NULL,
    "unitPriceCents" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Sku_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "InventoryLevel" (
    "warehouseCode" TEXT NOT NULL,
    "skuCode" TEXT NOT NULL,
    "onHand" INTEGER NOT NULL,
    "reserved" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "InventoryLevel_pkey" PRIMARY KEY ("warehouseCode", "skuCode")
);

-- CreateTable
CREATE TABLE "InventoryMovement" (
    "id" BIGSERIAL NOT NULL,
    "warehouseCode" TEXT NOT NULL,
    "skuCode" TEXT NOT NULL,
    "kind" "MovementKind" NOT NULL,
    "onHandDelta" INTEGER NOT NULL,
    "reservedDelta" INTEGER NOT NULL,
    "orderId" TEXT,
    "shipmentId" TEXT,
    "idempotencyKey" TEXT NOT NULL,
    "note" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "InventoryMovement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Order" (
    "id" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "shippingAddressId" TEXT NOT NULL,
    "status" "OrderStatus" NOT NULL DEFAULT 'received',
    "serviceLevel" "ServiceLevel" NOT NULL,
    "backorderPolicy" "BackorderPolicy" NOT NULL,
    "promisedBy" TIMESTAMPTZ(3) NOT NULL,
    "backorderDeadline" TIMESTAMPTZ(3),
    "workflowId" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "packagingCostCents" INTEGER NOT NULL DEFAULT 0,
    "shippingCostCents" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Order_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OrderLine" (
    "id" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "lineNo" INTEGER NOT NULL,
    "skuCode" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,

    CONSTRAINT "OrderLine_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Reservation" (
    "id" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "orderLineId" TEXT NOT NULL,
    "warehouseCode" TEXT NOT NULL,
    "skuCode" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "status" "ReservationStatus" NOT NULL DEFAULT 'held',
    "shipmentId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "releasedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Reservation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Shipment" (
    "id" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "warehouseCode" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "status" "ShipmentStatus" NOT NULL DEFAULT 'planned',
    "promisedBy" TIMESTAMPTZ(3) NOT NULL,
    "pickDay" DATE,
    "carrierCode" TEXT,
    "serviceCode" TEXT,
    "trackingNumber" TEXT,
    "estimatedDeliveryAt" TIMESTAMPTZ(3),
    "promiseMiss" BOOLEAN NOT NULL DEFAULT false,
    "packagingCostCents" INTEGER NOT NULL DEFAULT 0,
    "shippingCostCents" INTEGER NOT NULL DEFAULT 0,
    "fastestCostCents" INTEGER,
    "pickedAt" TIMESTAMPTZ(3),
    "packedAt" TIMESTAMPTZ(3),
    "shippedAt" TIMESTAMPTZ(3),
    "deliveredAt" TIMESTAMPTZ(3),
    "lastScanAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Shipment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ShipmentLine" (
    "shipmentId" TEXT NOT NULL,
    "orderLineId" TEXT NOT NULL,
    "skuCode" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,

    CONSTRAINT "ShipmentLine_pkey" PRIMARY KEY ("shipmentId", "orderLineId")
);

-- CreateTable
CREATE TABLE "BoxType" (
    "id" TEXT NOT NULL,
    "warehouseCode" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "innerLengthMm" INTEGER NOT NULL,
    "innerWidthMm" INTEGER NOT NULL,
    "innerHeightMm" INTEGER NOT NULL,
    "maxWeightGrams" INTEGER NOT NULL,
    "tareWeightGrams" INTEGER NOT NULL,
    "costCents" INTEGER NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "BoxType_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Package" (
    "id" TEXT NOT NULL,
    "shipmentId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "boxTypeId" TEXT,
    "lengthMm" INTEGER NOT NULL,
    "widthMm" INTEGER NOT NULL,
    "heightMm" INTEGER NOT NULL,
    "weightGrams" INTEGER NOT NULL,
    "billableWeightGrams" INTEGER NOT NULL,
    "contents" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Package_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Carrier" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "reliability" DOUBLE PRECISION NOT NULL,
    "supportsWebhooks" BOOLEAN NOT NULL DEFAULT true,
    "active" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "Carrier_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "CarrierService" (
    "carrierCode" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "level" "ServiceLevel" NOT NULL,
    "stallWindowHours" INTEGER NOT NULL,

    CONSTRAINT "CarrierService_pkey" PRIMARY KEY ("carrierCode", "code")
);

-- CreateTable
CREATE TABLE "Label" (
    "id" TEXT NOT NULL,
    "shipmentId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "carrierCode" TEXT NOT NULL,
    "serviceCode" TEXT NOT NULL,
    "carrierLabelId" TEXT NOT NULL,
    "trackingNumber" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "amountCents" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "status" "LabelStatus" NOT NULL DEFAULT 'purchased',
    "labelUrl" TEXT,
    "purchasedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "voidedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Label_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TrackingEvent" (
    "id" TEXT NOT NULL,
    "shipmentId" TEXT NOT NULL,
    "carrierCode" TEXT NOT NULL,
    "carrierEventId" TEXT NOT NULL,
    "trackingNumber" TEXT NOT NULL,
    "carrierStatusCode" TEXT NOT NULL,
    "status" "TrackingStatus" NOT NULL,
    "detail" TEXT,
    "location" TEXT,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "source" "TrackingSource" NOT NULL,

    CONSTRAINT "TrackingEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Escalation" (
    "id" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "shipmentId" TEXT,
    "reason" "EscalationReason" NOT NULL,
    "severity" "EscalationSeverity" NOT NULL,
    "status" "EscalationStatus" NOT NULL DEFAULT 'open',
    "detail" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "openedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "escalatedAt" TIMESTAMPTZ(3),
    "resolvedAt" TIMESTAMPTZ(3),
    "decision" "EscalationDecision",
    "resolvedBy" TEXT,
    "note" TEXT,

    CONSTRAINT "Escalation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Notification" (
    "id" TEXT NOT NULL,
    "escalationId" TEXT,
    "channel" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "deliveredAt" TIMESTAMPTZ(3),
    "lastError" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StageTiming" (
    "id" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "shipmentId" TEXT,
    "stage" TEXT NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL,
    "endedAt" TIMESTAMPTZ(3),
    "outcome" "StageOutcome",
    "costCents" INTEGER,
    "dedupeKey" TEXT NOT NULL,

    CONSTRAINT "StageTiming_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" "ApiRole" NOT NULL,
    "keyHash" TEXT NOT NULL,
    "carrierCode" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Address_customerId_idx" ON "Address"("customerId");

-- CreateIndex
CREATE INDEX "InventoryLevel_skuCode_idx" ON "InventoryLevel"("skuCode");

-- CreateIndex
CREATE UNIQUE INDEX "InventoryMovement_idempotencyKey_key" ON "InventoryMovement"("idempotencyKey");

-- CreateIndex
CREATE INDEX "InventoryMovement_warehouseCode_skuCode_idx" ON "InventoryMovement"("warehouseCode", "skuCode");

-- CreateIndex
CREATE INDEX "InventoryMovement_orderId_idx" ON "InventoryMovement"("orderId");

-- CreateIndex
CREATE UNIQUE INDEX "Order_idempotencyKey_key" ON "Order"("idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "Order_workflowId_key" ON "Order"("workflowId");

-- CreateIndex
CREATE INDEX "Order_status_createdAt_idx" ON "Order"("status", "createdAt");

-- CreateIndex
CREATE INDEX "Order_customerId_createdAt_idx" ON "Order"("customerId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "OrderLine_orderId_lineNo_key" ON "OrderLine"("orderId", "lineNo");

-- CreateIndex
CREATE INDEX "Reservation_orderId_idx" ON "Reservation"("orderId");

-- CreateIndex
CREATE INDEX "Reservation_warehouseCode_skuCode_status_idx" ON "Reservation"("warehouseCode", "skuCode", "status");

-- CreateIndex
CREATE UNIQUE INDEX "Shipment_workflowId_key" ON "Shipment"("workflowId");

-- CreateIndex
CREATE INDEX "Shipment_status_idx" ON "Shipment"("status");

-- CreateIndex
CREATE UNIQUE INDEX "Shipment_orderId_seq_key" ON "Shipment"("orderId", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "BoxType_warehouseCode_code_key" ON "BoxType"("warehouseCode", "code");

-- CreateIndex
CREATE UNIQUE INDEX "Package_shipmentId_seq_key" ON "Package"("shipmentId", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "Label_trackingNumber_key" ON "Label"("trackingNumber");

-- CreateIndex
CREATE UNIQUE INDEX "Label_idempotencyKey_key" ON "Label"("idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "Label_shipmentId_attempt_key" ON "Label"("shipmentId", "attempt");

-- CreateIndex
CREATE INDEX "TrackingEvent_shipmentId_occurredAt_idx" ON "TrackingEvent"("shipmentId", "occurredAt");

-- CreateIndex
CREATE INDEX "TrackingEvent_trackingNumber_idx" ON "TrackingEvent"("trackingNumber");

-- CreateIndex
CREATE UNIQUE INDEX "TrackingEvent_carrierCode_carrierEventId_key" ON "TrackingEvent"("carrierCode", "carrierEventId");

-- CreateIndex
CREATE UNIQUE INDEX "Escalation_dedupeKey_key" ON "Escalation"("dedupeKey");

-- CreateIndex
CREATE INDEX "Escalation_status_severity_idx" ON "Escalation"("status", "severity");

-- CreateIndex
CREATE INDEX "Escalation_orderId_idx" ON "Escalation"("orderId");

-- CreateIndex
CREATE UNIQUE INDEX "Notification_dedupeKey_key" ON "Notification"("dedupeKey");

-- CreateIndex
CREATE UNIQUE INDEX "StageTiming_dedupeKey_key" ON "StageTiming"("dedupeKey");

-- CreateIndex
CREATE INDEX "StageTiming_stage_startedAt_idx" ON "StageTiming"("stage", "startedAt");

-- CreateIndex
CREATE INDEX "StageTiming_orderId_idx" ON "StageTiming"("orderId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_name_key" ON "ApiKey"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_keyHash_key" ON "ApiKey"("keyHash");

-- AddForeignKey
ALTER TABLE "Address" ADD CONSTRAINT "Address_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WarehouseCapacityDay" ADD CONSTRAINT "WarehouseCapacityDay_warehouseCode_fkey" FOREIGN KEY ("warehouseCode") REFERENCES "Warehouse"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InventoryLevel" ADD CONSTRAINT "InventoryLevel_warehouseCode_fkey" FOREIGN KEY ("warehouseCode") REFERENCES "Warehouse"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InventoryLevel" ADD CONSTRAINT "InventoryLevel_skuCode_fkey" FOREIGN KEY ("skuCode") REFERENCES "Sku"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InventoryMovement" ADD CONSTRAINT "InventoryMovement_warehouseCode_fkey" FOREIGN KEY ("warehouseCode") REFERENCES "Warehouse"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InventoryMovement" ADD CONSTRAINT "InventoryMovement_skuCode_fkey" FOREIGN KEY ("skuCode") REFERENCES "Sku"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Order" ADD CONSTRAINT "Order_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Order" ADD CONSTRAINT "Order_shippingAddressId_fkey" FOREIGN KEY ("shippingAddressId") REFERENCES "Address"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OrderLine" ADD CONSTRAINT "OrderLine_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OrderLine" ADD CONSTRAINT "OrderLine_skuCode_fkey" FOREIGN KEY ("skuCode") REFERENCES "Sku"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Reservation" ADD CONSTRAINT "Reservation_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Reservation" ADD CONSTRAINT "Reservation_orderLineId_fkey" FOREIGN KEY ("orderLineId") REFERENCES "OrderLine"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Reservation" ADD CONSTRAINT "Reservation_warehouseCode_fkey" FOREIGN KEY ("warehouseCode") REFERENCES "Warehouse"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Reservation" ADD CONSTRAINT "Reservation_skuCode_fkey" FOREIGN KEY ("skuCode") REFERENCES "Sku"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Shipment" ADD CONSTRAINT "Shipment_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Shipment" ADD CONSTRAINT "Shipment_warehouseCode_fkey" FOREIGN KEY ("warehouseCode") REFERENCES "Warehouse"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ShipmentLine" ADD CONSTRAINT "ShipmentLine_shipmentId_fkey" FOREIGN KEY ("shipmentId") REFERENCES "Shipment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ShipmentLine" ADD CONSTRAINT "ShipmentLine_orderLineId_fkey" FOREIGN KEY ("orderLineId") REFERENCES "OrderLine"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BoxType" ADD CONSTRAINT "BoxType_warehouseCode_fkey" FOREIGN KEY ("warehouseCode") REFERENCES "Warehouse"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Package" ADD CONSTRAINT "Package_shipmentId_fkey" FOREIGN KEY ("shipmentId") REFERENCES "Shipment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Package" ADD CONSTRAINT "Package_boxTypeId_fkey" FOREIGN KEY ("boxTypeId") REFERENCES "BoxType"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CarrierService" ADD CONSTRAINT "CarrierService_carrierCode_fkey" FOREIGN KEY ("carrierCode") REFERENCES "Carrier"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Label" ADD CONSTRAINT "Label_shipmentId_fkey" FOREIGN KEY ("shipmentId") REFERENCES "Shipment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrackingEvent" ADD CONSTRAINT "TrackingEvent_shipmentId_fkey" FOREIGN KEY ("shipmentId") REFERENCES "Shipment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Escalation" ADD CONSTRAINT "Escalation_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Escalation" ADD CONSTRAINT "Escalation_shipmentId_fkey" FOREIGN KEY ("shipmentId") REFERENCES "Shipment"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Notification" ADD CONSTRAINT "Notification_escalationId_fkey" FOREIGN KEY ("escalationId") REFERENCES "Escalation"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StageTiming" ADD CONSTRAINT "StageTiming_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Invariants Prisma's schema language cannot state. Stock can never go negative or be sold twice:
-- the database refuses it even if application code were wrong.
ALTER TABLE "InventoryLevel" ADD CONSTRAINT "InventoryLevel_stock_check" CHECK ("onHand" >= 0 AND "reserved" >= 0 AND "reserved" <= "onHand");
ALTER TABLE "OrderLine" ADD CONSTRAINT "OrderLine_quantity_check" CHECK ("quantity" > 0);
ALTER TABLE "Reservation" ADD CONSTRAINT "Reservation_quantity_check" CHECK ("quantity" > 0);
ALTER TABLE "WarehouseCapacityDay" ADD CONSTRAINT "WarehouseCapacityDay_booked_check" CHECK ("booked" >= 0);
