-- AlterEnum: a delivery parked because its subscription was disabled (410 Gone, or by the shop) or removed: never tried
-- again on its own, and no longer listed as pending for good (activities/notifications/webhook-relay.ts,
-- api/routes/webhooks). Used by the next migration: a value added in a transaction is usable only once it commits.
ALTER TYPE "WebhookDeliveryStatus" ADD VALUE 'parked';

-- AlterTable: a subscription disabled (not removed) says when and why; a removed one says when.
ALTER TABLE "WebhookSubscription" ADD COLUMN     "disabledAt" TIMESTAMPTZ(3),
ADD COLUMN     "disabledReason" TEXT,
ADD COLUMN     "removedAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "WebhookDelivery" ADD COLUMN     "parkedAt" TIMESTAMPTZ(3),
ADD COLUMN     "parkedReason" TEXT;

-- Every subscription inactive until now was removed (DELETE, or COLIS_SHOP_WEBHOOK_URL unset): the last change is when.
UPDATE "WebhookSubscription" SET "removedAt" = "updatedAt" WHERE NOT "active";
