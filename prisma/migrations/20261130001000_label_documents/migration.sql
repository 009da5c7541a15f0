-- CreateEnum
CREATE TYPE "LabelFormat" AS ENUM ('pdf', 'zpl');

-- CreateTable
CREATE TABLE "LabelDocument" (
    "labelId" TEXT NOT NULL,
    "format" "LabelFormat" NOT NULL,
    "content" BYTEA NOT NULL,

    CONSTRAINT "LabelDocument_pkey" PRIMARY KEY ("labelId", "format")
);

-- AddForeignKey
ALTER TABLE "LabelDocument" ADD CONSTRAINT "LabelDocument_labelId_fkey" FOREIGN KEY ("labelId") REFERENCES "Label"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
