-- AlterTable
ALTER TABLE "Label" ADD COLUMN     "costCents" INTEGER;
