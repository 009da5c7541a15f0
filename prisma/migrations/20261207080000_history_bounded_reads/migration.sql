-- CreateIndex: reads that were scanning every row in history (a shop's months of orders, shipments and stage visits)
-- when they ask for a window of time or a few rows; measured on a seeded half-year (bench/RESULTS.md, stop 51).
-- The process chart (/ops, every 15 s per open tab): stage visits ending or starting in the window.
CREATE INDEX "StageTiming_endedAt_idx" ON "StageTiming"("endedAt");
CREATE INDEX "StageTiming_startedAt_idx" ON "StageTiming"("startedAt");
-- The fulfilment report: shipments shipped, packed or delivered, orders completed, labels bought in the window.
CREATE INDEX "Shipment_shippedAt_idx" ON "Shipment"("shippedAt");
CREATE INDEX "Shipment_packedAt_idx" ON "Shipment"("packedAt");
CREATE INDEX "Shipment_deliveredAt_idx" ON "Shipment"("deliveredAt");
CREATE INDEX "Order_completedAt_idx" ON "Order"("completedAt");
CREATE INDEX "Label_purchasedAt_idx" ON "Label"("purchasedAt");
-- GET /orders: the newest orders first, a page at a time.
CREATE INDEX "Order_createdAt_id_idx" ON "Order"("createdAt", "id");
-- A shipment's escalations (each pick start asks whether it already ended) and its stock movements (a returned parcel).
CREATE INDEX "Escalation_shipmentId_idx" ON "Escalation"("shipmentId");
CREATE INDEX "InventoryMovement_shipmentId_idx" ON "InventoryMovement"("shipmentId");
-- GET /orders: the accepted orders whose Order row is not written yet, without asking every intake ever received.
ALTER TABLE "OrderIntake" ADD COLUMN "recordedAt" TIMESTAMPTZ(3);
UPDATE "OrderIntake" i SET "recordedAt" = o."createdAt" FROM "Order" o WHERE o.id = i."orderId";
CREATE INDEX "OrderIntake_recordedAt_receivedAt_idx" ON "OrderIntake"("recordedAt", "receivedAt");
