import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.ts';
import { createTranslator } from '../../core/i18n.ts';
import { textUpdate } from '../fixtures/telegram-updates.ts';
import { createBotHarness, type BotHarness } from '../helpers/bot-harness.ts';

describe('webhook mode', () => {
  let h: BotHarness;
  let app: Awaited<ReturnType<typeof buildApp>>;
  const secret = 'webhook-secret-0123456789';

  beforeAll(async () => {
    h = await createBotHarness('pglite');
    app = await buildApp({
      config: h.t.config,
      logger: h.t.container.logger,
      translator: createTranslator(),
      container: h.t.container,
      telegramWebhook: { path: '/telegram/webhook', secret, handleUpdate: (update) => h.bot.handleUpdate(update as never) },
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  const post = (body: unknown, header?: string) =>
    app.inject({ method: 'POST', url: '/telegram/webhook', headers: { 'content-type': 'application/json', ...(header ? { 'x-telegram-bot-api-secret-token': header } : {}) }, payload: JSON.stringify(body) });

  it('handles an update that carries the secret token', async () => {
    const res = await post(textUpdate(6001, '/help'), secret);
    expect(res.statusCode).toBe(200);
    expect(h.lastTextTo(6001)).toMatch(/^Kabinet — личный кабинет/);
  });

  it('refuses calls without the secret token, or with a wrong one, before the bot sees them', async () => {
    h.clearCalls();
    expect((await post(textUpdate(6002, '/help'))).statusCode).toBe(401);
    expect((await post(textUpdate(6002, '/help'), 'webhook-secret-0123456788')).statusCode).toBe(401);
    expect((await post(textUpdate(6002, '/help'), 'short')).statusCode).toBe(401);
    expect(h.calls).toEqual([]);
  });

  it('refuses a body that is not an update', async () => {
    expect((await post({ hello: 'world' }, secret)).statusCode).toBe(400);
  });
});
