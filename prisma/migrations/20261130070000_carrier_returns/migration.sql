-- AlterEnum
ALTER TYPE "ReturnReason" ADD VALUE 'returned_to_sender';

-- AlterEnum
ALTER TYPE "ReturnChannel" ADD VALUE 'carrier';

-- AlterTable
ALTER TABLE "Return" ADD COLUMN     "customerSettledBy" TEXT,
ADD COLUMN     "shipmentId" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Return_shipmentId_key" ON "Return"("shipmentId");
