-- The deliveries a removed subscription left pending for good (nothing tried them since it was removed): parked.
UPDATE "WebhookDelivery" AS "d" SET "status" = 'parked', "parkedAt" = "s"."removedAt", "parkedReason" = 'subscription_removed',
  "leaseUntil" = NULL
FROM "WebhookSubscription" AS "s"
WHERE "s"."id" = "d"."subscriptionId" AND "s"."removedAt" IS NOT NULL AND "d"."status" = 'pending';
