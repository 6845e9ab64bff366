import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { setCommandMenus } from '../../bot/commands.ts';
import type { BotDeps } from '../../bot/context.ts';
import { Api } from 'grammy';
import { createBot } from '../../bot/index.ts';
import { botDeps, POLL_RETRY_MS, startTelegram } from '../../bot/telegram.ts';
import { createTelegramPort, SEND_MARGIN_MS } from '../../bot/telegram-port.ts';
import { createLocalSendGate, createSendGate } from '../../core/telegram/send-gate.ts';
import { RecipientBlockedError, TelegramRefusedError } from '../../core/telegram/telegram-port.ts';
import { createTranslator } from '../../core/i18n.ts';
import { createLogger } from '../../core/logger.ts';
import { textUpdate } from '../fixtures/telegram-updates.ts';
import { BOT_INFO } from '../helpers/bot-harness.ts';
import { busiestWindow, okAnswer, startScriptedBotApi, type ScriptedAnswer } from '../helpers/scripted-bot-api.ts';
import { createTestApp } from '../helpers/test-app.ts';

const TOKEN = '42:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz';
const translator = createTranslator();
// Only the Bot API client is exercised here; the services are never reached.
const deps = { translator, logger: createLogger({ level: 'silent' }), codeTtlMinutes: 10 } as unknown as BotDeps;
const message = { message_id: 1, date: 0, chat: { id: 5, type: 'private' }, text: 'hi' };

describe('Bot API calls over HTTP', () => {
  it('retries flood control (429, after retry_after) and server errors, then succeeds', async () => {
    const api = await startScriptedBotApi({
      sendMessage: [
        { status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } } },
        { status: 502, body: { ok: false, error_code: 502, description: 'Bad Gateway' } },
        { status: 200, body: { ok: true, result: message } },
      ],
    });
    const bot = createBot(deps, { token: TOKEN, botInfo: BOT_INFO, apiRoot: api.apiRoot });
    await expect(bot.api.sendMessage(5, 'hi')).resolves.toMatchObject({ message_id: 1 });
    expect(api.calls.map((c) => c.method)).toEqual(['sendMessage', 'sendMessage', 'sendMessage']);
    await api.close();
  });

  it('does not retry what Telegram refuses for good (403: the user blocked the bot)', async () => {
    const api = await startScriptedBotApi({ sendMessage: [{ status: 403, body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' } }] });
    const bot = createBot(deps, { token: TOKEN, botInfo: BOT_INFO, apiRoot: api.apiRoot });
    await expect(bot.api.sendMessage(5, 'hi')).rejects.toMatchObject({ error_code: 403 });
    expect(api.calls).toHaveLength(1);
    await api.close();
  });

  it('the port takes a chat that is gone (400 chat not found) like a blocked bot, and other 400s as refusals for good', async () => {
    const api = await startScriptedBotApi({
      sendMessage: [
        { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } },
        { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: message is too long' } },
      ],
    });
    const port = createTelegramPort({ api: new Api(TOKEN, { apiRoot: api.apiRoot }), gate: createLocalSendGate(30) });
    await expect(port.sendText(5n, { text: 'hi' })).rejects.toBeInstanceOf(RecipientBlockedError);
    await expect(port.sendText(5n, { text: 'hi' })).rejects.toBeInstanceOf(TelegramRefusedError);
    expect(api.calls).toHaveLength(2);
    await api.close();
  });

  it('the port asks Telegram for the bot\'s username once (for deep links), or not at all when BOT_USERNAME gives it', async () => {
    const api = await startScriptedBotApi({ getMe: [{ status: 200, body: { ok: true, result: BOT_INFO } }] });
    const asked = createTelegramPort({ api: new Api(TOKEN, { apiRoot: api.apiRoot }), gate: createLocalSendGate(30) });
    expect(await Promise.all([asked.botUsername(), asked.botUsername()])).toEqual(['kabinet_test_bot', 'kabinet_test_bot']);
    expect(await asked.botUsername()).toBe('kabinet_test_bot');
    const given = createTelegramPort({ api: new Api(TOKEN, { apiRoot: api.apiRoot }), gate: createLocalSendGate(30), username: 'romashka_hr_bot' });
    expect(await given.botUsername()).toBe('romashka_hr_bot');
    expect(api.calls.map((c) => c.method)).toEqual(['getMe']);
    await api.close();
  });

  it('sets the command menu in Russian (also the default) and in English', async () => {
    const api = await startScriptedBotApi({ setMyCommands: [{ status: 200, body: { ok: true, result: true } }] });
    const bot = createBot(deps, { token: TOKEN, botInfo: BOT_INFO, apiRoot: api.apiRoot });
    await setCommandMenus(bot.api, translator);
    const byLanguage = new Map(api.calls.map((c) => [String(c.body.language_code ?? 'default'), c.body.commands as { command: string; description: string }[]]));
    expect([...byLanguage.keys()].sort()).toEqual(['default', 'en', 'ru']);
    expect(byLanguage.get('ru')!.find((c) => c.command === 'payslip')?.description).toBe('Расчетный листок');
    expect(byLanguage.get('en')!.find((c) => c.command === 'payslip')?.description).toBe('Payslip');
    expect(byLanguage.get('default')).toEqual(byLanguage.get('ru'));
    await api.close();
  });

  it('polls again at a short fixed interval while Telegram fails, and answers as soon as it is back', async () => {
    const OUTAGE = 6;
    const RETRY_MS = 200;
    const fail = { status: 502, body: { ok: false, error_code: 502, description: 'Bad Gateway' } };
    const api = await startScriptedBotApi({
      getMe: [{ status: 200, body: { ok: true, result: BOT_INFO } }],
      deleteWebhook: [{ status: 200, body: { ok: true, result: true } }],
      setMyCommands: [{ status: 200, body: { ok: true, result: true } }],
      getUpdates: [...Array.from({ length: OUTAGE }, () => fail), { status: 200, body: { ok: true, result: [textUpdate(5, '/help')] } }, { status: 200, body: { ok: true, result: [] } }],
      sendMessage: [{ status: 200, body: { ok: true, result: message } }],
    });
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }) });
    const t = await createTestApp('pglite');
    const handle = await startTelegram({ bot: { enabled: true, token: TOKEN, apiRoot: api.apiRoot, username: undefined, webhook: undefined }, deps: botDeps(t.container, translator, logger, 10), logger, pollRetryMs: RETRY_MS });
    const deadline = Date.now() + 30_000;
    while (!api.calls.some((c) => c.method === 'sendMessage') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await handle.stop();
    await t.close();
    await api.close();

    // The update that came with Telegram's return was answered; the polls during the outage were a short, steady
    // interval apart: auto-retry's backoff (3 s, 6 s, 12 s … up to an hour) is not applied to getUpdates.
    const polls = api.calls.filter((c) => c.method === 'getUpdates');
    expect(api.calls.filter((c) => c.method === 'sendMessage').map((c) => c.body.chat_id)).toEqual([5]);
    expect(polls.length).toBeGreaterThan(OUTAGE);
    const gaps = polls.slice(1, OUTAGE + 1).map((c, i) => c.at - polls[i]!.at);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(RETRY_MS - 5);
      expect(gap).toBeLessThan(3000);
    }
    expect(POLL_RETRY_MS).toBeLessThanOrEqual(1000);
    // The outage is one warning and one recovery in the log, not a line (or a stack trace) per failed poll.
    expect(lines.filter((l) => l.includes('cannot reach Telegram for updates'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('Telegram reachable again'))).toHaveLength(1);
  });
});

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `kabinet-test-${process.pid}-${randomBytes(3).toString('hex')}`;

