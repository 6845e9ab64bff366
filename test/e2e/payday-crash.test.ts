import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payslip } from '../fixtures/hr-rows.ts';
import { BOT_INFO } from '../helpers/bot-harness.ts';
import { freePort } from '../helpers/free-port.ts';
import { npmScript, startKabinet, until, type KabinetProcess } from '../helpers/kabinet-process.ts';
import { seedLinkedStaff, type LinkedStaff } from '../helpers/payday-setup.ts';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.ts';
import { okAnswer, startScriptedBotApi, type ScriptedAnswer, type ScriptedCall } from '../helpers/scripted-bot-api.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

const TOKEN = '123456:TEST-e2e-token-abcdefghijklmnop';
const STAFF = 1000;
/** Notices delivered before the trouble starts: the middle of the payday. */
const TROUBLE_AFTER = 300;

/**
 * A payday of 1,000 linked employees through separate processes (an API-only instance with the bot token, and
 * `npm run worker`), on PostgreSQL and Redis, with Telegram played by a scripted Bot API: a worker killed in the
 * middle, and Redis restarted empty in the middle. Every employee ends up told exactly once.
 */
describe('payday of 1,000 through a crash', () => {
  let t: TestApp;
  let staff: LinkedStaff;
  let telegram: Awaited<ReturnType<typeof startScriptedBotApi>>;
  const processes: KabinetProcess[] = [];
  let redis: PrivateRedis | undefined;
  const delivered: { chatId: number; text: string }[] = [];
  /** While set, calls are taken and never answered: requests on the wire when the worker dies, never processed. */
  const mode = { stall: false };
  let env: Record<string, string>;

  const sendMessage = (call: ScriptedCall): ScriptedAnswer | Promise<ScriptedAnswer> => {
    if (mode.stall) return new Promise<ScriptedAnswer>(() => {});
    const chatId = Number(call.body.chat_id);
    delivered.push({ chatId, text: String(call.body.text) });
    return okAnswer({ message_id: delivered.length, date: 0, chat: { id: chatId, type: 'private' }, text: 'ok' });
  };

  beforeAll(async () => {
    t = await createTestApp('postgres');
    staff = await seedLinkedStaff(t.testDb.database.prisma, { count: STAFF, firstChatId: 100_000 });
    telegram = await startScriptedBotApi({ getMe: [okAnswer(BOT_INFO)], setMyCommands: [okAnswer(true)], sendMessage });
    env = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      DATABASE_URL: t.testDb.url!,
      BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      CODE_SECRET: 'e2e-secret-0123456789abcdef',
      PDF_PASSWORD_KEY: 'e2e-pdf-key-0123456789abcdef',
      NOTIFY_RATE_PER_SECOND: '30',
      SHUTDOWN_TIMEOUT_SECONDS: '10',
    };
  });
  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await redis?.stop();
    await telegram?.close();
    await t?.close();
  });

  const startApi = async (redisUrl: string, prefix: string) => {
    const port = await freePort();
    // An API-only instance: it has the bot token, so its uploads create notifications, and no bot and no worker.
    const api = startKabinet(npmScript('start'), { ...env, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, ROLES: 'api', PORT: String(port) });
    processes.push(api);
    await until(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 'readyz', api.output);
    return `http://127.0.0.1:${port}`;
  };
  const startWorker = async (redisUrl: string, prefix: string) => {
    const worker = startKabinet(npmScript('worker'), { ...env, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix });
    processes.push(worker);
    await worker.waitFor(/worker running jobs and periodic tasks/);
    return worker;
  };
  const upload = async (base: string, period: string) => {
    const res = await fetch(`${base}/api/v1/imports/payslips`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.tokens.import}`, 'content-type': 'application/json' },
      body: JSON.stringify({ items: staff.externalIds.map((id) => payslip(id, period)) }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ created: STAFF });
  };
  const noticesAbout = (month: RegExp) => delivered.filter((d) => month.test(d.text));
  const expectEveryoneOnce = (month: RegExp) => {
    const counts = new Map<number, number>();
    for (const d of noticesAbout(month)) counts.set(d.chatId, (counts.get(d.chatId) ?? 0) + 1);
    expect(counts.size).toBe(STAFF);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(staff.chatIds);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  };
  const allOutput = () => processes.map((p) => p.output()).join('\n----\n');

  it('a worker killed with SIGKILL in the middle: after a restart everyone has their notice, none twice', async () => {
    const prefix = `kabinet-e2e-${process.pid}-${randomBytes(3).toString('hex')}`;
    const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    const base = await startApi(redisUrl, prefix);
    const worker = await startWorker(redisUrl, prefix);
    await upload(base, '2026-10');
    await until(async () => noticesAbout(/октябрь 2026/).length >= TROUBLE_AFTER, `${TROUBLE_AFTER} notices`, allOutput, 120_000);

    // Requests already on their way stay unanswered (Telegram never processed them), answered ones are written down.
    mode.stall = true;
    await new Promise((r) => setTimeout(r, 700));
    worker.child.kill('SIGKILL');
    await worker.exited;
    const before = noticesAbout(/октябрь 2026/).length;
    expect(before).toBeLessThan(STAFF);
    mode.stall = false;

    // Its jobs were claimed and locked by a dead process: the new worker takes them over once the locks expire.
    await startWorker(redisUrl, prefix);
    await until(async () => noticesAbout(/октябрь 2026/).length >= STAFF, 'every notice after the restart', allOutput, 180_000);
    expectEveryoneOnce(/октябрь 2026/);
    expect(await t.testDb.database.prisma.payslipNotification.count({ where: { period: '2026-10', sentAt: null } })).toBe(0);

    for (const p of processes.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) expect(await p.stop(), p.output()).toBe(0);
    const shared = new Redis(redisUrl);
    const keys = await shared.keys(`${prefix}*`);
    if (keys.length > 0) await shared.del(...keys);
    shared.disconnect();
  }, 300_000);

  it('Redis restarted empty in the middle: the outbox sweep queues the lost notices again, and everyone is told once', async () => {
    const port = await freePort();
    redis = await startPrivateRedis(port);
    const prefix = 'kabinet-e2e';
    const base = await startApi(redis.url, prefix);
    await startWorker(redis.url, prefix);
    await upload(base, '2026-11');
    await until(async () => noticesAbout(/ноябрь 2026/).length >= TROUBLE_AFTER, `${TROUBLE_AFTER} notices`, allOutput, 120_000);

    // No persistence: every queued job, the schedules and the send gate's state are gone.
    await redis.restart();
    expect(noticesAbout(/ноябрь 2026/).length).toBeLessThan(STAFF);

    await until(async () => noticesAbout(/ноябрь 2026/).length >= STAFF, 'every notice after Redis came back', allOutput, 180_000);
    expectEveryoneOnce(/ноябрь 2026/);
    expect(await t.testDb.database.prisma.payslipNotification.count({ where: { period: '2026-11', sentAt: null } })).toBe(0);
    expect(allOutput()).toMatch(/unsent payday notifications queued again/);
    for (const p of processes.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) expect(await p.stop(), p.output()).toBe(0);
  }, 300_000);
});
