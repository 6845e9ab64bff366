import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmployeeActor } from '../../core/access/actor.ts';
import { loadEmployeeActor } from '../../core/access/employee-actor.ts';
import { assembleContainer, type Container } from '../../core/container.ts';
import { createTranslator } from '../../core/i18n.ts';
import { createInProcessQueue } from '../../core/jobs/in-process-queue.ts';
import { createLogger } from '../../core/logger.ts';
import { CHAT, type CertificatePeople, HR_CHAT, seedCertificatePeople } from '../fixtures/certificate-setup.ts';
import { createFakeTelegram } from '../helpers/fake-telegram.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createTestClock } from '../helpers/test-clock.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

const logger = createLogger({ level: 'silent' });
const translator = createTranslator();

describe.each(DB_KINDS)('deadline reminders and the overdue digest with two workers on one %s database', (kind) => {
  const clock = createTestClock('2026-11-25T09:00:00.000Z');
  const telegram = createFakeTelegram(translator);
  let t: TestApp;
  let second: Container;
  let people: CertificatePeople;
  const workers = () => [t.container.services.certificateMornings, second.services.certificateMornings];
  /** Both workers run the task at the same moment, as two instances' schedules would. */
  const bothRun = async (task: 'remindDeadlines' | 'sendOverdueDigest') => (await Promise.all(workers().map((w) => w[task]()))).reduce((a, b) => a + b, 0);
  const as = async (employeeId: string): Promise<EmployeeActor> => (await loadEmployeeActor(t.testDb.database.prisma, { employeeId }, clock.now()))!;
  const reminders = () => telegram.to(HR_CHAT).filter((c) => c.text?.startsWith('⏰'));
  const digests = () => telegram.to(CHAT.admin);

  beforeAll(async () => {
    t = await createTestApp(kind, { clock, telegram: () => telegram.outbound });
    // A second instance on the same database (as two worker processes on one PostgreSQL would be).
    second = assembleContainer(t.testDb.database, t.config, logger, translator, { clock, telegram: telegram.outbound, jobQueue: (definitions) => createInProcessQueue(definitions, logger) });
    await t.container.services.catalogue.seed();
    people = await seedCertificatePeople(t);
    const me = await as(people.employee);
    const order = () => t.container.services.certificates.create(me, { typeCode: 'NDFL_2', fields: { year: 2025, copies: 0 } });
    // Wednesday 25 November: due Monday 30 November.
    const old = await order();
    expect(old.deadlineOn).toBe('2026-11-30');
    // Monday 30 November: due Thursday 3 December. One stays new, one is taken, one is done.
    clock.set('2026-11-30T09:00:00.000Z');
    const fresh = await order();
    const taken = await order();
    const done = await order();
    expect([fresh, taken, done].map((r) => r.deadlineOn)).toEqual(['2026-12-03', '2026-12-03', '2026-12-03']);
    const hr = await as(people.hr);
    await t.container.services.certificates.take(hr, taken.id);
    await t.container.services.certificates.take(hr, done.id);
    await t.container.services.certificates.completeForPickup(hr, done.id);
    await t.container.services.jobs.idle();
    telegram.clear();
  });
  afterAll(async () => {
    await second?.services.jobs.close();
    await second?.services.telegramUpdates.close();
    await t?.close();
  });

  it('wait for the company’s morning', async () => {
    // 3 December, 08:30 in Moscow.
    clock.set('2026-12-03T05:30:00.000Z');
    expect(await bothRun('remindDeadlines')).toBe(0);
    expect(await bothRun('sendOverdueDigest')).toBe(0);
    expect(telegram.calls).toEqual([]);
  });

  it('remind the HR chat once of each open request due today, however many workers run, and however often', async () => {
    clock.set('2026-12-03T07:00:00.000Z');
    expect(await bothRun('remindDeadlines')).toBe(2);
    expect(await bothRun('remindDeadlines')).toBe(0);
    clock.advance(3 * 3600_000);
    expect(await bothRun('remindDeadlines')).toBe(0);
    expect(reminders().map((r) => /С-\d+/.exec(r.text!)![0]).sort()).toEqual(['С-000002', 'С-000003']);
    expect(reminders()[0]!.text).toContain('Сегодня последний день');
  });

  it('send each admin one digest a day of the overdue requests, however many workers run', async () => {
    clock.set('2026-12-03T07:00:00.000Z');
    expect(await bothRun('sendOverdueDigest')).toBe(1);
    expect(await bothRun('sendOverdueDigest')).toBe(0);
    expect(digests()).toHaveLength(1);
    expect(digests()[0]!.text).toContain('Просрочена 1 заявка');
    expect(digests()[0]!.text).toContain('С-000001');
    expect(digests()[0]!.text).toContain('срок 30.11.2026');
    // HR members who are not admins get no digest.
    expect(telegram.to(CHAT.hr)).toEqual([]);
  });

  it('the next morning: the requests due yesterday join the digest; a digest that fails is sent by the next run, once', async () => {
    clock.set('2026-12-04T07:00:00.000Z');
    expect(await bothRun('remindDeadlines')).toBe(0);
    telegram.breakChat(CHAT.admin);
    const results = await Promise.allSettled(workers().map((w) => w.sendOverdueDigest()));
    expect(results.some((r) => r.status === 'rejected')).toBe(true);
    expect(digests()).toHaveLength(1);
    telegram.restore(CHAT.admin);
    clock.advance(600_000);
    expect(await bothRun('sendOverdueDigest')).toBe(1);
    expect(await bothRun('sendOverdueDigest')).toBe(0);
    expect(digests()).toHaveLength(2);
    expect(digests()[1]!.text).toContain('Просрочено 3 заявки');
  });
});
