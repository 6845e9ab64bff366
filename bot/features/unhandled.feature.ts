import { Composer } from 'grammy';
import type { BotContext } from '../context.ts';

/** Last: whatever no feature took. Stale buttons get their spinner stopped; anything else a hint. */
export const unhandledFeature = new Composer<BotContext>();

unhandledFeature.on('callback_query', (ctx) => ctx.answerCallbackQuery());
unhandledFeature.on('message', (ctx) => ctx.reply(ctx.t(ctx.kabinet.employee ? 'unknown' : 'linking:not_linked')));
