-- Carrier choice by late risk: what each shipment paid over the cheapest quote, and the learned on-time
-- probability of the service it booked.

-- AlterTable
ALTER TABLE "Shipment" ADD COLUMN "riskPremiumCents" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "bookedOnTimeProbability" DOUBLE PRECISION;
