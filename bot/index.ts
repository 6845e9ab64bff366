import { autoRetry } from '@grammyjs/auto-retry';
import { sequentialize } from '@grammyjs/runner';
import { Bot, BotError, type Composer, type Context, GrammyError, type MiddlewareFn } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { safeError, type Logger } from '../core/logger.ts';
import type { BotContext, BotDeps } from './context.ts';
import { adminFeature, adminMenuOnLink } from './features/admin/admin.feature.ts';
import { accessFeature } from './features/account/access.feature.ts';
import { accountFeature, accountLabels } from './features/account/account.feature.ts';
import { groupsFeature } from './features/groups/groups.feature.ts';
import { linkingFeature } from './features/linking/linking.feature.ts';
import { payslipFeature } from './features/payslips/payslip.feature.ts';
import { certificatesFeature } from './features/certificates/certificates.feature.ts';
import { hrQueueFeature } from './features/certificates/hr-queue.feature.ts';
import { pendingInputFeature, settingsFeature } from './features/settings/settings.feature.ts';
import { unhandledFeature } from './features/unhandled.feature.ts';
import { vacationFeature } from './features/vacations/vacation.feature.ts';
import { menuLabels } from './keyboards.ts';
import { sessionMiddleware } from './middlewares/session.middleware.ts';
import { updateLogger } from './middlewares/update-logger.middleware.ts';

/**
 * The updates the bot asks Telegram for (polling `allowed_updates` and `setWebhook`): `my_chat_member` tells it
 * when it is added to or removed from a group.
 */
export const ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member'] as const;

export interface CreateBotOptions {
  token: string;
  /** A self-hosted Bot API server, or an emulator in tests. */
  apiRoot?: string;
  /** Skips getMe (tests). */
  botInfo?: UserFromGetMe;
}

/**
 * Mounts a feature under a name: when the feature ends an update (does not pass it on), the update's log line says
 * which feature took it. Each feature narrows its own chats and guards its own handlers; none is mounted behind
 * a gate it could rely on.
 */
export function feature(name: string, composer: Composer<BotContext>): MiddlewareFn<BotContext> {
  const run = composer.middleware();
  return async (ctx, next) => {
    let passed = false;
    try {
      await run(ctx, () => {
        passed = true;
        return next();
      });
    } finally {
      if (!passed) ctx.handledBy ??= name;
    }
  };
}

export function createBot(deps: BotDeps, options: CreateBotOptions): Bot<BotContext> {
  const bot = new Bot<BotContext>(options.token, {
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    // A long poll lasts 30 s (the runner's default): a call still silent after 60 s is on a connection that died
    // without a word (dropped packets), and is given up so polling starts afresh instead of waiting grammY's 500 s.
    client: { timeoutSeconds: 60, ...(options.apiRoot ? { apiRoot: options.apiRoot } : {}) },
  });
  // 429 (flood control) and 5xx are retried after Telegram's retry_after; other errors surface. Not for
  // getUpdates: auto-retry's backoff doubles up to an hour between tries (and network errors are retried without
  // limit), which kept the bot deaf long after Telegram was back. The runner retries polls itself (telegram.ts).
  const retry = autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 60 });
  bot.api.config.use((prev, method, payload, signal) => (method === 'getUpdates' ? prev(method, payload, signal) : retry(prev, method, payload, signal)));

  // One update per chat at a time, so two quick messages of one person never race; chats run in parallel.
  bot.use(sequentialize((ctx: Context) => ctx.chat?.id.toString()));
  bot.use(updateLogger(deps.logger));
  bot.use(sessionMiddleware(deps));

  const labels = (item: Parameters<typeof menuLabels>[1]) => menuLabels(deps.translator, item);
  const apologize = apologizer(deps.logger);
  const features = bot.errorBoundary(apologize);
  // Group chats first: each private feature below ignores them by itself, so their order does not matter to groups.
  features.use(feature('groups', groupsFeature));
  features.use(feature('hr-queue', hrQueueFeature));
  features.use(feature('access', accessFeature));
  features.use(feature('pending-input', pendingInputFeature));
  features.use(adminMenuOnLink);
  features.use(feature('linking', linkingFeature));
  features.use(feature('admin', adminFeature));
  features.use(feature('account', accountFeature(accountLabels(deps.translator))));
  features.use(feature('payslips', payslipFeature(labels('payslip'))));
  features.use(feature('vacations', vacationFeature(labels('vacation'))));
  features.use(feature('settings', settingsFeature(labels('settings'))));
  features.use(feature('certificates', certificatesFeature({ order: labels('certificates'), mine: labels('requests') })));
  features.use(feature('unhandled', unhandledFeature));

  bot.catch((error) => apologize(error));
  return bot;
}

/** Logs a failed update (on its own logger when it got that far) and tells the person something went wrong. */
function apologizer(logger: Logger) {
  return async (error: BotError<BotContext>): Promise<void> => {
    const ctx = error.ctx;
    const cause = error.error;
    // Only the shape of the failure is logged: message texts are personal data.
    (ctx.logger ?? logger.child({ update_id: ctx.update.update_id })).error(
      { feature: ctx.handledBy ?? null, err: cause instanceof GrammyError ? { method: cause.method, code: cause.error_code } : safeError(cause) },
      'update failed',
    );
    if (!ctx.chat || !ctx.t) return;
    // A button in a group: only the presser hears about it. Anywhere else the answer goes where the question came from.
    if (ctx.callbackQuery && ctx.chat.type !== 'private') {
      await ctx.answerCallbackQuery({ text: ctx.t('apology') }).catch(() => undefined);
      return;
    }
    await ctx.reply(ctx.t('apology')).catch(() => undefined);
  };
}
