import { autoRetry } from '@grammyjs/auto-retry';
import { sequentialize } from '@grammyjs/runner';
import { Bot, BotError, type Context, GrammyError } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { safeError } from '../core/logger.ts';
import type { BotContext, BotDeps } from './context.ts';
import { accountFeature, accountLabels } from './features/account/account.feature.ts';
import { linkingFeature } from './features/linking/linking.feature.ts';
import { payslipFeature } from './features/payslips/payslip.feature.ts';
import { placeholdersFeature } from './features/placeholders.feature.ts';
import { pendingInputFeature, settingsFeature } from './features/settings/settings.feature.ts';
import { vacationFeature } from './features/vacations/vacation.feature.ts';
import { menuLabels } from './keyboards.ts';
import { sessionMiddleware } from './middlewares/session.middleware.ts';
import { unhandledFeature } from './features/unhandled.feature.ts';

export interface CreateBotOptions {
  token: string;
  /** A self-hosted Bot API server, or an emulator in tests. */
  apiRoot?: string;
  /** Skips getMe (tests). */
  botInfo?: UserFromGetMe;
}

export function createBot(deps: BotDeps, options: CreateBotOptions): Bot<BotContext> {
  const bot = new Bot<BotContext>(options.token, {
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    client: { ...(options.apiRoot ? { apiRoot: options.apiRoot } : {}) },
  });
  // 429 (flood control) and 5xx are retried after Telegram's retry_after; other errors surface. Not for
  // getUpdates: auto-retry's backoff doubles up to an hour between tries (and network errors are retried without
  // limit), which kept the bot deaf long after Telegram was back. The runner retries polls itself (telegram.ts).
  const retry = autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 60 });
  bot.api.config.use((prev, method, payload, signal) => (method === 'getUpdates' ? prev(method, payload, signal) : retry(prev, method, payload, signal)));

  // One update per chat at a time, so two quick messages of one person never race; chats run in parallel.
  bot.use(sequentialize((ctx: Context) => ctx.chat?.id.toString()));
  bot.use(async (ctx, next) => {
    const started = performance.now();
    await next();
    // Which update and how long, never what it said: message texts are personal data.
    deps.logger.debug({ update_id: ctx.update.update_id, kind: Object.keys(ctx.update).find((k) => k !== 'update_id'), ms: Math.round(performance.now() - started) }, 'update handled');
  });
  bot.use(sessionMiddleware(deps));

  const labels = (item: Parameters<typeof menuLabels>[1]) => menuLabels(deps.translator, item);
  const features = bot.errorBoundary(apologize);
  features.use(pendingInputFeature);
  features.use(linkingFeature);
  features.use(accountFeature(accountLabels(deps.translator)));
  features.use(payslipFeature(labels('payslip')));
  features.use(vacationFeature(labels('vacation')));
  features.use(settingsFeature(labels('settings')));
  features.use(placeholdersFeature([...labels('certificates'), ...labels('requests')]));
  features.use(unhandledFeature);

  bot.catch((error) => apologize(error));
  return bot;
}

async function apologize(error: BotError<BotContext>): Promise<void> {
  const ctx = error.ctx;
  const cause = error.error;
  // Only the shape of the failure is logged: message texts are personal data.
  ctx.deps?.logger.error(
    { update_id: ctx.update.update_id, err: cause instanceof GrammyError ? { method: cause.method, code: cause.error_code } : safeError(cause) },
    'update failed',
  );
  if (!ctx.chat || !ctx.t) return;
  await ctx.reply(ctx.t('apology')).catch(() => undefined);
}
