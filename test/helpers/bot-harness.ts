import { Api, type Transformer } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { Update } from 'grammy/types';
import { createBot } from '../../bot/index.ts';
import { botDeps } from '../../bot/telegram.ts';
import { telegramFiles } from '../../bot/features/certificates/telegram-files.ts';
import { createTelegramOutbound } from '../../bot/telegram-port.ts';
import type { Channels } from '../../core/container.ts';
import type { EmailMessage } from '../../core/delivery/email-sender.ts';
import { createTranslator } from '../../core/i18n.ts';
import { createTestApp, type TestApp, type TestAppOptions } from './test-app.ts';
import type { DbKind } from './test-database.ts';

export const BOT_INFO: UserFromGetMe = {
  id: 42, is_bot: true, first_name: 'Kabinet', username: 'kabinet_test_bot', can_join_groups: false,
  can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false,
  has_topics_enabled: false, allows_users_to_create_topics: false,
} as UserFromGetMe;

const TOKEN = '42:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz';

export interface ApiCall {
  method: string;
  payload: Record<string, unknown>;
  /** When the call was made (ms), to check pacing. */
  at: number;
}

/** Delivery channels that keep what they would have sent. */
export function capturingChannels() {
  const sms: { to: string; text: string }[] = [];
  const emails: EmailMessage[] = [];
  const channels: Channels = {
    sms: { send: async (to, text) => void sms.push({ to, text }) },
    email: { send: async (message) => void emails.push(message), close: () => {} },
  };
  return { channels, sms, emails };
}

export const codeIn = (text: string): string => {
  const match = /\b(\d{6})\b/.exec(text);
  if (!match) throw new Error('no code in the message');
  return match[1]!;
};

/**
 * The real bot on a test database: updates are injected, every Bot API call is captured and answered with a
 * plausible result, and jobs are awaited before the next step. Calls of the bot (answers to updates) and of the
 * Telegram port (jobs: payday notifications) land in the same list, as they would at Telegram.
 */
export async function createBotHarness(kind: DbKind = 'pglite', options: TestAppOptions = {}) {
  const translator = createTranslator();
  const calls: ApiCall[] = [];
  let failNext: { method: string; error: unknown } | undefined;
  const failChats = new Map<number, unknown>();
  const telegram: Transformer = async (_prev, method, payload) => {
    calls.push({ method, payload: payload as Record<string, unknown>, at: Date.now() });
    const chatFailure = failChats.get((payload as { chat_id?: number }).chat_id ?? -1);
    if (chatFailure && method === 'sendMessage') throw chatFailure;
    if (failNext && failNext.method === method) {
      const { error } = failNext;
      failNext = undefined;
      throw error;
    }
    const chatId = (payload as { chat_id?: number }).chat_id ?? 0;
    const result = method === 'sendMessage' || method === 'sendDocument'
      ? { message_id: calls.length, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private' }, text: (payload as { text?: string }).text }
      : method === 'getMe' ? BOT_INFO
      : method === 'getFile' ? { file_id: (payload as { file_id: string }).file_id, file_unique_id: 'u', file_path: `documents/${(payload as { file_id: string }).file_id}` }
      : true;
    return { ok: true, result } as never;
  };
  const t: TestApp = await createTestApp(kind, {
    ...options,
    // The port of the jobs, on its own Api as in production, through the same captured Telegram.
    telegram: (config, logger) => {
      const api = new Api(TOKEN);
      api.config.use(telegram);
      return createTelegramOutbound(config, translator, logger, api)!;
    },
  });
  // Files people send the bot (by file_id), served at the Bot API's file URL without the internet.
  const files = new Map<string, Buffer>();
  const fetched: string[] = [];
  const fileFetch = (async (url: string | URL | Request) => {
    const href = String(url);
    fetched.push(href);
    const data = files.get(href.split('/').at(-1)!);
    return data ? new Response(new Uint8Array(data)) : new Response('not found', { status: 404 });
  }) as typeof fetch;
  const bot = createBot({ ...botDeps(t.container, translator, t.container.logger, t.config.codes.ttlMinutes), files: telegramFiles({ fetch: fileFetch }) }, { token: TOKEN, botInfo: BOT_INFO });
  bot.api.config.use(telegram);

  return {
    t,
    bot,
    calls,
    prisma: t.testDb.database.prisma,
    /** Makes a file available to the bot's download by its file_id; `fetched` lists the URLs it downloaded. */
    serveFile(fileId: string, data: Buffer) {
      files.set(fileId, data);
    },
    fetched,
    /** Makes every sendMessage to `chatId` fail with `error` (e.g. a 403 from a user who blocked the bot). */
    failChat(chatId: number, error: unknown) {
      failChats.set(chatId, error);
    },
    /** The bytes and name of documents sent to a chat. */
    documentsTo(chatId: number): { fileName: string; data: Buffer; caption: string; payload: Record<string, unknown> }[] {
      return calls
        .filter((c) => c.method === 'sendDocument' && c.payload.chat_id === chatId)
        .map((c) => {
          const file = c.payload.document as { filename?: string; fileData: Buffer };
          return { fileName: file.filename ?? '', data: file.fileData, caption: String(c.payload.caption ?? ''), payload: c.payload };
        });
    },
    /** Makes the next call of `method` fail with `error`. */
    failNext(method: string, error: unknown) {
      failNext = { method, error };
    },
    async send(update: Update) {
      await bot.handleUpdate(update);
      await t.container.services.jobs.idle();
    },
    /** Messages sent to a chat, oldest first. */
    messagesTo(chatId: number): ApiCall[] {
      return calls.filter((c) => c.method === 'sendMessage' && c.payload.chat_id === chatId);
    },
    lastTextTo(chatId: number): string {
      const messages = calls.filter((c) => c.method === 'sendMessage' && c.payload.chat_id === chatId);
      return String(messages.at(-1)?.payload.text ?? '');
    },
    clearCalls() {
      calls.length = 0;
    },
    close: () => t.close(),
  };
}

export type BotHarness = Awaited<ReturnType<typeof createBotHarness>>;
