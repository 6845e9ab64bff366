import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TelegramServer } from 'telegram-test-api/lib/telegramServer.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/free-port.ts';
import { npmScript, startKabinet, type KabinetProcess } from './helpers/kabinet-process.ts';

const TOKEN = '123456:TEST-redis-down-abcdefghijklmnop';

/**
 * `npm start` with REDIS_URL pointing at a Redis that is not there: the job workers wait for it, the bot does not.
 * The first answer to /start needs no job, so it must come while Redis is still down.
 */
describe('npm start while Redis is down', () => {
  let telegram: TelegramServer;
  let dataDir: string;
  let kabinet: KabinetProcess | undefined;

  beforeAll(async () => {
    telegram = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 60 });
    await telegram.start();
    dataDir = await mkdtemp(path.join(tmpdir(), 'kabinet-redis-down-'));
  });

  afterAll(async () => {
    if (kabinet && kabinet.child.exitCode === null) kabinet.child.kill('SIGKILL');
    await telegram?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers in Telegram while the job workers wait for Redis, and stops cleanly', async () => {
    kabinet = startKabinet(npmScript('start'), {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      // Nothing listens there: ioredis keeps reconnecting for as long as the test runs.
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: telegram.config.apiURL,
      CODE_SECRET: 'redis-down-secret-0123456789abcdef',
      PDF_PASSWORD_KEY: 'redis-down-pdf-key-0123456789abcdef',
    });
    await kabinet.waitFor(/Telegram bot polling for updates/);

    const client = telegram.getClient(TOKEN, { userId: 4242, chatId: 4242, firstName: 'Ольга', userName: 'olga', timeout: 1000 });
    await client.sendCommand(client.makeCommand('/start'));
    const seen: string[] = [];
    const deadline = Date.now() + 30_000;
    while (!seen.some((text) => /подтвердите, кто вы/.test(text)) && Date.now() < deadline) {
      const updates = await client.getUpdates().catch(() => ({ result: [] }));
      for (const u of updates.result) seen.push(String(u.message.text ?? ''));
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(seen.join('\n')).toMatch(/подтвердите, кто вы/);
    // The workers are still waiting: they never reported running.
    expect(kabinet.output()).not.toContain('worker running jobs and periodic tasks');
    expect(kabinet.output()).toMatch(/Redis unreachable or failing; retrying/);

    expect(await kabinet.stop()).toBe(0);
  }, 120_000);
});
