import type { NextFunction } from 'grammy';
import type { Logger } from '../../core/logger.ts';
import type { BotContext } from '../context.ts';

/**
 * Gives the update its own child logger (`ctx.logger`: every line carries `update_id`; about a microsecond to make)
 * and one debug line when it is done: which kind, which chat type, which feature took it, how long. Never what it
 * said: message texts, names and phones are personal data.
 */
export function updateLogger(logger: Logger) {
  return async (ctx: BotContext, next: NextFunction): Promise<void> => {
    const started = performance.now();
    ctx.logger = logger.child({ update_id: ctx.update.update_id });
    await next();
    if (!logger.isLevelEnabled('debug')) return;
    ctx.logger.debug(
      {
        kind: Object.keys(ctx.update).find((k) => k !== 'update_id'),
        chat_type: ctx.chat?.type,
        feature: ctx.handledBy ?? null,
        ms: Math.round(performance.now() - started),
      },
      'update handled',
    );
  };
}
