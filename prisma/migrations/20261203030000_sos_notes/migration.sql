-- Operators (issue 12): staff-only notes on an SOS (not in its seq'd timeline, which everyone
-- who follows the SOS replays).
CREATE TABLE "sos_notes" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "sos_id" UUID NOT NULL,
    "author_id" UUID,
    "text" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "sos_notes_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "sos_notes_sos_id_fkey" FOREIGN KEY ("sos_id") REFERENCES "sos_requests"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "sos_notes_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE INDEX "sos_notes_sos_id_at_idx" ON "sos_notes" ("sos_id", "at");
