import { Composer } from '../../composer.ts';
import type { BotContext } from '../../context.ts';

/**
 * First among the private features: an account whose cabinet was closed (disabled, dismissed) hears why, and
 * nothing else runs. In a group nothing is said here: group features refuse by their own guards, quietly.
 */
export const accessFeature = new Composer<BotContext>();

accessFeature.chatType('private').on(['message', 'callback_query']).filter(
  (ctx) => ctx.kabinet.access === 'disabled',
  async (ctx) => {
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t('linking:disabled'), show_alert: true });
    else await ctx.reply(ctx.t('linking:disabled'), { reply_markup: { remove_keyboard: true } });
  },
);
