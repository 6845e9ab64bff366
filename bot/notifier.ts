import { GrammyError, type Api } from 'grammy';
import type { Notifier } from '../core/notify/notifier.ts';

export function createTelegramNotifier(api: Api): Notifier {
  return {
    async sendMessage(chatId, text) {
      try {
        await api.sendMessage(Number(chatId), text);
      } catch (error) {
        // The user blocked the bot: nothing to deliver, and retrying would not change that.
        if (error instanceof GrammyError && error.error_code === 403) return;
        throw error;
      }
    },
  };
}
