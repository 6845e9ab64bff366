import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { payslip } from '../fixtures/hr-rows.ts';
import { seedLinkingEmployees } from '../fixtures/linking-setup.ts';
import { callbackUpdate, contactUpdate, textUpdate } from '../fixtures/telegram-updates.ts';
import { capturingChannels, codeIn, createBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { pdfText } from '../helpers/pdf-text.ts';

const USER = 6101;
const OTHER = 6102;
const months = (from: string, count: number) =>
  Array.from({ length: count }, (_, i) => {
    const [y, m] = from.split('-').map(Number) as [number, number];
    const d = new Date(Date.UTC(y, m - 1 + i, 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  });

describe('payslips, vacation and settings in the bot', () => {
  let h: BotHarness;
  const delivered = capturingChannels();

  beforeAll(async () => {
    h = await createBotHarness('pglite', { channels: delivered.channels });
  });
  afterAll(async () => h?.close());
  beforeEach(async () => {
    await h.t.reset();
    await seedLinkingEmployees(h.t);
    const items = [
      ...months('2025-11', 12).map((p) => payslip('emp-1', p)),
      payslip('emp-1', '2026-10', { kind: 'advance', lines: [{ section: 'paid', name: 'Аванс', amount: 34000 }], totals: undefined }),
      payslip('emp-2', '2026-10'),
    ];
    const res = await h.t.request({ method: 'POST', url: '/api/v1/imports/payslips', token: h.t.tokens.import, body: { items } });
    expect(res.json()).toMatchObject({ created: 14, rejected: 0 });
    for (const [user, phone] of [[USER, '+79120000001'], [OTHER, '+79120000002']] as const) {
      const before = delivered.sms.length;
      await h.send(contactUpdate(user, phone));
      await h.send(textUpdate(user, codeIn(delivered.sms[before]!.text)));
    }
    h.clearCalls();
  });

  const keyboardOf = (call: { payload: Record<string, unknown> } | undefined) =>
    ((call?.payload.reply_markup as { inline_keyboard?: { text: string; callback_data: string }[][] })?.inline_keyboard ?? []).flat();
  const payslipIdOf = async (externalId: string, period: string, kind: 'FINAL' | 'ADVANCE' = 'FINAL') => {
    const p = await h.prisma.payslip.findFirstOrThrow({ where: { employee: { externalId }, period, kind } });
    return Buffer.from(p.id.replace(/-/g, ''), 'hex').toString('base64url');
  };

  it('lists the periods of the latest year first, pages back by year, and keeps callback data short', async () => {
    await h.send(textUpdate(USER, '📄 Расчетный листок'));
    const buttons = keyboardOf(h.messagesTo(USER).at(-1));
    expect(h.lastTextTo(USER)).toBe('Листки за 2026 год:');
    expect(buttons.slice(0, 3).map((b) => b.text)).toEqual(['Октябрь 2026 г.', 'Октябрь 2026 г. · аванс', 'Сентябрь 2026 г.']);
    expect(buttons.filter((b) => b.callback_data.startsWith('ps:'))).toHaveLength(11);
    expect(buttons.at(-1)).toEqual({ text: '« 2025', callback_data: 'py:2025' });
    for (const b of buttons) expect(Buffer.byteLength(b.callback_data)).toBeLessThanOrEqual(64);

    await h.send(callbackUpdate(USER, 'py:2025'));
    const edit = h.calls.find((c) => c.method === 'editMessageText');
    expect(edit?.payload.text).toBe('Листки за 2025 год:');
    expect(keyboardOf(edit).map((b) => b.text)).toEqual(['Декабрь 2025 г.', 'Ноябрь 2025 г.', '2026 »']);
  });

  it('sends the chosen payslip as a PDF while showing "sending a document"', async () => {
    await h.send(callbackUpdate(USER, `ps:${await payslipIdOf('emp-1', '2026-10')}`));
    const actionIndex = h.calls.findIndex((c) => c.method === 'sendChatAction' && c.payload.action === 'upload_document');
    const documentIndex = h.calls.findIndex((c) => c.method === 'sendDocument');
    expect(actionIndex).toBeGreaterThanOrEqual(0);
    expect(documentIndex).toBeGreaterThan(actionIndex);
    const [doc] = h.documentsTo(USER);
    expect(doc!.fileName).toBe('payslip-2026-10.pdf');
    expect(doc!.caption).toBe('Расчетный листок за октябрь 2026 г. — за месяц');
    expect(keyboardOf(h.calls[documentIndex]).map((b) => b.text)).toEqual(['✅ Ознакомлен']);
    const text = await pdfText(doc!.data);
    expect(text).toContain('Расчетный листок за октябрь 2026 г.');
    expect(text).toContain('Иванова Мария Петровна');
    expect(text).toContain('85 000,00 ₽');
  });

  it('/payslip YYYY-MM sends both the final and the advance payslip of that month', async () => {
    await h.send(textUpdate(USER, '/payslip 2026-10'));
    expect(h.documentsTo(USER).map((d) => d.fileName)).toEqual(['payslip-2026-10.pdf', 'payslip-2026-10-advance.pdf']);
    // Two files of one month: the captions say which is which.
    expect(h.documentsTo(USER).map((d) => d.caption)).toEqual(['Расчетный листок за октябрь 2026 г. — за месяц', 'Расчетный листок за октябрь 2026 г. — аванс']);
    await h.send(textUpdate(USER, '/payslip 2030-01'));
    expect(h.lastTextTo(USER)).toMatch(/Такого расчетного листка нет/);
    await h.send(textUpdate(USER, '/payslip октябрь'));
    expect(h.lastTextTo(USER)).toMatch(/Пример: \/payslip 2026-10/);
  });

  it('never sends another employee\'s payslip, whatever the button says', async () => {
    const foreign = await payslipIdOf('emp-2', '2026-10');
    const forged = ['ps:AAAAAAAAAAAAAAAAAAAAAA', `ps:${foreign}`, 'ps:../../etc/passwd', `ps:${foreign}x`, 'py:1999', `ack:${foreign}`];
    for (const data of forged) await h.send(callbackUpdate(USER, data));
    expect(h.calls.filter((c) => c.method === 'sendDocument')).toEqual([]);
    // Not even "sending a file…" shows for a payslip that is not theirs.
    expect(h.calls.filter((c) => c.method === 'sendChatAction')).toEqual([]);
    expect(await h.prisma.payslipAcknowledgement.count()).toBe(0);
    expect(h.calls.some((c) => c.method === 'answerCallbackQuery' && /устарела/.test(String(c.payload.text)))).toBe(true);

    // The owner gets it with the same button.
    await h.send(callbackUpdate(OTHER, `ps:${foreign}`));
    expect(h.documentsTo(OTHER)).toHaveLength(1);
  });

  it('refuses payslip buttons to someone who is not signed in', async () => {
    await h.send(callbackUpdate(9999, `ps:${await payslipIdOf('emp-1', '2026-10')}`));
    expect(h.calls.filter((c) => c.method === 'sendDocument')).toEqual([]);
    expect(h.calls.at(-1)).toMatchObject({ method: 'answerCallbackQuery', payload: { show_alert: true } });
  });

  it('records «Ознакомлен» once, and HR sees who has not acknowledged', async () => {
    const id = await payslipIdOf('emp-1', '2026-10');
    const before = await h.t.request({ method: 'GET', url: '/api/v1/payslips/acknowledgements?period=2026-10', token: h.t.tokens.hr });
    expect(before.json()).toMatchObject({ period: '2026-10', employees: 2, acknowledged: 0 });
    expect(before.json().notAcknowledged.map((e: { employeeId: string }) => e.employeeId).sort()).toEqual(['emp-1', 'emp-2']);

    await h.send(callbackUpdate(USER, `ack:${id}`));
    expect(h.calls.at(-1)).toMatchObject({ method: 'answerCallbackQuery', payload: { text: 'Спасибо! Отметили, что вы ознакомились с листком за октябрь 2026 г.' } });
    await h.send(callbackUpdate(USER, `ack:${id}`));
    expect(h.calls.at(-1)?.payload.text).toBe('Вы уже отметили, что ознакомились.');
    const ack = await h.prisma.payslipAcknowledgement.findMany();
    expect(ack).toHaveLength(1);
    expect(ack[0]!.acknowledgedAt.getTime()).toBeLessThanOrEqual(Date.now());

    const after = await h.t.request({ method: 'GET', url: '/api/v1/payslips/acknowledgements?period=2026-10', token: h.t.tokens.admin });
    expect(after.json()).toMatchObject({ acknowledged: 1, notAcknowledged: [{ employeeId: 'emp-2' }] });
    expect((await h.t.request({ method: 'GET', url: '/api/v1/payslips/acknowledgements?period=2026-10', token: h.t.tokens.import })).statusCode).toBe(403);
    expect((await h.t.request({ method: 'GET', url: '/api/v1/payslips/acknowledgements?period=oct', token: h.t.tokens.hr })).statusCode).toBe(400);

    // The PDF of an acknowledged payslip comes without the button.
    await h.send(callbackUpdate(USER, `ps:${id}`));
    expect(h.documentsTo(USER)[0]!.payload.reply_markup).toBeUndefined();
  });

  it('encrypts PDFs with the password set in Settings, deleting the message that carried it', async () => {
    await h.send(textUpdate(USER, '⚙️ Настройки'));
    expect(h.lastTextTo(USER)).toMatch(/Пароль для PDF: не установлен/);
    await h.send(callbackUpdate(USER, 'set:pwd'));
    expect(h.lastTextTo(USER)).toMatch(/Пришлите пароль/);
    await h.send(textUpdate(USER, '123456'));
    expect(h.lastTextTo(USER)).toMatch(/Слишком короткий пароль/);
    await h.send(textUpdate(USER, 'Ромашка2026'));
    expect(h.lastTextTo(USER)).toBe('Пароль установлен. Новые PDF откроются только с ним.');
    expect(h.calls.filter((c) => c.method === 'deleteMessage')).toHaveLength(2);
    const stored = await h.prisma.employee.findUniqueOrThrow({ where: { externalId: 'emp-1' } });
    expect(stored.pdfPassword).toMatch(/^v1\./);
    expect(stored.pdfPassword).not.toContain('Ромашка2026');

    await h.send(textUpdate(USER, '/payslip 2026-09'));
    const [doc] = h.documentsTo(USER);
    expect(doc!.caption).toMatch(/защищён вашим паролем/);
    await expect(pdfText(doc!.data)).rejects.toThrow(/password/i);
    expect(await pdfText(doc!.data, 'Ромашка2026')).toContain('Иванова Мария Петровна');

    // A six-digit message after the password is set is not taken as a password any more.
    await h.send(textUpdate(USER, '/settings'));
    expect(h.lastTextTo(USER)).toMatch(/Пароль для PDF: установлен/);
    await h.send(callbackUpdate(USER, 'set:pwd-clear'));
    expect((await h.prisma.employee.findUniqueOrThrow({ where: { externalId: 'emp-1' } })).pdfPassword).toBeNull();
  });

  it('shows the vacation balance with Russian plurals, and in English', async () => {
    const balance = (remainingDays: number, typeCode: string) => ({ typeCode, typeName: `Отпуск ${typeCode}`, entitledDays: 28, usedDays: 0, remainingDays });
    const res = await h.t.request({
      method: 'POST', url: '/api/v1/imports/vacations', token: h.t.tokens.import,
      body: { items: [{ employeeId: 'emp-1', asOf: '2026-10-31', balances: [balance(1, 'A'), balance(2, 'B'), balance(5, 'C'), balance(21, 'D'), balance(18.67, 'E')], planned: [{ typeCode: 'A', typeName: 'Основной', startsOn: '2099-12-21', endsOn: '2100-01-03', days: 14 }] }] },
    });
    expect(res.json().created).toBe(1);
    await h.send(textUpdate(USER, '🏖 Отпуск'));
    const text = h.lastTextTo(USER);
    expect(text).toMatch(/^Остаток отпуска на 31\.10\.2026/);
    for (const expected of ['Отпуск A: 1 день', 'Отпуск B: 2 дня', 'Отпуск C: 5 дней', 'Отпуск D: 21 день', 'Отпуск E: 18,67 дня', '21.12.2099 – 03.01.2100, 14 дней — Основной']) {
      expect(text, expected).toContain(expected);
    }
    await h.send(callbackUpdate(USER, 'lang:en'));
    await h.send(textUpdate(USER, '/vacation'));
    expect(h.lastTextTo(USER)).toContain('Отпуск A: 1 day');
    expect(h.lastTextTo(USER)).toContain('Отпуск C: 5 days');
  });

  it('lists the main annual leave first, then additional leaves by name', async () => {
    const balance = (typeCode: string, typeName: string) => ({ typeCode, typeName, entitledDays: 28, usedDays: 0, remainingDays: 7 });
    const res = await h.t.request({
      method: 'POST', url: '/api/v1/imports/vacations', token: h.t.tokens.import,
      body: { items: [{ employeeId: 'emp-1', asOf: '2026-10-31', balances: [balance('Северный', 'Дополнительный отпуск (Север)'), balance('Вредность', 'Дополнительный к основному за вредность'), balance('Основной', 'Основной ежегодный отпуск')], planned: [] }] },
    });
    expect(res.json().created).toBe(1);
    await h.send(textUpdate(USER, '/vacation'));
    const lines = h.lastTextTo(USER).split('\n').filter((l) => /: 7 дней/.test(l));
    expect(lines.map((l) => l.replace(/: 7 дней.*/, '').replace(/^[^А-ЯЁA-Z]+/u, ''))).toEqual(['Основной ежегодный отпуск', 'Дополнительный к основному за вредность', 'Дополнительный отпуск (Север)']);
  });
});
