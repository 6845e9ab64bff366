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

  it('stops at a permanent failure and tells nobody: a message would say the contact is real', async () => {
    sms.failures.push(new PermanentDeliveryError('bad number'), new TransientDeliveryError('must not be reached'));
    h.clearCalls();
    await h.send(contactUpdate(8003, '+79120000004'));
    await until(() => sms.failures.length === 1);
    await h.t.container.services.jobs.idle();
    expect(sms.sent).toHaveLength(0);
    expect(h.messagesTo(8003).map((m) => m.payload.text)).toEqual([expect.stringMatching(/^Если этот контакт есть/)]);
    expect((await h.prisma.oneTimeCode.findFirstOrThrow({ where: { telegramUserId: 8003n } })).sentAt).toBeNull();
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

/** Every string Redis holds under a prefix: hashes, lists, sets, sorted sets, streams and plain values. */
async function everythingUnder(redis: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const key of await redis.keys(`${prefix}:*`)) {
    out.push(key);
    const type = await redis.type(key);
    if (type === 'string') out.push((await redis.get(key)) ?? '');
    else if (type === 'hash') out.push(...Object.entries(await redis.hgetall(key)).flat());
    else if (type === 'list') out.push(...(await redis.lrange(key, 0, -1)));
    else if (type === 'set') out.push(...(await redis.smembers(key)));
    else if (type === 'zset') out.push(...(await redis.zrange(key, 0, -1)));
    else if (type === 'stream') for (const [id, fields] of await redis.xrange(key, '-', '+')) out.push(id, ...fields);
  }
  return out;
}

describe('what identify puts into Redis', () => {
  const prefix = `${PREFIX}-payload`;
  const sms = scriptedSms();
  let h: BotHarness;
  const redis = new Redis(REDIS_URL);
  beforeAll(async () => {
    h = await createBotHarness('pglite', {
      channels: { sms: sms.gateway, email: undefined },
      jobQueue: (definitions) => createBullmqQueue({ url: REDIS_URL, prefix, definitions, logger }),
    });
    await seedLinkingEmployees(h.t);
  });
  afterAll(async () => {
    await h?.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('is the code row id and nothing else: no phone, e-mail or code, before or after delivery', async () => {
    const secrets = ['79120000001', '912 000-00-01', '9120000001', 'emp1@', 'romashka', 'Иванова'];
    // No worker yet: the job waits in Redis exactly as the bot left it.
    await h.bot.handleUpdate(textUpdate(8101, '+7 (912) 000-00-01'));
    await h.bot.handleUpdate(textUpdate(8102, 'emp1@romashka.ru'));
    const codes = await h.prisma.oneTimeCode.findMany({ orderBy: { createdAt: 'asc' } });
    expect(codes).toHaveLength(2);

    const queued = new Queue('deliver-code', { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix });
    const jobs = await queued.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(jobs.map((j) => j.data).sort((a, b) => String(a.codeId).localeCompare(String(b.codeId))))
      .toEqual(codes.map((c) => ({ codeId: c.id })).sort((a, b) => a.codeId.localeCompare(b.codeId)));
    await queued.close();
    const before = (await everythingUnder(redis, prefix)).join('\n');
    expect(before).toContain(codes[0]!.id);
    for (const secret of secrets) expect(before, secret).not.toContain(secret);

    // Delivery happens in the worker; the plaintext code goes to the SMS gateway and nowhere near Redis.
    await h.t.container.services.jobs.startWorkers();
    await until(() => sms.sent.length === 1);
    await h.t.container.services.jobs.idle();
    const code = codeIn(sms.sent[0]!.text);
    const after = (await everythingUnder(redis, prefix)).join('\n');
    for (const secret of secrets) expect(after, secret).not.toContain(secret);
    expect(after).not.toMatch(new RegExp(`(?<![0-9a-f])${code}(?![0-9a-f])`));
  });
});
