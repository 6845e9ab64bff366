import type { NextFunction } from 'grammy';
import type { BotContext, BotDeps } from '../context.ts';

/** Loads who is writing on every update: access ends the moment HR's data says so, on any instance. */
export function sessionMiddleware(deps: BotDeps) {
  return async (ctx: BotContext, next: NextFunction): Promise<void> => {
    if (!ctx.from || !ctx.chat || ctx.chat.type !== 'private') return;
    ctx.deps = deps;
    ctx.user = { userId: BigInt(ctx.from.id), chatId: BigInt(ctx.chat.id) };
    ctx.kabinet = await deps.linking.session(ctx.user);
    ctx.language = (ctx.kabinet.language as BotContext['language'] | null) ?? deps.translator.pick(ctx.from.language_code);
    ctx.t = deps.translator.t(ctx.language);
    if (ctx.kabinet.access === 'disabled') {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t('linking:disabled'), show_alert: true });
      else await ctx.reply(ctx.t('linking:disabled'), { reply_markup: { remove_keyboard: true } });
      return;
    }
    await next();
  };
}
