import type { InlineKeyboardButton, Update } from 'grammy/types';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CabinetState, Role } from '../../core/db/generated/enums.ts';
import { uuidv7 } from '../../core/util/ids.ts';
import { seedLinkedEmployees, type LinkedEmployee } from '../fixtures/linked-employees.ts';
import { callbackUpdate, textUpdate } from '../fixtures/telegram-updates.ts';
import { type ApiCall, capturingChannels, createBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { pdfText } from '../helpers/pdf-text.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

const NOT_ALLOWED = 'Это доступно только сотрудникам с нужной ролью в Kabinet.';

/** Two departments of unpublished employees with e-mail, in the admin's organization. */
async function seedStaff(h: BotHarness, count: { sales: number; it: number }) {
  const organization = await h.prisma.organization.findFirstOrThrow();
  const sales = await h.prisma.department.create({ data: { id: uuidv7(), externalId: 'dep-sales', organizationId: organization.id, name: 'Продажи', sourceHash: '' } });
  const it = await h.prisma.department.create({ data: { id: uuidv7(), externalId: 'dep-it', organizationId: organization.id, name: 'ИТ', sourceHash: '' } });
  const rows = [
    ...Array.from({ length: count.sales }, (_, i) => ({ dep: sales.id, last: `Продавцова${String(i + 1).padStart(2, '0')}`, n: `S${i + 1}` })),
    ...Array.from({ length: count.it }, (_, i) => ({ dep: it.id, last: `Айтишников${String(i + 1).padStart(2, '0')}`, n: `T${i + 1}` })),
  ];
  await h.prisma.employee.createMany({
    data: rows.map((r) => ({
      id: uuidv7(), externalId: `emp-${r.n}`, personnelNumber: r.n, lastName: r.last, firstName: 'Анна', middleName: null, position: null,
      organizationId: organization.id, departmentId: r.dep, email: `${r.n.toLowerCase()}@example.test`, cabinetState: CabinetState.NOT_PUBLISHED, sourceHash: '',
    })),
  });
}

/** The message a chat sees last (sent or edited), with its buttons. */
function screenOf(h: BotHarness, chatId: number): { text: string; keyboard: InlineKeyboardButton[][]; messageId: number } {
  const last = [...h.calls].reverse().find((c) => ['sendMessage', 'editMessageText', 'editMessageReplyMarkup'].includes(c.method) && c.payload.chat_id === chatId);
  if (!last) throw new Error('no screen');
  const text = last.method === 'editMessageReplyMarkup' ? '' : String(last.payload.text);
  const markup = last.payload.reply_markup as { inline_keyboard?: InlineKeyboardButton[][] } | undefined;
  return { text, keyboard: markup?.inline_keyboard ?? [], messageId: Number(last.payload.message_id ?? 0) };
}

const dataOf = (b: InlineKeyboardButton) => ('callback_data' in b ? b.callback_data : '');

/** Presses the button of the chat's last screen whose text matches, as Telegram would send it (the message with its keyboard). */
function pressUpdate(h: BotHarness, userId: number, label: RegExp | string, keyboard = screenOf(h, userId).keyboard): Update {
  const found = keyboard.flat().find((b) => (typeof label === 'string' ? b.text === label : label.test(b.text)));
  if (!found) throw new Error(`no button ${label} in ${keyboard.flat().map((b) => b.text).join(' | ')}`);
  const update = callbackUpdate(userId, dataOf(found));
  (update.callback_query!.message as unknown as Record<string, unknown>).reply_markup = { inline_keyboard: keyboard };
  return update;
}

describe.each(DB_KINDS)('the admin in Telegram (%s)', (kind) => {
  let h: BotHarness;
  let mail: ReturnType<typeof capturingChannels>;
  let admin: LinkedEmployee;
  let plain: LinkedEmployee;
  const press = (userId: number, label: RegExp | string) => h.send(pressUpdate(h, userId, label));
  const textTo = (userId: number) => screenOf(h, userId).text;
  const states = async () => Object.fromEntries((await h.prisma.employee.findMany({ select: { personnelNumber: true, cabinetState: true } })).map((e) => [e.personnelNumber, e.cabinetState]));

  beforeAll(async () => {
    mail = capturingChannels();
    h = await createBotHarness(kind, { channels: mail.channels });
  });
  afterAll(async () => h?.close());
  beforeEach(async () => {
    await h.t.reset();
    mail.emails.length = 0;
    [admin, plain] = (await seedLinkedEmployees(h.prisma, { count: 2, firstUserId: 8101, prefix: 'adm' })) as [LinkedEmployee, LinkedEmployee];
    await h.prisma.cabinetSettings.create({ data: { id: 1, address: 'romashka', responsibleEmployeeId: admin.employeeId } });
    await seedStaff(h, { sales: 3, it: 12 });
    h.clearCalls();
  });

  it('a non-admin is refused on /admin and on every admin button, forged or not, and nothing changes', async () => {
    const before = await states();
    await h.send(textUpdate(plain.userId, '/admin'));
    await h.send(textUpdate(plain.userId, '/admin Продавцова'));
    expect(h.messagesTo(plain.userId).map((m) => m.payload.text)).toEqual([NOT_ALLOWED, NOT_ALLOWED]);
    const forged = ['adm:home', 'adm:pac', 'adm:uac', 'adm:bic', 'adm:rep', 'adm:ptc', 'adl:-:1:', 'adt:emp-S1', 'ade:emp-S1', 'adx:pub:emp-S1', 'adx:cre:emp-S1', 'adx:g-ADMIN:adm-2',
      'adx:dpubc:emp-S1', 'ads:AZa5cB3r7xOIuaqeGbY6Pg', 'adm:pac;role=ADMIN', 'adx'];
    for (const data of forged) {
      const update = callbackUpdate(plain.userId, data);
      // Even with ticks in the pressed message, and claiming to be the admin's.
      (update.callback_query!.message as unknown as Record<string, unknown>).reply_markup = { inline_keyboard: [[{ text: '☑️', callback_data: 'adt:emp-S1' }]] };
      await h.send(update);
    }
    const answers = h.calls.filter((c) => c.method === 'answerCallbackQuery');
    expect(answers).toHaveLength(forged.length);
    for (const a of answers) expect(a.payload).toMatchObject({ text: NOT_ALLOWED, show_alert: true });
    expect(h.calls.filter((c) => ['editMessageText', 'sendDocument', 'setMyCommands'].includes(c.method))).toEqual([]);
    expect(await states()).toEqual(before);
    expect(await h.prisma.roleAssignment.count()).toBe(0);
    expect(await h.prisma.invitation.count()).toBe(0);
    expect(mail.emails).toEqual([]);
  });

  it('/admin shows counts by state, lists with one mark per state, filters, pages by ten and searches', async () => {
    await h.send(textUpdate(admin.userId, '/admin'));
    const home = textTo(admin.userId);
    expect(home).toContain('⚪ Не опубликован: 15');
    expect(home).toContain('🟢 Активен: 2');
    expect(home).toContain('Всего: 17');
    await press(admin.userId, '📋 Все сотрудники');
    expect(textTo(admin.userId)).toMatch(/^Сотрудники: Все\. Найдено: 17, страница 1 из 2\./);
    await h.send(textUpdate(admin.userId, '/admin'));

    await press(admin.userId, '⚪ 15');
    let screen = screenOf(h, admin.userId);
    expect(screen.text).toMatch(/^Сотрудники: ⚪ Не опубликован\. Найдено: 15, страница 1 из 2\./);
    expect(screen.text.split('\n').filter((l) => l.startsWith('⚪ '))).toHaveLength(10);
    await press(admin.userId, '▶️');
    screen = screenOf(h, admin.userId);
    expect(screen.text).toContain('страница 2 из 2');
    expect(screen.text.split('\n').filter((l) => l.startsWith('⚪ '))).toHaveLength(5);

    // A search pages too: it rides in the paging buttons.
    await h.send(textUpdate(admin.userId, '/admin Айтишников'));
    expect(textTo(admin.userId)).toMatch(/поиск «Айтишников»\. Найдено: 12, страница 1 из 2\./);
    await press(admin.userId, '▶️');
    expect(textTo(admin.userId)).toMatch(/поиск «Айтишников»\. Найдено: 12, страница 2 из 2\.\n\n⚪ Айтишников11 Анна, таб\. № T11, ИТ\n⚪ Айтишников12 Анна, таб\. № T12, ИТ$/);

    // One department's list, from an employee's card; it pages within the department.
    await press(admin.userId, /Айтишников11/);
    await press(admin.userId, '📋 Сотрудники подразделения');
    expect(textTo(admin.userId)).toMatch(/^Сотрудники: Все, подразделение «ИТ»\. Найдено: 12, страница 1 из 2\./);
    await press(admin.userId, '▶️');
    expect(textTo(admin.userId)).toMatch(/подразделение «ИТ»\. Найдено: 12, страница 2 из 2\./);

    // And the whole organization's list, from a card on that page.
    await press(admin.userId, /Айтишников11/);
    await press(admin.userId, '🏢 Сотрудники организации');
    expect(textTo(admin.userId)).toMatch(/^Сотрудники: Все, организация «ООО «Ромашка»»\. Найдено: 17, страница 1 из 2\./);
    await press(admin.userId, '▶️');
    expect(textTo(admin.userId)).toMatch(/организация «ООО «Ромашка»»\. Найдено: 17, страница 2 из 2\./);

    await h.send(textUpdate(admin.userId, '/admin T1'));
    // T1, T10, T11, T12: the personnel number matches as a fragment.
    expect(textTo(admin.userId)).toMatch(/поиск «T1»\. Найдено: 4/);
    await h.send(textUpdate(admin.userId, '/admin продавцова02'));
    expect(textTo(admin.userId)).toMatch(/Найдено: 1,[\s\S]*⚪ Продавцова02 Анна, таб\. № S2, Продажи/);
    await h.send(textUpdate(admin.userId, '/admin Иванова'));
    expect(textTo(admin.userId)).toMatch(/Найдено: 2,[\s\S]*🟢 Иванова Мария Петровна/);
  });

  it('publishes to everyone, to one department and to ticked employees, with confirmations that count', async () => {
    // Ticked employees on the list: the ticks live in the message's buttons.
    await h.send(textUpdate(admin.userId, '/admin Айтишников'));
    await press(admin.userId, '☐');
    await press(admin.userId, '☐');
    expect(screenOf(h, admin.userId).keyboard.flat().filter((b) => b.text === '☑️')).toHaveLength(2);
    await press(admin.userId, '📢 Опубликовать отмеченных');
    expect(textTo(admin.userId)).toBe('Опубликовать кабинеты отмеченных сотрудников: 2?');
    await press(admin.userId, '✅ Да, для 2');
    expect(textTo(admin.userId)).toBe('Опубликовано: 2. Уже были опубликованы: 0.');
    expect(Object.values(await states()).filter((s) => s === CabinetState.PUBLISHED)).toHaveLength(2);
    expect((await states())['T1']).toBe(CabinetState.PUBLISHED);
    expect((await states())['T2']).toBe(CabinetState.PUBLISHED);

    // One department, from an employee's card.
    await h.send(textUpdate(admin.userId, '/admin Продавцова01'));
    await press(admin.userId, /Продавцова01/);
    expect(textTo(admin.userId)).toMatch(/^⚪ Продавцова01 Анна\nтаб\. № S1\nООО «Ромашка», Продажи\nСостояние: Не опубликован\nE-mail: есть, телефон: нет/);
    await press(admin.userId, '📢 Всему подразделению');
    expect(textTo(admin.userId)).toBe('Опубликовать кабинеты подразделения «Продажи»? Сейчас не опубликовано: 3.');
    await press(admin.userId, '✅ Да');
    expect(textTo(admin.userId)).toBe('Опубликовано: 3. Уже были опубликованы: 0.');
    const afterDepartment = await states();
    expect(['S1', 'S2', 'S3'].map((n) => afterDepartment[n])).toEqual([CabinetState.PUBLISHED, CabinetState.PUBLISHED, CabinetState.PUBLISHED]);
    expect(afterDepartment['T3']).toBe(CabinetState.NOT_PUBLISHED);

    // Everyone.
    await h.send(textUpdate(admin.userId, '/admin'));
    await press(admin.userId, '📢 Опубликовать всем');
    expect(textTo(admin.userId)).toBe('Опубликовать кабинеты всем сотрудникам в области кабинета? Сейчас не опубликовано: 10.');
    await press(admin.userId, '✅ Да');
    // The two signed-in admins have no contacts on record: listed, not silently passed over.
    expect(textTo(admin.userId)).toBe('Опубликовано: 10. Уже были опубликованы: 5.\nПропущено: 2 (нет телефона и e-mail: 2).');
    expect(Object.values(await states()).filter((s) => s === CabinetState.NOT_PUBLISHED)).toEqual([]);

    // Unpublishing ticked employees.
    await h.send(textUpdate(admin.userId, '/admin S3'));
    await press(admin.userId, '☐');
    await press(admin.userId, '🚫 Снять отмеченных');
    await press(admin.userId, '✅ Да, для 1');
    expect(textTo(admin.userId)).toBe('Публикация снята: 1. Не были опубликованы: 0.');
    expect((await states())['S3']).toBe(CabinetState.NOT_PUBLISHED);
    const audit = await h.prisma.auditLog.findMany({ where: { action: { in: ['cabinet.publish', 'cabinet.unpublish'] } }, select: { actorType: true, actorId: true } });
    expect(audit).toHaveLength(4);
    expect(new Set(audit.map((a) => `${a.actorType}:${a.actorId}`))).toEqual(new Set([`EMPLOYEE:${admin.employeeId}`]));
  });

  it('creates a cabinet link and invites one employee by e-mail from their card', async () => {
    await h.prisma.employee.updateMany({ where: { personnelNumber: 'S1' }, data: { cabinetState: CabinetState.PUBLISHED } });
    await h.send(textUpdate(admin.userId, '/admin S1'));
    await press(admin.userId, /Продавцова01/);
    const card = screenOf(h, admin.userId).keyboard;
    await h.send(pressUpdate(h, admin.userId, '🔗 Создать кабинет', card));
    expect(h.lastTextTo(admin.userId)).toMatch(/^Кабинет создан\. Персональная ссылка для входа \(действует до \d{4}-\d{2}-\d{2}, показывается один раз\):\nhttps:\/\/t\.me\/kabinet_test_bot\?start=[A-Za-z0-9_-]{22,64}$/);

    await h.send(pressUpdate(h, admin.userId, '✉️ Пригласить', card));
    expect(textTo(admin.userId)).toMatch(/Приглашений поставлено в очередь: 1\.$/);
    expect(mail.emails).toHaveLength(1);
    expect(mail.emails[0]!.to).toBe('s1@example.test');
    expect(mail.emails[0]!.text).toMatch(/https:\/\/t\.me\/kabinet_test_bot\?start=/);
    expect((await states())['S1']).toBe(CabinetState.INVITED);
    // Twice in a row: the second is not sent while the first is on its way or just sent? It was sent: a new one goes.
    await h.send(pressUpdate(h, admin.userId, '✉️ Пригласить', card));
    expect(mail.emails).toHaveLength(2);
  });

  it('bulk-invites everyone published and not yet active, the progress message edited to the final counts', async () => {
    await h.prisma.employee.updateMany({ where: { personnelNumber: { startsWith: 'T' } }, data: { cabinetState: CabinetState.PUBLISHED } });
    // One published employee with no contacts is listed, not skipped silently.
    await h.prisma.employee.updateMany({ where: { personnelNumber: 'T12' }, data: { email: null } });
    await h.send(textUpdate(admin.userId, '/admin'));
    await press(admin.userId, '✉️ Пригласить всех опубликованных');
    expect(textTo(admin.userId)).toBe('Пригласить всех опубликованных и ещё не вошедших? Таких сейчас: 12.');
    await press(admin.userId, '✅ Да');
    await h.t.container.services.jobs.idle();
    expect(mail.emails.map((m) => m.to).sort()).toEqual(Array.from({ length: 11 }, (_, i) => `t${i + 1}@example.test`).sort());
    const progress = h.messagesTo(admin.userId).find((m) => m.payload.text === 'Рассылка приглашений начинается…')!;
    const progressId = h.calls.indexOf(progress) + 1;
    const edits = h.calls.filter((c): c is ApiCall => c.method === 'editMessageText' && c.payload.chat_id === admin.userId && c.payload.message_id === progressId);
    expect(edits.length).toBeGreaterThan(0);
    expect(edits.at(-1)!.payload.text).toBe('Рассылка приглашений завершена: отправлено 11 из 11, не удалось 0.');
    expect(edits.at(-1)!.payload.reply_markup).toBeUndefined();
    expect(h.lastTextTo(admin.userId)).toMatch(/^Не удалось пригласить \(1\):\n• Айтишников12 Анна, таб\. № T12: нет телефона и e-mail$/);
  });

  it('a running bulk invitation is stopped with its Stop button, by an admin only', async () => {
    await h.prisma.employee.updateMany({ where: { personnelNumber: { startsWith: 'T' } }, data: { cabinetState: CabinetState.PUBLISHED } });
    // The mail server holds every message until released: the run is still going when Stop is pressed.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const email = mail.channels.email!;
    const original = email.send;
    email.send = async (message) => {
      await held;
      return original(message);
    };
    try {
      await h.bot.handleUpdate(textUpdate(admin.userId, '/admin'));
      await h.bot.handleUpdate(pressUpdate(h, admin.userId, '✉️ Пригласить всех опубликованных'));
      await h.bot.handleUpdate(pressUpdate(h, admin.userId, '✅ Да'));
      const progress = h.calls.filter((c) => c.method === 'editMessageText' && c.payload.chat_id === admin.userId).at(-1)!;
      expect(progress.payload.text).toMatch(/^Рассылка приглашений: отправлено 0 из 12/);
      const stop = (progress.payload.reply_markup as { inline_keyboard: InlineKeyboardButton[][] }).inline_keyboard;
      expect(stop.flat().map((b) => b.text)).toEqual(['⏹ Остановить']);
      const batch = await h.prisma.invitationBatch.findFirstOrThrow();

      await h.bot.handleUpdate(pressUpdate(h, plain.userId, '⏹ Остановить', stop));
      expect(h.calls.at(-1)!.payload).toMatchObject({ text: NOT_ALLOWED, show_alert: true });
      expect((await h.prisma.invitationBatch.findFirstOrThrow()).stoppedAt).toBeNull();
      await h.bot.handleUpdate(pressUpdate(h, admin.userId, '⏹ Остановить', stop));
      expect(h.calls.at(-1)!.payload).toMatchObject({ text: 'Останавливаю рассылку.' });
      expect((await h.prisma.invitationBatch.findUniqueOrThrow({ where: { id: batch.id } })).stoppedAt).not.toBeNull();
    } finally {
      release();
      email.send = original;
    }
    await h.t.container.services.jobs.idle();
    // Sends already handed to the mail server finish; the message says the run was stopped.
    const last = h.calls.filter((c) => c.method === 'editMessageText' && c.payload.chat_id === admin.userId).at(-1)!;
    expect(last.payload.text).toMatch(/^Рассылка приглашений остановлена: отправлено \d+ из 12/);
    expect(last.payload.reply_markup).toBeUndefined();
  });

  it('«Отчёт» sends the activation report PDF with the totals', async () => {
    await h.send(textUpdate(admin.userId, '/admin'));
    await press(admin.userId, '📊 Отчёт');
    const [doc] = h.documentsTo(admin.userId);
    expect(doc!.fileName).toBe('otchet-podklyuchenie.pdf');
    const text = await pdfText(doc!.data);
    expect(text).toContain('Подключение сотрудников к Kabinet');
    expect(text).toMatch(/Вошли в кабинет: 2 из 17/);
  });

  it('roles from the bot: grant and revoke HR and ADMIN; admins get their own command menu', async () => {
    await h.send(textUpdate(admin.userId, '/admin Иванова'));
    // Two Ивановы: open the plain one's card by its button data.
    const cardButton = screenOf(h, admin.userId).keyboard.flat().find((b) => dataOf(b) === `ade:${plain.externalId}`)!;
    await h.send(callbackUpdate(admin.userId, dataOf(cardButton)));
    const card = screenOf(h, admin.userId).keyboard;
    await h.send(pressUpdate(h, admin.userId, '➕ администратор', card));
    expect(textTo(admin.userId)).toMatch(/Роли: администратор\n\nРоль «администратор» выдана\.$/);
    await h.t.container.services.jobs.idle();
    const menus = h.calls.filter((c) => c.method === 'setMyCommands' && (c.payload.scope as { chat_id?: number } | undefined)?.chat_id === plain.userId);
    expect(menus).toHaveLength(1);
    expect((menus[0]!.payload.commands as { command: string }[])[0]).toEqual({ command: 'admin', description: 'Кабинеты сотрудников (админ)' });
    // The new admin can use /admin at once.
    await h.send(textUpdate(plain.userId, '/admin'));
    expect(h.lastTextTo(plain.userId)).toMatch(/^Кабинеты сотрудников/);

    await h.send(pressUpdate(h, admin.userId, '➖ администратор', screenOf(h, admin.userId).keyboard));
    await h.t.container.services.jobs.idle();
    expect(h.calls.filter((c) => c.method === 'deleteMyCommands' && (c.payload.scope as { chat_id?: number }).chat_id === plain.userId)).toHaveLength(1);
    await h.send(textUpdate(plain.userId, '/admin'));
    expect(h.lastTextTo(plain.userId)).toBe(NOT_ALLOWED);

    await h.send(pressUpdate(h, admin.userId, '➕ отдел кадров', screenOf(h, admin.userId).keyboard));
    expect(await h.prisma.roleAssignment.findMany({ select: { employeeId: true, role: true } })).toEqual([{ employeeId: plain.employeeId, role: Role.HR }]);
  });
});
