import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSmtpSender } from '../../core/delivery/email-sender.ts';
import { department, employee, organization } from '../fixtures/hr-rows.ts';
import { callbackUpdate, textUpdate } from '../fixtures/telegram-updates.ts';
import { virtualClock } from '../helpers/admin-setup.ts';
import { codeIn, createBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

type Keyboard = { text: string; callback_data?: string }[][];

/**
 * The 1С guide told in Kabinet, end to end: cabinet settings → upload → the responsible employee links with a code
 * and gets the admin menu → publish to all → create a cabinet → invite by e-mail through a real SMTP server → an
 * employee opens the link from the mail and enters the code → the admin's list shows them active, and the admin is told.
 */
describe.each(DB_KINDS)('the set-up guide, played in the bot (%s)', (kind) => {
  let h: BotHarness;
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;
  const clock = virtualClock();
  const ADMIN = 9101;
  const EMPLOYEE = 9102;

  beforeAll(async () => {
    sink = await startSmtpSink();
    const email = createSmtpSender({ url: sink.url, from: 'kabinet@romashka.ru' });
    h = await createBotHarness(kind, { channels: { email, sms: undefined }, clock });
  });
  afterAll(async () => {
    await h?.close();
    await sink?.close();
  });

  const screen = (userId: number) => {
    const last = [...h.calls].reverse().find((c) => ['sendMessage', 'editMessageText'].includes(c.method) && c.payload.chat_id === userId)!;
    return { text: String(last.payload.text), keyboard: ((last.payload.reply_markup as { inline_keyboard?: Keyboard } | undefined)?.inline_keyboard ?? []) };
  };
  const press = async (userId: number, label: string | RegExp) => {
    const { keyboard } = screen(userId);
    const found = keyboard.flat().find((b) => (typeof label === 'string' ? b.text === label : label.test(b.text)));
    if (!found?.callback_data) throw new Error(`no button ${label}: ${keyboard.flat().map((b) => b.text).join(' | ')}`);
    const update = callbackUpdate(userId, found.callback_data);
    (update.callback_query!.message as unknown as Record<string, unknown>).reply_markup = { inline_keyboard: keyboard };
    await h.send(update);
  };
  const mailTo = (address: string) => sink.received.filter((m) => m.to && JSON.stringify(m.to).includes(address));

  it('plays every step', async () => {
    const { t } = h;
    const upload = async (name: string, items: unknown[]) => {
      const res = await t.request({ method: 'POST', url: `/api/v1/imports/${name}`, token: t.tokens.import, body: { items } });
      expect(res.json().rejected, res.body).toBe(0);
    };
    // Upload from payroll, then the cabinet settings with the responsible employee.
    await upload('organizations', [organization()]);
    await upload('departments', [department()]);
    await upload('employees', [employee(1, { lastName: 'Админова' }), employee(2, { lastName: 'Петрова' }), employee(3, { lastName: 'Сидорова' })]);
    const settings = await t.request({ method: 'PUT', url: '/api/v1/cabinet/settings', token: t.tokens.admin, body: { address: 'romashka', responsibleEmployeeId: 'emp-1', scope: { kind: 'ALL' } } });
    expect(settings.statusCode, settings.body).toBe(200);
    expect((await t.request({ method: 'POST', url: '/api/v1/cabinets/publish', token: t.tokens.admin, body: { employeeIds: ['emp-1'] } })).json().changed).toBe(1);
    await t.container.services.admin.activationNotices.run();

    // The responsible employee links with a code (by e-mail: no SMS gateway here) and gets the admin menu.
    await h.send(textUpdate(ADMIN, '/start'));
    await h.send(textUpdate(ADMIN, '8 (912) 000-00-01'));
    const code = codeIn(mailTo('emp1@romashka.ru').at(-1)!.text ?? '');
    await h.send(textUpdate(ADMIN, code));
    expect(h.lastTextTo(ADMIN)).toMatch(/Готово/);
    const menu = h.calls.find((c) => c.method === 'setMyCommands' && (c.payload.scope as { chat_id?: number } | undefined)?.chat_id === ADMIN);
    expect((menu!.payload.commands as { command: string }[]).map((c) => c.command)).toContain('admin');

    // Publish to all.
    await h.send(textUpdate(ADMIN, '/admin'));
    expect(screen(ADMIN).text).toContain('⚪ Не опубликован: 2');
    await press(ADMIN, '📢 Опубликовать всем');
    await press(ADMIN, '✅ Да');
    expect(screen(ADMIN).text).toBe('Опубликовано: 2. Уже были опубликованы: 1.');

    // Create the cabinet of one employee (a personal link), then invite everyone published by e-mail.
    await h.send(textUpdate(ADMIN, '/admin Сидорова'));
    await press(ADMIN, /Сидорова/);
    await press(ADMIN, '🔗 Создать кабинет');
    expect(h.lastTextTo(ADMIN)).toMatch(/https:\/\/t\.me\/kabinet_test_bot\?start=/);
    await h.send(textUpdate(ADMIN, '/admin'));
    await press(ADMIN, '✉️ Пригласить всех опубликованных');
    await press(ADMIN, '✅ Да');
    const progress = h.calls.filter((c) => c.method === 'editMessageText' && c.payload.chat_id === ADMIN).at(-1)!;
    expect(progress.payload.text).toBe('Рассылка приглашений завершена: отправлено 2 из 2, не удалось 0.');

    // The employee opens the link from the parsed mail and enters the code (a minute later: news to the admin).
    clock.advance(60_000);
    const invitation = mailTo('emp2@romashka.ru').at(-1)!;
    expect(invitation.html).toBeTruthy();
    const token = /https:\/\/t\.me\/kabinet_test_bot\?start=([A-Za-z0-9_-]+)/.exec(invitation.text ?? '')![1]!;
    await h.send(textUpdate(EMPLOYEE, `/start ${token}`));
    const employeeCode = codeIn(mailTo('emp2@romashka.ru').at(-1)!.text ?? '');
    await h.send(textUpdate(EMPLOYEE, employeeCode));
    expect(h.lastTextTo(EMPLOYEE)).toMatch(/Готово, Мария!/);

    // The admin is told (one summary), and the list shows the employee active.
    clock.advance(10_000);
    // Whichever run claims the stretch first (this one, or the periodic job) tells the admin.
    await t.container.services.admin.activationNotices.run();
    await vi.waitFor(() => expect(h.lastTextTo(ADMIN)).toBe('🟢 В кабинет вошёл 1 сотрудник: Петрова Мария Петровна'), { timeout: 5000 });
    await h.send(textUpdate(ADMIN, '/admin Петрова'));
    expect(screen(ADMIN).text).toMatch(/Найдено: 1,[\s\S]*\n🟢 Петрова Мария Петровна, таб\. № 0000-2/);
  });
});
