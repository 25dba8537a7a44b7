-- Operators (issue 12, item 7): response statistics, kept on each SOS as they happen so that a
-- year of them is one pass over sos_requests (no history to aggregate when staff ask).
ALTER TABLE "sos_requests"
    -- Its place as an H3 cell at resolution 15 (a bigint), grouped by any coarser resolution in SQL.
    ADD COLUMN "h3_cell" BIGINT,
    ADD COLUMN "first_alert_at" TIMESTAMPTZ(3),
    ADD COLUMN "escalated_at" TIMESTAMPTZ(3),
    ADD COLUMN "alerts_offered" INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN "alerts_accepted" INTEGER NOT NULL DEFAULT 0;

-- The SOS so far, from their alerts and timelines (their cells are unknown: SQL has no H3).
UPDATE "sos_requests" s
   SET "first_alert_at" = a.first, "alerts_offered" = a.offered, "alerts_accepted" = a.accepted
  FROM (SELECT sos_id, min(created_at) AS first, count(*) AS offered, count(*) FILTER (WHERE status = 'ACCEPTED') AS accepted
          FROM "sos_alerts" GROUP BY sos_id) a
 WHERE a.sos_id = s.id;
UPDATE "sos_requests" s SET "escalated_at" = e.at
  FROM (SELECT sos_id, min(at) AS at FROM "sos_events" WHERE type = 'ESCALATED' GROUP BY sos_id) e
 WHERE e.sos_id = s.id;

CREATE INDEX "sos_requests_created_idx" ON "sos_requests" ("created_at");

-- Operators (issue 12, item 6): a volunteer's durable location as an H3 cell too, for the counts
-- of available volunteers per area (set with the location from now on).
ALTER TABLE "volunteer_profiles" ADD COLUMN "h3_cell" BIGINT;
