-- CreateTable: stock an accepted order was promised from and has not reserved yet, or waits for as a backorder
-- (domain/promised-stock.ts). Two orders for the last unit placed before the first reserved were both promised from it;
-- two backorders were both promised the same restock.
CREATE TABLE "PromisedStock" (
    "orderId" TEXT NOT NULL,
    "warehouseCode" TEXT NOT NULL,
    "skuCode" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "promisedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "holdUntil" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PromisedStock_pkey" PRIMARY KEY ("orderId","warehouseCode","skuCode"),
    CONSTRAINT "PromisedStock_quantity_check" CHECK ("quantity" > 0)
);

-- CreateIndex: the promise's read (this SKU, still held) and the expiry's delete.
CREATE INDEX "PromisedStock_skuCode_holdUntil_idx" ON "PromisedStock"("skuCode", "holdUntil");
CREATE INDEX "PromisedStock_holdUntil_idx" ON "PromisedStock"("holdUntil");
