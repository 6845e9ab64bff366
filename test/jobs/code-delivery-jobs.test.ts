import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TransientDeliveryError, PermanentDeliveryError } from '../../core/delivery/delivery-errors.ts';
import { createBullmqQueue } from '../../core/jobs/bullmq-queue.ts';
import { createInProcessQueue } from '../../core/jobs/in-process-queue.ts';
import type { JobDefinitions, JobQueue } from '../../core/jobs/job-definition.ts';
import { createLogger } from '../../core/logger.ts';
import { PHONE, seedLinkingEmployees } from '../fixtures/linking-setup.ts';
import { contactUpdate, textUpdate } from '../fixtures/telegram-updates.ts';
import { codeIn, createBotHarness, type BotHarness } from '../helpers/bot-harness.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// A prefix of its own per test file and run: files run in parallel and leave nothing behind.
const PREFIX = `kabinet-test-${process.pid}-${randomBytes(3).toString('hex')}`;

const logger = createLogger({ level: 'silent' });
const kinds: [string, (definitions: JobDefinitions) => JobQueue][] = [
  ['in-process', (definitions) => createInProcessQueue(definitions, logger)],
  ['BullMQ on Redis', (definitions) => createBullmqQueue({ url: REDIS_URL, prefix: PREFIX, definitions, logger })],
];

/** An SMS channel whose next sends fail as told, then succeed. */
function scriptedSms() {
  const sent: { to: string; text: string }[] = [];
  const failures: Error[] = [];
  return {
    sent,
    failures,
    gateway: {
      send: async (to: string, text: string) => {
        const failure = failures.shift();
        if (failure) throw failure;
        sent.push({ to, text });
      },
    },
  };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(kinds)('code delivery as a job, %s', (_name, makeQueue) => {
  let h: BotHarness;
  const sms = scriptedSms();

  beforeAll(async () => {
    h = await createBotHarness('pglite', { channels: { sms: sms.gateway, email: undefined }, jobQueue: makeQueue });
    await h.t.container.services.jobs.startWorkers();
    await seedLinkingEmployees(h.t);
  });
  afterAll(async () => {
    await h?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${PREFIX}:*`);
    if (keys.length > 0) await redis.del(...keys);
    expect(await redis.keys(`${PREFIX}:*`)).toEqual([]);
    redis.disconnect();
  });
  beforeEach(async () => {
    await h.prisma.oneTimeCode.deleteMany();
    sms.sent.length = 0;
    sms.failures.length = 0;
  });

  it('delivers the code and the code links the account', async () => {
    await h.send(contactUpdate(8001, '+79120000001'));
    await until(() => sms.sent.length === 1);
    expect(sms.sent[0]!.to).toBe(PHONE(1));
    await h.send(textUpdate(8001, codeIn(sms.sent[0]!.text)));
    expect(h.lastTextTo(8001)).toMatch(/Готово/);
  });

  it('retries transient failures with backoff, then delivers', async () => {
    sms.failures.push(new TransientDeliveryError('busy'), new TransientDeliveryError('busy'));
    await h.send(contactUpdate(8002, '+79120000002'));
    await until(() => sms.sent.length === 1);
    expect(sms.failures).toHaveLength(0);
    await until(async () => (await h.prisma.oneTimeCode.findFirstOrThrow({ where: { telegramUserId: 8002n } })).sentAt !== null);
  });

  it('stops at a permanent failure and tells the user', async () => {
    sms.failures.push(new PermanentDeliveryError('bad number'), new TransientDeliveryError('must not be reached'));
    await h.send(contactUpdate(8003, '+79120000004'));
    await until(() => /Не получилось отправить код/.test(h.lastTextTo(8003)));
    expect(sms.failures).toHaveLength(1);
    expect(sms.sent).toHaveLength(0);
  });

  it('runs a job once per id, and running it again sends nothing new', async () => {
    const { jobs } = h.t.container.services;
    await h.send(contactUpdate(8004, '+79120000002'));
    await until(() => sms.sent.length === 1);
    const code = await h.prisma.oneTimeCode.findFirstOrThrow({ where: { telegramUserId: 8004n } });
    await jobs.enqueue('deliver-code', { codeId: code.id }, { jobId: `code-${code.id}-again` });
    await jobs.enqueue('deliver-code', { codeId: code.id }, { jobId: `code-${code.id}-again` });
    await jobs.idle();
    expect(sms.sent).toHaveLength(1);
  });
});

describe('BullMQ job payloads', () => {
  it('carry ids only: no phone, e-mail or code reaches Redis', async () => {
    const prefix = `${PREFIX}-payload`;
    const definitions = {
      'deliver-code': { name: 'deliver-code', attempts: 1, backoffMs: 1, handle: async () => {} },
    } as unknown as JobDefinitions;
    const queue = createBullmqQueue({ url: REDIS_URL, prefix, definitions, logger });
    await queue.enqueue('deliver-code', { codeId: '01a2-code-id' }, { jobId: 'code-1' });
    const inspect = new Queue('deliver-code', { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix });
    const job = await inspect.getJob('code-1');
    expect(job?.data).toEqual({ codeId: '01a2-code-id' });
    await inspect.obliterate({ force: true });
    await inspect.close();
    await queue.close();
    const redis = new Redis(REDIS_URL);
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    redis.disconnect();
  });
});
