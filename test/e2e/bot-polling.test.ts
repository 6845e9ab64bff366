import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TelegramServer } from 'telegram-test-api/lib/telegramServer.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.ts';
import { seedLinkingEmployees } from '../fixtures/linking-setup.ts';
import { codeIn } from '../helpers/bot-harness.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

const TOKEN = '123456:TEST-e2e-token-abcdefghijklmnop';

/**
 * The real process wiring (`node --import tsx main.ts`, as `npm start` runs it) in production mode on PostgreSQL,
 * long-polling a local Bot API emulator through TELEGRAM_API_ROOT, with codes going to a real SMTP server.
 */
describe('npm start with a bot, end to end', () => {
  let telegram: TelegramServer;
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;
  let t: TestApp;
  let child: ChildProcess;
  let output = '';

  beforeAll(async () => {
    telegram = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 60 });
    await telegram.start();
    sink = await startSmtpSink();
    t = await createTestApp('postgres');
    await seedLinkingEmployees(t);
    child = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        HOST: '127.0.0.1',
        PORT: String(await freePort()),
        DATABASE_URL: t.testDb.url,
        BOT_TOKEN: TOKEN,
        TELEGRAM_API_ROOT: telegram.config.apiURL,
        CODE_SECRET: 'e2e-secret-0123456789abcdef',
        PDF_PASSWORD_KEY: 'e2e-pdf-key-0123456789abcdef',
        SMTP_URL: sink.url,
        MAIL_FROM: 'Kabinet <no-reply@romashka.ru>',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await telegram?.stop();
    await sink?.close();
    await t?.close();
  });

  it('links an employee by e-mail and code, then shuts down cleanly', async () => {
    const client = telegram.getClient(TOKEN, { userId: 7777, chatId: 7777, firstName: 'Мария', userName: 'maria', timeout: 1000 });
    const seen: string[] = [];
    const waitFor = async (pattern: RegExp) => {
      const deadline = Date.now() + 45_000;
      while (Date.now() < deadline) {
        // The emulator's getUpdates gives up after `timeout` ms without news; that just means "not yet".
        const updates = await client.getUpdates().catch(() => ({ result: [] }));
        for (const u of updates.result) seen.push(String(u.message.text ?? ''));
        const hit = seen.find((text) => pattern.test(text));
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 150));
      }
      throw new Error(`no bot message matching ${pattern}; seen: ${JSON.stringify(seen)}\n${output}`);
    };

    const started = Date.now();
    while (!output.includes('Telegram bot polling for updates')) {
      if (Date.now() - started > 60_000 || child.exitCode !== null) throw new Error(`the bot did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await client.sendCommand(client.makeCommand('/start'));
    await waitFor(/подтвердите, кто вы/);
    await client.sendMessage(client.makeMessage('emp1@romashka.ru'));
    await waitFor(/код из 6 цифр/);
    const deadline = Date.now() + 20_000;
    while (sink.received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(sink.received).toHaveLength(1);
    await client.sendMessage(client.makeMessage(codeIn(sink.received[0]!.text ?? '')));
    await waitFor(/Готово, Мария!/);

    const account = await t.testDb.database.prisma.telegramAccount.findUnique({ where: { telegramUserId: 7777n }, include: { employee: true } });
    expect(account?.employee?.externalId).toBe('emp-1');
    expect(account?.employee?.cabinetState).toBe('ACTIVE');

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/Telegram bot polling for updates/);
    expect(output).not.toContain('emp1@romashka.ru');
  });
});
