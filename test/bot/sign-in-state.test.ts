import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INVITATION_TTL_DAYS } from '../../core/invitations/invitation.service.ts';
import { employee } from '../fixtures/hr-rows.ts';
import { PHONE, seedLinkingEmployees } from '../fixtures/linking-setup.ts';
import { contactUpdate, textUpdate } from '../fixtures/telegram-updates.ts';
import { capturingChannels, codeIn, createBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { createTestClock } from '../helpers/test-clock.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

/**
 * Finding 1 of issue 7: a code (or invitation) must never outlive the right to sign in. Each case requests a code,
 * changes the employee's state, types the right code, and checks that nothing was linked or changed.
 */
describe.each(DB_KINDS)('the right to sign in is re-checked when the code is used, on %s', (kind) => {
  let h: BotHarness;
  const delivered = capturingChannels();
  // Starts at the real time: the upload decides "dismissed already?" by its own clock, so dates must agree.
  const clock = createTestClock(new Date());
  const USER = 7301;

  beforeAll(async () => {
    h = await createBotHarness(kind, { channels: delivered.channels, clock });
  });
  afterAll(async () => h?.close());
  beforeEach(async () => {
    clock.set(new Date());
    await h.t.reset();
    await seedLinkingEmployees(h.t);
    delivered.sms.length = 0;
    delivered.emails.length = 0;
  });

  const employeeRow = (externalId: string) => h.prisma.employee.findUniqueOrThrow({ where: { externalId } });
  const linkedEmployee = async (userId: number) =>
    (await h.prisma.telegramAccount.findUnique({ where: { telegramUserId: BigInt(userId) } }))?.employeeId ?? null;

  async function requestCode(userId: number, phone: string): Promise<string> {
    const before = delivered.sms.length;
    await h.send(contactUpdate(userId, phone));
    expect(delivered.sms).toHaveLength(before + 1);
    return codeIn(delivered.sms.at(-1)!.text);
  }

  async function expectNotLinked(userId: number) {
    expect(await linkedEmployee(userId)).toBeNull();
    await h.send(textUpdate(userId, '/whoami'));
    expect(h.lastTextTo(userId)).toMatch(/Сначала войдите/);
  }

  it('unpublishing cancels the pending code: typing it afterwards links nothing', async () => {
    const code = await requestCode(USER, PHONE(1));
    const res = await h.t.request({ method: 'POST', url: '/api/v1/cabinets/unpublish', token: h.t.tokens.admin, body: { employeeIds: ['emp-1'] } });
    expect(res.json().changed).toBe(1);

    await h.send(textUpdate(USER, code));
    expect(h.lastTextTo(USER)).toMatch(/Сначала отправьте номер телефона или e-mail/);
    const e = await employeeRow('emp-1');
    expect(e.cabinetState).toBe('NOT_PUBLISHED');
    expect(e.activatedAt).toBeNull();
    await expectNotLinked(USER);
    expect(await h.prisma.oneTimeCode.count({ where: { employeeId: e.id, consumedAt: null } })).toBe(0);
  });

  it('housekeeping applying a dismissal cancels the pending code and unused invitations', async () => {
    // Dismissed the day after tomorrow (real calendar, as the upload sees it); the code is asked for just before.
    const day = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const up = await h.t.request({ method: 'POST', url: '/api/v1/imports/employees', token: h.t.tokens.import, body: { items: [employee(2, { dismissedAt: day })] } });
    expect(up.json().updated).toBe(1);
    const emp = await employeeRow('emp-2');
    expect(emp.cabinetState).toBe('PUBLISHED');
    const invitation = await h.t.container.services.invitations.create(emp.id);

    clock.set(new Date(new Date(`${day}T00:00:00.000Z`).getTime() - 2 * 60_000));
    const code = await requestCode(USER, PHONE(2));
    clock.advance(3 * 60_000);
    expect(await h.t.container.services.housekeeping.run()).toMatchObject({ dismissals: 1 });

    await h.send(textUpdate(USER, code));
    expect(h.lastTextTo(USER)).toMatch(/Сначала отправьте номер телефона или e-mail/);
    expect((await employeeRow('emp-2')).cabinetState).toBe('DISABLED');
    expect(await h.prisma.invitation.findUnique({ where: { id: invitation.id } })).toBeNull();
    await h.send(textUpdate(USER + 1, `/start ${invitation.token}`));
    expect(h.lastTextTo(USER + 1)).toMatch(/приглашение недействительна/);
    await expectNotLinked(USER);
  });

  // Whatever changes the state without going through the services (another process mid-way, a future code path),
  // the conditional update in the link transaction still refuses, and leaves the state as it found it.
  const behindTheBack: [string, Record<string, unknown>, string][] = [
    ['disabled', { cabinetState: 'DISABLED' }, 'DISABLED'],
    ['unpublished', { cabinetState: 'NOT_PUBLISHED' }, 'NOT_PUBLISHED'],
    ['dismissed (date passed, state not yet updated)', { dismissedAt: new Date('2026-01-01') }, 'PUBLISHED'],
    ['locked', { lockedAt: new Date() }, 'PUBLISHED'],
  ];
  it.each(behindTheBack)('a code whose employee became %s meanwhile is refused and changes nothing', async (_name, change, state) => {
    const code = await requestCode(USER, PHONE(1));
    await h.prisma.employee.update({ where: { externalId: 'emp-1' }, data: change });

    await h.send(textUpdate(USER, code));
    expect(h.lastTextTo(USER)).toMatch(/Доступ к кабинету закрыт/);
    const e = await employeeRow('emp-1');
    expect(e.cabinetState).toBe(state);
    expect(e.activatedAt).toBeNull();
    await expectNotLinked(USER);
    // The code is spent: typing it again does not try once more.
    await h.send(textUpdate(USER, code));
    expect(h.lastTextTo(USER)).toMatch(/Сначала отправьте номер/);
  });

  it('a DISABLED employee already linked elsewhere stays DISABLED when a new account types a code', async () => {
    const first = await requestCode(USER, PHONE(1));
    await h.send(textUpdate(USER, first));
    expect((await employeeRow('emp-1')).cabinetState).toBe('ACTIVE');
    clock.advance(61_000);
    const second = await requestCode(USER + 1, PHONE(1));
    await h.prisma.employee.update({ where: { externalId: 'emp-1' }, data: { cabinetState: 'DISABLED' } });
    await h.send(textUpdate(USER + 1, second));
    expect((await employeeRow('emp-1')).cabinetState).toBe('DISABLED');
    expect(await linkedEmployee(USER + 1)).toBeNull();
  });

  it('an invitation makes a published cabinet INVITED, and the INVITED employee links and becomes ACTIVE', async () => {
    const emp = await employeeRow('emp-3');
    const { token, id } = await h.t.container.services.invitations.create(emp.id);
    expect((await employeeRow('emp-3')).cabinetState).toBe('INVITED');

    await h.send(textUpdate(USER, `/start ${token}`));
    expect(delivered.emails.map((m) => m.to)).toEqual(['emp3@romashka.ru']);
    await h.send(textUpdate(USER, codeIn(delivered.emails[0]!.text)));
    expect(h.lastTextTo(USER)).toMatch(/Готово, Мария!/);
    const linked = await employeeRow('emp-3');
    expect(linked.cabinetState).toBe('ACTIVE');
    expect(linked.activatedAt?.getTime()).toBe(clock.now().getTime());
    expect((await h.prisma.invitation.findUniqueOrThrow({ where: { id } })).usedAt?.getTime()).toBe(clock.now().getTime());
  });

  it('an invitation opened after its lifetime is refused and sends nothing', async () => {
    const emp = await employeeRow('emp-2');
    const { token } = await h.t.container.services.invitations.create(emp.id);
    clock.advance(INVITATION_TTL_DAYS * 86_400_000 + 60_000);
    await h.send(textUpdate(USER, `/start ${token}`));
    expect(h.lastTextTo(USER)).toMatch(/приглашение недействительна или устарела/);
    expect(delivered.sms).toHaveLength(0);
    expect(await h.prisma.oneTimeCode.count()).toBe(0);
  });

  it('an invitation opened just within its lifetime still works', async () => {
    const emp = await employeeRow('emp-2');
    const { token } = await h.t.container.services.invitations.create(emp.id);
    clock.advance(INVITATION_TTL_DAYS * 86_400_000 - 60_000);
    await h.send(textUpdate(USER, `/start ${token}`));
    expect(delivered.sms.map((s) => s.to)).toEqual([PHONE(2)]);
  });

  it('unpublishing an invited employee deletes the invitation: the link then opens nothing', async () => {
    const emp = await employeeRow('emp-2');
    const { token } = await h.t.container.services.invitations.create(emp.id);
    await h.t.request({ method: 'POST', url: '/api/v1/cabinets/unpublish', token: h.t.tokens.admin, body: { employeeIds: ['emp-2'] } });
    await h.send(textUpdate(USER, `/start ${token}`));
    expect(h.lastTextTo(USER)).toMatch(/приглашение недействительна/);
    expect(delivered.sms).toHaveLength(0);
    expect((await employeeRow('emp-2')).cabinetState).toBe('NOT_PUBLISHED');
  });
});
