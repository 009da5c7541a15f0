-- CreateTable
CREATE TABLE "ReturnLabelDocument" (
    "returnId" TEXT NOT NULL,
    "format" "LabelFormat" NOT NULL,
    "content" BYTEA NOT NULL,

    CONSTRAINT "ReturnLabelDocument_pkey" PRIMARY KEY ("returnId", "format")
);

-- AddForeignKey
ALTER TABLE "ReturnLabelDocument" ADD CONSTRAINT "ReturnLabelDocument_returnId_fkey" FOREIGN KEY ("returnId") REFERENCES "Return"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
