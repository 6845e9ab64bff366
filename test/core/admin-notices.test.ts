import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../core/access/actor.ts';
import { ACTIVATION_REPORT_LAG_MS } from '../../core/admin/activation-notices.ts';
import { type CommandMenus, createRefreshCommandsJob } from '../../core/admin/admin-roles.ts';
import { createInProcessQueue } from '../../core/jobs/in-process-queue.ts';
import { createLogger } from '../../core/logger.ts';
import { RecipientBlockedError } from '../../core/telegram/telegram-port.ts';
import { capturingTelegram, linkDirectly, recordingChannels, recordingQueue, seedCompany, virtualClock } from '../helpers/admin-setup.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

const logger = createLogger({ level: 'silent' });

describe.each(DB_KINDS)('telling the admins about sign-ins, and refreshing menus on role changes, on %s', (kind) => {
  let t: TestApp;
  const clock = virtualClock();
  const tg = capturingTelegram();
  const queue = recordingQueue((definitions) => createInProcessQueue(definitions, logger));

  beforeAll(async () => {
    t = await createTestApp(kind, { clock, channels: recordingChannels(clock).channels, telegram: tg.telegram, jobQueue: queue.factory });
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    tg.intents.length = 0;
    tg.sent.length = 0;
    queue.queued.length = 0;
    // emp-00001 responsible (ADMIN), emp-00002 ADMIN by grant, emp-00003 HR, all three linked.
    await seedCompany(t, { employees: 30 });
    await t.container.services.roles.grant(SYSTEM_ACTOR, 'emp-00002', 'ADMIN');
    await t.container.services.roles.grant(SYSTEM_ACTOR, 'emp-00003', 'HR');
    clock.advance(1000);
    for (const n of [1, 2, 3]) await linkDirectly(t, `emp-0000${n}`, 100 + n, n === 2 ? 'en' : 'ru');
    clock.advance(ACTIVATION_REPORT_LAG_MS + 1000);
    await notices().run();
    tg.intents.length = 0;
    tg.sent.length = 0;
  });

  const notices = () => t.container.services.admin.activationNotices;
  const activate = async (from: number, to: number) => {
    for (let n = from; n <= to; n++) {
      await linkDirectly(t, `emp-${String(n).padStart(5, '0')}`, 1000 + n);
      clock.advance(200);
    }
    clock.advance(ACTIVATION_REPORT_LAG_MS);
  };

  it('a burst of sign-ins is one message per admin, in their language, with a few names and the count', async () => {
    await activate(4, 28);
    expect(await notices().run()).toEqual({ activations: 25, admins: 2 });
    const told = tg.intents.flatMap((i) => (i.kind === 'activations' ? [[i.chatId, i.language, i.count, i.names.length]] : []));
    expect(told.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [101n, 'ru', 25, 10],
      [102n, 'en', 25, 10],
    ]);
    expect(tg.sent.find((s) => s.chatId === 101n)!.message.text).toMatch(/^🟢 В кабинет вошли 25 сотрудников: Сотрудникова00004 Анна, .* и ещё 15$/);
    expect(tg.sent.find((s) => s.chatId === 102n)!.message.text).toMatch(/^🟢 25 employees signed in: .* and 15 more$/);
    // HR is not told; nothing is told twice.
    expect(tg.sent.some((s) => s.chatId === 103n)).toBe(false);
    expect(await notices().run()).toEqual({ activations: 0, admins: 0 });
    expect(tg.sent).toHaveLength(2);
  });

  it('sign-ins still committing wait for the next summary; none is lost or told twice', async () => {
    await activate(4, 5);
    await linkDirectly(t, 'emp-00006', 1006);
    clock.advance(ACTIVATION_REPORT_LAG_MS - 1000);
    await notices().run();
    expect(tg.intents.map((i) => i.kind === 'activations' && i.count)).toEqual([2, 2]);
    clock.advance(2000);
    await notices().run();
    expect(tg.intents.map((i) => i.kind === 'activations' && i.count)).toEqual([2, 2, 1, 1]);
  });

  it('the setting switches it off, and turning it back on brings up no old news', async () => {
    const settings = t.container.services.cabinetSettings;
    const input = { address: 'romashka', responsibleEmployeeId: 'emp-00001', scope: { kind: 'ALL' as const } };
    expect(await settings.update(SYSTEM_ACTOR, { ...input, notifyActivations: false })).toMatchObject({ notifyActivations: false });
    await activate(4, 6);
    expect(await notices().run()).toEqual({ activations: 0, admins: 0 });
    expect(await settings.update(SYSTEM_ACTOR, input)).toMatchObject({ notifyActivations: false });
    await settings.update(SYSTEM_ACTOR, { ...input, notifyActivations: true });
    clock.advance(ACTIVATION_REPORT_LAG_MS);
    expect(await notices().run()).toEqual({ activations: 0, admins: 0 });
    expect(tg.sent).toEqual([]);
  });

  it('an admin who blocked the bot is marked and skipped; the others are still told', async () => {
    const send = tg.outbound.port.sendText;
    tg.outbound.port.sendText = async (chatId, message) => {
      if (chatId === 102n) throw new RecipientBlockedError('blocked');
      return send(chatId, message);
    };
    try {
      await activate(4, 4);
      expect(await notices().run()).toEqual({ activations: 1, admins: 1 });
      expect((await t.testDb.database.prisma.telegramAccount.findUniqueOrThrow({ where: { telegramUserId: 102n } })).blockedAt).not.toBeNull();
      await activate(5, 5);
      await notices().run();
      expect(tg.sent.map((s) => s.chatId)).toEqual([101n, 101n]);
    } finally {
      tg.outbound.port.sendText = send;
    }
  });

  it('a role change queues a refresh of that employee\'s command menu, which sets the roles they act with now', async () => {
    const roles = t.container.services.admin.roles;
    queue.queued.length = 0;
    expect(await roles.grant(SYSTEM_ACTOR, 'emp-00003', 'ADMIN')).toEqual({ changed: true });
    expect(await roles.grant(SYSTEM_ACTOR, 'emp-00003', 'ADMIN')).toEqual({ changed: false });
    expect(await roles.revoke(SYSTEM_ACTOR, 'emp-00002', 'ADMIN')).toEqual({ changed: true });
    const e = async (id: string) => (await t.testDb.database.prisma.employee.findUniqueOrThrow({ where: { externalId: id } })).id;
    expect(queue.queued.filter((q) => q.name === 'refresh-commands').map((q) => q.payload)).toEqual([{ employeeId: await e('emp-00003') }, { employeeId: await e('emp-00002') }]);
    // Moving the responsibility moves the ADMIN role: both menus change.
    queue.queued.length = 0;
    await t.container.services.cabinetSettings.update(SYSTEM_ACTOR, { address: 'romashka', responsibleEmployeeId: 'emp-00004', scope: { kind: 'ALL' } });
    expect(queue.queued.filter((q) => q.name === 'refresh-commands').map((q) => q.payload)).toEqual([{ employeeId: await e('emp-00001') }, { employeeId: await e('emp-00004') }]);

    const refreshed: Parameters<CommandMenus['refresh']>[0][] = [];
    const job = createRefreshCommandsJob({ db: t.testDb.database.prisma, menus: () => ({ refresh: async (target) => void refreshed.push(target) }), logger, clock });
    for (const id of ['emp-00003', 'emp-00002', 'emp-00001', 'emp-00010']) await job.handle({ employeeId: await e(id) }, { attempt: 1, logger });
    // emp-00010 has no Telegram account: nothing to refresh.
    expect(refreshed).toEqual([
      { chatId: 103n, language: 'ru', roles: ['ADMIN', 'HR'] },
      { chatId: 102n, language: 'en', roles: [] },
      { chatId: 101n, language: 'ru', roles: [] },
    ]);
  });

  it('lists who holds which role', async () => {
    expect(await t.container.services.admin.roles.list(SYSTEM_ACTOR)).toEqual([
      { employeeId: 'emp-00001', fullName: 'Сотрудникова00001 Анна', roles: ['ADMIN'], responsible: true, linked: true },
      { employeeId: 'emp-00002', fullName: 'Сотрудникова00002 Анна', roles: ['ADMIN'], responsible: false, linked: true },
      { employeeId: 'emp-00003', fullName: 'Сотрудникова00003 Анна', roles: ['HR'], responsible: false, linked: true },
    ]);
  });
});
