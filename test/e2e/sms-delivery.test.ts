import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TelegramServer } from 'telegram-test-api/lib/telegramServer.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedLinkingEmployees } from '../fixtures/linking-setup.ts';
import { codeIn } from '../helpers/bot-harness.ts';
import { startFakeSmsGateway } from '../helpers/fake-sms-gateway.ts';
import { freePort } from '../helpers/free-port.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

const TOKEN = '123456:TEST-e2e-sms-token-abcdefghijklmnop';

const until = async (what: string, check: () => boolean, output: () => string, ms = 45_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

/**
 * SMS delivery through the real process wiring (`node --import tsx main.ts`, as `npm start` runs it): the
 * configured SMS_API_URL points at a local gateway, so the code an employee types is the one the gateway received.
 */
describe('npm start sends sign-in codes by SMS through SMS_API_URL', () => {
  let telegram: TelegramServer;
  let gateway: Awaited<ReturnType<typeof startFakeSmsGateway>>;
  let t: TestApp;
  let child: ChildProcess;
  let output = '';

  beforeAll(async () => {
    telegram = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 60 });
    await telegram.start();
    gateway = await startFakeSmsGateway({ status: 200, body: { id: 1, cnt: 1 } });
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
        SMS_PROVIDER: 'smsc',
        SMSC_LOGIN: 'romashka',
        SMSC_PASSWORD: 'e2e-password',
        SMS_API_URL: gateway.url('/sys/send.php'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await telegram?.stop();
    await gateway?.close();
    await t?.close();
  });

  it('delivers the code to the phone on record and the code links the account', async () => {
    const client = telegram.getClient(TOKEN, { userId: 7878, chatId: 7878, firstName: 'Дарья', userName: 'darya', timeout: 1000 });
    // The emulator drops updates sent before the bot's first poll.
    await until('the bot to poll', () => /polling/i.test(output) || child.exitCode !== null, () => output, 60_000);
    expect(child.exitCode).toBeNull();

    await client.sendMessage(client.makeMessage('8 (912) 000-00-04'));
    await until('the SMS', () => gateway.requests.length > 0, () => output);
    const sms = gateway.requests[0]!.fields;
    expect(sms).toMatchObject({ login: 'romashka', psw: 'e2e-password', phones: '79120000004', fmt: '3' });

    await client.sendMessage(client.makeMessage(codeIn(String(sms.mes))));
    const linked = async () =>
      (await t.testDb.database.prisma.telegramAccount.findUnique({ where: { telegramUserId: 7878n }, include: { employee: true } }))?.employee;
    let employee = await linked();
    const deadline = Date.now() + 20_000;
    while (!employee && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      employee = await linked();
    }
    expect(employee).toMatchObject({ externalId: 'emp-4', cabinetState: 'ACTIVE' });
    expect(gateway.requests).toHaveLength(1);
    expect(output).not.toContain('79120000004');
    expect(output).not.toContain(String(sms.mes));

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
