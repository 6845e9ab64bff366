import { describe, expect, it } from 'vitest';
import { setCommandMenus } from '../../bot/commands.ts';
import type { BotDeps } from '../../bot/context.ts';
import { createBot } from '../../bot/index.ts';
import { createTranslator } from '../../core/i18n.ts';
import { createLogger } from '../../core/logger.ts';
import { BOT_INFO } from '../helpers/bot-harness.ts';
import { startScriptedBotApi } from '../helpers/scripted-bot-api.ts';

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
});
