import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../core/access/actor.ts';
import type { EmailMessage } from '../../core/delivery/email-sender.ts';
import type { BatchView } from '../../core/invitations/invitation-progress.ts';
import { capturingTelegram, linkDirectly, peakPerWindow, recordingChannels, seedCompany, virtualClock } from '../helpers/admin-setup.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

const COMPANY = 1000;
/** The send-invitation job's concurrency: at most this many sends are past the point a stop can cancel. */
const IN_FLIGHT = 20;
const progressMessage = { chatId: 500n, messageId: 7, language: 'ru' as const };

/** Two published employees nobody can reach: one without contacts, one with only a phone while SMS is not set up. */
async function makeUnreachable(t: TestApp) {
  const db = t.testDb.database.prisma;
  await db.employee.update({ where: { externalId: 'emp-00010' }, data: { phone: null, email: null } });
  await db.employee.update({ where: { externalId: 'emp-00011' }, data: { email: null } });
}

function expectEachOnce(emails: EmailMessage[], total: number) {
  expect(emails).toHaveLength(total);
  expect(new Set(emails.map((m) => m.to)).size).toBe(total);
}

describe.each(DB_KINDS)('bulk invitations, in-process jobs on %s (the clock the gate waits on is the test\'s)', (kind) => {
  let t: TestApp;
  const clock = virtualClock();
  let onEmail: ((message: EmailMessage, count: number) => void) | undefined;
  const delivered = recordingChannels(clock, { sms: false, onEmail: (m, n) => onEmail?.(m, n) });
  const tg = capturingTelegram();

  beforeAll(async () => {
    t = await createTestApp(kind, {
      clock,
      channels: delivered.channels,
      telegram: tg.telegram,
      env: { INVITE_RATE_PER_SECOND: '50', INVITE_RESEND_INTERVAL_HOURS: '6' },
    });
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    delivered.emails.length = 0;
    tg.edits.length = 0;
    tg.intents.length = 0;
    onEmail = undefined;
  });

  const inviting = () => t.container.services.admin.inviting;

  it('invites 1,000 employees exactly once, never more than 50 in a second, and the progress message ends correct', async () => {
    await seedCompany(t, { employees: COMPANY });
    await makeUnreachable(t);
    const started = await inviting().startBulk(SYSTEM_ACTOR, { progressMessage });
    expect(started).toMatchObject({ status: 'running', total: COMPANY - 2, failed: 0, skippedRecent: 0 });
    expect(started.unreachable).toEqual([
      { employeeId: 'emp-00010', personnelNumber: 'TN-00010', fullName: 'Сотрудникова00010 Анна', reason: 'NO_CONTACTS' },
      { employeeId: 'emp-00011', personnelNumber: 'TN-00011', fullName: 'Сотрудникова00011 Анна', reason: 'NO_CHANNEL' },
    ]);
    await t.container.services.jobs.idle();

    expectEachOnce(delivered.emails, COMPANY - 2);
    // The pace is the gate's alone here (its clock is the test's): exactly the limit in the busiest second.
    expect(peakPerWindow(delivered.emails.map((m) => m.at))).toBe(50);
    const done = await inviting().bulk(SYSTEM_ACTOR, started.batchId);
    expect(done).toMatchObject({ status: 'finished', total: COMPANY - 2, sent: COMPANY - 2, failed: 0, remaining: 0, cancelled: 0 });
    const prisma = t.testDb.database.prisma;
    expect(await prisma.employee.count({ where: { cabinetState: 'INVITED' } })).toBe(COMPANY - 2);

    // One message, edited now and then (not once per invitation), last with the final figures.
    const edits = tg.edits.filter((e) => e.message.messageId === 7 && e.message.chatId === 500n);
    expect(edits.length).toBeGreaterThan(1);
    expect(edits.length).toBeLessThan(20);
    expect(edits.at(-1)!.content.text).toBe(`Рассылка приглашений завершена: отправлено ${COMPANY - 2} из ${COMPANY - 2}, не удалось 0.`);
    expect(tg.intents.at(-1)).toMatchObject({ kind: 'invitation-progress', batchId: started.batchId, status: 'finished', sent: COMPANY - 2, remaining: 0 });
  });

  it('a rerun within INVITE_RESEND_INTERVAL_HOURS invites nobody again; after it, only those still not active', async () => {
    await seedCompany(t, { employees: 20 });
    const first = await inviting().startBulk(SYSTEM_ACTOR);
    await t.container.services.jobs.idle();
    expectEachOnce(delivered.emails, 20);
    expect((await inviting().bulk(SYSTEM_ACTOR, first.batchId)).status).toBe('finished');

    clock.advance(6 * 3600_000 - 60_000);
    const rerun = await inviting().startBulk(SYSTEM_ACTOR);
    expect(rerun).toMatchObject({ status: 'finished', total: 0, skippedRecent: 20, unreachable: [] });
    await t.container.services.jobs.idle();
    expect(delivered.emails).toHaveLength(20);

    await linkDirectly(t, 'emp-00002', 9002);
    await linkDirectly(t, 'emp-00003', 9003);
    clock.advance(2 * 60_000);
    const reminder = await inviting().startBulk(SYSTEM_ACTOR);
    expect(reminder).toMatchObject({ total: 18, skippedRecent: 0 });
    await t.container.services.jobs.idle();
    expect(delivered.emails).toHaveLength(38);
    expect(delivered.emails.slice(20).map((m) => m.to)).not.toContain('emp00002@romashka.ru');
  });

  it('one run at a time, and a stop halts it: what had not started is cancelled, the message says stopped', async () => {
    await seedCompany(t, { employees: COMPANY });
    let stopping: Promise<BatchView> | undefined;
    const started = await inviting().startBulk(SYSTEM_ACTOR, { progressMessage });
    await expect(inviting().startBulk(SYSTEM_ACTOR)).rejects.toMatchObject({ code: 'BULK_INVITE_RUNNING', kind: 'conflict' });
    onEmail = (_m, count) => {
      if (count === 100) stopping = inviting().stopBulk(SYSTEM_ACTOR, started.batchId);
    };
    await t.container.services.jobs.idle();
    expect(stopping).toBeDefined();
    await stopping;
    await t.container.services.jobs.idle();

    const sent = delivered.emails.length;
    expect(sent).toBeGreaterThanOrEqual(100);
    expect(sent).toBeLessThanOrEqual(100 + IN_FLIGHT);
    const view = await inviting().bulk(SYSTEM_ACTOR, started.batchId);
    expect(view).toMatchObject({ status: 'stopped', total: COMPANY, sent, failed: 0, remaining: 0, cancelled: COMPANY - sent });
    expect(new Set(delivered.emails.map((m) => m.to)).size).toBe(sent);
    expect(tg.edits.at(-1)!.content.text).toBe(`Рассылка приглашений остановлена: отправлено ${sent} из ${COMPANY}, не удалось 0, не отправлено ${COMPANY - sent}.`);
    // The run is over: a new one may start, and it picks up exactly those the stop left out.
    const next = await inviting().startBulk(SYSTEM_ACTOR);
    expect(next).toMatchObject({ total: COMPANY - sent, skippedRecent: sent });
    expect(await t.testDb.database.prisma.auditLog.count({ where: { action: { in: ['invitation.bulk.start', 'invitation.bulk.stop'] } } })).toBe(3);
  });
});

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

