import type { Update } from 'grammy/types';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { certificateCallbacks } from '../../bot/features/certificates/certificate.callbacks.ts';
import { createBot } from '../../bot/index.ts';
import { botDeps } from '../../bot/telegram.ts';
import { createTranslator } from '../../core/i18n.ts';
import { CHAT, HR_CHAT, seedCertificatePeople } from '../fixtures/certificate-setup.ts';
import { callbackUpdate, groupCallbackUpdate, groupChat, groupMessageUpdate, groupTextUpdate, textUpdate } from '../fixtures/telegram-updates.ts';
import { type ApiCall, BOT_INFO, createBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { pdfText } from '../helpers/pdf-text.ts';
import { createTestClock } from '../helpers/test-clock.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

/** A PDF as HR would attach it (a scan): only its bytes matter. */
const HR_PDF = Buffer.from('%PDF-1.7\n% 2-НДФЛ, подписанная главным бухгалтером\n1 0 obj << >> endobj\n%%EOF\n');
const EMPLOYEE = Number(CHAT.employee);
const HR = Number(CHAT.hr);
const OTHER = Number(CHAT.other);
const ADMIN = Number(CHAT.admin);
const STRANGER = 5999;
const GROUP = groupChat(Number(HR_CHAT));
const NOT_ALLOWED = 'Это доступно только сотрудникам с нужной ролью в Kabinet.';
const NOT_LINKED = 'Сначала войдите: отправьте /start.';
const STALE = 'Эта кнопка уже не действует. Начните заново: «📑 Справки».';

type Button = { text: string; callback_data?: string };

describe.each(DB_KINDS)('certificates in the bot (%s)', (kind) => {
  // Monday 30 November 2026, 12:00 in Moscow: the legal deadline is Thursday 3 December.
  const clock = createTestClock('2026-11-30T09:00:00.000Z');
  let h: BotHarness;

  beforeAll(async () => {
    h = await createBotHarness(kind, { clock });
  });
  afterAll(async () => h?.close());
  beforeEach(async () => {
    await h.t.reset();
    clock.set('2026-11-30T09:00:00.000Z');
    await h.t.container.services.catalogue.seed();
    await seedCertificatePeople(h.t);
    h.clearCalls();
  });

  const to = (chat: number) => h.calls.filter((c) => String(c.payload.chat_id) === String(chat));
  const sentTo = (chat: number) => to(chat).filter((c) => c.method === 'sendMessage');
  const lastText = (chat: number) => String(sentTo(chat).at(-1)?.payload.text ?? '');
  const buttonsOf = (call: ApiCall | undefined): Button[] => ((call?.payload.reply_markup as { inline_keyboard?: Button[][] })?.inline_keyboard ?? []).flat();
  const lastButtons = (chat: number) => buttonsOf(sentTo(chat).filter((c) => (c.payload.reply_markup as { inline_keyboard?: unknown })?.inline_keyboard).at(-1));
  const button = (chat: number, text: string) => {
    const found = lastButtons(chat).find((b) => b.text === text);
    if (!found?.callback_data) throw new Error(`no button «${text}» in ${JSON.stringify(lastButtons(chat).map((b) => b.text))}`);
    return found.callback_data;
  };
  const alerts = () => h.calls.filter((c) => c.method === 'answerCallbackQuery' && c.payload.text !== undefined).map((c) => String(c.payload.text));
  const press = (user: number, text: string) => h.send(callbackUpdate(user, button(user, text)));
  const requests = () => h.prisma.certificateRequest.findMany({ orderBy: { number: 'asc' }, select: { id: true, number: true, status: true, version: true, rejectionReason: true, documentName: true, hrMessageId: true, document: true } });
  const botReply = (messageId: number, text: string) => ({ message_id: messageId, date: 0, chat: GROUP, from: { id: BOT_INFO.id, is_bot: true, first_name: 'Kabinet', username: BOT_INFO.username }, text });

  /** Orders a 2-НДФЛ for 2025 with one paper copy, the whole way through the dialog. */
  async function order2Ndfl(): Promise<void> {
    await h.send(textUpdate(EMPLOYEE, '📑 Справки'));
    await press(EMPLOYEE, 'Справка о доходах (2-НДФЛ)');
    await h.send(textUpdate(EMPLOYEE, '2025'));
    await press(EMPLOYEE, '1');
    await press(EMPLOYEE, '✅ Отправить');
  }

  /** The card in the HR chat: its text and its buttons as last drawn (posted, then edited). */
  const card = () => {
    const drawn = to(Number(HR_CHAT)).filter((c) => (c.method === 'sendMessage' || c.method === 'editMessageText') && String(c.payload.text).startsWith('📑'));
    return { text: String(drawn.at(-1)?.payload.text ?? ''), buttons: buttonsOf(drawn.at(-1)) };
  };
  const cardButton = (text: string) => card().buttons.find((b) => b.text === text)!.callback_data!;

  it('orders an employment certificate: the catalogue, one question at a time with buttons, a confirmation, the PDF at once', async () => {
    await h.send(textUpdate(EMPLOYEE, '📑 Справки'));
    expect(lastText(EMPLOYEE)).toBe('Какую справку заказать?');
    const catalogue = lastButtons(EMPLOYEE);
    expect(catalogue.map((b) => b.text).slice(0, 2)).toEqual(['Справка с места работы', 'Справка о доходах (2-НДФЛ)']);
    for (const b of catalogue) expect(Buffer.byteLength(b.callback_data!)).toBeLessThanOrEqual(64);

    await press(EMPLOYEE, 'Справка с места работы');
    expect(lastText(EMPLOYEE)).toContain('вопрос 1 из 3');
    expect(lastText(EMPLOYEE)).toContain('Куда нужна справка');
    await press(EMPLOYEE, 'В банк');
    expect(lastText(EMPLOYEE)).toContain('Указать средний заработок');
    await press(EMPLOYEE, 'Да');
    expect(lastButtons(EMPLOYEE).map((b) => b.text)).toEqual(['0', '1', '2', '3', '4', '5']);
    await press(EMPLOYEE, '0');
    expect(lastText(EMPLOYEE)).toContain('Проверьте заявку: Справка с места работы');
    expect(lastText(EMPLOYEE)).toContain('Куда нужна справка: В банк');
    // The dialog lives in the database, not in this process.
    expect((await h.prisma.telegramAccount.findUniqueOrThrow({ where: { telegramUserId: CHAT.employee } })).pendingInput).toMatch(/^certificate:/);

    await press(EMPLOYEE, '✅ Отправить');
    expect(sentTo(EMPLOYEE).map((c) => String(c.payload.text))).toContain('✅ Заявка С-000001 (Справка с места работы) выполнена: справка в PDF — в следующем сообщении.');
    const documents = h.documentsTo(EMPLOYEE);
    expect(documents).toHaveLength(1);
    const text = await pdfText(documents[0]!.data);
    for (const expected of ['Щербакова Алёна Юрьевна', 'Главный бухгалтер', '15.03.2021', 'Общество с ограниченной ответственностью «Ромашка»', '№ С-000001 от 30.11.2026', 'В банк'])
      expect(text, expected).toContain(expected);
    expect(await requests()).toMatchObject([{ status: 'DONE' }]);
    expect((await h.prisma.telegramAccount.findUniqueOrThrow({ where: { telegramUserId: CHAT.employee } })).pendingInput).toBeNull();
    // Nothing for HR: an electronic-only instant certificate never reaches the queue.
    expect(card().text).toBe('');
  });

  it('keeps the dialog in the database: another instance takes the next press and message; English for an English user', async () => {
    await h.prisma.telegramAccount.update({ where: { telegramUserId: CHAT.employee }, data: { language: 'en' } });
    const second = createBot({ ...botDeps(h.t.container, createTranslator(), h.t.container.logger, 10) }, { token: '42:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz', botInfo: BOT_INFO });
    second.api.config.use(async (_prev, method, payload) => {
      h.calls.push({ method, payload: payload as Record<string, unknown>, at: 0 });
      return { ok: true, result: method === 'sendMessage' ? { message_id: h.calls.length, date: 0, chat: { id: EMPLOYEE, type: 'private' } } : true } as never;
    });
    await h.send(textUpdate(EMPLOYEE, '/certificates', 'en'));
    expect(lastText(EMPLOYEE)).toBe('Which certificate do you need?');
    await second.handleUpdate(callbackUpdate(EMPLOYEE, button(EMPLOYEE, 'Income statement (2-NDFL)')));
    expect(lastText(EMPLOYEE)).toContain('For which year');
    await h.send(textUpdate(EMPLOYEE, '2024', 'en'));
    expect(lastButtons(EMPLOYEE).map((b) => b.text)).toEqual(['0', '1', '2', '3', '4', '5']);
    await second.handleUpdate(callbackUpdate(EMPLOYEE, button(EMPLOYEE, '0')));
    await h.send(callbackUpdate(EMPLOYEE, button(EMPLOYEE, '✅ Send')));
    expect(lastText(EMPLOYEE)).toBe('📨 Request С-000001 (Income statement (2-NDFL)) received. By law (Labour Code art. 62) it is due by 03/12/2026. I will tell you when it is ready.');
  });

  it('explains a bad typed answer, asks again, and leaves at /cancel without creating anything', async () => {
    await h.send(textUpdate(EMPLOYEE, '/certificates'));
    await press(EMPLOYEE, 'Справка о доходах (2-НДФЛ)');
    expect(lastText(EMPLOYEE)).toContain('За какой год');
    await h.send(textUpdate(EMPLOYEE, 'прошлый'));
    expect(sentTo(EMPLOYEE).at(-2)?.payload.text).toBe('Нужен год, например 2025.');
    expect(lastText(EMPLOYEE)).toContain('За какой год');
    await h.send(textUpdate(EMPLOYEE, '1999'));
    expect(sentTo(EMPLOYEE).at(-2)?.payload.text).toBe('Год должен быть от 2021 до 2026.');
    await h.send(textUpdate(EMPLOYEE, '/cancel'));
    expect(lastText(EMPLOYEE)).toBe('Заказ справки отменён.');
    await h.send(textUpdate(EMPLOYEE, '2025'));
    expect(await requests()).toEqual([]);
  });

  it('orders a 2-НДФЛ; HR takes it in the HR chat and replies with a PDF; the employee receives that very file', async () => {
    await order2Ndfl();
    expect(lastText(EMPLOYEE)).toBe('📨 Заявка С-000001 (Справка о доходах (2-НДФЛ)) принята. По закону (ст. 62 ТК РФ) её выполнят не позднее 03.12.2026. Я сообщу, когда будет готово.');
    expect(card().text).toContain('С-000001');
    expect(card().buttons.map((b) => b.text)).toEqual(['Взять', 'Отклонить']);
    const take = cardButton('Взять');

    // A member of the HR chat without the HR role: refused, nothing changed.
    await h.send(groupCallbackUpdate(GROUP, OTHER, take));
    expect(alerts().at(-1)).toBe(NOT_ALLOWED);
    expect(await requests()).toMatchObject([{ status: 'NEW', version: 1 }]);

    await h.send(groupCallbackUpdate(GROUP, HR, take));
    expect(alerts().at(-1)).toBe('Заявка С-000001 ваша.');
    expect(card().text).toContain('Кадрова Ольга Ивановна');
    expect(card().buttons.map((b) => b.text)).toEqual(['Готово', 'Отклонить']);
    expect(lastText(EMPLOYEE)).toContain('С-000001');
    // Replayed: taken already, nothing changes.
    await h.send(groupCallbackUpdate(GROUP, HR, take));
    expect(alerts().at(-1)).toBe('Заявку С-000001 уже взяли в работу.');
    expect(await requests()).toMatchObject([{ status: 'IN_PROGRESS', version: 2 }]);

    await h.send(groupCallbackUpdate(GROUP, HR, cardButton('Готово')));
    expect(lastText(Number(HR_CHAT))).toContain('ответьте на это сообщение или на карточку документом');
    const [row] = await requests();
    h.serveFile('file-ndfl', HR_PDF);
    const reply = (user: number) => groupMessageUpdate(GROUP, user, {
      document: { file_id: 'file-ndfl', file_unique_id: 'u-ndfl', file_name: '2-НДФЛ Щербакова.pdf', mime_type: 'application/pdf', file_size: HR_PDF.length },
      reply_to_message: botReply(row!.hrMessageId!, card().text),
    });
    // The same reply from someone without the HR role does nothing.
    await h.send(reply(OTHER));
    expect(lastText(Number(HR_CHAT))).toBe(NOT_ALLOWED);
    expect(await requests()).toMatchObject([{ status: 'IN_PROGRESS' }]);

    await h.send(reply(HR));
    expect(lastText(Number(HR_CHAT))).toBe('Документ по заявке С-000001 отправлен сотруднику.');
    expect(h.fetched.at(-1)).toMatch(/\/file\/bot42:[^/]+\/documents\/file-ndfl$/);
    const [done] = await requests();
    expect(done).toMatchObject({ status: 'DONE', documentName: '2-НДФЛ Щербакова.pdf' });
    const received = h.documentsTo(EMPLOYEE);
    expect(received).toHaveLength(1);
    expect(received[0]!.data.equals(HR_PDF)).toBe(true);
    expect(card().buttons).toEqual([]);
  });

  it('«Готово» → ready for pickup; a photo reply to a closed card changes nothing', async () => {
    await order2Ndfl();
    await h.send(groupCallbackUpdate(GROUP, HR, cardButton('Взять')));
    // A second HR employee may finish what the first took.
    await h.send(groupCallbackUpdate(GROUP, Number(CHAT.hr2), cardButton('Готово')));
    await h.send(groupCallbackUpdate(GROUP, Number(CHAT.hr2), button(Number(HR_CHAT), 'Готово к выдаче в офисе')));
    expect(alerts().at(-1)).toBe('Заявка С-000001: сотрудник узнает, что документ можно забрать.');
    expect(await h.prisma.certificateRequest.findFirstOrThrow({ select: { status: true, resolution: true } })).toEqual({ status: 'DONE', resolution: 'PICKUP' });
    expect(lastText(EMPLOYEE)).toBe('✅ Заявка С-000001 (Справка о доходах (2-НДФЛ)) готова: документ можно забрать в отделе кадров.');
    expect(card().text).toContain('Готово к выдаче в офисе.');

    h.serveFile('photo-big', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const [row] = await requests();
    await h.send(groupMessageUpdate(GROUP, HR, {
      photo: [{ file_id: 'photo-small', file_unique_id: 's', width: 90, height: 90 }, { file_id: 'photo-big', file_unique_id: 'b', width: 1280, height: 1280 }],
      reply_to_message: botReply(row!.hrMessageId!, card().text),
    }));
    expect(h.fetched.at(-1)).toMatch(/documents\/photo-big$/);
    expect(lastText(Number(HR_CHAT))).toBe('Заявка С-000001 уже закрыта: выполнена, отклонена или отменена.');
    expect(await requests()).toMatchObject([{ status: 'DONE', document: null }]);
  });

  it('a leave application asks the kind of leave among the employee\'s own balances, as buttons', async () => {
    await h.send(textUpdate(EMPLOYEE, '📑 Справки'));
    await press(EMPLOYEE, 'Заявление на отпуск');
    expect(lastButtons(EMPLOYEE).map((b) => b.text)).toEqual(['Основной ежегодный отпуск', 'Дополнительный отпуск']);
    await press(EMPLOYEE, 'Дополнительный отпуск');
    await h.send(textUpdate(EMPLOYEE, '01.02.2027 – 10.02.2027'));
    // Skipping the optional comment, then the service's own check of the balance (3 days left) on sending.
    await press(EMPLOYEE, 'Пропустить');
    await press(EMPLOYEE, '✅ Отправить');
    expect(sentTo(EMPLOYEE).map((c) => String(c.payload.text))).toContain('Запрошено 10 календарных дней, а остаток этого вида отпуска — 3.');
    expect(await requests()).toEqual([]);
    // Still on the confirmation: start over and ask for three days.
    await press(EMPLOYEE, '✏️ Заново');
    await press(EMPLOYEE, 'Дополнительный отпуск');
    await h.send(textUpdate(EMPLOYEE, '01.02.2027 – 03.02.2027'));
    await h.send(textUpdate(EMPLOYEE, 'Семейные обстоятельства'));
    await press(EMPLOYEE, '✅ Отправить');
    expect(lastText(EMPLOYEE)).toContain('Заявка С-');
    expect(await requests()).toMatchObject([{ status: 'NEW' }]);
  });

  it('rejects with a reason given as a reply; the employee reads it', async () => {
    await order2Ndfl();
    await h.send(groupCallbackUpdate(GROUP, HR, cardButton('Отклонить')));
    const prompt = sentTo(Number(HR_CHAT)).at(-1)!;
    expect(String(prompt.payload.text)).toContain('ответьте на это сообщение причиной отказа');
    expect(prompt.payload.reply_markup).toMatchObject({ force_reply: true, selective: true });
    await h.send(groupMessageUpdate(GROUP, HR, { text: 'За 2025 год справку выдаёт прежний работодатель', reply_to_message: botReply(9999, String(prompt.payload.text)) }));
    expect(lastText(Number(HR_CHAT))).toBe('Заявка С-000001 отклонена, сотрудник узнает причину.');
    expect(await requests()).toMatchObject([{ status: 'REJECTED', rejectionReason: 'За 2025 год справку выдаёт прежний работодатель' }]);
    expect(lastText(EMPLOYEE)).toContain('За 2025 год справку выдаёт прежний работодатель');
    // «Ready for pickup» or a document afterwards: closed, nothing changes.
    const id = (await requests())[0]!.id;
    await h.send(groupCallbackUpdate(GROUP, HR, certificateCallbacks.pickup.pack({ requestId: id })));
    expect(alerts().at(-1)).toContain('уже закрыта');
    expect(await requests()).toMatchObject([{ status: 'REJECTED' }]);
  });

  it('«Мои заявки» lists requests with status and deadline; the owner cancels one nobody took, nobody else can', async () => {
    await order2Ndfl();
    h.clearCalls();
    await h.send(textUpdate(EMPLOYEE, '🗂 Мои заявки'));
    expect(lastText(EMPLOYEE)).toContain('С-000001 · Справка о доходах (2-НДФЛ) · новая · срок 03.12.2026');
    const cancel = button(EMPLOYEE, 'Отменить С-000001');

    // Someone else's request id, and an unlinked account: refused, nothing changed.
    await h.send(callbackUpdate(OTHER, cancel));
    expect(alerts().at(-1)).toBe('Заявка ' + (await requests())[0]!.id + ' не найдена.');
    await h.send(callbackUpdate(STRANGER, cancel));
    expect(alerts().at(-1)).toBe(NOT_LINKED);
    expect(await requests()).toMatchObject([{ status: 'NEW', version: 1 }]);

    await h.send(callbackUpdate(EMPLOYEE, cancel));
    expect(lastText(EMPLOYEE)).toBe('Заявка С-000001 (Справка о доходах (2-НДФЛ)) отменена.');
    expect(await requests()).toMatchObject([{ status: 'CANCELLED' }]);
    expect(card().buttons).toEqual([]);
    // Replayed: closed already.
    await h.send(callbackUpdate(EMPLOYEE, cancel));
    expect(alerts().at(-1)).toContain('уже закрыта');
  });

  it('refuses forged and replayed dialog buttons, and commands from an unlinked account', async () => {
    await h.send(textUpdate(EMPLOYEE, '📑 Справки'));
    const type = button(EMPLOYEE, 'Справка о доходах (2-НДФЛ)');
    const forged: Update[] = [
      callbackUpdate(EMPLOYEE, 'crt-ans:AAAAAAAA:0:1'),
      callbackUpdate(EMPLOYEE, 'crt-send:AAAAAAAA'),
      callbackUpdate(EMPLOYEE, 'crt-type:garbage'),
      callbackUpdate(OTHER, type),
    ];
    for (const update of forged) await h.send(update);
    expect(alerts()).toEqual([STALE, STALE, STALE, STALE]);

    await order2Ndfl();
    const sent = (await requests()).length;
    // The type button and «Send» of the finished dialog, pressed again.
    await h.send(callbackUpdate(EMPLOYEE, type));
    const send = buttonsOf(sentTo(EMPLOYEE).filter((c) => buttonsOf(c).some((b) => b.text === '✅ Отправить')).at(-1)).find((b) => b.text === '✅ Отправить')!.callback_data!;
    await h.send(callbackUpdate(EMPLOYEE, send));
    expect(alerts().slice(-2)).toEqual([STALE, STALE]);
    expect(await requests()).toHaveLength(sent);

    h.clearCalls();
    // (A typed menu label from an unlinked account is read by the sign-in dialog: commands are what reach features.)
    await h.send(textUpdate(STRANGER, '/certificates'));
    await h.send(textUpdate(STRANGER, '/requests'));
    expect(sentTo(STRANGER).map((c) => c.payload.text)).toEqual([NOT_LINKED, NOT_LINKED]);
    await h.send(groupCallbackUpdate(GROUP, STRANGER, certificateCallbacks.take.pack({ requestId: (await requests())[0]!.id })));
    expect(alerts().at(-1)).toBe(NOT_LINKED);
    expect(await requests()).toMatchObject([{ status: 'NEW' }]);
  });

  it('/hrchat binds a group for an admin only, and only in a group', async () => {
    await h.t.container.services.hrChats.unbind((await import('../../core/access/actor.ts')).SYSTEM_ACTOR);
    const OTHER_GROUP = groupChat(-100555, 'group');
    await h.send(groupTextUpdate(OTHER_GROUP, HR, '/hrchat'));
    await h.send(groupTextUpdate(OTHER_GROUP, STRANGER, '/hrchat@kabinet_test_bot'));
    expect(sentTo(-100555).map((c) => c.payload.text)).toEqual([NOT_ALLOWED, NOT_LINKED]);
    expect(await h.t.container.services.hrChats.current()).toBeNull();

    await h.send(textUpdate(ADMIN, '/hrchat'));
    expect(lastText(ADMIN)).toContain('в группе отдела кадров');
    expect(await h.t.container.services.hrChats.current()).toBeNull();

    await h.send(groupTextUpdate(OTHER_GROUP, ADMIN, '/hrchat@kabinet_test_bot'));
    expect(lastText(-100555)).toBe('Эта группа теперь чат отдела кадров: сюда будут приходить заявки сотрудников.');
    expect(await h.t.container.services.hrChats.current()).toMatchObject({ chatId: -100555n });
    // New requests are posted there.
    await order2Ndfl();
    expect(sentTo(-100555).some((c) => String(c.payload.text).includes('С-000001'))).toBe(true);
  });
});
