import { GrammyError, InlineKeyboard, type Api } from 'grammy';
import { type Notifier, RecipientBlockedError } from '../core/notify/notifier.ts';

export function createTelegramNotifier(api: Api): Notifier {
  return {
    async sendMessage(chatId, text, options) {
      const keyboard = options?.buttons ? InlineKeyboard.from(options.buttons.map((row) => row.map((b) => InlineKeyboard.text(b.text, b.data)))) : undefined;
      try {
        await api.sendMessage(Number(chatId), text, keyboard ? { reply_markup: keyboard } : {});
      } catch (error) {
        // 403: blocked by the user or deactivated; 400 "chat not found": the chat is gone. Retrying changes nothing,
        // and the outbox sweep would otherwise try again every few minutes for a week.
        if (error instanceof GrammyError && (error.error_code === 403 || (error.error_code === 400 && /chat not found/i.test(error.description)))) {
          throw new RecipientBlockedError('blocked by the user, or the chat is gone');
        }
        throw error;
      }
    },
  };
}
