import { GrammyError, InlineKeyboard, type Api } from 'grammy';
import { type Notifier, RecipientBlockedError } from '../core/notify/notifier.ts';

export function createTelegramNotifier(api: Api): Notifier {
  return {
    async sendMessage(chatId, text, options) {
      const keyboard = options?.buttons ? InlineKeyboard.from(options.buttons.map((row) => row.map((b) => InlineKeyboard.text(b.text, b.data)))) : undefined;
      try {
        await api.sendMessage(Number(chatId), text, keyboard ? { reply_markup: keyboard } : {});
      } catch (error) {
        if (error instanceof GrammyError && error.error_code === 403) throw new RecipientBlockedError('blocked by the user');
        throw error;
      }
    },
  };
}
