import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.ts';
import { createWebhookEndpoint, startTelegram, type TelegramHandle } from '../../bot/telegram.ts';
import { loadConfig } from '../../core/config.ts';
import { createTranslator } from '../../core/i18n.ts';
import { textUpdate } from '../fixtures/telegram-updates.ts';
import { BOT_INFO } from '../helpers/bot-harness.ts';
import { startScriptedBotApi } from '../helpers/scripted-bot-api.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

const TOKEN = '42:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz';
const ok = (result: unknown) => [{ status: 200, body: { ok: true, result } }];

/** The real webhook branch of startTelegram, behind the real route, against a scripted Bot API on localhost. */
describe('webhook mode', () => {
  let t: TestApp;
  let api: Awaited<ReturnType<typeof startScriptedBotApi>>;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let endpoint: ReturnType<typeof createWebhookEndpoint>;
  let handle: TelegramHandle;
  const translator = createTranslator();
  const config = () =>
    loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: api.apiRoot, WEBHOOK_URL: 'https://kabinet.example.ru/tg/hook-7f3a' });

  beforeAll(async () => {
    t = await createTestApp('pglite');
    api = await startScriptedBotApi({
      getMe: ok(BOT_INFO),
      setWebhook: ok(true),
      setMyCommands: ok(true),
      sendMessage: ok({ message_id: 1, date: 0, chat: { id: 6001, type: 'private' }, text: 'ok' }),
    });
    const bot = config().bot;
    if (!bot.enabled || !bot.webhook) throw new Error('webhook configuration expected');
    endpoint = createWebhookEndpoint(bot.webhook);
    app = await buildApp({ config: t.config, logger: t.container.logger, translator, container: t.container, telegramWebhook: endpoint });
    await app.ready();
  });
  afterAll(async () => {
    await handle?.stop();
    await app?.close();
    await api?.close();
    await t?.close();
  });

  const secret = () => {
    const bot = config().bot;
    return bot.enabled && bot.webhook ? bot.webhook.secret : '';
  };
  const post = (body: unknown, header?: string, url = '/tg/hook-7f3a') =>
    app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...(header ? { 'x-telegram-bot-api-secret-token': header } : {}) }, payload: JSON.stringify(body) });
  const sent = () => api.calls.filter((c) => c.method === 'sendMessage');

  it('holds an update that arrives while the bot is starting, then answers it; registers the URL with its secret', async () => {
    let settled = false;
    const early = post(textUpdate(6001, '/help'), secret()).finally(() => (settled = true));
    // Some turns of the event loop later the update is still waiting for the bot, and nothing was sent.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    expect(sent()).toEqual([]);

    const bot = config().bot;
    if (!bot.enabled) throw new Error('bot expected');
    const starting = startTelegram({ bot, container: t.container, translator, logger: t.container.logger, codeTtlMinutes: 10 });
    endpoint.attach(starting);
    handle = await starting;

    const res = await early;
    expect(res.statusCode).toBe(200);
    expect(sent().map((c) => [c.body.chat_id, String(c.body.text).split('\n')[0]])).toEqual([[6001, expect.stringMatching(/^Kabinet — личный кабинет/)]]);
    const setWebhook = api.calls.find((c) => c.method === 'setWebhook');
    expect(setWebhook?.body).toMatchObject({ url: 'https://kabinet.example.ru/tg/hook-7f3a', secret_token: secret(), allowed_updates: ['message', 'callback_query'] });
    // Webhook mode never polls nor deletes the webhook.
    expect(api.calls.map((c) => c.method)).not.toContain('getUpdates');
    expect(api.calls.map((c) => c.method)).not.toContain('deleteWebhook');
  });

  it('refuses calls without the secret token, or with a wrong one, before the bot sees them', async () => {
    const before = api.calls.length;
    expect((await post(textUpdate(6002, '/help'))).statusCode).toBe(401);
    expect((await post(textUpdate(6002, '/help'), `${secret().slice(0, -1)}x`)).statusCode).toBe(401);
    expect((await post(textUpdate(6002, '/help'), 'short')).statusCode).toBe(401);
    expect(api.calls.length).toBe(before);
  });

  it('serves only the path of WEBHOOK_URL, and refuses a body that is not an update', async () => {
    expect((await post(textUpdate(6002, '/help'), secret(), '/telegram/webhook')).statusCode).toBe(404);
    expect((await post({ hello: 'world' }, secret())).statusCode).toBe(400);
  });

  it('answers 503 once the bot stops taking updates, so that Telegram delivers them again later', async () => {
    await handle.stop();
    const before = api.calls.length;
    const res = await post(textUpdate(6003, '/help'), secret());
    expect(res.statusCode).toBe(503);
    expect(api.calls.length).toBe(before);
  });
});
