import { timingSafeEqual } from 'node:crypto';
import { run, type RunnerHandle } from '@grammyjs/runner';
import { type Api, type Bot, type Transformer, webhookCallback } from 'grammy';
import type { Config } from '../core/config.ts';
import type { Container } from '../core/container.ts';
import type { Translator } from '../core/i18n.ts';
import { safeError, type Logger } from '../core/logger.ts';
import type { UpdateDeduplicator } from '../core/telegram/update-dedup.ts';
import { setCommandMenus } from './commands.ts';
import type { BotContext, BotDeps } from './context.ts';
import { telegramFiles } from './features/certificates/telegram-files.ts';
import { ALLOWED_UPDATES, createBot } from './index.ts';

/**
 * Pause between failed `getUpdates` calls. Constant, not growing: a poll that fails costs nothing, and after an
 * outage the bot should answer within about this long of Telegram's return (a doubling backoff left it deaf for
 * half a minute after a one-minute outage, and for more than a minute after five).
 */
export const POLL_RETRY_MS = 1000;
/** How long a webhook call waits for its update to be handled before Telegram is answered anyway (it would retry). */
const WEBHOOK_ANSWER_MS = 8000;

type WebhookBot = { url: string; secret: string };

/** The part of an HTTP request the webhook reads (Fastify's request has it). */
export interface WebhookRequest {
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** The part of an HTTP reply the webhook writes (Fastify's reply has it, as grammY's fastify adapter expects). */
export interface WebhookReply {
  code(status: number): WebhookReply;
  status(status: number): WebhookReply;
  header(name: string, value: string): WebhookReply;
  headers(values: Record<string, string>): WebhookReply;
  send(payload?: unknown): WebhookReply;
}

export interface TelegramHandle {
  /** grammY's webhook handler for this bot (webhook mode). */
  webhook: ((request: WebhookRequest, reply: WebhookReply) => Promise<void>) | undefined;
  /** false once stopping: webhook calls are then refused with 503 so that Telegram redelivers them later. */
  accepting(): boolean;
  /** Stops taking updates (polling ends; webhook updates are refused so Telegram redelivers them later). */
  stop(): Promise<void>;
}

/** What the bot's features call, taken from the container. */
export function botDeps(container: Container, translator: Translator, logger: Logger, codeTtlMinutes: number): BotDeps {
  const { services } = container;
  return {
    linking: services.linking, payslips: services.payslips, vacations: services.vacations, admin: services.admin, publishing: services.publishing,
    certificates: services.certificates, catalogue: services.catalogue, calendar: services.calendar, hrChats: services.hrChats, files: telegramFiles(),
    translator, logger, codeTtlMinutes,
  };
}

const sameSecret = (given: string | string[] | undefined, expected: string) => {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
};

const updateIdOf = (body: unknown): number | undefined => {
  const id = body !== null && typeof body === 'object' ? (body as { update_id?: unknown }).update_id : undefined;
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : undefined;
};

/**
 * The webhook endpoint, available before the bot is: updates that arrive while the bot is still starting (Telegram
 * retries a webhook as soon as it is set) wait for it instead of being dropped. In order: the secret token (nothing
 * unauthenticated reaches the de-duplication, which a forged update id would otherwise poison), the shape, whether
 * this instance takes updates now, whether any instance has taken this update already (Telegram redelivers an update
 * whose answer was slow, maybe to another instance), and then grammY's `webhookCallback`.
 */
export function createWebhookEndpoint(webhook: WebhookBot, deps: { updates: UpdateDeduplicator; logger: Logger }) {
  let attach!: (starting: Promise<TelegramHandle>) => void;
  const ready = new Promise<TelegramHandle>((resolve, reject) => {
    attach = (starting) => starting.then(resolve, reject);
  });
  // A failed start is reported by whoever started the bot; here it only means "not accepted".
  ready.catch(() => undefined);
  const refuse = (reply: WebhookReply, status: number, code: string, message: string) => {
    reply.code(status);
    if (status === 503) reply.header('retry-after', '5');
    reply.send({ code, message });
  };
  return {
    path: new URL(webhook.url).pathname,
    attach,
    async handle(request: WebhookRequest, reply: WebhookReply): Promise<void> {
      if (!sameSecret(request.headers['x-telegram-bot-api-secret-token'], webhook.secret)) return refuse(reply, 401, 'INVALID_WEBHOOK_SECRET', 'Unknown caller');
      const updateId = updateIdOf(request.body);
      if (updateId === undefined) return refuse(reply, 400, 'VALIDATION_FAILED', 'Not a Telegram update');
      const handle = await ready.catch(() => undefined);
      if (!handle?.webhook || !handle.accepting()) return refuse(reply, 503, 'SERVICE_UNAVAILABLE', 'Not taking updates now');
      if (!(await deps.updates.firstTime(updateId))) {
        deps.logger.info({ update_id: updateId }, 'Telegram update delivered again: already taken, skipped');
        reply.send({ ok: true });
        return;
      }
      await handle.webhook(request, reply);
    },
  };
}

export type WebhookEndpoint = ReturnType<typeof createWebhookEndpoint>;

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

/** Registers the webhook with Telegram: the URL, its secret token and the updates the bot wants. */
export async function registerWebhook(api: Api, webhook: WebhookBot): Promise<void> {
  await api.setWebhook(webhook.url, { secret_token: webhook.secret, allowed_updates: [...ALLOWED_UPDATES] });
}

/**
 * Starts the bot the configuration asks for: long polling through the runner (one update per chat at a time),
 * or a webhook served by the API's Fastify app through grammY's `webhookCallback`. Fails loudly when Telegram
 * refuses the token. In webhook mode `registerWebhook` decides whether this instance sets the webhook (one instance
 * does, see main.ts); without it the webhook is set here.
 */
export async function startTelegram(options: {
  bot: Extract<Config['bot'], { enabled: true }>;
  deps: BotDeps;
  logger: Logger;
  /** Sets the webhook, or leaves it to another instance (main.ts: under an advisory lock). */
  registerWebhook?: (set: () => Promise<void>) => Promise<void>;
  /** Overrides POLL_RETRY_MS (tests). */
  pollRetryMs?: number;
}): Promise<TelegramHandle> {
  const { logger } = options;
  const log = logger.child({ component: 'bot' });
  const bot: Bot<BotContext> = createBot({ ...options.deps, logger: log }, { token: options.bot.token, apiRoot: options.bot.apiRoot });
  await bot.init();
  // Menus are cosmetic: they must not hold up the start, and a failure is only worth a warning.
  void setCommandMenus(bot.api, options.deps.translator).catch((error: unknown) => log.warn({ err: safeError(error) }, 'could not set the command menus'));

  let runner: RunnerHandle | undefined;
  let accepting = true;
  let webhook: TelegramHandle['webhook'];
  if (options.bot.webhook) {
    const settings = options.bot.webhook;
    const set = () => registerWebhook(bot.api, settings);
    await (options.registerWebhook ? options.registerWebhook(set) : set());
    // Telegram is answered when the update is handled, or after WEBHOOK_ANSWER_MS while it still runs: a slower
    // answer makes Telegram deliver the update again (which the de-duplication would skip, but later updates of the
    // chat would wait behind it).
    const callback = webhookCallback(bot, 'fastify', { secretToken: settings.secret, onTimeout: 'return', timeoutMilliseconds: WEBHOOK_ANSWER_MS });
    webhook = async (request, reply) => {
      await callback(request as Parameters<typeof callback>[0], reply as unknown as Parameters<typeof callback>[1]);
    };
    log.info({ username: bot.botInfo.username, path: new URL(settings.url).pathname }, 'Telegram bot receiving updates by webhook');
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
    webhook,
    accepting: () => accepting,
    stop: async () => {
      accepting = false;
      if (runner?.isRunning()) await runner.stop();
    },
  };
}
