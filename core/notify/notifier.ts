/** How core reaches a Telegram chat without knowing grammY; the bot adapter implements it. */
export interface Notifier {
  sendMessage(chatId: bigint, text: string): Promise<void>;
}
