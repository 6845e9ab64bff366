import { Bot, Composer } from 'grammy';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BotContext } from '../../bot/context.ts';
import { requirePermission, requireRole } from '../../bot/filters/guards.ts';
import { feature } from '../../bot/index.ts';
import { sessionMiddleware } from '../../bot/middlewares/session.middleware.ts';
import { updateLogger } from '../../bot/middlewares/update-logger.middleware.ts';
import { botDeps } from '../../bot/telegram.ts';
import { Role } from '../../core/db/generated/enums.ts';
import { createTranslator } from '../../core/i18n.ts';
import { type LinkedEmployee, seedLinkedEmployees } from '../fixtures/linked-employees.ts';
import { groupCallbackUpdate, groupChat, groupTextUpdate, textUpdate } from '../fixtures/telegram-updates.ts';
import { type ApiCall, BOT_INFO, createBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

const NOT_ALLOWED = 'Это доступно только сотрудникам с нужной ролью в Kabinet.';
const NOT_LINKED = 'Сначала войдите: отправьте /start.';
const CLOSED = 'Доступ к кабинету закрыт. Если это ошибка, обратитесь в отдел кадров.';

describe.each(DB_KINDS)('role guards read roles from the session on every update (%s)', (kind) => {
  let h: BotHarness;
  /** A bot with the real session and logger middlewares and a stand-in HR/admin feature guarded like real ones. */
  let demo: Bot<BotContext>;
  const calls: ApiCall[] = [];
  let ran: string[] = [];
  let staff: LinkedEmployee[];
  const GROUP = groupChat(-100777);
  const STRANGER = 7999;

  beforeAll(async () => {
    h = await createBotHarness(kind);
    demo = new Bot<BotContext>('42:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz', { botInfo: BOT_INFO });
    demo.api.config.use(async (_prev, method, payload) => {
      calls.push({ method, payload: payload as Record<string, unknown>, at: 0 });
      return { ok: true, result: method === 'sendMessage' ? { message_id: calls.length, date: 0, chat: { id: 0, type: 'private' } } : true } as never;
    });
    demo.use(updateLogger(h.t.container.logger));
    demo.use(sessionMiddleware(botDeps(h.t.container, createTranslator(), h.t.container.logger, h.t.config.codes.ttlMinutes)));
    const hr = new Composer<BotContext>();
    const group = hr.chatType(['group', 'supergroup']);
    group.command('take', requireRole(Role.HR), () => void ran.push('take'));
    // The data names a request only; who may press is decided by the session, whatever else the data claims.
    group.callbackQuery(/^hr:take:/, requireRole(Role.HR), async (ctx) => {
      ran.push('press');
      await ctx.answerCallbackQuery();
    });
    hr.chatType('private').command('roles', requirePermission('roles.manage'), () => void ran.push('roles'));
    demo.use(feature('hr-demo', hr));
  });
  afterAll(async () => h?.close());
  beforeEach(async () => {
    await h.t.reset();
    staff = await seedLinkedEmployees(h.prisma, { count: 3, firstUserId: 7001, roles: (i) => (i === 0 ? [Role.HR] : []) });
    calls.length = 0;
    h.clearCalls();
    ran = [];
  });

  const [hrIndex, plainIndex, responsibleIndex] = [0, 1, 2];
  const send = (update: Parameters<Bot<BotContext>['handleUpdate']>[0]) => demo.handleUpdate(update);
  const lastCall = () => calls.at(-1)!;

  it('an HR employee passes; a colleague without the role and a stranger are refused and nothing runs', async () => {
    await send(groupTextUpdate(GROUP, staff[hrIndex]!.userId, '/take'));
    await send(groupCallbackUpdate(GROUP, staff[hrIndex]!.userId, 'hr:take:C-000123'));
    expect(ran).toEqual(['take', 'press']);

    await send(groupTextUpdate(GROUP, staff[plainIndex]!.userId, '/take'));
    expect(lastCall()).toMatchObject({ method: 'sendMessage', payload: { chat_id: GROUP.id, text: NOT_ALLOWED, reply_parameters: { message_id: expect.any(Number) } } });
    await send(groupCallbackUpdate(GROUP, staff[plainIndex]!.userId, 'hr:take:C-000123'));
    expect(lastCall()).toMatchObject({ method: 'answerCallbackQuery', payload: { text: NOT_ALLOWED, show_alert: true } });
    // A forged press that claims a role or someone else's identity is the same press: the session decides.
    await send(groupCallbackUpdate(GROUP, staff[plainIndex]!.userId, `hr:take:C-000123;role=HR;employee=${staff[hrIndex]!.employeeId}`));
    expect(lastCall()).toMatchObject({ method: 'answerCallbackQuery', payload: { text: NOT_ALLOWED, show_alert: true } });
    await send(groupTextUpdate(GROUP, STRANGER, '/take'));
    expect(lastCall()).toMatchObject({ method: 'sendMessage', payload: { text: NOT_LINKED } });
    expect(ran).toEqual(['take', 'press']);
  });

  it('a role granted or revoked counts from the very next press', async () => {
    const plain = staff[plainIndex]!;
    await send(groupCallbackUpdate(GROUP, plain.userId, 'hr:take:C-1'));
    await h.prisma.roleAssignment.create({ data: { employeeId: plain.employeeId, role: Role.HR } });
    await send(groupCallbackUpdate(GROUP, plain.userId, 'hr:take:C-1'));
    await h.prisma.roleAssignment.deleteMany({ where: { employeeId: plain.employeeId } });
    await send(groupCallbackUpdate(GROUP, plain.userId, 'hr:take:C-1'));
    expect(ran).toEqual(['press']);
    expect(calls.map((c) => c.payload.text ?? null)).toEqual([NOT_ALLOWED, null, NOT_ALLOWED]);
  });

  it('the responsible employee is an admin without a role row; a dismissal ends every role at once', async () => {
    const responsible = staff[responsibleIndex]!;
    await h.prisma.cabinetSettings.create({ data: { id: 1, address: 'romashka', responsibleEmployeeId: responsible.employeeId } });
    await send(textUpdate(responsible.userId, '/roles'));
    await send(textUpdate(staff[hrIndex]!.userId, '/roles'));
    expect(ran).toEqual(['roles']);
    expect(lastCall()).toMatchObject({ method: 'sendMessage', payload: { text: NOT_ALLOWED } });
    // No quote in a private chat.
    expect(lastCall().payload.reply_parameters).toBeUndefined();

    await h.prisma.employee.updateMany({ where: { id: { in: [responsible.employeeId, staff[hrIndex]!.employeeId] } }, data: { dismissedAt: new Date('2026-01-31') } });
    await send(textUpdate(responsible.userId, '/roles'));
    await send(groupCallbackUpdate(GROUP, staff[hrIndex]!.userId, 'hr:take:C-1'));
    expect(ran).toEqual(['roles']);
    expect(calls.slice(-2).map((c) => c.payload.text)).toEqual([CLOSED, CLOSED]);
    expect(lastCall()).toMatchObject({ method: 'answerCallbackQuery', payload: { show_alert: true } });
  });

  it('/whoami shows the roles the bot acts on', async () => {
    const responsible = staff[responsibleIndex]!;
    await h.prisma.cabinetSettings.create({ data: { id: 1, address: 'romashka', responsibleEmployeeId: responsible.employeeId } });
    await h.prisma.roleAssignment.create({ data: { employeeId: responsible.employeeId, role: Role.HR } });
    await h.send(textUpdate(staff[hrIndex]!.userId, '/whoami'));
    expect(h.lastTextTo(staff[hrIndex]!.userId)).toMatch(/\nРоли: отдел кадров$/);
    await h.send(textUpdate(responsible.userId, '/whoami', 'en'));
    expect(h.lastTextTo(responsible.userId)).toMatch(/\nRoles: cabinet admin, HR$/);
    await h.send(textUpdate(staff[plainIndex]!.userId, '/whoami'));
    expect(h.lastTextTo(staff[plainIndex]!.userId)).toMatch(/^Вы вошли как Иванова Мария Петровна\n/);
    expect(h.lastTextTo(staff[plainIndex]!.userId)).not.toMatch(/Роли/);
  });
});
