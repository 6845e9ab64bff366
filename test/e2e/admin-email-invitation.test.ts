import type { AddressObject, ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEmployeeActor } from '../../core/access/employee-actor.ts';
import { SYSTEM_ACTOR, type EmployeeActor } from '../../core/access/actor.ts';
import { createSmtpSender } from '../../core/delivery/email-sender.ts';
import { ACTIVATION_REPORT_LAG_MS } from '../../core/admin/activation-notices.ts';
import { BOT_USERNAME, capturingTelegram, virtualClock } from '../helpers/admin-setup.ts';
import { codeIn } from '../helpers/bot-harness.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { DB_KINDS } from '../helpers/test-database.ts';
import { department, employee, organization } from '../fixtures/hr-rows.ts';

const NAMES: [string, string][] = [['Иванова', 'Мария'], ['Петров', 'Пётр'], ['Сидорова', 'Анна'], ['Кузнецов', 'Олег'], ['Смирнова', 'Ольга']];
const linkRe = new RegExp(`https://t\\.me/${BOT_USERNAME}\\?start=([A-Za-z0-9_-]{16,64})`);
const ADMIN_CHAT = 7001;

const recipient = (mail: ParsedMail) => (mail.to as AddressObject).value[0]!.address;

/**
 * Steps 5–9 of the 1С guide in Kabinet's core and API, with a real SMTP server: upload, the responsible employee
 * signs in with a code and acts as the admin, publishes everyone, creates cabinets, invites by e-mail; invited
 * employees open the link from the mail they received, type the code, and the admin is told — once for the burst.
 */
describe.each(DB_KINDS)('e-mail invitations end to end on %s', (kind) => {
  let t: TestApp;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  const clock = virtualClock();
  const tg = capturingTelegram();

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp(kind, {
      clock,
      channels: { email: createSmtpSender({ url: smtp.url, from: 'Kabinet <no-reply@kabinet.local>' }), sms: undefined },
      telegram: tg.telegram,
    });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const services = () => t.container.services;
  const prisma = () => t.testDb.database.prisma;
  const api = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) => t.request({ method, url, body, token: t.tokens.admin });
  const mailsTo = (address: string) => smtp.received.filter((m) => recipient(m) === address);
  const state = async (externalId: string) => (await prisma().employee.findUniqueOrThrow({ where: { externalId } })).cabinetState;

  /** Telegram user `userId` proves who they are (by the invitation token, or by their e-mail) and types the mailed code. */
  async function signIn(userId: number, identification: { kind: 'invitation'; token: string } | { kind: 'email'; value: string }, email: string) {
    const who = { userId: BigInt(userId), chatId: BigInt(userId) };
    expect(await services().linking.identify(who, identification)).toEqual({ kind: 'code_sent' });
    await services().jobs.idle();
    const mail = mailsTo(email).at(-1)!;
    expect(mail.subject).toBe('Код входа в Kabinet');
    return services().linking.verify(who, codeIn(mail.text ?? ''));
  }

  it('invites by e-mail; the invited sign in with the link and a code, become ACTIVE, and the admin is told once', async () => {
    // 5. The payroll system uploads.
    for (const [name, items] of [
      ['organizations', [organization()]],
      ['departments', [department()]],
      ['employees', NAMES.map(([lastName, firstName], i) => employee(i + 1, { lastName, firstName, middleName: null }))],
    ] as const) {
      expect((await t.request({ method: 'POST', url: `/api/v1/imports/${name}`, token: t.tokens.import, body: { items } })).json().rejected).toBe(0);
    }
    // 2–4. Address, responsible employee, scope; the responsible employee's cabinet is published for them to sign in.
    expect((await api('PUT', '/api/v1/cabinet/settings', { address: 'romashka', responsibleEmployeeId: 'emp-1', scope: { kind: 'ALL' } })).statusCode).toBe(200);
    expect((await api('POST', '/api/v1/cabinets/publish', { employeeIds: ['emp-1'] })).json().changed).toBe(1);
    clock.advance(60_000);

    // 6. The responsible employee signs in with a code and acts as the admin from then on.
    expect(await signIn(ADMIN_CHAT, { kind: 'email', value: 'emp1@romashka.ru' }, 'emp1@romashka.ru')).toMatchObject({ kind: 'linked' });
    const admin = (await loadEmployeeActor(prisma(), { telegramUserId: BigInt(ADMIN_CHAT) }, clock.now())) as EmployeeActor;
    expect(admin.roles).toEqual(['ADMIN']);

    // 8. Publish to everyone; 9. create cabinets, then send the invitations by e-mail.
    expect(await services().publishing.publish(admin, { all: true })).toMatchObject({ changed: 4 });
    const created = await services().admin.inviting.createCabinets(admin, ['emp-2', 'emp-3', 'emp-4', 'emp-5']);
    expect(created.created.map((c) => c.employeeId)).toEqual(['emp-2', 'emp-3', 'emp-4', 'emp-5']);
    const invited = await services().admin.inviting.invite(admin, ['emp-2', 'emp-3', 'emp-4']);
    expect(invited.skipped).toEqual([]);
    await services().jobs.idle();

    const tokens = new Map<string, string>();
    for (const n of [2, 3, 4]) {
      const [mail, ...more] = mailsTo(`emp${n}@romashka.ru`);
      expect(more).toEqual([]);
      expect(mail!.subject).toBe('Приглашение в кабинет сотрудника ООО «Ромашка»');
      // The plain-text part and the HTML button carry the same link.
      const fromText = linkRe.exec(mail!.text ?? '')?.[0];
      const html = typeof mail!.html === 'string' ? mail!.html : '';
      const fromHtml = /<a href="([^"]+)"[^>]*>Открыть кабинет в Telegram<\/a>/.exec(html)?.[1];
      expect(fromText).toBeDefined();
      expect(fromHtml).toBe(fromText);
      expect(mail!.text).toContain(`Здравствуйте, ${NAMES[n - 1]![1]}!`);
      tokens.set(`emp-${n}`, linkRe.exec(fromText!)![1]!);
      expect(await state(`emp-${n}`)).toBe('INVITED');
    }
    // The links handed out by "create cabinet" were replaced by the mailed ones; emp-5's still works.
    expect(await services().linking.identify({ userId: 9999n, chatId: 9999n }, { kind: 'invitation', token: linkRe.exec(created.created[0]!.link)![1]! })).toEqual({ kind: 'invalid_invitation' });
    expect(await state('emp-5')).toBe('PUBLISHED');

    // The invited open the link from their mail and type the code that comes by e-mail: a burst of sign-ins.
    for (const n of [2, 3, 4]) {
      expect(await signIn(8000 + n, { kind: 'invitation', token: tokens.get(`emp-${n}`)! }, `emp${n}@romashka.ru`)).toMatchObject({ kind: 'linked' });
      expect(await state(`emp-${n}`)).toBe('ACTIVE');
      clock.advance(1000);
    }

    // The admin is told once, about all three, and not about their own sign-in.
    clock.advance(ACTIVATION_REPORT_LAG_MS);
    // Four signed in since the cabinet was set up: the admin and the three invited.
    expect(await services().admin.activationNotices.run()).toEqual({ activations: 4, admins: 1 });
    expect(await services().admin.activationNotices.run()).toEqual({ activations: 0, admins: 0 });
    const notices = tg.intents.filter((i) => i.kind === 'activations');
    expect(notices).toEqual([{ kind: 'activations', chatId: BigInt(ADMIN_CHAT), language: 'ru', count: 3, names: ['Петров Пётр', 'Сидорова Анна', 'Кузнецов Олег'] }]);
    expect(tg.sent.map((s) => [s.chatId, s.message.text])).toEqual([[BigInt(ADMIN_CHAT), '🟢 В кабинет вошли 3 сотрудника: Петров Пётр, Сидорова Анна, Кузнецов Олег']]);

    // The admin's list shows them with the green mark.
    const list = await services().admin.status.list(admin, { page: 1, pageSize: 10 });
    expect(Object.fromEntries(list.items.map((i) => [i.employeeId, i.status]))).toEqual({ 'emp-1': 'ACTIVE', 'emp-2': 'ACTIVE', 'emp-3': 'ACTIVE', 'emp-4': 'ACTIVE', 'emp-5': 'PUBLISHED' });
    expect(list.items.find((i) => i.employeeId === 'emp-5')!.invitation).toMatchObject({ mark: 'CREATED' });
    expect(await services().admin.status.counts(admin)).toMatchObject({ ACTIVE: 4, PUBLISHED: 1, total: 5 });
  });
});

