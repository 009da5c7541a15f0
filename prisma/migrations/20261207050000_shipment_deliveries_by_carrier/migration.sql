-- CreateIndex: each carrier's most recent deliveries, read every few seconds by the learned delivery rounds
-- (activities/delivery-rounds.ts) without reading a month of every carrier's shipments.
CREATE INDEX "Shipment_carrierCode_deliveredAt_idx" ON "Shipment"("carrierCode", "deliveredAt");
