-- AlterTable
ALTER TABLE "OrderIntake" ADD COLUMN     "nextStartAt" TIMESTAMPTZ(3);
