-- A push for a chat message to a participant whose app is closed: the first non-emergency
-- notification, so quiet hours (per person, in their time zone) and per-person caps apply to it.
ALTER TYPE "NotificationCategory" ADD VALUE 'CHAT_MESSAGE';

CREATE TABLE "notification_quiet_hours" (
    "user_id" UUID NOT NULL,
    -- Minutes after local midnight; a window that ends before it starts spans midnight.
    "start_minute" INTEGER NOT NULL,
    "end_minute" INTEGER NOT NULL,
    "time_zone" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "notification_quiet_hours_pkey" PRIMARY KEY ("user_id"),
    CONSTRAINT "notification_quiet_hours_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "notification_quiet_hours_minutes" CHECK ("start_minute" BETWEEN 0 AND 1439 AND "end_minute" BETWEEN 0 AND 1439 AND "start_minute" <> "end_minute")
);
