-- CreateIndex: GET /returns unfiltered (/ops/returns, "every return"): the newest returns first, a page at a time, read
-- from the index rather than sorting every return ever started for each page.
CREATE INDEX "Return_createdAt_id_idx" ON "Return"("createdAt", "id");
