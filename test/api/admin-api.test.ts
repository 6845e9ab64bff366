import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../core/access/actor.ts';
import { employeeAsActor } from '../helpers/access-setup.ts';
import { BOT_USERNAME, capturingTelegram, linkDirectly, recordingChannels, seedCompany, virtualClock } from '../helpers/admin-setup.ts';
import { pdfText } from '../helpers/pdf-text.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

const linkRe = new RegExp(`^https://t\\.me/${BOT_USERNAME}\\?start=[A-Za-z0-9_-]{24}$`);

describe.each(DB_KINDS)('the admin API on %s', (kind) => {
  let t: TestApp;
  const clock = virtualClock();
  // E-mail only: an employee with nothing but a phone cannot be invited here.
  const delivered = recordingChannels(clock, { sms: false });
  const tg = capturingTelegram();

  beforeAll(async () => {
    t = await createTestApp(kind, { clock, channels: delivered.channels, telegram: tg.telegram, env: { INVITE_RATE_PER_SECOND: '5' } });
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    delivered.emails.length = 0;
    await seedCompany(t, { employees: 8, departments: 2 });
  });

  const db = () => t.testDb.database.prisma;
  const call = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, headers?: Record<string, string>) =>
    t.request({ method, url: `/api/v1${url}`, body, token: t.tokens.admin, headers });
  const set = (externalId: string, data: Record<string, unknown>) => db().employee.update({ where: { externalId }, data });

  it('overview and status list: counts, filters, paging, one mark each', async () => {
    await linkDirectly(t, 'emp-00003', 3003);
    await set('emp-00004', { cabinetState: 'NOT_PUBLISHED' });
    const overview = await call('GET', '/admin/overview');
    expect(overview.statusCode, overview.body).toBe(200);
    expect(overview.json()).toEqual({ NOT_PUBLISHED: 1, PUBLISHED: 6, INVITED: 0, ACTIVE: 1, BLOCKED: 0, DISABLED: 0, total: 8 });
    expect((await call('GET', '/admin/overview?departmentId=dep-2')).json()).toMatchObject({ total: 4, NOT_PUBLISHED: 1 });

    const page = await call('GET', '/admin/employees?pageSize=3&page=2');
    expect(page.json()).toMatchObject({ total: 8, page: 2, pageSize: 3, pages: 3 });
    expect(page.json().items.map((i: { employeeId: string }) => i.employeeId)).toEqual(['emp-00004', 'emp-00005', 'emp-00006']);
    expect(page.json().items[0]).toMatchObject({ status: 'NOT_PUBLISHED', department: 'Отдел № 2', hasEmail: true, invitation: null });
    const active = await call('GET', `/admin/employees?status=ACTIVE&q=${encodeURIComponent('сотрудникова00003')}`);
    expect(active.json().items).toEqual([expect.objectContaining({ employeeId: 'emp-00003', status: 'ACTIVE', fullName: 'Сотрудникова00003 Анна' })]);
    expect(JSON.stringify(page.json())).not.toMatch(/romashka\.ru|\+7912/);
    expect((await call('GET', '/admin/employees?status=HAPPY')).statusCode).toBe(400);
    expect((await call('GET', '/admin/employees?pageSize=101')).statusCode).toBe(400);
  });

  it('creates cabinets: a personal deep link for each published employee, the others listed with why', async () => {
    await set('emp-00004', { cabinetState: 'NOT_PUBLISHED' });
    await linkDirectly(t, 'emp-00005', 5005);
    await set('emp-00006', { cabinetState: 'DISABLED' });
    const res = await call('POST', '/admin/cabinets/create', { employeeIds: ['emp-00002', 'emp-00004', 'emp-00005', 'emp-00006', 'emp-404'] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().created).toEqual([{ employeeId: 'emp-00002', link: expect.stringMatching(linkRe), expiresAt: new Date(clock.now().getTime() + 7 * 86_400_000).toISOString() }]);
    expect(res.json().skipped).toEqual([
      { employeeId: 'emp-00004', reason: 'NOT_PUBLISHED' },
      { employeeId: 'emp-00005', reason: 'ALREADY_ACTIVE' },
      { employeeId: 'emp-00006', reason: 'DISMISSED' },
      { employeeId: 'emp-404', reason: 'NOT_FOUND' },
    ]);
    const entry = await db().auditLog.findFirstOrThrow({ where: { action: 'cabinet.create' } });
    expect(entry).toMatchObject({ actorType: 'API_TOKEN', entityType: 'Employee' });
  });

  it('sends invitations to listed employees: queued at once, sent by e-mail, the others listed with why', async () => {
    await set('emp-00003', { email: null });
    await set('emp-00004', { email: null, phone: null });
    const e5 = await db().employee.findUniqueOrThrow({ where: { externalId: 'emp-00005' } });
    await db().invitation.create({ data: { employeeId: e5.id, sendRequestedAt: clock.now(), expiresAt: clock.now() } });
    const res = await call('POST', '/admin/invitations', { employeeIds: ['emp-00002', 'emp-00003', 'emp-00004', 'emp-00005', 'emp-00006'] });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().queued.map((q: { employeeId: string }) => q.employeeId)).toEqual(['emp-00002', 'emp-00006']);
    expect(res.json().skipped).toEqual([
      { employeeId: 'emp-00003', reason: 'NO_CHANNEL' },
      { employeeId: 'emp-00004', reason: 'NO_CONTACTS' },
      { employeeId: 'emp-00005', reason: 'IN_PROGRESS' },
    ]);
    await t.container.services.jobs.idle();
    expect(delivered.emails.map((m) => m.to).sort()).toEqual(['emp00002@romashka.ru', 'emp00006@romashka.ru']);
    const list = await call('GET', '/admin/employees?status=INVITED');
    expect(list.json().items.map((i: { employeeId: string; invitation: { mark: string; channel: string } }) => [i.employeeId, i.invitation.mark, i.invitation.channel])).toEqual([
      ['emp-00002', 'SENT', 'EMAIL'],
      ['emp-00006', 'SENT', 'EMAIL'],
    ]);
  });

  it('invites everyone published and not yet active as a run: progress, the newest run, one at a time, stop', async () => {
    await linkDirectly(t, 'emp-00002', 2002);
    await set('emp-00003', { email: null, phone: null });
    const started = await call('POST', '/admin/invitations/bulk');
    expect(started.statusCode, started.body).toBe(202);
    const { batchId } = started.json();
    expect(started.json()).toMatchObject({ total: 6, unreachable: [{ employeeId: 'emp-00003', reason: 'NO_CONTACTS', fullName: 'Сотрудникова00003 Анна', personnelNumber: 'TN-00003' }] });
    await t.container.services.jobs.idle();
    const progress = await call('GET', `/admin/invitations/bulk/${batchId}`);
    expect(progress.json()).toMatchObject({ batchId, status: 'finished', total: 6, sent: 6, failed: 0, remaining: 0, cancelled: 0 });
    expect((await call('GET', '/admin/invitations/bulk/latest')).json()).toMatchObject({ batchId });
    // Stopping a finished run changes nothing.
    expect((await call('POST', `/admin/invitations/bulk/${batchId}/stop`)).json()).toMatchObject({ status: 'finished', sent: 6 });

    // One run at a time: while one goes, another is refused with its id.
    const running = await db().invitationBatch.create({ data: { actorType: 'SYSTEM', total: 1 } });
    const e4 = await db().employee.findUniqueOrThrow({ where: { externalId: 'emp-00004' } });
    await db().invitation.create({ data: { employeeId: e4.id, batchId: running.id, sendRequestedAt: clock.now(), expiresAt: clock.now() } });
    const refused = await call('POST', '/admin/invitations/bulk');
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'BULK_INVITE_RUNNING' });
    expect(refused.json().message).toContain(running.id);
    const stopped = await call('POST', `/admin/invitations/bulk/${running.id}/stop`);
    expect(stopped.json()).toMatchObject({ status: 'stopped', total: 1, sent: 0, remaining: 0, cancelled: 1 });

    expect((await call('GET', '/admin/invitations/bulk/not-a-uuid')).statusCode).toBe(400);
    const unknown = await call('GET', '/admin/invitations/bulk/01900000-0000-7000-8000-000000000000');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('INVITATION_BATCH_NOT_FOUND');
  });

  it('roles: list, grant and revoke, with the refusals an admin needs to understand', async () => {
    await set('emp-00007', { dismissedAt: new Date('2026-01-31') });
    expect((await call('POST', '/admin/roles/grant', { employeeId: 'emp-00002', role: 'HR' })).json()).toEqual({ changed: true });
    expect((await call('POST', '/admin/roles/grant', { employeeId: 'emp-00002', role: 'HR' })).json()).toEqual({ changed: false });
    expect((await call('GET', '/admin/roles')).json().items).toEqual([
      { employeeId: 'emp-00001', fullName: 'Сотрудникова00001 Анна', roles: ['ADMIN'], responsible: true, linked: false },
      { employeeId: 'emp-00002', fullName: 'Сотрудникова00002 Анна', roles: ['HR'], responsible: false, linked: false },
    ]);
    const responsible = await call('POST', '/admin/roles/revoke', { employeeId: 'emp-00001', role: 'ADMIN' });
    expect(responsible.statusCode).toBe(409);
    expect(responsible.json().code).toBe('RESPONSIBLE_ADMIN_REVOKE');
    expect((await call('POST', '/admin/roles/grant', { employeeId: 'emp-00007', role: 'ADMIN' })).json().code).toBe('EMPLOYEE_DISMISSED');
    expect((await call('POST', '/admin/roles/grant', { employeeId: 'emp-404', role: 'ADMIN' })).statusCode).toBe(404);
    expect((await call('POST', '/admin/roles/grant', { employeeId: 'emp-00002', role: 'OWNER' })).statusCode).toBe(400);
    expect((await call('POST', '/admin/roles/revoke', { employeeId: 'emp-00002', role: 'HR' })).json()).toEqual({ changed: true });
  });

  it('audit log: who, what, when, on whom, from the bot or the API; newest first, paged', async () => {
    await linkDirectly(t, 'emp-00001', 1001);
    await call('POST', '/admin/roles/grant', { employeeId: 'emp-00002', role: 'HR' });
    clock.advance(1000);
    await t.container.services.admin.roles.grant(await employeeAsActor(t, 'emp-00001'), 'emp-00003', 'ADMIN');
    clock.advance(1000);
    await call('POST', '/cabinets/publish', { employeeIds: ['emp-00004'] });

    const first = await call('GET', '/admin/audit?limit=2');
    expect(first.statusCode, first.body).toBe(200);
    const [publish, botGrant] = first.json().items;
    expect(publish).toMatchObject({ via: 'api', action: 'cabinet.publish', actor: { type: 'API_TOKEN', name: 'test-admin' } });
    expect(botGrant).toMatchObject({
      via: 'bot',
      action: 'roles.grant',
      actor: { type: 'EMPLOYEE', id: 'emp-00001', name: 'Сотрудникова00001 Анна' },
      entity: { type: 'Employee', employeeId: 'emp-00003', name: 'Сотрудникова00003 Анна' },
      details: { role: 'ADMIN' },
    });
    expect(Date.parse(publish.at)).toBeGreaterThan(Date.parse(botGrant.at));
    const second = await call('GET', `/admin/audit?limit=2&before=${first.json().nextBefore}`);
    expect(second.json().items[0]).toMatchObject({ via: 'api', action: 'roles.grant', entity: { employeeId: 'emp-00002' } });
    // The seeding's settings were written by Kabinet itself (a CLI command's actor).
    const all = await call('GET', '/admin/audit?limit=200');
    expect(all.json().items.find((i: { action: string }) => i.action === 'cabinet.settings.update')).toMatchObject({ via: 'system', actor: { type: 'SYSTEM', id: null, name: null } });
    expect(all.json().nextBefore).toBeNull();
    expect((await call('GET', '/admin/audit?action=roles.')).json().items.map((i: { action: string }) => i.action)).toEqual(['roles.grant', 'roles.grant']);
    expect((await call('GET', '/admin/audit?employeeId=emp-00003')).json().items).toHaveLength(1);
    expect((await call('GET', '/admin/audit?before=abc')).statusCode).toBe(400);
  });

  it('activation report: totals, departments, who has not come in and why — as JSON and as a PDF', async () => {
    await linkDirectly(t, 'emp-00001', 1001);
    await set('emp-00002', { phone: null, email: null });
    await set('emp-00003', { cabinetState: 'NOT_PUBLISHED' });
    await t.container.services.admin.inviting.invite(SYSTEM_ACTOR, ['emp-00005', 'emp-00006']);
    await t.container.services.jobs.idle();
    const token = /start=([A-Za-z0-9_-]+)/.exec(delivered.emails.find((m) => m.to === 'emp00006@romashka.ru')!.text)![1]!;
    expect(await t.container.services.invitations.open(token)).not.toBeNull();
    await linkDirectly(t, 'emp-00007', 7007);
    await db().telegramAccount.update({ where: { telegramUserId: 7007n }, data: { blockedAt: clock.now() } });
    await set('emp-00008', { cabinetState: 'DISABLED' });

    const res = await call('GET', '/admin/activation-report');
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json();
    expect(report.totals).toEqual({ employees: 7, notPublished: 1, published: 2, invited: 2, active: 1, blocked: 1, disabled: 1 });
    expect(report.departments).toEqual([
      { departmentId: 'dep-1', name: 'Отдел № 1', total: 4, active: 1 },
      { departmentId: 'dep-2', name: 'Отдел № 2', total: 3, active: 0 },
    ]);
    expect(report.notActive.map((e: { employeeId: string; reason: string }) => [e.employeeId, e.reason])).toEqual([
      ['emp-00002', 'NO_CONTACTS'],
      ['emp-00003', 'NOT_PUBLISHED'],
      ['emp-00004', 'NOT_INVITED'],
      ['emp-00005', 'INVITATION_NOT_OPENED'],
      ['emp-00006', 'INVITATION_OPENED'],
      ['emp-00007', 'BLOCKED_BOT'],
    ]);

    const pdf = await call('GET', '/admin/activation-report.pdf');
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toMatch(/^attachment; filename="activation-\d{4}-\d{2}-\d{2}\.pdf"$/);
    const text = await pdfText(pdf.rawPayload);
    for (const expected of [
      'Вошли в кабинет: 1 из 7 (14%)', 'Отдел № 1 1/4 · 25%', 'Отдел № 2 0/3 · 0%', 'Не вошли 6 сотрудников',
      'Сотрудникова00002 Анна (TN-00002) Отдел № 2 нет телефона и e-mail', 'Сотрудникова00005 Анна (TN-00005) Отдел № 1 приглашение не открыто',
      'Сотрудникова00006 Анна (TN-00006) Отдел № 2 приглашение открыто, вход не завершён', 'Сотрудникова00007 Анна (TN-00007) Отдел № 1 заблокировал бота',
    ]) expect(text, `${expected}\n---\n${text}`).toContain(expected);
    expect(text).not.toContain('Сотрудникова00008');
    const english = await pdfText((await call('GET', '/admin/activation-report.pdf', undefined, { 'accept-language': 'en' })).rawPayload);
    expect(english).toContain('Signed in: 1 of 7 (14%)');
  });
});

describe('creating cabinets without a bot', () => {
  it('refuses with what to set, since there is no link to make', async () => {
    const t = await createTestApp('pglite');
    try {
      await seedCompany(t, { employees: 2 });
      const res = await t.request({ method: 'POST', url: '/api/v1/admin/cabinets/create', token: t.tokens.admin, body: { employeeIds: ['emp-00002'] } });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'BOT_USERNAME_UNKNOWN', message: expect.stringContaining('BOT_TOKEN') });
      expect(await t.testDb.database.prisma.invitation.count()).toBe(0);
    } finally {
      await t.close();
    }
  });
});
