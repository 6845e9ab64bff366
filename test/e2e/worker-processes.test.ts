import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payslip } from '../fixtures/hr-rows.ts';
import { textUpdate } from '../fixtures/telegram-updates.ts';
import { BOT_INFO } from '../helpers/bot-harness.ts';
import { freePort } from '../helpers/free-port.ts';
import { npmScript, startKabinet, until, type KabinetProcess } from '../helpers/kabinet-process.ts';
import { seedLinkedStaff, type LinkedStaff } from '../helpers/payday-setup.ts';
import { busiestWindow, okAnswer, startScriptedBotApi, type ScriptedAnswer, type ScriptedCall } from '../helpers/scripted-bot-api.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

const TOKEN = '123456:TEST-e2e-token-abcdefghijklmnop';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `kabinet-e2e-${process.pid}-${randomBytes(3).toString('hex')}`;
const WEBHOOK_SECRET = 'e2e-webhook-secret-0123456789';
const STAFF = 150;
const RATE = 25;

/**
 * The process roles for real: API+bot instances (ROLES=api,bot) and `npm run worker` processes as separate Node
 * processes on one PostgreSQL and one Redis, Telegram played by a scripted Bot API on localhost.
 */
describe('separate API+bot and worker processes', () => {
  let t: TestApp;
  let staff: LinkedStaff;
  let telegram: Awaited<ReturnType<typeof startScriptedBotApi>>;
  const processes: KabinetProcess[] = [];
  /** Every sendMessage Telegram accepted, by text. */
  const delivered: { chatId: number; text: string; at: number }[] = [];
  const mode = { flaky: false };
  let calls = 0;
  let env: Record<string, string>;

  const sendMessage = (call: ScriptedCall): ScriptedAnswer => {
    calls += 1;
    // A fifth of the calls refused while `flaky`: flood control (retry_after 1) and a 502, in turn.
    if (mode.flaky && calls % 10 === 5) return { status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } } };
    if (mode.flaky && calls % 10 === 0) return { status: 502, body: { ok: false, error_code: 502, description: 'Bad Gateway' } };
    const chatId = Number(call.body.chat_id);
    delivered.push({ chatId, text: String(call.body.text), at: call.at });
    return okAnswer({ message_id: calls, date: 0, chat: { id: chatId, type: 'private' }, text: 'ok' });
  };

  beforeAll(async () => {
    t = await createTestApp('postgres');
    staff = await seedLinkedStaff(t.testDb.database.prisma, { count: STAFF, firstChatId: 70_000 });
    telegram = await startScriptedBotApi({
      getMe: [okAnswer(BOT_INFO)],
      setWebhook: [okAnswer(true)],
      setMyCommands: [okAnswer(true)],
      sendMessage,
    });
    env = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      DATABASE_URL: t.testDb.url!,
      REDIS_URL,
      QUEUE_PREFIX: PREFIX,
      BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      WEBHOOK_URL: 'https://kabinet.example.ru/tg/hook',
      WEBHOOK_SECRET,
      CODE_SECRET: 'e2e-secret-0123456789abcdef',
      PDF_PASSWORD_KEY: 'e2e-pdf-key-0123456789abcdef',
      NOTIFY_RATE_PER_SECOND: String(RATE),
      SHUTDOWN_TIMEOUT_SECONDS: '20',
    };
  });
  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await telegram?.close();
    await t?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const startApi = async () => {
    const port = await freePort();
    const api = startKabinet(npmScript('start'), { ...env, ROLES: 'api,bot', PORT: String(port) });
    processes.push(api);
    await api.waitFor(/Telegram bot receiving updates by webhook/);
    return { process: api, base: `http://127.0.0.1:${port}` };
  };
  const startWorker = async () => {
    const worker = startKabinet(npmScript('worker'), env);
    processes.push(worker);
    await worker.waitFor(/worker running jobs and periodic tasks/);
    return worker;
  };
  const upload = (base: string, period: string) =>
    fetch(`${base}/api/v1/imports/payslips`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.tokens.import}`, 'content-type': 'application/json' },
      body: JSON.stringify({ items: staff.externalIds.map((id) => payslip(id, period)) }),
    });
  const noticesAbout = (month: RegExp) => delivered.filter((d) => month.test(d.text));
  const timesEach = (month: RegExp) => {
    const counts = new Map<number, number>();
    for (const d of noticesAbout(month)) counts.set(d.chatId, (counts.get(d.chatId) ?? 0) + 1);
    return counts;
  };

  let first: Awaited<ReturnType<typeof startApi>>;

  it('an API+bot instance queues the payday and runs no job; `npm run worker` tells every linked employee once', async () => {
    first = await startApi();
    const res = await upload(first.base, '2026-10');
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ created: STAFF });

    // Queued in Redis, in one addBulk per batch, and nobody takes them: this process has no worker role.
    const queue = new Queue('notify-payslip', { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix: PREFIX });
    await until(async () => (await queue.getWaitingCount()) === STAFF, `${STAFF} waiting jobs`, first.process.output);
    expect(noticesAbout(/октябрь 2026/)).toEqual([]);
    await queue.close();

    const worker = await startWorker();
    await until(async () => noticesAbout(/октябрь 2026/).length >= STAFF, 'every notice', worker.output, 90_000);
    const counts = timesEach(/октябрь 2026/);
    expect([...counts.keys()].sort()).toEqual(staff.chatIds);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // A notice is marked sent once Telegram has answered for it: the last ones may reach the chat a moment before.
    const unsent = () => t.testDb.database.prisma.payslipNotification.count({ where: { period: '2026-10', sentAt: null } });
    await until(async () => (await unsent()) === 0, 'every notice marked sent', worker.output);
    expect(await unsent()).toBe(0);
    expect(busiestWindow(noticesAbout(/октябрь 2026/).map((d) => d.at))).toBeLessThanOrEqual(RATE);
    expect(first.process.output()).not.toMatch(/worker running jobs/);
  }, 180_000);

  it('two API instances behind the webhook and two workers: a redelivered update has one effect; a flaky Telegram still gets every notice once, within the rate in every second', async () => {
    const second = await startApi();
    await startWorker();

    // Telegram redelivers an update whose answer was slow: to either instance, even at the same moment.
    const chat = staff.chatIds[0]!;
    const update = textUpdate(chat, '/help');
    const post = (base: string) =>
      fetch(`${base}/tg/hook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET }, body: JSON.stringify(update) });
    const answers = await Promise.all([post(first.base), post(second.base), post(first.base), post(second.base)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(delivered.filter((d) => d.chatId === chat && !/^Готов расчетный листок/.test(d.text))).toHaveLength(1);

    // The next payday, uploaded to the other instance, while a fifth of Telegram's answers are 429 or 502.
    mode.flaky = true;
    const attemptsFrom = telegram.calls.length;
    const res = await upload(second.base, '2026-11');
    expect(res.status).toBe(200);
    await until(async () => noticesAbout(/ноябрь 2026/).length >= STAFF, 'every notice of the flaky payday', () => processes.map((p) => p.output()).join('\n'), 120_000);
    const counts = timesEach(/ноябрь 2026/);
    expect([...counts.keys()].sort()).toEqual(staff.chatIds);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // Both workers share one pace through Redis: counted on arrival, retries included, in every one-second window.
    const attempts = telegram.calls.slice(attemptsFrom).filter((c) => c.method === 'sendMessage');
    expect(attempts.length).toBeGreaterThan(STAFF);
    expect(busiestWindow(attempts.map((c) => c.at))).toBeLessThanOrEqual(RATE);

    for (const p of processes) expect(await p.stop(), p.output()).toBe(0);
  }, 240_000);
});
