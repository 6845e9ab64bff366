import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.ts';
import { ALLOWED_UPDATES } from '../../bot/index.ts';
import { botDeps, createWebhookEndpoint, startTelegram, type TelegramHandle, type WebhookEndpoint } from '../../bot/telegram.ts';
import { loadConfig } from '../../core/config.ts';
import { openDatabase } from '../../core/db/database.ts';
import { createTranslator } from '../../core/i18n.ts';
import { createLogger } from '../../core/logger.ts';
import { createDatabaseUpdateDeduplicator, createRedisUpdateDeduplicator, type UpdateDeduplicator } from '../../core/telegram/update-dedup.ts';
import { inOneInstance } from '../../core/telegram/webhook-lock.ts';
import { textUpdate } from '../fixtures/telegram-updates.ts';
import { BOT_INFO } from '../helpers/bot-harness.ts';
import { startScriptedBotApi } from '../helpers/scripted-bot-api.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createTestClock } from '../helpers/test-clock.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

const TOKEN = '42:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ok = (result: unknown) => [{ status: 200, body: { ok: true, result } }];
const translator = createTranslator();
const logger = createLogger({ level: 'silent' });
const config = (apiRoot: string) =>
  loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: apiRoot, WEBHOOK_URL: 'https://kabinet.example.ru/tg/hook-7f3a' });
const webhookOf = (apiRoot: string) => {
  const bot = config(apiRoot).bot;
  if (!bot.enabled || !bot.webhook) throw new Error('webhook configuration expected');
  return { bot, webhook: bot.webhook };
};

/** One instance behind the load balancer: its Fastify app with the webhook route, and its bot. */
async function startInstance(t: TestApp, apiRoot: string, updates: UpdateDeduplicator, options: { startBot?: boolean } = {}) {
  const { bot, webhook } = webhookOf(apiRoot);
  const endpoint: WebhookEndpoint = createWebhookEndpoint(webhook, { updates, logger });
  const app = await buildApp({ config: t.config, logger, translator, container: t.container, telegramWebhook: endpoint });
  await app.ready();
  let handle: TelegramHandle | undefined;
  const start = async (registerWebhook?: (set: () => Promise<void>) => Promise<void>) => {
    const starting = startTelegram({ bot, deps: botDeps(t.container, translator, logger, 10), logger, ...(registerWebhook ? { registerWebhook } : {}) });
    endpoint.attach(starting);
    handle = await starting;
    return handle;
  };
  if (options.startBot ?? true) await start();
  const post = (body: unknown, header: string | undefined = webhook.secret, url = '/tg/hook-7f3a') =>
    app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...(header ? { 'x-telegram-bot-api-secret-token': header } : {}) }, payload: JSON.stringify(body) });
  return {
    app,
    post,
    start,
    secret: webhook.secret,
    /** The bot stops taking updates (the first step of a graceful stop); the app still answers. */
    stopBot: async () => handle?.stop(),
    stop: async () => {
      await handle?.stop();
      await app.close();
    },
  };
}

const scriptedTelegram = () =>
  startScriptedBotApi({
    getMe: ok(BOT_INFO),
    setWebhook: ok(true),
    setMyCommands: ok(true),
    sendMessage: ok({ message_id: 1, date: 0, chat: { id: 6001, type: 'private' }, text: 'ok' }),
  });

/** The webhook branch of startTelegram (grammY's webhookCallback) behind the real route, against a scripted Bot API. */
describe('webhook mode', () => {
  let t: TestApp;
  let api: Awaited<ReturnType<typeof scriptedTelegram>>;
  let instance: Awaited<ReturnType<typeof startInstance>>;

  beforeAll(async () => {
    t = await createTestApp('pglite');
    api = await scriptedTelegram();
    instance = await startInstance(t, api.apiRoot, t.container.services.telegramUpdates, { startBot: false });
  });
  afterAll(async () => {
    await instance?.stop();
    await api?.close();
    await t?.close();
  });

  const sent = () => api.calls.filter((c) => c.method === 'sendMessage');

  it('holds an update that arrives while the bot is starting, then answers it; registers the URL with its secret', async () => {
    let settled = false;
    const early = instance.post(textUpdate(6001, '/help')).finally(() => (settled = true));
    // Some turns of the event loop later the update is still waiting for the bot, and nothing was sent.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    expect(sent()).toEqual([]);

    let registered = 0;
    await instance.start(async (set) => {
      registered += 1;
      await set();
    });

    const res = await early;
    expect(res.statusCode).toBe(200);
    expect(sent().map((c) => [c.body.chat_id, String(c.body.text).split('\n')[0]])).toEqual([[6001, expect.stringMatching(/^Kabinet — личный кабинет/)]]);
    expect(registered).toBe(1);
    const setWebhook = api.calls.filter((c) => c.method === 'setWebhook');
    expect(setWebhook).toHaveLength(1);
    expect(setWebhook[0]!.body).toMatchObject({ url: 'https://kabinet.example.ru/tg/hook-7f3a', secret_token: instance.secret, allowed_updates: [...ALLOWED_UPDATES] });
    // Webhook mode never polls nor deletes the webhook.
    expect(api.calls.map((c) => c.method)).not.toContain('getUpdates');
    expect(api.calls.map((c) => c.method)).not.toContain('deleteWebhook');
  });

  it('refuses calls without the secret token, or with a wrong one, before the bot or the de-duplication sees them', async () => {
    const before = api.calls.length;
    const update = textUpdate(6002, '/help');
    expect((await instance.post(update, '')).statusCode).toBe(401);
    expect((await instance.post(update, `${instance.secret.slice(0, -1)}x`)).statusCode).toBe(401);
    expect((await instance.post(update, 'short')).statusCode).toBe(401);
    expect(api.calls.length).toBe(before);
    // A forged call never marks the update id as taken: the real delivery of that id is still handled.
    expect((await instance.post(update)).statusCode).toBe(200);
    expect(sent().filter((c) => c.body.chat_id === 6002)).toHaveLength(1);
  });

  it('serves only the path of WEBHOOK_URL, and refuses a body that is not an update', async () => {
    expect((await instance.post(textUpdate(6002, '/help'), instance.secret, '/telegram/webhook')).statusCode).toBe(404);
    expect((await instance.post({ hello: 'world' })).statusCode).toBe(400);
  });

  it('answers a redelivered update 200 without handling it again', async () => {
    const update = textUpdate(6004, '/help');
    expect((await instance.post(update)).statusCode).toBe(200);
    expect((await instance.post(update)).statusCode).toBe(200);
    expect(sent().filter((c) => c.body.chat_id === 6004)).toHaveLength(1);
  });

  it('answers 503 once the bot stops taking updates, so that Telegram delivers them again later, to an instance that takes them', async () => {
    await instance.stopBot();
    const before = api.calls.length;
    const update = textUpdate(6003, '/help');
    expect((await instance.post(update)).statusCode).toBe(503);
    expect(api.calls.length).toBe(before);
    // Refused, not taken: the redelivery to a running instance is handled.
    const other = await startInstance(t, api.apiRoot, t.container.services.telegramUpdates);
    expect((await other.post(update)).statusCode).toBe(200);
    expect(sent().filter((c) => c.body.chat_id === 6003)).toHaveLength(1);
    await other.stop();
  });
});

