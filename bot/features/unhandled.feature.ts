import { Composer } from '../composer.ts';
import type { BotContext } from '../context.ts';

/**
 * Last: whatever no feature took. A stale or foreign button gets its spinner stopped silently, in any chat; a
 * message in the private chat gets a hint. In a group nothing is said: people talk there, mostly not to us.
 */
export const unhandledFeature = new Composer<BotContext>();

unhandledFeature.on('callback_query', (ctx) => ctx.answerCallbackQuery());
unhandledFeature.chatType('private').on('message', (ctx) => ctx.reply(ctx.t(ctx.kabinet.employee ? 'unknown' : 'linking:not_linked')));
