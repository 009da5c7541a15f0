-- AlterTable: an expected restock can be called off (DELETE /inventory/inbound/{reference}): kept, no longer counted.
ALTER TABLE "InboundStock" ADD COLUMN "cancelledAt" TIMESTAMPTZ(3);