describe.each(DB_KINDS)('e-mail invitations that do not get through, on %s', (kind) => {
  it('a mailbox refused for good fails at once (REFUSED); a mail server that stays down fails after the retries (UNAVAILABLE)', async () => {
    const refusing = await startSmtpSink({ rejectWith: 550 });
    const clock = virtualClock();
    // emp-2's mail goes to a server that refuses it; the others' to a port where nothing listens.
    const refused = createSmtpSender({ url: refusing.url, from: 'Kabinet <no-reply@kabinet.local>' });
    const down = createSmtpSender({ url: 'smtp://127.0.0.1:9', from: 'Kabinet <no-reply@kabinet.local>' });
    const t = await createTestApp(kind, {
      clock,
      channels: { email: { send: (m) => (m.to.startsWith('emp2@') ? refused : down).send(m), close: () => {} }, sms: undefined },
      telegram: capturingTelegram().telegram,
    });
    try {
      for (const [name, items] of [['organizations', [organization()]], ['departments', [department()]], ['employees', [employee(1), employee(2), employee(3)]]] as const) {
        await t.request({ method: 'POST', url: `/api/v1/imports/${name}`, token: t.tokens.import, body: { items } });
      }
      await t.request({ method: 'POST', url: '/api/v1/cabinets/publish', token: t.tokens.admin, body: { all: true } });
      const started = await t.container.services.admin.inviting.startBulk(SYSTEM_ACTOR);
      expect(started.total).toBe(3);
      await t.container.services.jobs.idle();
      const prisma = t.testDb.database.prisma;
      const failures = await prisma.invitation.findMany({ where: { failedAt: { not: null } }, select: { failure: true, employee: { select: { externalId: true, cabinetState: true } } } });
      expect(failures.map((f) => [f.employee.externalId, f.failure, f.employee.cabinetState]).sort()).toEqual([
        ['emp-1', 'UNAVAILABLE', 'PUBLISHED'],
        ['emp-2', 'REFUSED', 'PUBLISHED'],
        ['emp-3', 'UNAVAILABLE', 'PUBLISHED'],
      ]);
      const view = await t.container.services.admin.inviting.bulk(SYSTEM_ACTOR, started.batchId);
      expect(view).toMatchObject({ status: 'finished', sent: 0, failed: 3, remaining: 0 });
    } finally {
      await t.close();
      refused.close();
      down.close();
      await refusing.close();
    }
  });
});
