-- CreateTable
CREATE TABLE "AddressCorrection" (
    "id" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "occasion" TEXT NOT NULL,
    "validator" TEXT NOT NULL,
    "fields" JSONB NOT NULL,
    "original" JSONB NOT NULL,
    "corrected" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AddressCorrection_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AddressCorrection_orderId_createdAt_idx" ON "AddressCorrection"("orderId", "createdAt");
