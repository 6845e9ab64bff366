import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { employee } from '../fixtures/hr-rows.ts';
import { PHONE, seedLinkingEmployees } from '../fixtures/linking-setup.ts';
import { callbackUpdate, contactUpdate, textUpdate } from '../fixtures/telegram-updates.ts';
import { capturingChannels, codeIn, createBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { createTestClock } from '../helpers/test-clock.ts';

describe('linking a Telegram account with a one-time code', () => {
  let h: BotHarness;
  const delivered = capturingChannels();
  const clock = createTestClock();
  const USER = 5001;

  beforeAll(async () => {
    h = await createBotHarness('pglite', { channels: delivered.channels, env: { LINK_LOCK_AFTER_FAILURES: '7' }, clock });
  });
  afterAll(async () => h?.close());
  beforeEach(async () => {
    await h.t.reset();
    await seedLinkingEmployees(h.t);
    delivered.sms.length = 0;
    delivered.emails.length = 0;
    h.clearCalls();
    // A day later: no code of the previous test counts towards any limit.
    clock.advance(86_400_000);
  });

  const employeeRow = (externalId: string) => h.prisma.employee.findUniqueOrThrow({ where: { externalId } });
  const account = (userId: number) => h.prisma.telegramAccount.findUnique({ where: { telegramUserId: BigInt(userId) }, include: { employee: true } });

  it('/start asks for the contact with a share-contact button', async () => {
    await h.send(textUpdate(USER, '/start'));
    const [welcome] = h.messagesTo(USER);
    expect(welcome!.payload.text).toMatch(/подтвердите, кто вы/);
    // Which channels codes come by is said up front, to everyone alike (here both are configured).
    expect(welcome!.payload.text).toMatch(/Код для входа придёт по SMS или на e-mail/);
    const keyboard = (welcome!.payload.reply_markup as { keyboard: { text: string; request_contact?: boolean }[][] }).keyboard;
    expect(keyboard[0]![0]).toMatchObject({ request_contact: true });
  });

  it('links by a shared contact: the code goes by SMS to the phone on record', async () => {
    await h.send(contactUpdate(USER, '79120000001'));
    expect(h.lastTextTo(USER)).toMatch(/отправили .* код из 6 цифр/s);
    expect(delivered.sms).toHaveLength(1);
    expect(delivered.sms[0]!.to).toBe(PHONE(1));

    await h.send(textUpdate(USER, codeIn(delivered.sms[0]!.text)));
    expect(h.lastTextTo(USER)).toMatch(/Готово, Мария!/);
    const menu = h.messagesTo(USER).at(-1)!.payload.reply_markup as { keyboard: { text: string }[][] };
    expect(menu.keyboard.flat().map((b) => b.text)).toEqual(['📄 Расчетный листок', '🏖 Отпуск', '📑 Справки', '🗂 Мои заявки', '⚙️ Настройки', '❓ Помощь']);
    const linked = await account(USER);
    expect(linked?.employee?.externalId).toBe('emp-1');
    expect(linked?.employee?.cabinetState).toBe('ACTIVE');
    expect(linked?.employee?.activatedAt).not.toBeNull();
    const codes = await h.prisma.oneTimeCode.findMany({ where: { telegramUserId: BigInt(USER) } });
    expect(codes.every((c) => c.codeHash !== codeIn(delivered.sms[0]!.text) && c.codeHash?.length === 64)).toBe(true);
  });

  it('links foreign phones: a shared contact without "+" and a typed international number, compared in E.164', async () => {
    const upload = await h.t.request({
      method: 'POST', url: '/api/v1/imports/employees', token: h.t.tokens.import,
      body: { items: [employee(21, { phone: '+380 50 123 45 67' }), employee(22, { phone: '+375 29 123-45-67' }), employee(23, { phone: '+49 30 1234567' })] },
    });
    expect(upload.json().rejected).toBe(0);
    await h.t.request({ method: 'POST', url: '/api/v1/cabinets/publish', token: h.t.tokens.admin, body: { employeeIds: ['emp-21', 'emp-22', 'emp-23'] } });

    // Telegram shares contacts as digits without "+".
    await h.send(contactUpdate(USER, '380501234567'));
    expect(delivered.sms.at(-1)?.to).toBe('+380501234567');
    await h.send(textUpdate(USER, codeIn(delivered.sms.at(-1)!.text)));
    expect((await account(USER))?.employee?.externalId).toBe('emp-21');

    await h.send(contactUpdate(USER + 1, '375291234567'));
    expect(delivered.sms.at(-1)?.to).toBe('+375291234567');
    await h.send(textUpdate(USER + 2, '+49 30 1234567'));
    expect(delivered.sms.at(-1)?.to).toBe('+49301234567');
  });

  it('links by a typed phone number in any common format', async () => {
    await h.send(textUpdate(USER, '8 (912) 000-00-04'));
    expect(delivered.sms.map((s) => s.to)).toEqual([PHONE(4)]);
    await h.send(textUpdate(USER, codeIn(delivered.sms[0]!.text)));
    expect((await account(USER))?.employee?.externalId).toBe('emp-4');
  });

  it('links by a typed e-mail: the code goes to the e-mail on record', async () => {
    await h.send(textUpdate(USER, 'EMP3@romashka.ru'));
    expect(delivered.sms).toHaveLength(0);
    expect(delivered.emails.map((m) => m.to)).toEqual(['emp3@romashka.ru']);
    expect(delivered.emails[0]!.subject).toBe('Код входа в Kabinet');
    await h.send(textUpdate(USER, codeIn(delivered.emails[0]!.text)));
    expect((await account(USER))?.employee?.externalId).toBe('emp-3');
  });

  it('links by an invitation link without typing a contact, and uses the invitation up', async () => {
    const emp = await employeeRow('emp-2');
    const { token, id } = await h.t.container.services.invitations.create(emp.id);
    await h.send(textUpdate(USER, `/start ${token}`));
    expect(delivered.sms.map((s) => s.to)).toEqual([PHONE(2)]);
    await h.send(textUpdate(USER, codeIn(delivered.sms[0]!.text)));
    expect((await account(USER))?.employee?.externalId).toBe('emp-2');
    const invitation = await h.prisma.invitation.findUniqueOrThrow({ where: { id } });
    expect(invitation.openedAt).not.toBeNull();
    expect(invitation.usedAt).not.toBeNull();

    await h.send(textUpdate(USER + 1, `/start ${token}`));
    expect(h.lastTextTo(USER + 1)).toMatch(/приглашение недействительна/);
  });

  it('refuses a wrong code and counts the failure against the code and the account, not the employee', async () => {
    await h.send(contactUpdate(USER, '+79120000001'));
    const right = codeIn(delivered.sms[0]!.text);
    const wrong = right === '000000' ? '111111' : '000000';
    await h.send(textUpdate(USER, wrong));
    expect(h.lastTextTo(USER)).toBe('Код не подошёл. Осталось 4 попытки.');
    expect(await account(USER)).toBeNull();
    expect((await h.prisma.oneTimeCode.findFirstOrThrow({ where: { telegramUserId: BigInt(USER) } })).attempts).toBe(1);
    expect((await employeeRow('emp-1')).linkFailures).toBe(0);
  });

  it('refuses an expired code', async () => {
    await h.send(contactUpdate(USER, '+79120000001'));
    clock.advance(h.t.config.codes.ttlMinutes * 60_000);
    await h.send(textUpdate(USER, codeIn(delivered.sms[0]!.text)));
    expect(h.lastTextTo(USER)).toMatch(/Срок действия кода истёк/);
    expect(await account(USER)).toBeNull();
  });

  it('kills a code after too many attempts, even for the right code afterwards', async () => {
    await h.send(contactUpdate(USER, '+79120000001'));
    const right = codeIn(delivered.sms[0]!.text);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i++) await h.send(textUpdate(USER, wrong));
    expect(h.lastTextTo(USER)).toBe('Код не подошёл. Осталась 1 попытка.');
    await h.send(textUpdate(USER, wrong));
    expect(h.lastTextTo(USER)).toMatch(/Слишком много неверных попыток/);
    await h.send(textUpdate(USER, right));
    expect(h.lastTextTo(USER)).toMatch(/Слишком много неверных попыток/);
    expect(await account(USER)).toBeNull();
  });

  it('holds back a new code during the resend cooldown, and keeps only the newest code valid', async () => {
    await h.send(contactUpdate(USER, '+79120000001'));
    await h.send(contactUpdate(USER, '+79120000001'));
    expect(h.lastTextTo(USER)).toBe('Новый код можно запросить через 60 секунд.');
    clock.advance(59_000);
    await h.send(contactUpdate(USER, '+79120000001'));
    expect(h.lastTextTo(USER)).toBe('Новый код можно запросить через 1 секунду.');
    expect(delivered.sms).toHaveLength(1);

    const first = codeIn(delivered.sms[0]!.text);
    clock.advance(1_000);
    await h.send(contactUpdate(USER, '+79120000001'));
    expect(delivered.sms).toHaveLength(2);
    const second = codeIn(delivered.sms[1]!.text);
    if (first !== second) {
      await h.send(textUpdate(USER, first));
      expect(h.lastTextTo(USER)).toMatch(/Код не подошёл/);
    }
    await h.send(textUpdate(USER, second));
    expect((await account(USER))?.employee?.externalId).toBe('emp-1');
  });

  it('limits sends per Telegram user in the window', async () => {
    for (let i = 0; i < 3; i++) {
      await h.send(contactUpdate(USER, '+79120000001'));
      clock.advance(61_000);
    }
    await h.send(contactUpdate(USER, '+79120000001'));
    // The first of the three was sent 3 × 61 s ago: the 15-minute window frees a send in under 12 minutes.
    expect(h.lastTextTo(USER)).toBe('Слишком много запросов кода. Попробуйте через 12 минут.');
    expect(delivered.sms).toHaveLength(3);
    clock.advance(12 * 60_000);
    await h.send(contactUpdate(USER, '+79120000001'));
    expect(delivered.sms).toHaveLength(4);
  });

  it('refuses somebody else\'s contact card', async () => {
    await h.send(contactUpdate(USER, '+79120000001', 9999));
    expect(h.lastTextTo(USER)).toMatch(/чужой контакт/);
    await h.send(contactUpdate(USER, '+79120000001', null));
    expect(h.lastTextTo(USER)).toMatch(/чужой контакт/);
    expect(delivered.sms).toHaveLength(0);
    expect(await h.prisma.oneTimeCode.count()).toBe(0);
  });

  it('answers unknown, unpublished, dismissed and ambiguous contacts exactly like a known one', async () => {
    const answers: unknown[] = [];
    const contacts = ['+79120000001', '+79990000000', '+79120000005', '+79120000006', '+79120000077', 'nobody@romashka.ru'];
    for (const [i, contact] of contacts.entries()) {
      const user = USER + 100 + i;
      h.clearCalls();
      await h.send(contact.includes('@') ? textUpdate(user, contact) : contactUpdate(user, contact));
      const reply = h.messagesTo(user).at(-1)!.payload;
      answers.push({ text: reply.text, reply_markup: reply.reply_markup });
      await h.send(textUpdate(user, '123456'));
      answers.push(h.lastTextTo(user));
    }
    const known = answers.slice(0, 2);
    for (let i = 2; i < answers.length; i += 2) expect(answers.slice(i, i + 2), contacts[i / 2]).toEqual(known);
    // Only the known, published employee got anything.
    expect(delivered.sms.map((s) => s.to)).toEqual([PHONE(1)]);
    expect(delivered.emails).toHaveLength(0);
    expect(await h.prisma.oneTimeCode.count()).toBe(contacts.length);
  });

  it('locks the Telegram account (never the employee) after too many wrong codes, until an admin unlocks', async () => {
    await h.send(contactUpdate(USER, '+79120000001'));
    const wrong = codeIn(delivered.sms[0]!.text) === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i++) await h.send(textUpdate(USER, wrong));
    clock.advance(61_000);
    await h.send(contactUpdate(USER, '+79120000001'));
    for (let i = 0; i < 3; i++) await h.send(textUpdate(USER, wrong));
    expect(h.lastTextTo(USER)).toMatch(/С этого аккаунта Telegram введено слишком много неверных кодов/);
    expect((await employeeRow('emp-1')).lockedAt).toBeNull();
    // The lock ends the account's pending code: even the right one opens nothing now.
    await h.send(textUpdate(USER, codeIn(delivered.sms[1]!.text)));
    expect(h.lastTextTo(USER)).toMatch(/С этого аккаунта Telegram/);
    expect(await account(USER)).toBeNull();

    // While locked, asking again sends nothing and says the same, whatever the contact.
    clock.advance(16 * 60_000);
    await h.send(contactUpdate(USER, '+79120000001'));
    expect(h.lastTextTo(USER)).toMatch(/С этого аккаунта Telegram/);
    await h.send(textUpdate(USER, 'nobody@romashka.ru'));
    expect(h.lastTextTo(USER)).toMatch(/С этого аккаунта Telegram/);
    expect(delivered.sms).toHaveLength(2);

    // Another account is not affected: the lock belongs to the account that typed the codes.
    await h.send(contactUpdate(USER + 1, '+79120000004'));
    expect(delivered.sms.map((m) => m.to).at(-1)).toBe(PHONE(4));

    const unlock = await h.t.request({ method: 'POST', url: '/api/v1/employees/emp-1/unlock', token: h.t.tokens.admin });
    expect(unlock.statusCode).toBe(200);
    await h.send(contactUpdate(USER, '+79120000001'));
    expect(delivered.sms.map((m) => m.to).at(-1)).toBe(PHONE(1));
    await h.send(textUpdate(USER, codeIn(delivered.sms.at(-1)!.text)));
    expect((await account(USER))?.employee?.externalId).toBe('emp-1');
    expect((await h.t.request({ method: 'POST', url: '/api/v1/employees/emp-404/unlock', token: h.t.tokens.admin })).statusCode).toBe(404);
  });

  it("an employee's unlock forgives only the wrong codes typed against that employee's codes", async () => {
    const STRANGER = USER + 7;
    const wrongFor = (sms: { text: string }) => (codeIn(sms.text) === '000000' ? '111111' : '000000');
    // A stranger guesses at two employees' codes: 3 wrong for emp-1, then 4 wrong for emp-4 — locked at 7.
    await h.send(contactUpdate(STRANGER, '+79120000001', STRANGER));
    for (let i = 0; i < 3; i++) await h.send(textUpdate(STRANGER, wrongFor(delivered.sms.at(-1)!)));
    clock.advance(61_000);
    await h.send(contactUpdate(STRANGER, '+79120000004', STRANGER));
    for (let i = 0; i < 4; i++) await h.send(textUpdate(STRANGER, wrongFor(delivered.sms.at(-1)!)));
    expect(h.lastTextTo(STRANGER)).toMatch(/С этого аккаунта Telegram введено слишком много неверных кодов/);

    expect((await h.t.request({ method: 'POST', url: '/api/v1/employees/emp-1/unlock', token: h.t.tokens.admin })).statusCode).toBe(200);

    // The 4 failures against emp-4 still count: 3 more wrong codes lock the stranger again (a full reset would allow 7).
    clock.advance(61_000);
    const sent = delivered.sms.length;
    await h.send(contactUpdate(STRANGER, '+79120000001', STRANGER));
    expect(delivered.sms).toHaveLength(sent + 1);
    for (let i = 0; i < 2; i++) await h.send(textUpdate(STRANGER, wrongFor(delivered.sms.at(-1)!)));
    expect(h.lastTextTo(STRANGER)).not.toMatch(/С этого аккаунта Telegram/);
    await h.send(textUpdate(STRANGER, wrongFor(delivered.sms.at(-1)!)));
    expect(h.lastTextTo(STRANGER)).toMatch(/С этого аккаунта Telegram введено слишком много неверных кодов/);
  });

  it('lifts the lock by itself a day after the wrong codes', async () => {
    await h.send(textUpdate(USER, 'nobody@romashka.ru'));
    for (let i = 0; i < 5; i++) await h.send(textUpdate(USER, '000000'));
    clock.advance(61_000);
    await h.send(textUpdate(USER, 'nobody@romashka.ru'));
    for (let i = 0; i < 2; i++) await h.send(textUpdate(USER, '000000'));
    expect(h.lastTextTo(USER)).toMatch(/С этого аккаунта Telegram/);
    clock.advance(24 * 3600_000);
    await h.send(contactUpdate(USER, '+79120000001'));
    expect(h.lastTextTo(USER)).toMatch(/Если этот контакт есть/);
    expect(delivered.sms.map((m) => m.to)).toEqual([PHONE(1)]);
  });

  async function link(user: number, contact: string) {
    const before = delivered.sms.length;
    await h.send(contactUpdate(user, contact));
    await h.send(textUpdate(user, codeIn(delivered.sms[before]!.text)));
  }

  it('refuses a dismissed employee on every update', async () => {
    await link(USER, '+79120000002');
    await h.send(textUpdate(USER, '/whoami'));
    expect(h.lastTextTo(USER)).toMatch(/Вы вошли как Иванова Мария Петровна/);
    const res = await h.t.request({ method: 'POST', url: '/api/v1/imports/employees', token: h.t.tokens.import, body: { items: [employee(2, { dismissedAt: '2026-02-01' })] } });
    expect(res.json().updated).toBe(1);
    for (const update of [textUpdate(USER, '/whoami'), textUpdate(USER, '/start'), textUpdate(USER, 'привет')]) {
      await h.send(update);
      expect(h.lastTextTo(USER)).toMatch(/Доступ к кабинету закрыт/);
    }
    await h.send(callbackUpdate(USER, 'lang:en'));
    expect(h.calls.at(-1)).toMatchObject({ method: 'answerCallbackQuery', payload: { show_alert: true } });
    expect((await account(USER))?.language).toBeNull();
  });

  it('/logout unlinks and deletes the Telegram binding', async () => {
    await link(USER, '+79120000001');
    await h.send(textUpdate(USER, '/logout'));
    expect(h.lastTextTo(USER)).toMatch(/Кабинет отключён/);
    expect(await account(USER)).toBeNull();
    expect((await employeeRow('emp-1')).cabinetState).toBe('PUBLISHED');
    await h.send(textUpdate(USER, '/whoami'));
    expect(h.lastTextTo(USER)).toMatch(/Сначала войдите/);
  });

  it('moves the cabinet to a new Telegram account with a new code and tells the old one', async () => {
    await link(USER, '+79120000001');
    // The per-employee resend cooldown applies across accounts too.
    clock.advance(61_000);
    await link(USER + 1, '+79120000001');
    expect((await account(USER + 1))?.employee?.externalId).toBe('emp-1');
    expect((await account(USER))?.employeeId).toBeNull();
    expect(h.lastTextTo(USER)).toMatch(/подключили к другому аккаунту Telegram/);
    await h.send(textUpdate(USER, '/whoami'));
    expect(h.lastTextTo(USER)).toMatch(/Сначала войдите/);
  });

  it('switches language by button, stores the choice, and ignores tampered choices', async () => {
    await link(USER, '+79120000001');
    await h.send(textUpdate(USER, '/language'));
    const keyboard = h.messagesTo(USER).at(-1)!.payload.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] };
    expect(keyboard.inline_keyboard.flat().map((b) => b.callback_data)).toEqual(['lang:ru', 'lang:en']);
    await h.send(callbackUpdate(USER, 'lang:en'));
    expect(h.lastTextTo(USER)).toBe('Done: I speak English now.');
    expect((await account(USER))?.language).toBe('en');
    await h.send(textUpdate(USER, '/whoami'));
    expect(h.lastTextTo(USER)).toMatch(/^You are signed in as/);
    await h.send(textUpdate(USER, '👤 Кто я'));
    expect(h.lastTextTo(USER)).toMatch(/^You are signed in as/);

    await h.send(callbackUpdate(USER, 'lang:xx'));
    await h.send(callbackUpdate(USER, 'lang:ru;drop'));
    expect((await account(USER))?.language).toBe('en');
  });

  it('guesses the language from Telegram until the user chooses', async () => {
    await h.send(textUpdate(USER, '/help', 'en'));
    expect(h.lastTextTo(USER)).toMatch(/^Kabinet is your employee cabinet/);
    await h.send(textUpdate(USER + 1, '/help', 'de'));
    expect(h.lastTextTo(USER + 1)).toMatch(/^Kabinet — личный кабинет/);
  });

  it('apologizes instead of failing silently when something breaks', async () => {
    h.failNext('sendMessage', new Error('boom'));
    await h.send(textUpdate(USER, '/help'));
    expect(h.lastTextTo(USER)).toBe('Извините, что-то пошло не так. Попробуйте ещё раз чуть позже.');
  });
});

