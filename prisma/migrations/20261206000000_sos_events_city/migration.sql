-- An SOS's timeline carries its city, as the SOS does, so the two can be split by city together
-- (docs/PARTITIONING.md). Written with each event from its SOS's row; the city of an SOS never
-- changes after it is raised.
ALTER TABLE "sos_events" ADD COLUMN "city_id" UUID;
ALTER TABLE "sos_events" ADD CONSTRAINT "sos_events_city_id_fkey" FOREIGN KEY ("city_id") REFERENCES "cities"("id") ON DELETE SET NULL ON UPDATE CASCADE;
UPDATE "sos_events" e SET "city_id" = s."city_id" FROM "sos_requests" s WHERE s."id" = e."sos_id" AND s."city_id" IS NOT NULL;
