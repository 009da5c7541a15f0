-- CreateTable
CREATE TABLE "OpsAction" (
    "id" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "idempotencyKey" TEXT,
    "requestHash" TEXT NOT NULL,
    "status" INTEGER,
    "response" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMPTZ(3),

    CONSTRAINT "OpsAction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EscalationClaim" (
    "escalationId" TEXT NOT NULL,
    "actionId" TEXT NOT NULL,
    "decision" "EscalationDecision" NOT NULL,
    "actor" TEXT NOT NULL,
    "claimedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "appliedAt" TIMESTAMPTZ(3),

    CONSTRAINT "EscalationClaim_pkey" PRIMARY KEY ("escalationId")
);

-- CreateIndex
CREATE INDEX "OpsAction_targetId_createdAt_idx" ON "OpsAction"("targetId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "OpsAction_actor_idempotencyKey_key" ON "OpsAction"("actor", "idempotencyKey");
