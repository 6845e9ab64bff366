import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createBullmqQueue } from '../../core/jobs/bullmq-queue.ts';
import type { JobDefinition, JobDefinitions, JobQueue, JobToQueue } from '../../core/jobs/job-definition.ts';
import { createLogger } from '../../core/logger.ts';
import { seedLinkedStaff } from '../helpers/payday-setup.ts';
import { createTestApp } from '../helpers/test-app.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `kabinet-test-${process.pid}-${randomBytes(3).toString('hex')}`;
const logger = createLogger({ level: 'silent' });
const TOKEN = '123456:TEST-token-abcdefghijklmnopqrst';

const definitions = (handle: JobDefinition['handle'] = async () => {}) => {
  const make = (name: string) => ({ name, attempts: 1, backoffMs: 1, handle }) as unknown as JobDefinition;
  return { 'deliver-code': make('deliver-code'), 'notify-payslip': make('notify-payslip'), housekeeping: make('housekeeping'), 'sweep-payslip-outbox': make('sweep-payslip-outbox') } as unknown as JobDefinitions;
};

describe('enqueueMany on BullMQ', () => {
  afterAll(async () => {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('queues a batch in one addBulk, drops ids already queued, and replaces a job that failed for good only when asked', async () => {
    const queue = createBullmqQueue({ url: REDIS_URL, prefix: PREFIX, definitions: definitions(), logger });
    const addBulk = vi.spyOn(Queue.prototype, 'addBulk');
    const add = vi.spyOn(Queue.prototype, 'add');
    const jobs = Array.from({ length: 1200 }, (_, i) => ({ payload: { notificationId: `n-${i}` }, jobId: `notify-n-${i}` }));
    await queue.enqueueMany('notify-payslip', jobs);
    expect(addBulk).toHaveBeenCalledTimes(1);
    expect(add).not.toHaveBeenCalled();
    const inspect = new Queue('notify-payslip', { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix: PREFIX });
    expect(await inspect.getWaitingCount()).toBe(1200);
    await queue.enqueueMany('notify-payslip', jobs.slice(0, 10));
    expect(await inspect.getWaitingCount()).toBe(1200);

    // A job kept after failing for good: a plain re-queue leaves it, an outbox re-queue replaces it.
    await inspect.obliterate({ force: true });
    await queue.enqueueMany('notify-payslip', [jobs[0]!]);
    const worker = createBullmqQueue({ url: REDIS_URL, prefix: PREFIX, definitions: definitions(async () => Promise.reject(new Error('gave up'))), logger });
    await worker.startWorkers();
    await vi.waitFor(async () => expect(await inspect.getJobState('notify-n-0')).toBe('failed'), { timeout: 10_000 });
    await worker.close();
    await queue.enqueueMany('notify-payslip', [jobs[0]!]);
    expect(await inspect.getJobState('notify-n-0')).toBe('failed');
    await queue.enqueueMany('notify-payslip', [jobs[0]!], { replaceFailed: true });
    expect(await inspect.getJobState('notify-n-0')).toBe('waiting');

    addBulk.mockRestore();
    add.mockRestore();
    await inspect.close();
    await queue.close();
  });
});

describe.each(DB_KINDS)('payday fan-out on %s', (kind) => {
  it('queues the notices of a payday of 1,200 in batches of one round trip each, not one call per employee', async () => {
    const calls: { many: number[]; one: number } = { many: [], one: 0 };
    const recording = (): JobQueue => ({
      kind: 'in-process',
      enqueue: async () => void (calls.one += 1),
      enqueueMany: async (_name, jobs: JobToQueue<never>[]) => void calls.many.push(jobs.length),
      startWorkers: async () => {},
      idle: async () => {},
      close: async () => {},
    });
    // The bot token makes this process create notifications, as any API instance with it does.
    const t = await createTestApp(kind, { env: { BOT_TOKEN: TOKEN }, jobQueue: recording });
    const staff = await seedLinkedStaff(t.testDb.database.prisma, { count: 1200, firstChatId: 50_000 });
    const organizationId = (await t.testDb.database.prisma.organization.findFirstOrThrow()).id;
    await t.testDb.database.prisma.payslip.createMany({
      data: staff.employeeIds.map((employeeId) => ({ employeeId, organizationId, period: '2026-10', kind: 'FINAL' as const, totalAccrued: 1n, totalWithheld: 0n, totalPaid: 1n, sourceHash: '' })),
    });
    const ids = (await t.testDb.database.prisma.payslip.findMany({ select: { id: true } })).map((p) => p.id);
    expect(await t.container.services.publisher.payslipsCreated(ids)).toBe(1200);
    expect(calls).toEqual({ many: [500, 500, 200], one: 0 });
    await t.close();
  });
});
