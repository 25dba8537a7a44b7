-- Cities (issue 13): areas with their own rules. Volunteers are matched by distance whatever the
-- city; an SOS takes the rules of the city containing it, or the deployment's outside all cities.
CREATE TABLE "cities" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "time_zone" TEXT NOT NULL,
    "boundary" geography(MultiPolygon, 4326) NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    -- Overrides of the deployment's matching rules; null: the deployment's.
    "radii_meters" INTEGER[],
    "alerts_per_step" INTEGER,
    "step_timeout_seconds" INTEGER,
    "emergency_number" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "cities_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "cities_name_key" ON "cities" (lower("name"));
CREATE INDEX "cities_boundary_idx" ON "cities" USING GIST ("boundary");

-- The city an SOS was raised in (set at raise; null outside every city).
ALTER TABLE "sos_requests" ADD COLUMN "city_id" UUID;
ALTER TABLE "sos_requests" ADD CONSTRAINT "sos_requests_city_id_fkey" FOREIGN KEY ("city_id") REFERENCES "cities"("id") ON DELETE SET NULL ON UPDATE CASCADE;
CREATE INDEX "sos_requests_city_created_idx" ON "sos_requests" ("city_id", "created_at");
