import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type EmployeeActor } from '../../core/access/actor.ts';
import { loadEmployeeActor } from '../../core/access/employee-actor.ts';
import { assembleContainer, type Container } from '../../core/container.ts';
import { createTranslator } from '../../core/i18n.ts';
import { createBullmqQueue } from '../../core/jobs/bullmq-queue.ts';
import { createInProcessQueue } from '../../core/jobs/in-process-queue.ts';
import { createLogger } from '../../core/logger.ts';
import { CHAT, type CertificatePeople, HR_CHAT, seedCertificatePeople } from '../fixtures/certificate-setup.ts';
import { createFakeTelegram } from '../helpers/fake-telegram.ts';
import { freePort } from '../helpers/free-port.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createTestClock } from '../helpers/test-clock.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `kabinet-cert-${process.pid}-${randomBytes(3).toString('hex')}`;
const logger = createLogger({ level: 'silent' });
const translator = createTranslator();

describe.each(DB_KINDS.flatMap((db) => (['in-process', 'bullmq'] as const).map((queue) => [db, queue] as const)))(
  'the HR chat outbox, %s database, %s jobs',
  (dbKind, queueKind) => {
    const prefix = `${PREFIX}-${dbKind}`;
    const clock = createTestClock('2026-11-30T09:00:00.000Z');
    const telegram = createFakeTelegram(translator);
    let t: TestApp;
    let people: CertificatePeople;
    const as = async (employeeId: string): Promise<EmployeeActor> => (await loadEmployeeActor(t.testDb.database.prisma, { employeeId }, clock.now()))!;
    const settle = () => t.container.services.jobs.idle();
    const posts = () => telegram.to(HR_CHAT).filter((c) => c.method === 'sendText');
    const sweep = async () => {
      const queued = await t.container.services.certificateOutbox.sweep();
      await settle();
      return queued;
    };
    const order = async () => t.container.services.certificates.create(await as(people.employee), { typeCode: 'NDFL_2', fields: { year: 2025, copies: 0 } });

    beforeAll(async () => {
      t = await createTestApp(dbKind, {
        clock,
        telegram: () => telegram.outbound,
        env: queueKind === 'bullmq' ? { REDIS_URL, QUEUE_PREFIX: prefix } : {},
        jobQueue: (definitions) => (queueKind === 'bullmq' ? createBullmqQueue({ url: REDIS_URL, prefix, definitions, logger }) : createInProcessQueue(definitions, logger)),
      });
      if (queueKind === 'bullmq') await t.container.services.jobs.startWorkers();
    });
    afterAll(async () => {
      await t?.close();
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    });
    beforeEach(async () => {
      await settle();
      await t.reset();
      telegram.clear();
      await t.container.services.catalogue.seed();
      people = await seedCertificatePeople(t);
    });

    it('a request made while the HR chat cannot be reached is stored, then posted exactly once when it is back', async () => {
      telegram.breakChat(HR_CHAT);
      const view = await order();
      expect(view.status).toBe('NEW');
      await settle();
      expect(posts()).toEqual([]);
      // Still down: the sweep loses nothing and posts nothing.
      expect(await sweep()).toBe(1);
      expect(posts()).toEqual([]);
      expect(await t.testDb.database.prisma.certificateRequest.findUniqueOrThrow({ where: { id: view.id }, select: { hrPostedAt: true, hrMessageId: true } })).toEqual({ hrPostedAt: null, hrMessageId: null });

      telegram.restore(HR_CHAT);
      expect(await sweep()).toBe(1);
      expect(posts()).toHaveLength(1);
      expect(posts()[0]!.text).toContain(view.number);
      // Nothing left: later sweeps post nothing twice.
      expect(await sweep()).toBe(0);
      expect(await sweep()).toBe(0);
      expect(posts()).toHaveLength(1);

      // Later changes edit that card.
      await t.container.services.certificates.take(await as(people.hr), view.id);
      await settle();
      await sweep();
      expect(posts()).toHaveLength(1);
      expect(telegram.to(HR_CHAT).filter((c) => c.method === 'editText').map((c) => c.messageId)).toEqual([posts()[0]!.messageId]);
    });

    it('sweeps while the post is still queued or being sent add nothing: the card is posted once', async () => {
      const port = telegram.outbound.port;
      const sendText = port.sendText.bind(port);
      const held: (() => void)[] = [];
      const spy = vi.spyOn(port, 'sendText').mockImplementation((...args) => new Promise((resolve, reject) => held.push(() => void sendText(...args).then(resolve, reject))));
      await order();
      await Promise.all([t.container.services.certificateOutbox.sweep(), t.container.services.certificateOutbox.sweep()]);
      await vi.waitFor(() => expect(held.length).toBeGreaterThan(0));
      await t.container.services.certificateOutbox.sweep();
      spy.mockRestore();
      for (const release of held.splice(0)) release();
      await settle();
      await sweep();
      expect(posts()).toHaveLength(1);
    });

    it('a request made before an HR chat is bound is posted when an admin binds one', async () => {
      await t.testDb.database.prisma.hrChat.deleteMany();
      const view = await order();
      await settle();
      expect(telegram.calls).toEqual([]);
      await t.container.services.hrChats.bind(await as(people.admin), { chatId: HR_CHAT, title: 'Кадры' });
      await settle();
      expect(posts().map((p) => p.text)).toEqual([expect.stringContaining(view.number)]);
    });

    if (queueKind === 'bullmq') {
      it('a request made while Redis is unreachable is stored and posted once by the sweep of another instance', async () => {
        const deadRedis = `redis://127.0.0.1:${await freePort()}`;
        const down: Container = assembleContainer(t.testDb.database, { ...t.config, redisUrl: deadRedis }, logger, translator, {
          clock,
          telegram: telegram.outbound,
          jobQueue: (definitions) => createBullmqQueue({ url: deadRedis, prefix, definitions, logger, enqueueTimeoutMs: 300 }),
        });
        const me = await as(people.employee);
        const view = await down.services.certificates.create(me, { typeCode: 'NDFL_2', fields: { year: 2025, copies: 0 } });
        expect(view.status).toBe('NEW');
        // The instant certificate of the same outage: stored DONE, its PDF delivered later.
        const instant = await down.services.certificates.create(me, { typeCode: 'EMPLOYMENT', fields: { purpose: 'any', with_salary: false, copies: 0 } });
        expect(instant.status).toBe('DONE');
        await down.services.jobs.close();
        await down.services.telegramUpdates.close();
        expect(telegram.calls).toEqual([]);

        expect(await sweep()).toBe(2);
        expect(posts().map((p) => p.text)).toEqual([expect.stringContaining(view.number)]);
        expect(telegram.to(CHAT.employee).filter((c) => c.method === 'sendDocument')).toHaveLength(1);
        expect(await sweep()).toBe(0);
        expect(posts()).toHaveLength(1);
      });
    }
  },
);
