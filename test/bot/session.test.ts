import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBot } from '../../bot/index.ts';
import { botDeps } from '../../bot/telegram.ts';
import { loadConfig } from '../../core/config.ts';
import { assembleContainer, type Container } from '../../core/container.ts';
import { CabinetState, Role } from '../../core/db/generated/enums.ts';
import { createTranslator } from '../../core/i18n.ts';
import { createLogger } from '../../core/logger.ts';
import { type LinkedEmployee, seedLinkedEmployees } from '../fixtures/linked-employees.ts';
import { textUpdate } from '../fixtures/telegram-updates.ts';
import { type ApiCall, BOT_INFO } from '../helpers/bot-harness.ts';
import { createCountingTestDatabase, type CountingDatabase } from '../helpers/counting-database.ts';
import { createTestClock } from '../helpers/test-clock.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

describe.each(DB_KINDS)('the session every update reads (%s)', (kind) => {
  let db: CountingDatabase & { drop(): Promise<void> };
  let container: Container;
  let staff: LinkedEmployee[];
  const clock = createTestClock('2026-11-30T09:00:00.000Z');
  const LINKED_AT = new Date('2026-11-02T10:11:12.345Z');

  beforeAll(async () => {
    db = await createCountingTestDatabase(kind);
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
    container = assembleContainer(db.database, config, createLogger({ level: 'silent' }), createTranslator(), { channels: { email: undefined, sms: undefined }, clock });
  });
  afterAll(async () => {
    await container?.close();
    await db?.drop();
  });
  beforeEach(async () => {
    const prisma = db.database.prisma;
    await prisma.$executeRawUnsafe('TRUNCATE role_assignments, telegram_accounts, cabinet_settings, planned_vacations, vacation_balances, employees, departments, organizations CASCADE');
    staff = await seedLinkedEmployees(prisma, { count: 3, firstUserId: 8001, now: LINKED_AT, roles: (i) => (i === 0 ? [Role.HR] : []) });
    await prisma.cabinetSettings.create({ data: { id: 1, address: 'romashka', responsibleEmployeeId: staff[0]!.employeeId } });
    db.statements.length = 0;
  });

  const session = (userId: number) => container.services.linking.session({ userId: BigInt(userId), chatId: BigInt(userId) });

  it('is one SQL statement: account, employee, organization, department and effective roles', async () => {
    const s = await session(staff[0]!.userId);
    expect(db.statements).toHaveLength(1);
    expect(s).toEqual({
      language: null,
      pendingInput: null,
      access: 'linked',
      employee: {
        id: staff[0]!.employeeId, firstName: 'Мария', fullName: 'Иванова Мария Петровна', personnelNumber: '1000', position: 'Бухгалтер',
        organization: 'ООО «Ромашка»', department: 'Бухгалтерия', linkedAt: LINKED_AT,
        // HR from its role row, ADMIN for being the responsible employee (core/access/employee-actor.ts).
        roles: [Role.ADMIN, Role.HR],
      },
    });
    expect((await session(staff[1]!.userId)).employee?.roles).toEqual([]);
    expect(db.statements).toHaveLength(2);
  });

  it('is one statement too for a stranger, and access ends with the data: disabled, dismissed, unpublished', async () => {
    expect(await session(8999)).toEqual({ language: null, pendingInput: null, access: 'unlinked', employee: null });
    const prisma = db.database.prisma;
    await prisma.employee.update({ where: { id: staff[0]!.employeeId }, data: { dismissedAt: new Date('2026-11-30') } });
    await prisma.employee.update({ where: { id: staff[1]!.employeeId }, data: { cabinetState: CabinetState.DISABLED } });
    await prisma.employee.update({ where: { id: staff[2]!.employeeId }, data: { cabinetState: CabinetState.PUBLISHED } });
    db.statements.length = 0;
    expect(await session(staff[0]!.userId)).toMatchObject({ access: 'disabled', employee: null });
    expect(await session(staff[1]!.userId)).toMatchObject({ access: 'disabled', employee: null });
    expect(await session(staff[2]!.userId)).toMatchObject({ access: 'unlinked', employee: null });
    expect(db.statements).toHaveLength(3);
    // A dismissal uploaded in advance counts from its date on, not before.
    await prisma.employee.update({ where: { id: staff[0]!.employeeId }, data: { dismissedAt: new Date('2026-12-01') } });
    expect((await session(staff[0]!.userId)).employee?.roles).toEqual([Role.ADMIN, Role.HR]);
  });

  it('sessions asked for at the same moment share one statement, and each gets its own account', async () => {
    const prisma = db.database.prisma;
    await prisma.employee.update({ where: { id: staff[1]!.employeeId }, data: { cabinetState: CabinetState.DISABLED } });
    db.statements.length = 0;
    const users = [staff[2]!.userId, 8999, staff[0]!.userId, staff[1]!.userId, staff[2]!.userId, staff[0]!.userId];
    const sessions = await Promise.all(users.map((u) => session(u)));
    expect(db.statements).toHaveLength(1);
    expect(sessions.map((s) => [s.access, s.employee?.id ?? null, s.employee?.roles ?? null])).toEqual([
      ['linked', staff[2]!.employeeId, []],
      ['unlinked', null, null],
      ['linked', staff[0]!.employeeId, [Role.ADMIN, Role.HR]],
      ['disabled', null, null],
      ['linked', staff[2]!.employeeId, []],
      ['linked', staff[0]!.employeeId, [Role.ADMIN, Role.HR]],
    ]);
  });

  it('keeps a question the bot asked for ten minutes, and the chosen language', async () => {
    const user = { userId: BigInt(staff[1]!.userId), chatId: BigInt(staff[1]!.userId) };
    await container.services.linking.setPendingInput(user, 'pdf_password');
    await container.services.linking.setLanguage(user, 'en');
    clock.advance(9 * 60_000);
    expect(await session(staff[1]!.userId)).toMatchObject({ language: 'en', pendingInput: 'pdf_password' });
    clock.advance(2 * 60_000);
    expect(await session(staff[1]!.userId)).toMatchObject({ language: 'en', pendingInput: null });
  });

  it('a "vacation balance" request costs two statements through the whole bot: the session and one read', async () => {
    const translator = createTranslator();
    const bot = createBot(botDeps(container, translator, container.logger, 10), { token: '42:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz', botInfo: BOT_INFO });
    const calls: ApiCall[] = [];
    bot.api.config.use(async (_prev, method, payload) => {
      calls.push({ method, payload: payload as Record<string, unknown>, at: 0 });
      return { ok: true, result: { message_id: 1, date: 0, chat: { id: 0, type: 'private' } } } as never;
    });
    await bot.handleUpdate(textUpdate(staff[1]!.userId, translator.t('ru')('menu.vacation')));
    expect(calls.map((c) => c.method)).toEqual(['sendMessage']);
    expect(String(calls[0]!.payload.text)).toMatch(/Основной отпуск: 18,67 дня/);
    expect(db.statements.filter((s) => /telegram_accounts/.test(s))).toHaveLength(1);
    expect(db.statements).toHaveLength(2);
  });
});
