import type { NextFunction } from 'grammy';
import type { BotContext, BotDeps } from '../context.ts';

/**
 * Loads who is writing on every update, in any chat — one query, roles included — so access and rights end the
 * moment HR's data says so, on any instance. What a chat may do is each feature's own business (see features/).
 */
export function sessionMiddleware(deps: BotDeps) {
  return async (ctx: BotContext, next: NextFunction): Promise<void> => {
    ctx.deps = deps;
    // Channel posts and the like: nobody to answer and nothing a feature handles.
    if (!ctx.from) return;
    ctx.user = { userId: BigInt(ctx.from.id), chatId: BigInt(ctx.from.id) };
    ctx.kabinet = await deps.linking.session(ctx.user);
    ctx.language = (ctx.kabinet.language as BotContext['language'] | null) ?? deps.translator.pick(ctx.from.language_code);
    ctx.t = deps.translator.t(ctx.language);
    await next();
  };
}
