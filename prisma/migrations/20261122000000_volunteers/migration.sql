-- Volunteers: profiles, skills, availability and the durable copy of their live location.
CREATE TYPE "Skill" AS ENUM ('FIRST_AID', 'CPR', 'MEDICAL', 'NURSING', 'MENTAL_HEALTH', 'FIREFIGHTING', 'SEARCH_AND_RESCUE', 'TRANSPORT', 'SIGN_LANGUAGE');

CREATE TABLE "volunteer_profiles" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "skills" "Skill"[] NOT NULL DEFAULT '{}',
    "bio" TEXT,
    "verified" BOOLEAN NOT NULL DEFAULT false,
    "verified_at" TIMESTAMPTZ(3),
    "verified_by" UUID,
    "available" BOOLEAN NOT NULL DEFAULT false,
    "location" geography(Point,4326),
    "location_accuracy_m" DOUBLE PRECISION,
    "heading_degrees" DOUBLE PRECISION,
    "speed_mps" DOUBLE PRECISION,
    "location_updated_at" TIMESTAMPTZ(3),
    "last_seen_at" TIMESTAMPTZ(3),
    "completed_count" INTEGER NOT NULL DEFAULT 0,
    "rating_sum" INTEGER NOT NULL DEFAULT 0,
    "rating_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "volunteer_profiles_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "volunteer_profiles_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "volunteer_profiles_verified_by_fkey" FOREIGN KEY ("verified_by") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "volunteer_profiles_user_id_key" ON "volunteer_profiles"("user_id");
-- Nearest-first searches (ST_DWithin + ORDER BY location <-> point) when Redis is unavailable.
CREATE INDEX "volunteer_profiles_location_idx" ON "volunteer_profiles" USING GIST ("location");
-- Skill filters of searches that must go beyond the closest volunteers (a rare skill).
CREATE INDEX "volunteer_profiles_skills_idx" ON "volunteer_profiles" USING GIN ("skills");
