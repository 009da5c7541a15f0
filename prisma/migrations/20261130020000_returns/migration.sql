-- Returns (RMA): a return per request, its lines and the inbound parcel's scans; return stock movements;
-- escalations opened by a return's workflow.
ALTER TYPE "MovementKind" ADD VALUE 'return_receipt';
ALTER TYPE "MovementKind" ADD VALUE 'write_off';
ALTER TYPE "EscalationReason" ADD VALUE 'return_stuck';
ALTER TYPE "EscalationReason" ADD VALUE 'return_late';

-- CreateEnum
CREATE TYPE "ReturnStatus" AS ENUM ('requested', 'label_created', 'in_transit', 'received', 'completed', 'expired', 'cancelled');

-- CreateEnum
CREATE TYPE "ReturnReason" AS ENUM ('damaged', 'defective', 'wrong_item', 'not_as_described', 'no_longer_needed', 'other');

-- CreateEnum
CREATE TYPE "ReturnChannel" AS ENUM ('customer', 'shop', 'ops');

-- AlterTable
ALTER TABLE "Escalation" ADD COLUMN     "returnId" TEXT;

-- CreateTable
CREATE TABLE "Return" (
    "id" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "channel" "ReturnChannel" NOT NULL,
    "requestedBy" TEXT NOT NULL,
    "reason" "ReturnReason" NOT NULL,
    "comment" TEXT,
    "status" "ReturnStatus" NOT NULL DEFAULT 'requested',
    "warehouseCode" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "startedAt" TIMESTAMPTZ(3),
    "carrierCode" TEXT,
    "serviceCode" TEXT,
    "carrierLabelId" TEXT,
    "trackingNumber" TEXT,
    "labelUrl" TEXT,
    "labelCostCents" INTEGER,
    "labelPurchasedAt" TIMESTAMPTZ(3),
    "labelExpiresAt" TIMESTAMPTZ(3),
    "labelVoidedAt" TIMESTAMPTZ(3),
    "lastScanAt" TIMESTAMPTZ(3),
    "receivedAt" TIMESTAMPTZ(3),
    "inspectedAt" TIMESTAMPTZ(3),
    "inspectedBy" TEXT,
    "refundCents" INTEGER,
    "currency" CHAR(3) NOT NULL,
    "closedAt" TIMESTAMPTZ(3),
    "closeReason" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Return_pkey" PRIMARY KEY ("id")
);
-- CreateTable
CREATE TABLE "ReturnLine" (
    "returnId" TEXT NOT NULL,
    "lineNo" INTEGER NOT NULL,
    "orderLineId" TEXT NOT NULL,
    "skuCode" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "unitPriceCents" INTEGER NOT NULL,
    "restocked" INTEGER,
    "writtenOff" INTEGER,

    CONSTRAINT "ReturnLine_pkey" PRIMARY KEY ("returnId", "lineNo")
);
-- CreateTable
CREATE TABLE "ReturnScan" (
    "id" TEXT NOT NULL,
    "returnId" TEXT NOT NULL,
    "carrierCode" TEXT NOT NULL,
    "carrierEventId" TEXT NOT NULL,
    "trackingNumber" TEXT NOT NULL,
    "status" "TrackingStatus" NOT NULL,
    "detail" TEXT,
    "location" TEXT,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "source" "TrackingSource" NOT NULL,

    CONSTRAINT "ReturnScan_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Return_idempotencyKey_key" ON "Return"("idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "Return_workflowId_key" ON "Return"("workflowId");

-- CreateIndex
CREATE UNIQUE INDEX "Return_trackingNumber_key" ON "Return"("trackingNumber");

-- CreateIndex
CREATE INDEX "Return_orderId_idx" ON "Return"("orderId");

-- CreateIndex
CREATE INDEX "Return_status_createdAt_idx" ON "Return"("status", "createdAt");

-- CreateIndex
CREATE INDEX "ReturnLine_orderLineId_idx" ON "ReturnLine"("orderLineId");

-- CreateIndex
CREATE INDEX "ReturnScan_returnId_occurredAt_idx" ON "ReturnScan"("returnId", "occurredAt");

-- CreateIndex
CREATE UNIQUE INDEX "ReturnScan_carrierCode_carrierEventId_key" ON "ReturnScan"("carrierCode", "carrierEventId");

-- AddForeignKey
ALTER TABLE "Return" ADD CONSTRAINT "Return_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Return" ADD CONSTRAINT "Return_warehouseCode_fkey" FOREIGN KEY ("warehouseCode") REFERENCES "Warehouse"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReturnLine" ADD CONSTRAINT "ReturnLine_returnId_fkey" FOREIGN KEY ("returnId") REFERENCES "Return"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReturnLine" ADD CONSTRAINT "ReturnLine_orderLineId_fkey" FOREIGN KEY ("orderLineId") REFERENCES "OrderLine"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReturnLine" ADD CONSTRAINT "ReturnLine_skuCode_fkey" FOREIGN KEY ("skuCode") REFERENCES "Sku"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReturnScan" ADD CONSTRAINT "ReturnScan_returnId_fkey" FOREIGN KEY ("returnId") REFERENCES "Return"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
