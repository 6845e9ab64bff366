import { run, type RunnerHandle } from '@grammyjs/runner';
import type { Config } from '../core/config.ts';
import type { Container } from '../core/container.ts';
import type { Translator } from '../core/i18n.ts';
import { safeError, type Logger } from '../core/logger.ts';
import { setCommandMenus } from './commands.ts';
import { createBot } from './index.ts';
import { createTelegramNotifier } from './notifier.ts';

const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

export interface TelegramHandle {
  handleUpdate(update: unknown): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the bot the configuration asks for: long polling through the runner (one update per chat at a time),
 * or a webhook served by the API's Fastify app. Fails loudly when Telegram refuses the token.
 */
export async function startTelegram(options: {
  bot: Extract<Config['bot'], { enabled: true }>;
  container: Container;
  translator: Translator;
  logger: Logger;
  codeTtlMinutes: number;
}): Promise<TelegramHandle> {
  const { container, translator, logger } = options;
  const log = logger.child({ component: 'bot' });
  const bot = createBot(
    { linking: container.services.linking, payslips: container.services.payslips, vacations: container.services.vacations, translator, logger: log, codeTtlMinutes: options.codeTtlMinutes },
    { token: options.bot.token, apiRoot: options.bot.apiRoot },
  );
  container.notifier.current = createTelegramNotifier(bot.api);
  await bot.init();
  // Menus are cosmetic: they must not hold up the start, and a failure is only worth a warning.
  void setCommandMenus(bot.api, translator).catch((error: unknown) => log.warn({ err: safeError(error) }, 'could not set the command menus'));

  let runner: RunnerHandle | undefined;
  if (options.bot.webhook) {
    await bot.api.setWebhook(options.bot.webhook.url, { secret_token: options.bot.webhook.secret, allowed_updates: [...ALLOWED_UPDATES] });
    log.info({ username: bot.botInfo.username }, 'Telegram bot receiving updates by webhook');
  } else {
    await bot.api.deleteWebhook();
    runner = run(bot, { runner: { fetch: { allowed_updates: [...ALLOWED_UPDATES] } } });
    log.info({ username: bot.botInfo.username }, 'Telegram bot polling for updates');
  }
  return {
    handleUpdate: (update) => bot.handleUpdate(update as Parameters<typeof bot.handleUpdate>[0]),
    stop: async () => {
      if (runner?.isRunning()) await runner.stop();
    },
  };
}
