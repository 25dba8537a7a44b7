-- SOS: requests, their event log, alerts to volunteers, fake reports, and the conversation
-- opened when a volunteer accepts (the chat issue builds on it).
CREATE TYPE "SosCategory" AS ENUM ('MEDICAL', 'ACCIDENT', 'FIRE', 'ASSAULT', 'MENTAL_HEALTH', 'LOST_PERSON', 'OTHER');
CREATE TYPE "SosStatus" AS ENUM ('PENDING', 'MATCHING', 'ACCEPTED', 'ARRIVED', 'RESOLVED', 'CANCELLED', 'ESCALATED');
CREATE TYPE "AlertStatus" AS ENUM ('OFFERED', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'WITHDRAWN');
CREATE TYPE "SosEventType" AS ENUM ('CREATED', 'MATCHING_STARTED', 'RADIUS_EXPANDED', 'ACCEPTED', 'ARRIVED', 'RESOLVED', 'CANCELLED', 'ESCALATED', 'VOLUNTEER_DISCONNECTED', 'REMATCHING');

ALTER TABLE "users" ADD COLUMN "flagged_for_review" BOOLEAN NOT NULL DEFAULT false, ADD COLUMN "flag_reasons" TEXT[] NOT NULL DEFAULT '{}';
ALTER TABLE "volunteer_profiles" ADD COLUMN "disconnection_count" INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN "expired_alert_count" INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN "flagged_for_review" BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE "sos_requests" (
    "id" UUID NOT NULL,
    "requester_id" UUID NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "category" "SosCategory" NOT NULL,
    "description" TEXT,
    "location" geography(Point,4326) NOT NULL,
    "location_accuracy_m" DOUBLE PRECISION,
    "status" "SosStatus" NOT NULL DEFAULT 'PENDING',
    "search_radius_m" INTEGER NOT NULL DEFAULT 0,
    "required_skills" "Skill"[] NOT NULL DEFAULT '{}',
    "assigned_volunteer_id" UUID,
    -- Matching: the round (bumped by every re-match) and step of the next search, and when it is due.
    "matching_round" INTEGER NOT NULL DEFAULT 0,
    "matching_step" INTEGER NOT NULL DEFAULT 0,
    "next_step_at" TIMESTAMPTZ(3),
    "last_seq" INTEGER NOT NULL DEFAULT 0,
    "client_ip" TEXT,
    "flagged_for_review" BOOLEAN NOT NULL DEFAULT false,
    "flag_reasons" TEXT[] NOT NULL DEFAULT '{}',
    "close_note" TEXT,
    "rating" INTEGER,
    "rating_comment" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "accepted_at" TIMESTAMPTZ(3),
    "arrived_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "sos_requests_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "sos_requests_requester_id_fkey" FOREIGN KEY ("requester_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "sos_requests_assigned_volunteer_id_fkey" FOREIGN KEY ("assigned_volunteer_id") REFERENCES "volunteer_profiles"("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "sos_requests_rating_check" CHECK ("rating" BETWEEN 1 AND 5)
);
-- A retried raiseSos finds its SOS by (requester, key); and a person has at most one open SOS.
CREATE UNIQUE INDEX "sos_requests_requester_id_idempotency_key_key" ON "sos_requests"("requester_id", "idempotency_key");
CREATE UNIQUE INDEX "sos_requests_one_open_per_requester" ON "sos_requests"("requester_id") WHERE "status" IN ('PENDING', 'MATCHING', 'ACCEPTED', 'ARRIVED', 'ESCALATED');
CREATE INDEX "sos_requests_requester_created_idx" ON "sos_requests"("requester_id", "created_at" DESC, "id" DESC);
CREATE INDEX "sos_requests_due_idx" ON "sos_requests"("next_step_at") WHERE "status" IN ('PENDING', 'MATCHING');
-- A volunteer helps with one SOS at a time: two accepts racing on different SOS cannot both win.
CREATE UNIQUE INDEX "sos_requests_one_assignment_per_volunteer" ON "sos_requests"("assigned_volunteer_id") WHERE "status" IN ('ACCEPTED', 'ARRIVED');
CREATE INDEX "sos_requests_open_idx" ON "sos_requests"("status", "created_at") WHERE "status" IN ('PENDING', 'MATCHING', 'ACCEPTED', 'ARRIVED', 'ESCALATED');

CREATE TABLE "sos_events" (
    "id" UUID NOT NULL,
    "sos_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" "SosEventType" NOT NULL,
    "message" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "sos_events_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "sos_events_sos_id_fkey" FOREIGN KEY ("sos_id") REFERENCES "sos_requests"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "sos_events_sos_id_seq_key" ON "sos_events"("sos_id", "seq");

CREATE TABLE "sos_alerts" (
    "id" UUID NOT NULL,
    "sos_id" UUID NOT NULL,
    "volunteer_id" UUID NOT NULL,
    "round" INTEGER NOT NULL,
    "step" INTEGER NOT NULL,
    "distance_m" DOUBLE PRECISION NOT NULL,
    "status" "AlertStatus" NOT NULL DEFAULT 'OFFERED',
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "responded_at" TIMESTAMPTZ(3),
    CONSTRAINT "sos_alerts_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "sos_alerts_sos_id_fkey" FOREIGN KEY ("sos_id") REFERENCES "sos_requests"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "sos_alerts_volunteer_id_fkey" FOREIGN KEY ("volunteer_id") REFERENCES "volunteer_profiles"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
-- A volunteer is alerted at most once per SOS.
CREATE UNIQUE INDEX "sos_alerts_sos_id_volunteer_id_key" ON "sos_alerts"("sos_id", "volunteer_id");
CREATE INDEX "sos_alerts_volunteer_created_idx" ON "sos_alerts"("volunteer_id", "created_at");
CREATE INDEX "sos_alerts_open_idx" ON "sos_alerts"("volunteer_id") WHERE "status" = 'OFFERED';

CREATE TABLE "sos_fake_reports" (
    "sos_id" UUID NOT NULL,
    "volunteer_id" UUID NOT NULL,
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "sos_fake_reports_pkey" PRIMARY KEY ("sos_id", "volunteer_id"),
    CONSTRAINT "sos_fake_reports_sos_id_fkey" FOREIGN KEY ("sos_id") REFERENCES "sos_requests"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "sos_fake_reports_volunteer_id_fkey" FOREIGN KEY ("volunteer_id") REFERENCES "volunteer_profiles"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- Each time an assigned volunteer went silent and was dropped (3 in 30 days flag them for review).
CREATE TABLE "volunteer_disconnections" (
    "volunteer_id" UUID NOT NULL,
    "sos_id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "volunteer_disconnections_pkey" PRIMARY KEY ("volunteer_id", "sos_id", "at"),
    CONSTRAINT "volunteer_disconnections_volunteer_id_fkey" FOREIGN KEY ("volunteer_id") REFERENCES "volunteer_profiles"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "volunteer_disconnections_sos_id_fkey" FOREIGN KEY ("sos_id") REFERENCES "sos_requests"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "volunteer_disconnections_volunteer_at_idx" ON "volunteer_disconnections"("volunteer_id", "at");

CREATE TABLE "conversations" (
    "id" UUID NOT NULL,
    "sos_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "conversations_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "conversations_sos_id_fkey" FOREIGN KEY ("sos_id") REFERENCES "sos_requests"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "conversations_sos_id_key" ON "conversations"("sos_id");

CREATE TABLE "conversation_participants" (
    "conversation_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "joined_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "left_at" TIMESTAMPTZ(3),
    CONSTRAINT "conversation_participants_pkey" PRIMARY KEY ("conversation_id", "user_id"),
    CONSTRAINT "conversation_participants_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "conversation_participants_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
