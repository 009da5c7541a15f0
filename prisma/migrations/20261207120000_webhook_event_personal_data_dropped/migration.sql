-- AlterTable: when the retention sweep dropped a webhook event's personal keys (or found it had none), once every
-- subscription received it and its replay window passed; set too when its order's personal data is erased. The sweep's
-- candidates are the events where it is still empty: it used to pick them by what their payload still held, a test no
-- index answers, and read every event ever written each hour even when none qualified. Empty at first: the next passes
-- go through the events written before, in batches, once.
ALTER TABLE "WebhookEvent" ADD COLUMN "personalDataDroppedAt" TIMESTAMPTZ(3);

-- CreateIndex: the sweep's candidates (not dropped yet, older than the replay window), read by range.
CREATE INDEX "WebhookEvent_personalDataDroppedAt_createdAt_idx" ON "WebhookEvent"("personalDataDroppedAt", "createdAt");
