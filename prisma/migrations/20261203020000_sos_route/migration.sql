-- Operators (issue 12): the assigned volunteer's way to an SOS, kept (throttled) while help is
-- on the way, so staff and the requester can replay the approach afterwards.
CREATE TABLE "sos_route_points" (
    "id" BIGSERIAL NOT NULL,
    "sos_id" UUID NOT NULL,
    "volunteer_id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "location" geography(Point, 4326) NOT NULL,
    "accuracy_m" DOUBLE PRECISION,
    CONSTRAINT "sos_route_points_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "sos_route_points_sos_id_fkey" FOREIGN KEY ("sos_id") REFERENCES "sos_requests"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "sos_route_points_volunteer_id_fkey" FOREIGN KEY ("volunteer_id") REFERENCES "volunteer_profiles"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "sos_route_points_sos_id_at_idx" ON "sos_route_points" ("sos_id", "at");
