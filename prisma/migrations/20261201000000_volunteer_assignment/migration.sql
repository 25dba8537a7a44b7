-- The volunteers module keeps what it needs to know of an assignment in its own table: which SOS
-- a volunteer is helping with, and whose it is (that person may follow the volunteer's location).
-- The SOS module tells it, in the transaction that assigns or releases the volunteer.
ALTER TABLE "volunteer_profiles" ADD COLUMN "assigned_sos_id" UUID, ADD COLUMN "assisting_user_id" UUID;

UPDATE "volunteer_profiles" v
   SET "assigned_sos_id" = s."id", "assisting_user_id" = s."requester_id"
  FROM "sos_requests" s
 WHERE s."assigned_volunteer_id" = v."id" AND s."status" IN ('ACCEPTED', 'ARRIVED');
