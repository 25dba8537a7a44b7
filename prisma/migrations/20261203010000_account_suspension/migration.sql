-- Operators (issue 12): suspended accounts. Suspended from suspended_at until suspended_until
-- (NULL: until an admin reinstates them); reinstating clears all three.
ALTER TABLE "users"
    ADD COLUMN "suspended_at" TIMESTAMPTZ(3),
    ADD COLUMN "suspended_until" TIMESTAMPTZ(3),
    ADD COLUMN "suspension_reason" TEXT;
-- Instances catching up after a pub/sub outage look for recent suspensions.
CREATE INDEX "users_suspended_at_idx" ON "users" ("suspended_at") WHERE "suspended_at" IS NOT NULL;
