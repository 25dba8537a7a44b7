-- Operators (issue 12): the audit log, append-only, and the volunteer verification queue.

-- Who did what to whom. No foreign keys: an entry outlives the accounts it names, and a cascade
-- would be an UPDATE or DELETE, which the triggers below refuse.
CREATE TABLE "audit_events" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "actor_id" UUID,
    "kind" TEXT NOT NULL,
    "subject_type" TEXT NOT NULL,
    "subject_id" UUID,
    "details" JSONB NOT NULL DEFAULT '{}',
    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "audit_events_at_idx" ON "audit_events" ("at" DESC, "id" DESC);
CREATE INDEX "audit_events_actor_idx" ON "audit_events" ("actor_id", "at" DESC);
CREATE INDEX "audit_events_subject_idx" ON "audit_events" ("subject_id", "at" DESC);
CREATE INDEX "audit_events_kind_idx" ON "audit_events" ("kind", "at" DESC);

-- Append-only for whoever connects, the API's own role included: the API has no path that
-- changes an entry, and a bug or an injected statement cannot add one.
CREATE FUNCTION "audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER "audit_events_no_change" BEFORE UPDATE OR DELETE ON "audit_events" FOR EACH ROW EXECUTE FUNCTION "audit_events_append_only"();
CREATE TRIGGER "audit_events_no_truncate" BEFORE TRUNCATE ON "audit_events" FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_append_only"();

-- A volunteer an admin turned down: out of the verification queue and never alerted.
ALTER TABLE "volunteer_profiles" ADD COLUMN "rejected_at" TIMESTAMPTZ(3), ADD COLUMN "rejection_reason" TEXT;
-- The verification queue: unverified, not rejected, oldest first.
CREATE INDEX "volunteer_profiles_pending_idx" ON "volunteer_profiles" ("created_at", "id") WHERE "verified" = false AND "rejected_at" IS NULL;
