import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../core/access/actor.ts';
import { capturingTelegram, linkDirectly, recordingChannels, seedCompany, virtualClock } from '../helpers/admin-setup.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

describe.each(DB_KINDS)('the admin\'s status list on %s', (kind) => {
  let t: TestApp;
  const clock = virtualClock('2026-11-30T09:00:00.000Z');

  beforeAll(async () => {
    t = await createTestApp(kind, { clock, channels: recordingChannels(clock).channels, telegram: capturingTelegram().telegram });
  });
  afterAll(async () => t?.close());
  beforeEach(async () => t.reset());

  const status = () => t.container.services.admin.status;
  const db = () => t.testDb.database.prisma;
  const ids = (page: { items: { employeeId: string }[] }) => page.items.map((i) => i.employeeId);

  /** 30 employees over dep-1…dep-3, one of each mark, a sub-department and a second organization. */
  async function seedMarks() {
    await seedCompany(t, { employees: 30, departments: 3 });
    const set = (externalId: string, data: Parameters<ReturnType<typeof db>['employee']['update']>[0]['data']) => db().employee.update({ where: { externalId }, data });
    await set('emp-00002', { cabinetState: 'NOT_PUBLISHED' });
    await set('emp-00003', { cabinetState: 'INVITED' });
    await linkDirectly(t, 'emp-00004', 4004);
    await linkDirectly(t, 'emp-00005', 4005);
    await db().telegramAccount.update({ where: { telegramUserId: 4005n }, data: { blockedAt: clock.now() } });
    await set('emp-00006', { cabinetState: 'DISABLED' });
    // Dismissed yesterday, not yet written as DISABLED by housekeeping; and one leaving next month.
    await set('emp-00007', { dismissedAt: new Date('2026-11-29') });
    await set('emp-00008', { dismissedAt: new Date('2026-12-31') });
    // dep-1 has a sub-department with one employee; org-2 has one more.
    const dep1 = await db().department.findUniqueOrThrow({ where: { externalId: 'dep-1' } });
    const sub = await db().department.create({ data: { externalId: 'dep-1-1', organizationId: dep1.organizationId, parentId: dep1.id, name: 'Касса', sourceHash: 'seed' } });
    await set('emp-00030', { departmentId: sub.id });
    const org2 = await db().organization.create({ data: { externalId: 'org-2', name: 'ООО «Лютик»', sourceHash: 'seed' } });
    await set('emp-00029', { organizationId: org2.id, departmentId: null });
  }

  it('counts one mark per employee: not published, published, invited, active, blocked the bot, disabled', async () => {
    await seedMarks();
    expect(await status().counts(SYSTEM_ACTOR)).toEqual({ NOT_PUBLISHED: 1, PUBLISHED: 24, INVITED: 1, ACTIVE: 1, BLOCKED: 1, DISABLED: 2, total: 30 });
    const marks = async (s: 'ACTIVE' | 'BLOCKED' | 'DISABLED' | 'NOT_PUBLISHED' | 'INVITED') => ids(await status().list(SYSTEM_ACTOR, { status: s, page: 1, pageSize: 50 }));
    expect(await marks('ACTIVE')).toEqual(['emp-00004']);
    expect(await marks('BLOCKED')).toEqual(['emp-00005']);
    expect(await marks('DISABLED')).toEqual(['emp-00006', 'emp-00007']);
    expect(await marks('NOT_PUBLISHED')).toEqual(['emp-00002']);
    expect(await marks('INVITED')).toEqual(['emp-00003']);
    const page = await status().list(SYSTEM_ACTOR, { page: 1, pageSize: 10 });
    expect(page.items.find((i) => i.employeeId === 'emp-00005')).toMatchObject({ status: 'BLOCKED', department: 'Отдел № 2', organization: 'ООО «Ромашка»', hasPhone: true, hasEmail: true });
    expect(page.items.find((i) => i.employeeId === 'emp-00008')).toMatchObject({ status: 'PUBLISHED' });
  });

  it('filters by organization, department (with its subtree) and mark, and searches by name words or personnel number', async () => {
    await seedMarks();
    const list = (filter: Parameters<ReturnType<typeof status>['list']>[1]) => status().list(SYSTEM_ACTOR, filter).then(ids);
    expect(await list({ organizationId: 'org-2', page: 1, pageSize: 50 })).toEqual(['emp-00029']);
    const dep1 = await list({ departmentId: 'dep-1', page: 1, pageSize: 50 });
    expect(dep1).toContain('emp-00030');
    expect(dep1).toEqual(['emp-00001', 'emp-00004', 'emp-00007', 'emp-00010', 'emp-00013', 'emp-00016', 'emp-00019', 'emp-00022', 'emp-00025', 'emp-00028', 'emp-00030']);
    expect(await list({ departmentId: 'dep-1-1', page: 1, pageSize: 50 })).toEqual(['emp-00030']);
    expect(await list({ departmentId: 'dep-1', status: 'ACTIVE', page: 1, pageSize: 50 })).toEqual(['emp-00004']);
    expect(await list({ search: 'сотрудникова00012', page: 1, pageSize: 50 })).toEqual(['emp-00012']);
    expect(await list({ search: 'Анна  Сотрудникова0001', page: 1, pageSize: 50 })).toHaveLength(10);
    expect(await list({ search: 'tn-0002', page: 1, pageSize: 50 })).toEqual(['emp-00020', 'emp-00021', 'emp-00022', 'emp-00023', 'emp-00024', 'emp-00025', 'emp-00026', 'emp-00027', 'emp-00028', 'emp-00029']);
    expect(await status().counts(SYSTEM_ACTOR, { departmentId: 'dep-1' })).toMatchObject({ ACTIVE: 1, DISABLED: 1, total: 11 });
    await expect(status().list(SYSTEM_ACTOR, { departmentId: 'dep-404', page: 1, pageSize: 10 })).rejects.toMatchObject({ code: 'UNKNOWN_DEPARTMENT' });
  });

  it('pages by name without gaps or repeats', async () => {
    await seedMarks();
    const seen: string[] = [];
    const first = await status().list(SYSTEM_ACTOR, { page: 1, pageSize: 7 });
    expect(first).toMatchObject({ total: 30, pages: 5, pageSize: 7 });
    for (let page = 1; page <= first.pages; page++) seen.push(...ids(await status().list(SYSTEM_ACTOR, { page, pageSize: 7 })));
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => `emp-${String(i + 1).padStart(5, '0')}`));
    expect(ids(await status().list(SYSTEM_ACTOR, { page: 6, pageSize: 7 }))).toEqual([]);
  });

  it('marks where each employee\'s newest invitation stands', async () => {
    await seedCompany(t, { employees: 5 });
    await t.container.services.admin.inviting.createCabinets(SYSTEM_ACTOR, ['emp-00002']);
    const e = async (id: string) => (await db().employee.findUniqueOrThrow({ where: { externalId: id } })).id;
    const now = clock.now();
    await db().invitation.createMany({
      data: [
        { employeeId: await e('emp-00003'), sendRequestedAt: now, expiresAt: now },
        { employeeId: await e('emp-00004'), sendRequestedAt: now, sentAt: now, openedAt: now, tokenHash: 'x4', channel: 'EMAIL', expiresAt: new Date(now.getTime() + 86_400_000) },
        { employeeId: await e('emp-00005'), sendRequestedAt: now, failedAt: now, failure: 'REFUSED', expiresAt: now },
      ],
    });
    const items = (await status().list(SYSTEM_ACTOR, { page: 1, pageSize: 10 })).items;
    const mark = (id: string) => items.find((i) => i.employeeId === id)!.invitation;
    expect(mark('emp-00001')).toBeNull();
    expect(mark('emp-00002')).toMatchObject({ mark: 'CREATED', channel: null });
    expect(mark('emp-00003')).toMatchObject({ mark: 'QUEUED', expiresAt: null });
    expect(mark('emp-00004')).toMatchObject({ mark: 'OPENED', channel: 'EMAIL' });
    expect(mark('emp-00005')).toMatchObject({ mark: 'FAILED', failure: 'REFUSED' });
  });

  it('serves a company of 10,000: counts and the last page of ten', async () => {
    await seedCompany(t, { employees: 10_000, departments: 20 });
    await db().employee.updateMany({ where: { externalId: { in: ['emp-09999', 'emp-10000'] } }, data: { cabinetState: 'ACTIVE' } });
    expect(await status().counts(SYSTEM_ACTOR)).toMatchObject({ PUBLISHED: 9998, ACTIVE: 2, total: 10_000 });
    const last = await status().list(SYSTEM_ACTOR, { page: 1000, pageSize: 10 });
    expect(last).toMatchObject({ total: 10_000, pages: 1000 });
    expect(ids(last)).toEqual(Array.from({ length: 10 }, (_, i) => `emp-${String(9991 + i).padStart(5, '0')}`));
    expect(ids(await status().list(SYSTEM_ACTOR, { status: 'ACTIVE', search: 'TN-1', page: 1, pageSize: 10 }))).toEqual(['emp-10000']);
  });
});
