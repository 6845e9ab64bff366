import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../api/app.ts';
import { assembleContainer, type ServiceDeps } from '../../core/container.ts';
import { createTranslator } from '../../core/i18n.ts';
import { createBullmqQueue } from '../../core/jobs/bullmq-queue.ts';
import { createInProcessQueue } from '../../core/jobs/in-process-queue.ts';
import { type JobQueue, QueueUnavailableError } from '../../core/jobs/job-definition.ts';
import { createLogger } from '../../core/logger.ts';
import { department, employee, organization, payslip } from '../fixtures/hr-rows.ts';
import { contactUpdate, textUpdate } from '../fixtures/telegram-updates.ts';
import { capturingChannels, codeIn, createBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { freePort } from '../helpers/free-port.ts';
import { createTestClock } from '../helpers/test-clock.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

const EMPLOYEES = 7;
const chatOf = (n: number) => 7100 + n;
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `kabinet-test-${process.pid}-${randomBytes(3).toString('hex')}`;
const logger = createLogger({ level: 'silent' });

/**
 * A queue that can be made to refuse jobs (Redis down: enqueue throws) or to lose them (Redis restarted without
 * persistence: enqueue succeeds, the job is gone), around the real one.
 */
function unreliable(make: (definitions: Parameters<NonNullable<ServiceDeps['jobQueue']>>[0]) => JobQueue) {
  const state = { mode: 'ok' as 'ok' | 'refuse' | 'lose' };
  const factory: ServiceDeps['jobQueue'] = (definitions) => {
    const real = make(definitions);
    return {
      ...real,
      async enqueue(name, payload, options) {
        if (state.mode === 'refuse') throw new QueueUnavailableError('Redis did not accept the job in time');
        if (state.mode === 'lose') return;
        return real.enqueue(name, payload, options);
      },
      async enqueueMany(name, jobs, options) {
        if (state.mode === 'refuse') throw new QueueUnavailableError('Redis did not accept the job in time');
        if (state.mode === 'lose') return;
        return real.enqueueMany(name, jobs, options);
      },
    };
  };
  return { state, factory };
}

describe.each(DB_KINDS.flatMap((db) => (['in-process', 'bullmq'] as const).map((queue) => [db, queue] as const)))(
  'payday notifications outbox, %s database, %s jobs',
  (dbKind, queueKind) => {
    const prefix = `${PREFIX}-${dbKind}`;
    const queue = unreliable((definitions) =>
      // Five at a time, so that a stop finds some of the seven notices not started yet.
      queueKind === 'bullmq' ? createBullmqQueue({ url: REDIS_URL, prefix, definitions, logger }) : createInProcessQueue(definitions, logger, { concurrency: 5 }),
    );
    const delivered = capturingChannels();
    const clock = createTestClock();
    let h: BotHarness;

    beforeAll(async () => {
      h = await createBotHarness(dbKind, {
        channels: delivered.channels,
        clock,
        jobQueue: queue.factory,
        env: queueKind === 'bullmq' ? { REDIS_URL, QUEUE_PREFIX: prefix } : {},
      });
      await h.t.container.services.jobs.startWorkers();
      const upload = (name: string, items: unknown[]) => h.t.request({ method: 'POST', url: `/api/v1/imports/${name}`, token: h.t.tokens.import, body: { items } });
      await upload('organizations', [organization()]);
      await upload('departments', [department()]);
      await upload('employees', Array.from({ length: EMPLOYEES }, (_, i) => employee(i + 1)));
      await h.t.request({ method: 'POST', url: '/api/v1/cabinets/publish', token: h.t.tokens.admin, body: { all: true } });
      for (let n = 1; n <= EMPLOYEES; n++) {
        const before = delivered.sms.length;
        await h.send(contactUpdate(chatOf(n), `+791200000${String(n).padStart(2, '0')}`));
        await h.send(textUpdate(chatOf(n), codeIn(delivered.sms[before]!.text)));
      }
    });
    afterAll(async () => {
      await h?.close();
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    });

    const everyChat = Array.from({ length: EMPLOYEES }, (_, i) => chatOf(i + 1));
    const uploadPayslips = (period: string) =>
      h.t.request({ method: 'POST', url: '/api/v1/imports/payslips', token: h.t.tokens.import, body: { items: Array.from({ length: EMPLOYEES }, (_, i) => payslip(`emp-${i + 1}`, period)) } });
    /** Chats told about `monthName`, one entry per message. */
    const toldAbout = (monthName: RegExp) => h.calls.filter((c) => c.method === 'sendMessage' && monthName.test(String(c.payload.text))).map((c) => Number(c.payload.chat_id)).sort();
    const unsent = (period: string) => h.prisma.payslipNotification.count({ where: { period, sentAt: null, skipped: null } });
    const sweep = async () => {
      const queued = await h.t.container.services.publisher.sweep();
      await h.t.container.services.jobs.idle();
      return queued;
    };

    it('an upload while the queue refuses jobs still answers 200; the sweep then tells everyone exactly once', async () => {
      h.clearCalls();
      clock.advance(1000);
      queue.state.mode = 'refuse';
      const res = await uploadPayslips('2026-10');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'SUCCEEDED', created: EMPLOYEES });
      await h.t.container.services.jobs.idle();
      expect(toldAbout(/октябрь 2026/)).toEqual([]);
      expect(await unsent('2026-10')).toBe(EMPLOYEES);

      // Still down: the sweep queues nothing and loses nothing.
      expect(await sweep()).toBe(0);
      queue.state.mode = 'ok';
      expect(await sweep()).toBe(EMPLOYEES);
      expect(toldAbout(/октябрь 2026/)).toEqual(everyChat);
      expect(await unsent('2026-10')).toBe(0);
      // A later sweep finds nothing to do, and sends nothing twice.
      expect(await sweep()).toBe(0);
      expect(toldAbout(/октябрь 2026/)).toEqual(everyChat);
    });

    it('jobs lost after they were queued (Redis restarted without persistence) are queued again by the sweep, once each', async () => {
      h.clearCalls();
      clock.advance(1000);
      if (queueKind === 'bullmq') {
        // Really lose them: the workers are paused while the upload queues, then Redis loses the queue.
        const workerlessPrefix = h.t.config.queuePrefix;
        const inspect = new Queue('notify-payslip', { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix: workerlessPrefix });
        await inspect.pause();
        expect((await uploadPayslips('2026-11')).statusCode).toBe(200);
        expect(await inspect.getWaitingCount()).toBe(EMPLOYEES);
        await inspect.obliterate({ force: true });
        await inspect.resume();
        await inspect.close();
      } else {
        queue.state.mode = 'lose';
        expect((await uploadPayslips('2026-11')).statusCode).toBe(200);
        queue.state.mode = 'ok';
      }
      await h.t.container.services.jobs.idle();
      expect(toldAbout(/ноябрь 2026/)).toEqual([]);
      expect(await unsent('2026-11')).toBe(EMPLOYEES);

      expect(await sweep()).toBe(EMPLOYEES);
      expect(toldAbout(/ноябрь 2026/)).toEqual(everyChat);
      expect(await sweep()).toBe(0);
      expect(toldAbout(/ноябрь 2026/)).toEqual(everyChat);
    });

    it('a sweep while the jobs are still queued or running adds nothing: each chat is told once', async () => {
      h.clearCalls();
      clock.advance(1000);
      // Hold every notice at the Telegram port, so that all of them are queued or running during the sweeps.
      const port = h.t.container.telegram!.port;
      const sendText = port.sendText.bind(port);
      const held: (() => void)[] = [];
      const spy = vi.spyOn(port, 'sendText').mockImplementation((...args) => new Promise((resolve, reject) => held.push(() => void sendText(...args).then(resolve, reject))));
      expect((await uploadPayslips('2026-12')).statusCode).toBe(200);
      await h.t.container.services.publisher.sweep();
      await h.t.container.services.publisher.sweep();
      await vi.waitFor(() => expect(held.length).toBeGreaterThan(0));
      spy.mockRestore();
      for (const release of held.splice(0)) release();
      await h.t.container.services.jobs.idle();
      expect(toldAbout(/декабрь 2026/)).toEqual(everyChat);
    });

    if (queueKind === 'bullmq') {
      it('an upload while Redis is unreachable answers 200; its notices wait in the outbox for the sweep', async () => {
        h.clearCalls();
        clock.advance(1000);
        // A second API process whose Redis is down (nothing listens on that port).
        const deadRedis = `redis://127.0.0.1:${await freePort()}`;
        const config = { ...h.t.config, redisUrl: deadRedis };
        const down = assembleContainer(h.t.testDb.database, config, logger, createTranslator(), {
          channels: delivered.channels,
          clock,
          jobQueue: (definitions) => createBullmqQueue({ url: deadRedis, prefix, definitions, logger, enqueueTimeoutMs: 300 }),
          telegram: h.t.container.telegram,
        });
        const app = await buildApp({ config, logger, translator: createTranslator(), container: down });
        const res = await app.inject({
          method: 'POST', url: '/api/v1/imports/payslips',
          headers: { authorization: `Bearer ${h.t.tokens.import}`, 'content-type': 'application/json' },
          payload: JSON.stringify({ items: Array.from({ length: EMPLOYEES }, (_, i) => payslip(`emp-${i + 1}`, '2027-01')) }),
        });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ status: 'SUCCEEDED', created: EMPLOYEES });
        expect(await unsent('2027-01')).toBe(EMPLOYEES);
        await app.close();
        await down.services.jobs.close();
        await down.services.telegramUpdates.close();

        expect(await sweep()).toBe(EMPLOYEES);
        expect(toldAbout(/январь 2027/)).toEqual(everyChat);
      });
    } else {
      it('a stop in the middle of an in-process broadcast leaves the rest to the next start, which tells them once', async () => {
        h.clearCalls();
        clock.advance(1000);
        const port = h.t.container.telegram!.port;
        const sendText = port.sendText.bind(port);
        const held: (() => void)[] = [];
        const spy = vi.spyOn(port, 'sendText').mockImplementation((...args) => new Promise((resolve, reject) => held.push(() => void sendText(...args).then(resolve, reject))));
        expect((await uploadPayslips('2027-02')).statusCode).toBe(200);
        // Five run (held at the gate), the other two wait in the queue when the stop comes.
        await vi.waitFor(() => expect(held).toHaveLength(5));
        const stopped = h.t.container.services.jobs.close();
        spy.mockRestore();
        for (const release of held.splice(0)) release();
        await stopped;
        expect(toldAbout(/февраль 2027/)).toHaveLength(5);
        expect(await unsent('2027-02')).toBe(EMPLOYEES - 5);

        // The next start: a new process on the same database sweeps the outbox.
        const restarted = assembleContainer(h.t.testDb.database, h.t.config, logger, createTranslator(), { channels: delivered.channels, clock, deliveryRetry: { attempts: 3, backoffMs: 5 }, telegram: h.t.container.telegram });
        expect(await restarted.services.publisher.sweep()).toBe(EMPLOYEES - 5);
        await restarted.services.jobs.idle();
        expect(toldAbout(/февраль 2027/)).toEqual(everyChat);
        expect(await unsent('2027-02')).toBe(0);
        await restarted.services.jobs.close();
        await restarted.services.telegramUpdates.close();
      });
    }
  },
);
