/** How core reaches a Telegram chat without knowing grammY; the bot adapter implements it. */
export interface Notifier {
  /** Throws RecipientBlockedError when the user blocked the bot. */
  sendMessage(chatId: bigint, text: string, options?: { buttons?: { text: string; data: string }[][] }): Promise<void>;
}

/** Telegram said 403: the user blocked the bot (or deleted the chat). Retrying changes nothing. */
export class RecipientBlockedError extends Error {
  override name = 'RecipientBlockedError';
}
