-- DropIndex/CreateIndex: a tracking number names a parcel for as long as it travels, not for good. Carriers recycle their
-- numbers, and two carriers may issue the same one: a second label under a number already stored failed its write
-- (unique violation) on every retry, and its shipment stayed in `booking` for ever, its cancel unanswered. Scans are
-- looked up by carrier and number, and go to the newest label (api/services/carrier-scans.ts).
DROP INDEX "Label_trackingNumber_key";
CREATE INDEX "Label_carrierCode_trackingNumber_idx" ON "Label"("carrierCode", "trackingNumber");
DROP INDEX "Return_trackingNumber_key";
CREATE INDEX "Return_carrierCode_trackingNumber_idx" ON "Return"("carrierCode", "trackingNumber");
