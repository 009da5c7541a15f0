-- CreateIndex: each carrier's newest scans, read every few seconds by the learned scan rhythms
-- (activities/scan-rhythm.ts) without reading a month of every carrier's scans.
CREATE INDEX "TrackingEvent_carrierCode_occurredAt_idx" ON "TrackingEvent"("carrierCode", "occurredAt");
