import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../core/access/actor.ts';
import { createTranslator } from '../../core/i18n.ts';
import { sha256 } from '../../core/util/ids.ts';
import { BOT_USERNAME, capturingTelegram, recordingChannels, recordingQueue, seedCompany, virtualClock } from '../helpers/admin-setup.ts';
import { codeIn } from '../helpers/bot-harness.ts';
import { createInProcessQueue } from '../../core/jobs/in-process-queue.ts';
import { createLogger } from '../../core/logger.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

const DAY = 86_400_000;
const linkRe = new RegExp(`https://t\\.me/${BOT_USERNAME}\\?start=([A-Za-z0-9_-]+)`);

describe.each(DB_KINDS)('invitation tokens on %s', (kind) => {
  let t: TestApp;
  const clock = virtualClock();
  const delivered = recordingChannels(clock);
  const queue = recordingQueue((definitions) => createInProcessQueue(definitions, createLogger({ level: 'silent' })));
  const tg = capturingTelegram();
  let user = 1000;
  const nextUser = () => ({ userId: BigInt(++user), chatId: BigInt(user) });

  beforeAll(async () => {
    t = await createTestApp(kind, { clock, channels: delivered.channels, jobQueue: queue.factory, telegram: tg.telegram, env: { INVITATION_TTL_DAYS: '3' } });
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    delivered.emails.length = 0;
    delivered.sms.length = 0;
    queue.queued.length = 0;
    await seedCompany(t, { employees: 3 });
  });

  const services = () => t.container.services;
  const prisma = () => t.testDb.database.prisma;
  const state = async (externalId: string) => (await prisma().employee.findUniqueOrThrow({ where: { externalId } })).cabinetState;
  const tokenOf = (link: string) => linkRe.exec(link)![1]!;

  /** Opens the link and types the code mailed to the employee, as the bot does. */
  async function signIn(token: string) {
    const who = nextUser();
    const before = delivered.sms.length;
    const identified = await services().linking.identify(who, { kind: 'invitation', token });
    if (identified.kind !== 'code_sent') return identified;
    await services().jobs.idle();
    // The code goes to the phone on record (SMS is configured here).
    expect(delivered.sms).toHaveLength(before + 1);
    return services().linking.verify(who, codeIn(delivered.sms.at(-1)!.text));
  }

  it('"create cabinet" issues a 144-bit token that fits the start payload, stored only as its hash, expiring after INVITATION_TTL_DAYS', async () => {
    const { created, skipped } = await services().admin.inviting.createCabinets(SYSTEM_ACTOR, ['emp-00002', 'emp-404']);
    expect(skipped).toEqual([{ employeeId: 'emp-404', reason: 'NOT_FOUND' }]);
    const [cabinet] = created;
    expect(cabinet!.link).toMatch(linkRe);
    const token = tokenOf(cabinet!.link);
    expect(token).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(Buffer.from(token, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
    expect(cabinet!.expiresAt).toBe(new Date(clock.now().getTime() + 3 * DAY).toISOString());
    const rows = await prisma().invitation.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).toBe(sha256(token));
    expect(JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(token);
    // A link handed to the admin is not an invitation Kabinet sent: the cabinet stays PUBLISHED until it is used.
    expect(await state('emp-00002')).toBe('PUBLISHED');
  });

  it('an invitation is sent by a job that carries only its id and makes the token itself', async () => {
    const { queued } = await services().admin.inviting.invite(SYSTEM_ACTOR, ['emp-00002']);
    expect(queued).toHaveLength(1);
    await services().jobs.idle();
    expect(delivered.emails.map((m) => m.to)).toEqual(['emp00002@romashka.ru']);
    const token = tokenOf(delivered.emails[0]!.text);
    const jobs = queue.queued.filter((q) => q.name === 'send-invitation');
    expect(jobs.map((j) => j.payload)).toEqual([{ invitationId: queued[0]!.invitationId }]);
    expect(JSON.stringify(queue.queued)).not.toContain(token);
    const row = await prisma().invitation.findUniqueOrThrow({ where: { id: queued[0]!.invitationId } });
    expect(row).toMatchObject({ tokenHash: sha256(token), channel: 'EMAIL', sentAt: clock.now() });
    expect(row.expiresAt.getTime()).toBe(clock.now().getTime() + 3 * DAY);
    expect(await state('emp-00002')).toBe('INVITED');
  });

  it('refuses an expired token with the "invalid or expired" answer, and accepts it just before', async () => {
    const { created } = await services().admin.inviting.createCabinets(SYSTEM_ACTOR, ['emp-00002', 'emp-00003']);
    clock.advance(3 * DAY - 60_000);
    expect(await services().linking.identify(nextUser(), { kind: 'invitation', token: tokenOf(created[0]!.link) })).toEqual({ kind: 'code_sent' });
    clock.advance(2 * 60_000);
    expect(await services().linking.identify(nextUser(), { kind: 'invitation', token: tokenOf(created[1]!.link) })).toEqual({ kind: 'invalid_invitation' });
  });

  it('refuses a token that was used, whoever opens it again', async () => {
    const { created } = await services().admin.inviting.createCabinets(SYSTEM_ACTOR, ['emp-00002']);
    const token = tokenOf(created[0]!.link);
    expect(await signIn(token)).toMatchObject({ kind: 'linked' });
    expect(await state('emp-00002')).toBe('ACTIVE');
    clock.advance(120_000);
    expect(await services().linking.identify(nextUser(), { kind: 'invitation', token })).toEqual({ kind: 'invalid_invitation' });
  });

  it('refuses a superseded token: a new link, or a sent invitation, replaces the earlier ones', async () => {
    const first = await services().admin.inviting.createCabinets(SYSTEM_ACTOR, ['emp-00002']);
    const second = await services().admin.inviting.createCabinets(SYSTEM_ACTOR, ['emp-00002']);
    expect(await services().linking.identify(nextUser(), { kind: 'invitation', token: tokenOf(first.created[0]!.link) })).toEqual({ kind: 'invalid_invitation' });
    // The newer link works until an invitation is sent by e-mail: then only the e-mailed one does.
    await services().admin.inviting.invite(SYSTEM_ACTOR, ['emp-00002']);
    await services().jobs.idle();
    const mailed = tokenOf(delivered.emails.at(-1)!.text);
    expect(await services().linking.identify(nextUser(), { kind: 'invitation', token: tokenOf(second.created[0]!.link) })).toEqual({ kind: 'invalid_invitation' });
    clock.advance(120_000);
    expect(await signIn(mailed)).toMatchObject({ kind: 'linked' });
  });

  it('gives the bot a clear message for every refused token, in both languages', () => {
    const translator = createTranslator();
    expect(translator.t('ru', 'linking')('invitation_invalid')).toMatch(/Ссылка-приглашение недействительна или устарела/);
    expect(translator.t('en', 'linking')('invitation_invalid')).not.toBe('invitation_invalid');
  });

  it('sends the link by SMS to an employee without an e-mail, and the link from the SMS signs them in', async () => {
    await prisma().employee.update({ where: { externalId: 'emp-00003' }, data: { email: null } });
    await services().admin.inviting.invite(SYSTEM_ACTOR, ['emp-00003']);
    await services().jobs.idle();
    expect(delivered.emails).toEqual([]);
    expect(delivered.sms.map((m) => m.to)).toEqual(['+79120000003']);
    expect(delivered.sms[0]!.text).toMatch(/^ООО «Ромашка»: ваш кабинет сотрудника в Telegram https:\/\/t\.me\//);
    expect((await prisma().invitation.findFirstOrThrow({ where: { sentAt: { not: null } } })).channel).toBe('SMS');
    expect(await state('emp-00003')).toBe('INVITED');
    expect(await signIn(tokenOf(delivered.sms[0]!.text))).toMatchObject({ kind: 'linked' });
  });

  it('writes the e-mail in the language of the employee\'s Telegram account, Russian otherwise', async () => {
    const e = await prisma().employee.findUniqueOrThrow({ where: { externalId: 'emp-00003' } });
    await prisma().telegramAccount.create({ data: { telegramUserId: 77n, chatId: 77n, employeeId: e.id, language: 'en' } });
    await services().admin.inviting.invite(SYSTEM_ACTOR, ['emp-00002', 'emp-00003']);
    await services().jobs.idle();
    const subject = (to: string) => delivered.emails.find((m) => m.to === to)!.subject;
    expect(subject('emp00002@romashka.ru')).toMatch(/^Приглашение в кабинет сотрудника/);
    expect(subject('emp00003@romashka.ru')).toMatch(/^Invitation/i);
  });
});
