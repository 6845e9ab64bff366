import { autoRetry } from '@grammyjs/auto-retry';
import { Api, GrammyError, InputFile, type Transformer } from 'grammy';
import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import type { Config } from '../core/config.ts';
import type { Translator } from '../core/i18n.ts';
import type { Logger } from '../core/logger.ts';
import type { TelegramOutbound } from '../core/telegram/intents.ts';
import { createSendGate, type SendGate } from '../core/telegram/send-gate.ts';
import {
  type InlineKeyboard,
  MessageGoneError,
  type OutboundDocument,
  RecipientBlockedError,
  type SentMessage,
  TelegramRefusedError,
  type TelegramPort,
} from '../core/telegram/telegram-port.ts';
import { createCommandMenus } from './commands.ts';
import { createIntentRenderer } from './intent-renderer.ts';

/**
 * Time a granted slot may take to reach Telegram (event loop, connection, proxy): the gate's window and chat
 * interval are widened by it, so that the rate holds in every window as Telegram counts, on arrival, too.
 */
export const SEND_MARGIN_MS = 100;
/** Telegram's own pace for one chat: about one message a second. */
const CHAT_INTERVAL_MS = 1000;
/** Retries inside one call (flood control and Telegram's 5xx); beyond that a job retries later, with its backoff. */
export const PORT_RETRY = { maxRetryAttempts: 4, maxDelaySeconds: 30 } as const;

const UNPACED = new Set(['getMe', 'getWebhookInfo', 'setWebhook', 'deleteWebhook', 'getUpdates', 'setMyCommands', 'deleteMyCommands', 'answerCallbackQuery']);

/**
 * Every attempt waits for a slot of the gate, retries included (auto-retry sits outside this transformer): a burst
 * of retries after a 429 cannot exceed the pace. A 429 pauses the gate for everyone (as Telegram asks), shared
 * through Redis when the gate is.
 */
export function pacing(gate: SendGate): Transformer {
  return async (prev, method, payload, signal) => {
    if (UNPACED.has(method)) return prev(method, payload, signal);
    const chatId = (payload as { chat_id?: unknown } | undefined)?.chat_id;
    await gate.acquire(chatId === undefined ? undefined : String(chatId));
    const result = await prev(method, payload, signal);
    if (!result.ok && result.error_code === 429 && typeof result.parameters?.retry_after === 'number') {
      await gate.pause(result.parameters.retry_after * 1000).catch(() => undefined);
    }
    return result;
  };
}

const markup = (keyboard: InlineKeyboard | undefined): InlineKeyboardMarkup | undefined =>
  keyboard
    ? { inline_keyboard: keyboard.map((row) => row.map((b): InlineKeyboardButton => ('url' in b ? { text: b.text, url: b.url } : { text: b.text, callback_data: b.callbackData }))) }
    : undefined;

/** Telegram's answers for good, as the port's errors; anything else (429 after the retries, 5xx, network) as is. */
function translated(error: unknown): unknown {
  if (!(error instanceof GrammyError)) return error;
  const description = error.description.toLowerCase();
  // 403: blocked by the user, deactivated, or the bot is no longer in the group; 400 "chat not found": gone.
  if (error.error_code === 403 || (error.error_code === 400 && /chat not found|bot was kicked|user is deactivated|peer_id_invalid|have no rights to send/.test(description))) {
    return new RecipientBlockedError('blocked by the user, or the chat is gone', { cause: error });
  }
  if (error.error_code === 400 && /message to (edit|delete) not found|message can't be (edited|deleted)|message_id_invalid/.test(description)) {
    return new MessageGoneError('the message is not there any more', { cause: error });
  }
  if (error.error_code === 400) return new TelegramRefusedError(`Telegram refused ${error.method}: ${error.description}`, { cause: error });
  return error;
}

const notModified = (error: unknown) => error instanceof GrammyError && error.error_code === 400 && /message is not modified/i.test(error.description);

async function call<T>(task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (error) {
    throw translated(error);
  }
}

/**
 * The Telegram port on a grammY `Api`: paced by `gate`, retried by auto-retry (flood control after its retry_after,
 * 5xx with backoff; network errors are left to the caller's job retries, which back off for longer). `api` may come
 * with its own transport already installed (tests): pacing and retries are added on top of it.
 */