const PREFIX = `kabinet-test-${process.pid}-${randomBytes(3).toString('hex')}`;

describe.each([
  ...DB_KINDS.map((kind) => [`the telegram_updates table on ${kind}`, kind, 'database'] as const),
  ['Redis (SET NX EX)', 'pglite', 'redis'] as const,
])('two instances behind one webhook URL, update ids remembered in %s', (_name, kind, store) => {
  let t: TestApp;
  let api: Awaited<ReturnType<typeof scriptedTelegram>>;
  const stores: UpdateDeduplicator[] = [];
  const clock = createTestClock();

  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
    api = await scriptedTelegram();
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await api?.close();
    await t?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  /** Each instance has its own connection to the shared store, as separate processes do. */
  const newStore = () => {
    const s = store === 'redis' ? createRedisUpdateDeduplicator({ url: REDIS_URL, keyPrefix: PREFIX, logger }) : createDatabaseUpdateDeduplicator({ db: t.testDb.database.prisma, clock });
    stores.push(s);
    return s;
  };

  it('a redelivered update_id has one effect, whichever instance gets it and however often', async () => {
    const [a, b] = [await startInstance(t, api.apiRoot, newStore()), await startInstance(t, api.apiRoot, newStore())];
    const update = textUpdate(6100, '/help');
    // Telegram redelivers an update whose answer was slow: to the other instance, and at the same moment.
    const answers = await Promise.all([a.post(update), b.post(update), a.post(update), b.post(update)]);
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    expect(api.calls.filter((c) => c.method === 'sendMessage' && c.body.chat_id === 6100)).toHaveLength(1);
    // A different update of the same chat is handled as usual.
    expect((await b.post(textUpdate(6100, '/help'))).statusCode).toBe(200);
    expect(api.calls.filter((c) => c.method === 'sendMessage' && c.body.chat_id === 6100)).toHaveLength(2);
    await a.stop();
    await b.stop();
  });

  if (store === 'database') {
    it('forgets update ids after 24 hours (the housekeeping job purges them)', async () => {
      const s = newStore();
      expect(await s.firstTime(987_654)).toBe(true);
      expect(await s.firstTime(987_654)).toBe(false);
      clock.advance(24 * 3600_000 + 1000);
      expect(await s.purge()).toBeGreaterThanOrEqual(1);
      expect(await t.testDb.database.prisma.telegramUpdate.count({ where: { updateId: 987_654n } })).toBe(0);
      expect(await s.firstTime(987_654)).toBe(true);
    });
  }
});

describe('one instance sets the webhook', () => {
  it('of two instances starting at once, the one holding the lock sets it and the other skips', async () => {
    const t = await createTestApp('postgres');
    const second = await openDatabase({ kind: 'postgres', url: t.testDb.url! });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const calls: string[] = [];
    const first = inOneInstance(t.testDb.database.prisma, async () => {
      calls.push('first');
      await held;
    });
    // Wait until the first holds the lock, then the second tries.
    while (calls.length === 0) await new Promise((r) => setTimeout(r, 10));
    const other = await inOneInstance(second.prisma, async () => void calls.push('second'));
    release();
    expect([await first, other]).toEqual([true, false]);
    expect(calls).toEqual(['first']);
    // Once the first is done, a later start sets it again (the URL or the secret may have changed).
    expect(await inOneInstance(second.prisma, async () => void calls.push('later'))).toBe(true);
    await second.close();
    await t.close();
  });
});
