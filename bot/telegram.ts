import { run, type RunnerHandle } from '@grammyjs/runner';
import type { Transformer } from 'grammy';
import type { TelegramWebhook } from '../api/routes/telegram-webhook.routes.ts';
import type { Config } from '../core/config.ts';
import type { Container } from '../core/container.ts';
import type { Translator } from '../core/i18n.ts';
import { safeError, type Logger } from '../core/logger.ts';
import { setCommandMenus } from './commands.ts';
import { createBot } from './index.ts';
import { createTelegramNotifier } from './notifier.ts';

const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

/**
 * Pause between failed `getUpdates` calls. Constant, not growing: a poll that fails costs nothing, and after an
 * outage the bot should answer within about this long of Telegram's return (a doubling backoff left it deaf for
 * half a minute after a one-minute outage, and for more than a minute after five).
 */
export const POLL_RETRY_MS = 1000;

export interface TelegramHandle {
  /** Handles a webhook update; false when the bot no longer takes updates (stopping): Telegram will redeliver. */
  handleUpdate(update: unknown): Promise<boolean>;
  /** Stops taking updates (polling ends; webhook updates are refused so Telegram redelivers them later). */
  stop(): Promise<void>;
}

/**
 * The webhook route's side of the bot, available before the bot is: updates that arrive while the bot is still
 * starting (Telegram retries a webhook as soon as it is set) wait for it, instead of being dropped.
 */
export function createWebhookEndpoint(webhook: { url: string; secret: string }): TelegramWebhook & { attach(starting: Promise<TelegramHandle>): void } {
  let attach!: (starting: Promise<TelegramHandle>) => void;
  const ready = new Promise<TelegramHandle>((resolve, reject) => {
    attach = (starting) => starting.then(resolve, reject);
  });
  // A failed start is reported by whoever started the bot; here it only means "not accepted".
  ready.catch(() => undefined);
  return {
    path: new URL(webhook.url).pathname,
    secret: webhook.secret,
    handleUpdate: async (update) => {
      const handle = await ready.catch(() => undefined);
      return handle ? handle.handleUpdate(update) : false;
    },
    attach,
  };
}

/** Logs a polling outage once, and its end, instead of one line per failed poll. */
function pollingWatch(log: Logger, retryMs: number): Transformer {
  let failingSince: number | undefined;
  return async (prev, method, payload, signal) => {
    if (method !== 'getUpdates') return prev(method, payload, signal);
    const failing = (detail: object) => {
      if (failingSince !== undefined || signal?.aborted) return;
      failingSince = Date.now();
      log.warn({ ...detail, retryMs }, 'cannot reach Telegram for updates; retrying');
    };
    try {
      const result = await prev(method, payload, signal);
      if (!result.ok) failing({ code: result.error_code });
      else if (failingSince !== undefined) {
        log.info({ outageMs: Date.now() - failingSince }, 'Telegram reachable again: receiving updates');
        failingSince = undefined;
      }
      return result;
    } catch (error) {
      failing({ err: safeError(error) });
      throw error;
    }
  };
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
  /** Overrides POLL_RETRY_MS (tests). */
  pollRetryMs?: number;
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
  let accepting = true;
  if (options.bot.webhook) {
    await bot.api.setWebhook(options.bot.webhook.url, { secret_token: options.bot.webhook.secret, allowed_updates: [...ALLOWED_UPDATES] });
    log.info({ username: bot.botInfo.username, path: new URL(options.bot.webhook.url).pathname }, 'Telegram bot receiving updates by webhook');
  } else {
    await bot.api.deleteWebhook();
    bot.api.config.use(pollingWatch(log, options.pollRetryMs ?? POLL_RETRY_MS));
    runner = run(bot, {
      runner: {
        fetch: { allowed_updates: [...ALLOWED_UPDATES] },
        // The runner retries failed polls itself (auto-retry leaves getUpdates alone, see createBot): at a fixed
        // short interval, for ever, without printing to stderr (pollingWatch logs the outage once).
        retryInterval: options.pollRetryMs ?? POLL_RETRY_MS,
        maxRetryTime: Number.POSITIVE_INFINITY,
        silent: true,
      },
    });
    // The runner gives up only on what retrying cannot fix: 401 (token revoked) or 409 (another process polls
    // with this token, or a webhook is set).
    void runner.task()?.catch((error: unknown) => log.fatal({ err: safeError(error), code: (error as { error_code?: number }).error_code }, 'Telegram polling stopped: the token was revoked (401) or another process uses it (409)'));
    log.info({ username: bot.botInfo.username }, 'Telegram bot polling for updates');
  }
  return {
    handleUpdate: async (update) => {
      if (!accepting) return false;
      await bot.handleUpdate(update as Parameters<typeof bot.handleUpdate>[0]);
      return true;
    },
    stop: async () => {
      accepting = false;
      if (runner?.isRunning()) await runner.stop();
    },
  };
}
