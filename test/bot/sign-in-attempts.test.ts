import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBot } from '../../bot/index.ts';
import { botDeps } from '../../bot/telegram.ts';
import { createTranslator } from '../../core/i18n.ts';
import { createLinkingService } from '../../core/linking/linking.service.ts';
import { PHONE, seedLinkingEmployees } from '../fixtures/linking-setup.ts';
import { contactUpdate, textUpdate } from '../fixtures/telegram-updates.ts';
import { BOT_INFO, capturingChannels, codeIn, createBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { createTestClock } from '../helpers/test-clock.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

describe.each(DB_KINDS)('wrong codes on %s', (kind) => {
  let h: BotHarness;
  const delivered = capturingChannels();
  const clock = createTestClock();

  beforeAll(async () => {
    h = await createBotHarness(kind, { channels: delivered.channels, clock });
  });
  afterAll(async () => h?.close());
  beforeEach(async () => {
    await h.t.reset();
    await seedLinkingEmployees(h.t);
    delivered.sms.length = 0;
    delivered.emails.length = 0;
    h.clearCalls();
    clock.advance(2 * 86_400_000);
  });

  const wrongFor = (code: string) => (code === '000000' ? '111111' : '000000');
  const textsTo = (userId: number) => h.messagesTo(userId).map((m) => String(m.payload.text));

  /** Another Kabinet instance on the same database: its own bot, no per-chat ordering shared with the others. */
  function anotherInstance() {
    const replies: string[] = [];
    const { services, logger } = h.t.container;
    const bot = createBot(
      botDeps(h.t.container, createTranslator(), logger, h.t.config.codes.ttlMinutes),
      { token: '42:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz', botInfo: BOT_INFO },
    );
    bot.api.config.use(async (_prev, method, payload) => {
      const text = (payload as { text?: string }).text;
      if (method === 'sendMessage') replies.push(String(text));
      return { ok: true, result: { message_id: 1, date: 0, chat: { id: 1, type: 'private' }, text } } as never;
    });
    return { bot, replies };
  }

  it('counts ten concurrent wrong entries of one code atomically, each answer one try fewer, none past the limit', async () => {
    const USER = 7401;
    await h.send(contactUpdate(USER, PHONE(1)));
    const wrong = wrongFor(codeIn(delivered.sms[0]!.text));
    const instances = Array.from({ length: 10 }, anotherInstance);

    await Promise.all(instances.map((i) => i.bot.handleUpdate(textUpdate(USER, wrong))));

    const replies = instances.flatMap((i) => i.replies).sort();
    expect(replies).toEqual([
      ...Array(6).fill('Слишком много неверных попыток для этого кода. Отправьте телефон или e-mail ещё раз, чтобы получить новый.'),
      'Код не подошёл. Осталась 1 попытка.',
      'Код не подошёл. Осталось 2 попытки.',
      'Код не подошёл. Осталось 3 попытки.',
      'Код не подошёл. Осталось 4 попытки.',
    ].sort());
    const code = await h.prisma.oneTimeCode.findFirstOrThrow({ where: { telegramUserId: BigInt(USER) } });
    expect(code.attempts).toBe(h.t.config.codes.maxAttempts);
  });

  it('loses no increment under concurrency when the limit is above the number of entries', async () => {
    const USER = 7402;
    const { services } = h.t.container;
    // The same service with a higher limit, so that every one of the ten entries must be counted.
    const linking = createLinkingService({
      db: h.prisma, jobs: services.jobs, invitations: services.invitations, channels: services.linking.channels, clock,
      codes: { ...h.t.config.codes, maxAttempts: 20, lockAfterFailures: 100 },
    });
    await h.send(contactUpdate(USER, PHONE(2)));
    const wrong = wrongFor(codeIn(delivered.sms[0]!.text));
    const user = { userId: BigInt(USER), chatId: BigInt(USER) };

    const results = await Promise.all(Array.from({ length: 10 }, () => linking.verify(user, wrong)));

    const left = results.map((r) => (r.kind === 'wrong' ? r.attemptsLeft : r.kind)).sort();
    expect(left).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19].sort());
    expect((await h.prisma.oneTimeCode.findFirstOrThrow({ where: { telegramUserId: BigInt(USER) } })).attempts).toBe(10);
  });

  it('a stranger guessing codes for an employee locks only their own account, with the answers an unknown contact gets', async () => {
    const EMPLOYEE = 7410;
    const STRANGER = 7411;
    const CONTROL = 7412;
    // The employee is signed in already.
    await h.send(contactUpdate(EMPLOYEE, PHONE(1)));
    await h.send(textUpdate(EMPLOYEE, codeIn(delivered.sms[0]!.text)));
    expect((await h.prisma.employee.findUniqueOrThrow({ where: { externalId: 'emp-1' } })).cabinetState).toBe('ACTIVE');
    clock.advance(61_000);
    h.clearCalls();

    // Knowing only the e-mail, the stranger asks for codes and types wrong ones, up to the lock and beyond; a
    // control account does exactly the same with an e-mail nobody has. Defaults: 5 tries a code, lock at 20.
    expect(h.t.config.codes).toMatchObject({ maxAttempts: 5, lockAfterFailures: 20 });
    for (let round = 0; round < 5; round++) {
      const mailsBefore = delivered.emails.length;
      await h.send(textUpdate(STRANGER, 'emp1@romashka.ru'));
      await h.send(textUpdate(CONTROL, 'nobody@romashka.ru'));
      const real = delivered.emails.length > mailsBefore ? codeIn(delivered.emails.at(-1)!.text) : '000000';
      for (let i = 0; i < 5; i++) {
        await h.send(textUpdate(STRANGER, wrongFor(real)));
        await h.send(textUpdate(CONTROL, wrongFor(real)));
      }
      clock.advance(16 * 60_000);
    }

    const sent = /^Если этот контакт есть/;
    const wrong = (n: number) => new RegExp(`^Код не подошёл. Остал(ось|ась) ${n} попытк`);
    const spent = /^Слишком много неверных попыток для этого кода/;
    const locked = /^С этого аккаунта Telegram введено слишком много неверных кодов/;
    const round = (last: RegExp) => [sent, wrong(4), wrong(3), wrong(2), wrong(1), last];
    const expected = [...round(spent), ...round(spent), ...round(spent), ...round(locked), ...Array(6).fill(locked)];
    const stranger = textsTo(STRANGER);
    expect(stranger).toHaveLength(expected.length);
    stranger.forEach((text, i) => expect(text, `answer ${i}`).toMatch(expected[i]!));
    expect(stranger).toEqual(textsTo(CONTROL));
    // Codes for the employee stopped once the stranger's account was locked: four e-mails, not more.
    expect(delivered.emails.filter((m) => m.to === 'emp1@romashka.ru')).toHaveLength(4);

    // The employee's own session was never touched.
    const employee = await h.prisma.employee.findUniqueOrThrow({ where: { externalId: 'emp-1' } });
    expect(employee.lockedAt).toBeNull();
    expect(employee.cabinetState).toBe('ACTIVE');
    await h.send(textUpdate(EMPLOYEE, '/whoami'));
    expect(h.lastTextTo(EMPLOYEE)).toMatch(/Вы вошли как Иванова Мария Петровна/);

    // And the employee can still sign in from a new phone.
    const NEW_PHONE = 7413;
    await h.send(contactUpdate(NEW_PHONE, PHONE(1)));
    await h.send(textUpdate(NEW_PHONE, codeIn(delivered.sms.at(-1)!.text)));
    expect(h.lastTextTo(NEW_PHONE)).toMatch(/Готово, Мария!/);
  });

  it('limits the codes sent to one contact, however many accounts ask, without changing the answer', async () => {
    const { maxSendsPerDay } = h.t.config.codes;
    const askers = maxSendsPerDay + 5;
    for (let i = 0; i < askers; i++) {
      await h.send(textUpdate(7420 + i, 'emp2@romashka.ru'));
      // Past the resend cooldown, never more than the window allows.
      clock.advance(6 * 60_000);
    }
    expect(delivered.emails.filter((m) => m.to === 'emp2@romashka.ru')).toHaveLength(maxSendsPerDay);
    const answers = new Set(Array.from({ length: askers }, (_, i) => h.lastTextTo(7420 + i)));
    expect([...answers]).toHaveLength(1);
    expect([...answers][0]).toMatch(/Если этот контакт есть/);
  });
});
