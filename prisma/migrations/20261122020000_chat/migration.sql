-- Chat: messages of a conversation, and each participant's read receipt.
CREATE TABLE "messages" (
    "id" UUID NOT NULL,
    "conversation_id" UUID NOT NULL,
    "sender_id" UUID NOT NULL,
    "body" TEXT NOT NULL,
    "client_message_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    -- Total order, stable while messages keep arriving (cursors use it).
    "position" BIGSERIAL NOT NULL,
    -- Order within the conversation, from 1 without gaps as a rule: a subscriber that gets seq
    -- n + 1 after n knows it missed nothing, and asks the database only when it did.
    "seq" INTEGER NOT NULL,
    CONSTRAINT "messages_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "messages_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "messages_sender_id_fkey" FOREIGN KEY ("sender_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
-- A retried send (same sender, same client id) finds its message instead of writing another.
CREATE UNIQUE INDEX "messages_conversation_sender_client_key" ON "messages"("conversation_id", "sender_id", "client_message_id");
CREATE UNIQUE INDEX "messages_position_key" ON "messages"("position");
CREATE UNIQUE INDEX "messages_conversation_seq_key" ON "messages"("conversation_id", "seq");
CREATE INDEX "messages_conversation_position_idx" ON "messages"("conversation_id", "position" DESC);

ALTER TABLE "conversation_participants" ADD COLUMN "last_read_position" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "conversations" ADD COLUMN "last_message_at" TIMESTAMPTZ(3), ADD COLUMN "last_seq" INTEGER NOT NULL DEFAULT 0;
CREATE INDEX "conversation_participants_user_idx" ON "conversation_participants"("user_id");
