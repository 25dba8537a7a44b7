/** What the chat module announces to other modules (see platform/events). */
export interface ChatEvents {
  /**
   * A message was written, inside that transaction: the participants whose app was closed when it
   * was sent (the others see it live) are pushed it (notifications).
   */
  'chat.messageSent': { messageId: string; conversationId: string; sosId: string | null; senderId: string; offlineRecipientIds: string[] };
}
