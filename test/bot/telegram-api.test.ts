import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { setCommandMenus } from '../../bot/commands.ts';
import type { BotDeps } from '../../bot/context.ts';
import { createBot } from '../../bot/index.ts';
import { createTelegramNotifier } from '../../bot/notifier.ts';
import { POLL_RETRY_MS, startTelegram } from '../../bot/telegram.ts';
import { RecipientBlockedError } from '../../core/notify/notifier.ts';
import { createTranslator } from '../../core/i18n.ts';
import { createLogger } from '../../core/logger.ts';
import { textUpdate } from '../fixtures/telegram-updates.ts';
import { BOT_INFO } from '../helpers/bot-harness.ts';
import { startScriptedBotApi } from '../helpers/scripted-bot-api.ts';
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

  it('takes a chat that is gone (400 chat not found) like a blocked bot, and other 400s as errors', async () => {
    const api = await startScriptedBotApi({
      sendMessage: [
        { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } },
        { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: message is too long' } },
      ],
    });
    const notifier = createTelegramNotifier(createBot(deps, { token: TOKEN, botInfo: BOT_INFO, apiRoot: api.apiRoot }).api);
    await expect(notifier.sendMessage(5n, 'hi')).rejects.toBeInstanceOf(RecipientBlockedError);
    await expect(notifier.sendMessage(5n, 'hi')).rejects.toMatchObject({ error_code: 400 });
    expect(api.calls).toHaveLength(2);
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
    const handle = await startTelegram({ bot: { enabled: true, token: TOKEN, apiRoot: api.apiRoot, webhook: undefined }, container: t.container, translator, logger, codeTtlMinutes: 10, pollRetryMs: RETRY_MS });
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