/** A Bot API that refuses a fifth of the calls: flood control (retry_after 1) and a 502, in turn. */
function floodingTelegram() {
  let n = 0;
  const delivered: number[] = [];
  const answer = (call: { body: Record<string, unknown> }): ScriptedAnswer => {
    n += 1;
    if (n % 10 === 5) return { status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } } };
    if (n % 10 === 0) return { status: 502, body: { ok: false, error_code: 502, description: 'Bad Gateway' } };
    const chatId = Number(call.body.chat_id);
    delivered.push(chatId);
    return okAnswer({ message_id: n, date: 0, chat: { id: chatId, type: 'private' }, text: 'ready' });
  };
  return { answer, delivered };
}

describe.each([
  ['one process, its own gate', 1, undefined],
  ['two processes sharing the gate through Redis', 2, REDIS_URL],
] as const)('the Telegram port under flood control and 5xx, %s', (_name, processes, redisUrl) => {
  afterAll(async () => {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('delivers every message once, and no one-second window at Telegram holds more than the configured rate', async () => {
    const LIMIT = 25;
    const MESSAGES = 80;
    const telegram = floodingTelegram();
    const api = await startScriptedBotApi({ sendMessage: telegram.answer });
    const ports = Array.from({ length: processes }, () =>
      createTelegramPort({
        api: new Api(TOKEN, { apiRoot: api.apiRoot }),
        gate: createSendGate({ redisUrl, keyPrefix: `${PREFIX}-${processes}`, limits: { max: LIMIT }, marginMs: SEND_MARGIN_MS, logger: createLogger({ level: 'silent' }) }),
      }),
    );
    const chats = Array.from({ length: MESSAGES }, (_, i) => 9000 + i);
    await Promise.all(chats.map((chat, i) => ports[i % processes]!.sendText(BigInt(chat), { text: 'ready' })));
    for (const port of ports) await port.close();
    await api.close();

    expect([...telegram.delivered].sort()).toEqual(chats);
    // Retries included: every attempt took a slot, so bursts of retries after a retry_after never exceed the pace.
    const attempts = api.calls.filter((c) => c.method === 'sendMessage');
    expect(attempts.length).toBeGreaterThan(MESSAGES);
    expect(busiestWindow(attempts.map((c) => c.at))).toBeLessThanOrEqual(LIMIT);
  }, 120_000);
});

describe('send gate, per chat (fake timers: the gate decides, not the machine load)', () => {
  it('holds a chat\'s next message for the chat interval while other chats go on, and pauses everyone on a retry_after', async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const gate = createLocalSendGate(10, 1000, 1000);
      const granted: string[] = [];
      const take = (chat: string) => gate.acquire(chat).then(() => granted.push(`${chat}@${Date.now()}`));
      const all = Promise.all([take('a'), take('a'), take('b'), take('a')]);
      await vi.advanceTimersByTimeAsync(0);
      expect(granted).toEqual(['a@0', 'b@0']);
      await vi.advanceTimersByTimeAsync(999);
      expect(granted).toEqual(['a@0', 'b@0']);
      await vi.advanceTimersByTimeAsync(1);
      expect(granted).toEqual(['a@0', 'b@0', 'a@1000']);
      await gate.pause(5000);
      await vi.advanceTimersByTimeAsync(2000);
      expect(granted).toHaveLength(3);
      await vi.advanceTimersByTimeAsync(3000);
      await all;
      expect(granted).toEqual(['a@0', 'b@0', 'a@1000', 'a@6000']);
    } finally {
      vi.useRealTimers();
    }
  });
});
