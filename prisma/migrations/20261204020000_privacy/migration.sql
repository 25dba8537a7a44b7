-- Operators (issue 12, item 8): data retention and people's rights.

-- One row per retention period: the instance that inserts it runs that period's purge (the
-- primary key is the lock, which also works behind a transaction-pooling PgBouncer) and records
-- what it removed.
CREATE TABLE "retention_runs" (
    "period" BIGINT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "finished_at" TIMESTAMPTZ(3),
    "instance" TEXT NOT NULL,
    "removed" JSONB,
    CONSTRAINT "retention_runs_pkey" PRIMARY KEY ("period")
);

-- When a closed SOS's exact location was coarsened to about 1 km.
ALTER TABLE "sos_requests" ADD COLUMN "location_coarsened_at" TIMESTAMPTZ(3);
CREATE INDEX "sos_requests_client_ip_idx" ON "sos_requests" ("created_at") WHERE "client_ip" IS NOT NULL;
CREATE INDEX "sos_requests_to_coarsen_idx" ON "sos_requests" ("closed_at") WHERE "closed_at" IS NOT NULL AND "location_coarsened_at" IS NULL;
CREATE INDEX "sos_requests_closed_idx" ON "sos_requests" ("closed_at") WHERE "closed_at" IS NOT NULL;
CREATE INDEX "refresh_tokens_expires_idx" ON "refresh_tokens" ("expires_at");

-- The requester of every SOS whose person deleted their account: the volunteers who helped keep
-- their history, without anyone's identity. It has no credential: nobody can sign in as it.
INSERT INTO "users" ("id", "email", "display_name", "role", "updated_at")
VALUES ('00000000-0000-0000-0000-000000000000', 'deleted-accounts@careconnect.invalid', 'Deleted account', 'USER', now());

-- The audit log stays append-only but for one change: retention removing a client IP address
-- (kept RETENTION_CLIENT_IP_DAYS) from an entry's details, with everything else as it was.
CREATE OR REPLACE FUNCTION "audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
       AND NEW.kind = OLD.kind AND NEW.subject_type = OLD.subject_type AND NEW.subject_id IS NOT DISTINCT FROM OLD.subject_id
       AND OLD.details ? 'clientIp' AND NEW.details = OLD.details - 'clientIp' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
