import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { certificateCallbacks } from '../../bot/features/certificates/certificate.callbacks.ts';
import { apiTokenActor, type EmployeeActor } from '../../core/access/actor.ts';
import { loadEmployeeActor } from '../../core/access/employee-actor.ts';
import { AppError } from '../../core/errors.ts';
import { createTranslator } from '../../core/i18n.ts';
import { CHAT, type CertificatePeople, HR_CHAT, seedCertificatePeople } from '../fixtures/certificate-setup.ts';
import { createFakeTelegram } from '../helpers/fake-telegram.ts';
import { pdfText } from '../helpers/pdf-text.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createTestClock } from '../helpers/test-clock.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

/** A PDF as HR would attach it (a scan): only its bytes matter. */
const HR_PDF = Buffer.from('%PDF-1.7\n% 2-НДФЛ, подписанная главным бухгалтером\n1 0 obj << >> endobj\n%%EOF\n');

const translator = createTranslator();

/** The AppError a promise rejects with (fails the test when it resolves). */
async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe.each(DB_KINDS)('certificate requests, %s', (kind) => {
  // Monday 30 November 2026, 12:00 in Moscow.
  const clock = createTestClock('2026-11-30T09:00:00.000Z');
  const telegram = createFakeTelegram(translator);
  let t: TestApp;
  let people: CertificatePeople;

  const prisma = () => t.testDb.database.prisma;
  const services = () => t.container.services;
  const settle = () => t.container.services.jobs.idle();
  const as = async (employeeId: string): Promise<EmployeeActor> => (await loadEmployeeActor(prisma(), { employeeId }, clock.now()))!;
  const cards = () => telegram.to(HR_CHAT);
  const toEmployee = () => telegram.to(CHAT.employee);

  beforeAll(async () => {
    t = await createTestApp(kind, { clock, telegram: () => telegram.outbound });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.reset();
    clock.set('2026-11-30T09:00:00.000Z');
    telegram.clear();
    await services().catalogue.seed();
    people = await seedCertificatePeople(t);
  });

  it('an employment certificate is issued at once as a PDF naming the organization, the employee, the number and the date', async () => {
    const me = await as(people.employee);
    const view = await services().certificates.create(me, { typeCode: 'EMPLOYMENT', fields: { purpose: 'bank', with_salary: true, copies: 0 } });
    expect(view).toMatchObject({ number: 'С-000001', status: 'DONE', resolution: 'DOCUMENT', deadlineOn: '2026-12-03', document: { mimeType: 'application/pdf' } });
    await settle();

    const stored = await services().certificates.document(me, view.id);
    const text = await pdfText(stored.data);
    for (const expected of [
      'Общество с ограниченной ответственностью «Ромашка»', 'ИНН 7707083893, КПП 770701001', 'ул. Тверская', 'Справка с места работы',
      '№ С-000001 от 30.11.2026', 'Щербакова Алёна Юрьевна', 'Главный бухгалтер', 'Бухгалтерия', '15.03.2021', 'В банк',
      // The last six final payslips (May–October; April and the November advance left out): 500 000 ₽ / 6.
      'за 6 мес.: май 2026 г. – октябрь 2026 г.', '83 333,33 ₽', 'сформирован в электронном виде',
    ]) expect(text, expected).toContain(expected);

    // Delivered in the chat, that very file, once; HR never sees an electronic-only instant certificate.
    const documents = toEmployee().filter((c) => c.method === 'sendDocument');
    expect(documents).toHaveLength(1);
    expect(documents[0]!.document!.data.equals(stored.data)).toBe(true);
    expect(documents[0]!.text).toContain('С-000001');
    expect(cards()).toEqual([]);
    expect((await services().certificates.list(await as(people.hr))).total).toBe(0);
  });

  it('says so when "with salary" is asked but no final payslip is on record, rather than print an average of nothing', async () => {
    const other = await as(people.other);
    const view = await services().certificates.create(other, { typeCode: 'EMPLOYMENT', fields: { purpose: 'any', with_salary: 'да', copies: 0 } });
    const text = await pdfText((await services().certificates.document(other, view.id)).data);
    expect(text).toContain('Петров Пётр Петрович');
    expect(text).toContain('расчётных листков за последние месяцы нет');
    expect(text).not.toContain('₽');
  });

  it('a vacation balance certificate lists the balances with their as-of date', async () => {
    const me = await as(people.employee);
    const view = await services().certificates.create(me, { typeCode: 'VACATION_BALANCE', fields: { copies: 0 } });
    expect(view.status).toBe('DONE');
    const text = await pdfText((await services().certificates.document(me, view.id)).data);
    for (const expected of ['Справка об остатке отпуска', 'на 31.10.2026', 'Основной ежегодный отпуск 18,67 дня', 'Дополнительный отпуск 3 дня']) expect(text, expected).toContain(expected);
  });

  it('with paper copies, an instant certificate is delivered at once and also goes to HR, who prepares the copies', async () => {
    const me = await as(people.employee);
    const view = await services().certificates.create(me, { typeCode: 'EMPLOYMENT', fields: { purpose: 'any', with_salary: false, copies: 2 } });
    expect(view).toMatchObject({ status: 'NEW', paperCopies: 2, document: { mimeType: 'application/pdf' } });
    expect(view.issuedAt).not.toBeNull();
    await settle();
    expect(toEmployee().filter((c) => c.method === 'sendDocument')).toHaveLength(1);
    expect(toEmployee()[0]!.text).toContain('2 бумажных экземпляра');
    expect(cards()).toHaveLength(1);
    expect(cards()[0]!.text).toContain('Электронная копия выдана сотруднику сразу; нужно 2 бумажных экземпляра');

    const hr = await as(people.hr);
    await services().certificates.take(hr, view.id);
    const done = await services().certificates.completeForPickup(hr, view.id);
    expect(done).toMatchObject({ status: 'DONE', resolution: 'PICKUP' });
    await settle();
    expect(toEmployee().at(-1)!.text).toContain('можно забрать в отделе кадров');
    // The electronic copy is not sent again.
    expect(toEmployee().filter((c) => c.method === 'sendDocument')).toHaveLength(1);
  });

  it('a 2-НДФЛ goes to the HR chat; HR takes it, another HR person completes it with a PDF, the employee receives that very file', async () => {
    const me = await as(people.employee);
    const view = await services().certificates.create(me, { typeCode: 'NDFL_2', fields: { year: 2025, copies: '1' } });
    expect(view).toMatchObject({ number: 'С-000001', status: 'NEW', deadlineOn: '2026-12-03', fields: { year: 2025, copies: 1 } });
    await settle();
    // Nothing to tell the employee yet (the bot confirms the order itself).
    expect(toEmployee()).toEqual([]);

    const [card] = cards();
    expect(card!.method).toBe('sendText');
    for (const expected of ['С-000001', 'Справка о доходах (2-НДФЛ)', 'Щербакова Алёна Юрьевна', 'За какой год: 2025', '03.12.2026', 'новая']) expect(card!.text, expected).toContain(expected);
    expect(card!.keyboard!.flat().map((b) => b.text)).toEqual(['Взять', 'Отклонить']);
    const take = card!.keyboard![0]![0]!;
    expect('callbackData' in take && certificateCallbacks.take.unpack(take.callbackData)).toEqual({ requestId: view.id });
    expect(await prisma().certificateRequest.findUniqueOrThrow({ where: { id: view.id }, select: { hrMessageId: true, hrChatId: true } })).toEqual({ hrMessageId: card!.messageId, hrChatId: HR_CHAT });

    const taken = await services().certificates.take(await as(people.hr), view.id);
    expect(taken).toMatchObject({ status: 'IN_PROGRESS', assignee: { employeeId: 'emp-2', fullName: 'Кадрова Ольга Ивановна' } });
    await settle();
    // The card is edited in place, never posted again.
    expect(cards().map((c) => c.method)).toEqual(['sendText', 'editText']);
    expect(cards()[1]!.messageId).toBe(card!.messageId);
    expect(cards()[1]!.text).toContain('в работе');
    expect(cards()[1]!.text).toContain('Взял(а): Кадрова Ольга Ивановна');
    expect(cards()[1]!.keyboard!.flat().map((b) => b.text)).toEqual(['Готово', 'Отклонить']);
    expect(toEmployee().map((c) => c.text)).toEqual([expect.stringContaining('взята в работу')]);

    const done = await services().certificates.completeWithDocument(await as(people.hr2), view.id, { data: HR_PDF, fileName: 'C:\\Сканы\\2-НДФЛ Щербакова.pdf' });
    expect(done).toMatchObject({ status: 'DONE', resolution: 'DOCUMENT', document: { fileName: '2-НДФЛ Щербакова.pdf', mimeType: 'application/pdf', size: HR_PDF.length } });
    await settle();
    const [sent] = toEmployee().filter((c) => c.method === 'sendDocument');
    expect(sent!.document!.data.equals(HR_PDF)).toBe(true);
    expect(sent!.document!.fileName).toBe('2-НДФЛ Щербакова.pdf');
    expect(sent!.text).toContain('С-000001');
    expect((await services().certificates.document(me, view.id)).data.equals(HR_PDF)).toBe(true);
    expect(cards().at(-1)!.text).toContain('готово');
    expect(cards().at(-1)!.keyboard).toBeUndefined();

    const trail = await prisma().auditLog.findMany({ where: { entityId: view.id }, orderBy: { id: 'asc' }, select: { action: true, actorType: true, actorId: true } });
    expect(trail).toEqual([
      { action: 'certificate.request', actorType: 'EMPLOYEE', actorId: people.employee },
      { action: 'certificate.take', actorType: 'EMPLOYEE', actorId: people.hr },
      { action: 'certificate.complete', actorType: 'EMPLOYEE', actorId: people.hr2 },
    ]);
  });

  it('a rejection carries its reason to the employee and to the card', async () => {
    const view = await services().certificates.create(await as(people.employee), { typeCode: 'NDFL_2', fields: { year: 2025, copies: 0 } });
    await settle();
    const reason = 'За 2025 год справка будет после сдачи отчётности, закажите её в феврале.';
    const rejected = await services().certificates.reject(await as(people.hr), view.id, `  ${reason}  `);
    expect(rejected).toMatchObject({ status: 'REJECTED', rejectionReason: reason });
    await settle();
    expect(toEmployee().map((c) => c.text)).toEqual([expect.stringContaining(`Причина: ${reason}`)]);
    expect(cards().at(-1)!.text).toContain(`Причина отказа: ${reason}`);
    expect(cards().at(-1)!.keyboard).toBeUndefined();
    expect((await refusal(services().certificates.reject(await as(people.hr), view.id, ' '))).code).toBe('CERTIFICATE_REASON_INVALID');
  });

  it('the employee cancels a request nobody has taken; a taken one cannot be cancelled', async () => {
    const me = await as(people.employee);
    const first = await services().certificates.create(me, { typeCode: 'WORK_RECORD', fields: { copies: 1 } });
    await settle();
    const cancelled = await services().certificates.cancel(me, first.number);
    expect(cancelled.status).toBe('CANCELLED');
    await settle();
    expect(toEmployee()).toEqual([]);
    expect(cards().map((c) => c.method)).toEqual(['sendText', 'editText']);
    expect(cards()[1]!.text).toContain('отменена');
    expect((await refusal(services().certificates.cancel(me, first.id))).code).toBe('CERTIFICATE_CLOSED');

    const second = await services().certificates.create(me, { typeCode: 'WORK_RECORD', fields: { copies: 1 } });
    await services().certificates.take(await as(people.hr), second.id);
    expect((await refusal(services().certificates.cancel(me, second.id))).code).toBe('CERTIFICATE_ALREADY_TAKEN');
    expect((await services().certificates.mine(me)).items.map((r) => [r.number, r.status])).toEqual([['С-000002', 'IN_PROGRESS'], ['С-000001', 'CANCELLED']]);
  });

  it('refuses what a role does not allow, someone else’s request, wrong transitions and replays, changing nothing', async () => {
    const me = await as(people.employee);
    const view = await services().certificates.create(me, { typeCode: 'NDFL_2', fields: { year: 2025, copies: 0 } });
    await settle();
    const state = async () => ({
      request: await prisma().certificateRequest.findUniqueOrThrow({ where: { id: view.id }, select: { status: true, version: true, assigneeId: true, rejectionReason: true, documentName: true } }),
      audit: await prisma().auditLog.count(),
      requests: await prisma().certificateRequest.count(),
      telegram: telegram.calls.length,
    });
    const before = await state();
    const other = await as(people.other);
    const admin = await as(people.admin);
    const hr = await as(people.hr);
    const importToken = apiTokenActor({ tokenId: '00000000-0000-7000-8000-000000000001', scopes: ['IMPORT'] });

    expect((await refusal(services().certificates.take(other, view.id))).code).toBe('FORBIDDEN');
    expect((await refusal(services().certificates.reject(admin, view.id, 'нет'))).code).toBe('FORBIDDEN');
    expect((await refusal(services().certificates.list(other))).code).toBe('FORBIDDEN');
    expect((await refusal(services().certificates.cancel(other, view.id))).code).toBe('CERTIFICATE_REQUEST_NOT_FOUND');
    expect((await refusal(services().certificates.document(other, view.id))).code).toBe('CERTIFICATE_REQUEST_NOT_FOUND');
    expect((await refusal(services().certificates.get(other, view.number))).code).toBe('CERTIFICATE_REQUEST_NOT_FOUND');
    expect((await refusal(services().certificates.completeForPickup(hr, view.id))).code).toBe('CERTIFICATE_NOT_TAKEN');
    expect((await refusal(services().certificates.completeWithDocument(hr, view.id, { data: HR_PDF }))).code).toBe('CERTIFICATE_NOT_TAKEN');
    expect((await refusal(services().certificates.create(importToken, { typeCode: 'NDFL_2', fields: { year: 2025, copies: 0 } }))).code).toBe('CERTIFICATE_EMPLOYEES_ONLY');
    expect((await refusal(services().certificates.take(hr, '00000000-0000-7000-8000-00000000dead'))).code).toBe('CERTIFICATE_REQUEST_NOT_FOUND');
    // Only an admin makes a group the HR chat.
    expect((await refusal(services().hrChats.bind(hr, { chatId: -100777n }))).code).toBe('FORBIDDEN');
    expect(await state()).toEqual(before);
    expect((await services().hrChats.current())?.chatId).toBe(HR_CHAT);

    // Two HR people press «Взять» at once: one wins, the other is told it is taken; a replayed press is refused too.
    const presses = await Promise.allSettled([services().certificates.take(hr, view.id), services().certificates.take(await as(people.hr2), view.id)]);
    expect(presses.map((p) => p.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(((presses.find((p) => p.status === 'rejected') as PromiseRejectedResult).reason as AppError).code).toBe('CERTIFICATE_ALREADY_TAKEN');
    await settle();
    const taken = await state();
    expect(taken.request.version).toBe(before.request.version + 1);
    expect((await refusal(services().certificates.take(hr, view.id))).code).toBe('CERTIFICATE_ALREADY_TAKEN');
    expect((await refusal(services().certificates.completeWithDocument(hr, view.id, { data: Buffer.from('MZ not a document') }))).code).toBe('DOCUMENT_TYPE_UNSUPPORTED');
    expect(await state()).toEqual(taken);

    // A dismissed employee orders nothing.
    await prisma().employee.update({ where: { id: people.other }, data: { dismissedAt: new Date('2026-11-01T00:00:00Z') } });
    expect((await refusal(services().certificates.create(await as(people.other), { typeCode: 'WORK_RECORD', fields: { copies: 0 } }))).code).toBe('CERTIFICATE_EMPLOYEES_ONLY');
  });

  it('checks every answer with a clear message, and stores nothing when one is wrong', async () => {
    const me = await as(people.employee);
    const t = translator.t('ru');
    const yearTooOld = await refusal(services().certificates.create(me, { typeCode: 'NDFL_2', fields: { year: 2015, copies: 0 } }));
    expect(yearTooOld.code).toBe('FIELD_YEAR_OUT_OF_RANGE');
    expect(t(`errors:${yearTooOld.code}`, yearTooOld.params)).toBe('Поле year: год должен быть от 2021 до 2026.');
    expect((await refusal(services().certificates.create(me, { typeCode: 'NDFL_2', fields: { copies: 0 } }))).code).toBe('FIELD_REQUIRED');
    expect((await refusal(services().certificates.create(me, { typeCode: 'NDFL_2', fields: { year: 2025, copies: 9 } }))).code).toBe('FIELD_COPIES_OUT_OF_RANGE');
    expect((await refusal(services().certificates.create(me, { typeCode: 'NDFL_2', fields: { year: 2025, copies: 0, colour: 'red' } }))).code).toBe('CERTIFICATE_FIELD_UNKNOWN');
    expect((await refusal(services().certificates.create(me, { typeCode: 'VISA', fields: { language: 'en', country: 'Франция', trip: { from: '2026-11-01', to: '2026-11-10' }, copies: 0 } }))).code).toBe('FIELD_DATE_IN_PAST');
    expect((await refusal(services().certificates.create(me, { typeCode: 'NO_SUCH', fields: {} }))).code).toBe('CERTIFICATE_TYPE_NOT_FOUND');
    expect(await prisma().certificateRequest.count()).toBe(0);

    const visa = await services().certificates.create(me, { typeCode: 'VISA', fields: { language: 'en', country: ' Франция ', trip: '01.02.2027 – 14.02.2027', copies: 1 } });
    expect(visa.fields).toEqual({ language: 'en', country: 'Франция', trip: { from: '2027-02-01', to: '2027-02-14' }, copies: 1 });
    expect(visa.answers.map((a) => `${a.label}: ${a.value}`)).toEqual([
      'Язык справки: Английский', 'Страна поездки: Франция', 'Даты поездки (например, 01.02.2027 – 14.02.2027): 01.02.2027 – 14.02.2027', 'Сколько бумажных экземпляров нужно (0 — только электронный): 1',
    ]);
  });

  it('a leave application offers the employee’s own kinds of leave and is checked against what is left of it', async () => {
    const me = await as(people.employee);
    const form = await services().certificates.form(me, 'LEAVE');
    const kindField = form.fields.find((f) => f.key === 'leave_type');
    expect(kindField?.kind === 'choice' && kindField.options.map((o) => [o.value, o.label.ru])).toEqual([['Основной', 'Основной ежегодный отпуск'], ['Дополнительный', 'Дополнительный отпуск']]);

    const tooLong = await refusal(services().certificates.create(me, { typeCode: 'LEAVE', fields: { leave_type: 'Дополнительный', dates: { from: '2027-02-01', to: '2027-02-05' } } }));
    expect(tooLong.code).toBe('LEAVE_EXCEEDS_BALANCE');
    expect(tooLong.params).toEqual({ days: 5, remaining: 3 });
    expect((await refusal(services().certificates.create(me, { typeCode: 'LEAVE', fields: { leave_type: 'Учебный', dates: { from: '2027-02-01', to: '2027-02-03' } } }))).code).toBe('FIELD_UNKNOWN_OPTION');

    const leave = await services().certificates.create(me, { typeCode: 'LEAVE', fields: { leave_type: 'Основной', dates: { from: '2027-02-01', to: '2027-02-14' }, comment: 'Переносится с января' } });
    expect(leave).toMatchObject({ status: 'NEW', type: { code: 'LEAVE', leave: true } });
    expect(leave.answers.map((a) => a.value)).toEqual(['Основной ежегодный отпуск', '01.02.2027 – 14.02.2027', 'Переносится с января']);
    await settle();
    expect(cards()[0]!.text).toContain('Вид отпуска: Основной ежегодный отпуск');
    const queue = await services().certificates.list(await as(people.hr), { typeCode: 'LEAVE' });
    expect(queue.items.map((r) => r.number)).toEqual([leave.number]);
  });

  it('puts the legal deadline three working days on, across the New Year and the May holidays', async () => {
    const me = await as(people.employee);
    const order = async (at: string) => {
      clock.set(at);
      return (await services().certificates.create(me, { typeCode: 'WORK_RECORD', fields: { copies: 0 } })).deadlineOn;
    };
    // Wednesday 30 December 2026 (31 December is a transferred day off, 1–10 January holidays and a weekend).
    expect(await order('2026-12-30T07:00:00Z')).toBe('2027-01-13');
    // 01:30 on 30 December in Moscow is still 29 December in UTC: Moscow's day counts → the same deadline.
    expect(await order('2026-12-29T22:30:00Z')).toBe('2027-01-13');
    // Wednesday 29 April 2026: 30 April, then 4 and 5 May (1–3 May off).
    expect(await order('2026-04-29T09:00:00Z')).toBe('2026-05-05');
    // Thursday 7 May 2026: 8 May, then 12 and 13 May (Victory Day on a Saturday moves to Monday 11 May).
    expect(await order('2026-05-07T09:00:00Z')).toBe('2026-05-13');
  });

  it('lists only the employee’s own requests', async () => {
    await services().certificates.create(await as(people.employee), { typeCode: 'WORK_RECORD', fields: { copies: 0 } });
    await services().certificates.create(await as(people.other), { typeCode: 'WORK_RECORD', fields: { copies: 1 } });
    const mine = await services().certificates.mine(await as(people.employee));
    expect(mine.items.map((r) => r.employee.employeeId)).toEqual(['emp-1']);
    expect((await services().certificates.mine(await as(people.other))).items.map((r) => r.number)).toEqual(['С-000002']);
  });
});