// Redis is how several processes share the work, and several processes need PostgreSQL (PGlite is one process's).
describe.each(['postgres'] as const)('bulk invitations through BullMQ and real Redis on %s (shared gate timed by Redis)', (kind) => {
  let t: TestApp;
  const prefix = `kabinet-test-invite-${process.pid}-${randomBytes(3).toString('hex')}`;
  const clock = { now: () => new Date() };
  let onEmail: ((message: EmailMessage, count: number) => void) | undefined;
  const delivered = recordingChannels(clock, { sms: false, onEmail: (m, n) => onEmail?.(m, n) });
  const tg = capturingTelegram();
  // Below what one test process can prepare per second (Prisma's work dominates), so the gate is what paces.
  const RATE = 40;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      channels: delivered.channels,
      telegram: tg.telegram,
      env: { REDIS_URL, QUEUE_PREFIX: prefix, INVITE_RATE_PER_SECOND: String(RATE) },
    });
    await t.container.services.jobs.startWorkers();
  });
  afterAll(async () => {
    await t?.container.services.admin.close();
    await t?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  beforeEach(async () => {
    await t.reset();
    delivered.emails.length = 0;
    onEmail = undefined;
  });

  it(`invites 1,000 employees exactly once, never more than ${RATE} in any second, progress correct at the end`, async () => {
    await seedCompany(t, { employees: COMPANY });
    const started = await t.container.services.admin.inviting.startBulk(SYSTEM_ACTOR);
    expect(started.total).toBe(COMPANY);
    await t.container.services.jobs.idle();
    expectEachOnce(delivered.emails, COMPANY);
    expect(peakPerWindow(delivered.emails.map((m) => m.at))).toBeLessThanOrEqual(RATE);
    expect(await t.container.services.admin.inviting.bulk(SYSTEM_ACTOR, started.batchId)).toMatchObject({ status: 'finished', sent: COMPANY, failed: 0, remaining: 0, cancelled: 0 });
  });

  it('a stop halts it across workers', async () => {
    await seedCompany(t, { employees: 200 });
    let stopping: Promise<BatchView> | undefined;
    const started = await t.container.services.admin.inviting.startBulk(SYSTEM_ACTOR);
    onEmail = (_m, count) => {
      if (count === 30) stopping = t.container.services.admin.inviting.stopBulk(SYSTEM_ACTOR, started.batchId);
    };
    await t.container.services.jobs.idle();
    await stopping;
    await t.container.services.jobs.idle();
    const sent = delivered.emails.length;
    expect(sent).toBeLessThanOrEqual(30 + IN_FLIGHT);
    expect(await t.container.services.admin.inviting.bulk(SYSTEM_ACTOR, started.batchId)).toMatchObject({ status: 'stopped', sent, remaining: 0, cancelled: 200 - sent });
  });
});