export function createTelegramPort(options: { api: Api; gate: SendGate; username?: string }): TelegramPort {
  const { api, gate } = options;
  api.config.use(pacing(gate));
  api.config.use(autoRetry({ ...PORT_RETRY, rethrowHttpErrors: true }));
  let username: Promise<string> | undefined = options.username ? Promise.resolve(options.username) : undefined;
  const chat = (chatId: bigint) => Number(chatId);

  const sent = (message: { chat: { id: number }; message_id: number }): SentMessage => ({ chatId: BigInt(message.chat.id), messageId: message.message_id });
  const file = (document: OutboundDocument) => new InputFile(document.data, document.fileName);

  return {
    sendText: (chatId, message) =>
      call(async () =>
        sent(
          await api.sendMessage(chat(chatId), message.text, {
            ...(message.keyboard ? { reply_markup: markup(message.keyboard) } : {}),
            ...(message.parseMode ? { parse_mode: message.parseMode } : {}),
            ...(message.threadId !== undefined ? { message_thread_id: message.threadId } : {}),
            ...(message.silent ? { disable_notification: true } : {}),
          }),
        ),
      ),
    sendDocument: (chatId, document) =>
      call(async () =>
        sent(
          await api.sendDocument(chat(chatId), file(document), {
            ...(document.caption !== undefined ? { caption: document.caption } : {}),
            ...(document.keyboard ? { reply_markup: markup(document.keyboard) } : {}),
            ...(document.threadId !== undefined ? { message_thread_id: document.threadId } : {}),
          }),
        ),
      ),
    editText: (message, content) =>
      call(async () => {
        try {
          await api.editMessageText(chat(message.chatId), message.messageId, content.text, {
            ...(content.keyboard ? { reply_markup: markup(content.keyboard) } : {}),
            ...(content.parseMode ? { parse_mode: content.parseMode } : {}),
          });
        } catch (error) {
          if (!notModified(error)) throw error;
        }
      }),
    editDocument: (message, document) =>
      call(async () => {
        await api.editMessageMedia(
          chat(message.chatId),
          message.messageId,
          { type: 'document', media: file(document), ...(document.caption !== undefined ? { caption: document.caption } : {}) },
          document.keyboard ? { reply_markup: markup(document.keyboard) } : {},
        );
      }),
    editKeyboard: (message, keyboard) =>
      call(async () => {
        try {
          await api.editMessageReplyMarkup(chat(message.chatId), message.messageId, { reply_markup: markup(keyboard) ?? { inline_keyboard: [] } });
        } catch (error) {
          if (!notModified(error)) throw error;
        }
      }),
    deleteMessage: (message) =>
      call(async () => {
        try {
          await api.deleteMessage(chat(message.chatId), message.messageId);
        } catch (error) {
          if (!(translated(error) instanceof MessageGoneError)) throw error;
        }
      }),
    botUsername() {
      // Asked once per process; a failure is not remembered, so the next call asks again.
      username ??= api.getMe().then(
        (me) => me.username,
        (error: unknown) => {
          username = undefined;
          throw error;
        },
      );
      return username;
    },
    close: () => gate.close(),
  };
}

/**
 * Outbound Telegram for a process with the bot token (any role: a worker sends payday notifications without a
 * running bot). undefined without a token. The pace is NOTIFY_RATE_PER_SECOND overall and one a second per chat,
 * shared through Redis when there is one.
 */
export function createTelegramOutbound(config: Config, translator: Translator, logger: Logger, transport?: Api): TelegramOutbound | undefined {
  if (!config.bot.enabled && !transport) return undefined;
  // `transport`: an Api whose calls a test answers itself.
  const api = transport ?? (config.bot.enabled ? new Api(config.bot.token, config.bot.apiRoot ? { apiRoot: config.bot.apiRoot } : undefined) : undefined)!;
  const gate = createSendGate({
    redisUrl: config.redisUrl,
    keyPrefix: config.queuePrefix,
    limits: { max: config.payslips.notifyRatePerSecond, windowMs: 1000, chatIntervalMs: CHAT_INTERVAL_MS },
    marginMs: SEND_MARGIN_MS,
    logger,
  });
  const username = config.bot.enabled ? config.bot.username : undefined;
  const port = createTelegramPort({ api, gate, ...(username ? { username } : {}) });
  return { port, render: createIntentRenderer(translator), menus: createCommandMenus(api, translator) };
}
