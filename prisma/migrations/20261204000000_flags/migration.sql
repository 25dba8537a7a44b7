-- Operators (issue 12, item 1): review flags become rows with a history, which staff resolve.
-- The subjects keep a `flagged_for_review` boolean (an open flag exists) for cheap reads and
-- filters; the moderation module keeps it true while a flag of theirs is open.
CREATE TABLE "flags" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "kind" TEXT NOT NULL,
    "subject_type" TEXT NOT NULL,
    "subject_id" UUID NOT NULL,
    -- The person concerned (the user, the volunteer's account, the SOS's requester): whom a SUSPEND suspends.
    "person_id" UUID,
    "state" TEXT NOT NULL DEFAULT 'OPEN',
    "evidence" JSONB NOT NULL DEFAULT '{}',
    "raised_count" INTEGER NOT NULL DEFAULT 1,
    "opened_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "resolved_at" TIMESTAMPTZ(3),
    "resolved_by" UUID,
    "action" TEXT,
    "note" TEXT,
    CONSTRAINT "flags_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "flags_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "flags_resolved_by_fkey" FOREIGN KEY ("resolved_by") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "flags_state_check" CHECK ("state" IN ('OPEN', 'CLEARED', 'ACTIONED'))
);
-- One open flag per kind and subject: a concern raised again adds evidence to it.
CREATE UNIQUE INDEX "flags_open_subject_kind_key" ON "flags" ("subject_id", "kind") WHERE "state" = 'OPEN';
CREATE INDEX "flags_state_opened_idx" ON "flags" ("state", "opened_at" DESC, "id" DESC);
CREATE INDEX "flags_subject_idx" ON "flags" ("subject_id");
CREATE INDEX "flags_person_idx" ON "flags" ("person_id");

CREATE TABLE "flag_events" (
    "id" BIGSERIAL NOT NULL,
    "flag_id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "type" TEXT NOT NULL,
    "actor_id" UUID,
    "note" TEXT,
    "evidence" JSONB,
    CONSTRAINT "flag_events_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "flag_events_flag_id_fkey" FOREIGN KEY ("flag_id") REFERENCES "flags"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "flag_events_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE INDEX "flag_events_flag_id_idx" ON "flag_events" ("flag_id", "id");

-- The flags raised so far, as open flags with their reasons as evidence.
INSERT INTO "flags" ("kind", "subject_type", "subject_id", "person_id", "evidence", "opened_at", "updated_at")
SELECT CASE WHEN r LIKE 'cancels%' THEN 'CANCELLATIONS' ELSE 'FAKE_SOS_REPORTS' END, 'USER', u.id, u.id,
       jsonb_build_object('reason', r), u.updated_at, u.updated_at
  FROM "users" u, unnest(u.flag_reasons) AS r
 WHERE u.flagged_for_review;
INSERT INTO "flags" ("kind", "subject_type", "subject_id", "person_id", "evidence")
SELECT 'DISCONNECTIONS', 'VOLUNTEER', v.id, v.user_id, jsonb_build_object('reason', 'dropped from SOS for silence')
  FROM "volunteer_profiles" v
 WHERE v.flagged_for_review;
INSERT INTO "flags" ("kind", "subject_type", "subject_id", "person_id", "evidence", "opened_at", "updated_at")
SELECT DISTINCT ON (s.id, k) k, 'SOS', s.id, s.requester_id, jsonb_build_object('reason', r), s.created_at, s.created_at
  FROM "sos_requests" s, unnest(s.flag_reasons) AS r,
       LATERAL (SELECT CASE WHEN r = 'raised from a suspended account' THEN 'SUSPENDED_ACCOUNT_SOS' ELSE 'SPOOFED_LOCATION' END AS k) kinds
 WHERE s.flagged_for_review;
INSERT INTO "flag_events" ("flag_id", "at", "type", "evidence") SELECT id, opened_at, 'OPENED', evidence FROM "flags";

ALTER TABLE "users" DROP COLUMN "flag_reasons";

-- A staff warning (resolveFlag WARN) is mailed to the person.
ALTER TYPE "NotificationCategory" ADD VALUE 'ACCOUNT_WARNING';