describe('LINK_TRUST_TELEGRAM_CONTACT=true', () => {
  let h: BotHarness;
  const delivered = capturingChannels();
  beforeAll(async () => {
    h = await createBotHarness('pglite', { channels: delivered.channels, env: { LINK_TRUST_TELEGRAM_CONTACT: 'true' } });
    await seedLinkingEmployees(h.t);
  });
  afterAll(async () => h?.close());

  it('links a verified shared contact whose phone is on record without a code', async () => {
    await h.send(contactUpdate(5101, '+79120000001'));
    expect(h.lastTextTo(5101)).toMatch(/Готово, Мария!/);
    expect(delivered.sms).toHaveLength(0);
    expect((await h.prisma.telegramAccount.findUnique({ where: { telegramUserId: 5101n }, include: { employee: true } }))?.employee?.externalId).toBe('emp-1');
  });

  it('still sends a code for a typed phone, and still refuses others\' contacts and unknown numbers', async () => {
    await h.send(textUpdate(5102, '+7 912 000-00-02'));
    expect(delivered.sms.map((s) => s.to)).toEqual([PHONE(2)]);
    await h.send(contactUpdate(5103, '+79120000004', 1));
    expect(h.lastTextTo(5103)).toMatch(/чужой контакт/);
    await h.send(contactUpdate(5104, '+79990000000'));
    expect(h.lastTextTo(5104)).toMatch(/Если этот контакт есть/);
  });
});
