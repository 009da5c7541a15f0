-- AlterTable: why a cancelled or failed order ended, kept once its workflow has closed (the order view read from
-- the database said "cancelled" with no reason: activities/stage-timing.ts, api/services/views.ts).
ALTER TABLE "Order" ADD COLUMN     "endReason" TEXT;
