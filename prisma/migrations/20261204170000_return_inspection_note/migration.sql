-- AlterTable: what ops wrote with a return's inspection (POST /returns/{id}/inspection `note`), kept with it.
ALTER TABLE "Return" ADD COLUMN "inspectionNote" TEXT;
