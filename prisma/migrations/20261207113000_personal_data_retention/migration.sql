-- AlterTable: personal data is kept only as long as it is needed. An order whose journey, return window, returns,
-- escalations and claims are all over has its names, street, e-mail, phone, free texts and label files erased once
-- COLIS_PERSONAL_DATA_RETENTION_DAYS pass (or at once, when the shop asks for its customer's erasure); the time it
-- happened is kept. An ops action's stored answer is dropped once its replay window passes: the key still refuses a second
-- application, it no longer replays the answer. Both columns start empty: nothing is erased by the migration itself.
ALTER TABLE "Order" ADD COLUMN "personalDataErasedAt" TIMESTAMPTZ(3);
ALTER TABLE "OpsAction" ADD COLUMN "responseDroppedAt" TIMESTAMPTZ(3);

-- CreateIndex: the retention sweep's candidates (not erased yet, over for long enough), oldest first.
CREATE INDEX "Order_personalDataErasedAt_completedAt_idx" ON "Order"("personalDataErasedAt", "completedAt");
CREATE INDEX "OpsAction_responseDroppedAt_completedAt_idx" ON "OpsAction"("responseDroppedAt", "completedAt");
-- CreateIndex: an order's escalation pages, whose summaries name its city or street, found by key when it is erased.
CREATE INDEX "Notification_escalationId_idx" ON "Notification"("escalationId");
