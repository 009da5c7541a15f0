-- CreateTable
CREATE TABLE "OrderIntake" (
    "orderId" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "submittedBy" TEXT NOT NULL,
    "input" JSONB NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL,
    "startedAt" TIMESTAMPTZ(3),
    "startAttempts" INTEGER NOT NULL DEFAULT 0,
    "lastStartError" TEXT,

    CONSTRAINT "OrderIntake_pkey" PRIMARY KEY ("orderId")
);

-- CreateIndex
CREATE UNIQUE INDEX "OrderIntake_workflowId_key" ON "OrderIntake"("workflowId");

-- CreateIndex
CREATE UNIQUE INDEX "OrderIntake_idempotencyKey_key" ON "OrderIntake"("idempotencyKey");

-- CreateIndex
CREATE INDEX "OrderIntake_startedAt_receivedAt_idx" ON "OrderIntake"("startedAt", "receivedAt");
