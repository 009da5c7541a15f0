-- Hindsight per order (the cheapest feasible choice with perfect knowledge), stored by a simulation run so the
-- fulfilment report and the process chart can show cost against it where it is known.

-- CreateTable
CREATE TABLE "OrderHindsight" (
    "orderId" TEXT NOT NULL,
    "costCents" INTEGER NOT NULL,
    "metPromise" BOOLEAN NOT NULL,
    "earliestDeliveryAt" TIMESTAMPTZ(3) NOT NULL,
    "computedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OrderHindsight_pkey" PRIMARY KEY ("orderId")
);

-- AddForeignKey
ALTER TABLE "OrderHindsight" ADD CONSTRAINT "OrderHindsight_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
