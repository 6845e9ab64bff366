import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../core/access/actor.ts';
import { employeeAsActor, internalId, seedAccessEmployees, tokenAsActor } from '../helpers/access-setup.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createTestClock } from '../helpers/test-clock.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

describe.each(DB_KINDS)('roles on %s', (kind) => {
  let t: TestApp;
  const clock = createTestClock('2026-11-30T09:00:00.000Z');
  const db = () => t.testDb.database.prisma;
  const roles = () => t.container.services.roles;
  const stored = async () =>
    (await db().roleAssignment.findMany({ include: { employee: { select: { externalId: true } } } }))
      .map((r) => `${r.employee.externalId}:${r.role}`)
      .sort();
  const audits = (action: string) => db().auditLog.findMany({ where: { action }, orderBy: { id: 'asc' } });

  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    await seedAccessEmployees(t);
    // emp-1 is responsible, so ADMIN.
    await t.container.services.cabinetSettings.update(SYSTEM_ACTOR, { address: 'romashka', responsibleEmployeeId: 'emp-1', scope: { kind: 'ALL' } });
  });

  it('lets an admin grant and revoke HR and ADMIN, once each, audited as the admin', async () => {
    const admin = await employeeAsActor(t, 'emp-1');
    const e2 = await internalId(t, 'emp-2');
    expect(await roles().grant(admin, 'emp-2', 'HR')).toEqual({ changed: true });
    expect(await roles().grant(admin, 'emp-2', 'HR')).toEqual({ changed: false });
    expect(await roles().grant(admin, 'emp-2', 'ADMIN')).toEqual({ changed: true });
    expect(await roles().rolesOf(e2)).toEqual(['ADMIN', 'HR']);
    // The new admin can manage roles at once.
    const second = await employeeAsActor(t, 'emp-2');
    expect(await roles().grant(second, 'emp-3', 'HR')).toEqual({ changed: true });

    expect(await roles().revoke(admin, 'emp-2', 'ADMIN')).toEqual({ changed: true });
    expect(await roles().revoke(admin, 'emp-2', 'ADMIN')).toEqual({ changed: false });
    expect(await roles().rolesOf(e2)).toEqual(['HR']);
    expect(await stored()).toEqual(['emp-1:ADMIN', 'emp-2:HR', 'emp-3:HR']);

    const grants = await audits('roles.grant');
    expect(grants.map((a) => [a.actorType, a.actorId, a.entityId, a.details])).toEqual([
      ['EMPLOYEE', admin.employeeId, e2, { role: 'HR' }],
      ['EMPLOYEE', admin.employeeId, e2, { role: 'ADMIN' }],
      ['EMPLOYEE', e2, await internalId(t, 'emp-3'), { role: 'HR' }],
    ]);
    expect((await audits('roles.revoke')).map((a) => [a.actorType, a.actorId, a.details])).toEqual([['EMPLOYEE', admin.employeeId, { role: 'ADMIN' }]]);
  });

  it('lets an admin token do the same, audited as the token', async () => {
    const token = await tokenAsActor(t, t.tokens.admin);
    expect(await roles().grant(token, 'emp-4', 'HR')).toEqual({ changed: true });
    expect((await audits('roles.grant'))[0]).toMatchObject({ actorType: 'API_TOKEN', actorId: token.tokenId });
  });

  it('never revokes the ADMIN of the responsible employee, even with its row gone; HR is theirs to lose', async () => {
    const admin = await employeeAsActor(t, 'emp-1');
    await roles().grant(admin, 'emp-1', 'HR');
    const before = await stored();
    await expect(roles().revoke(admin, 'emp-1', 'ADMIN')).rejects.toMatchObject({ code: 'RESPONSIBLE_ADMIN_REVOKE', kind: 'conflict', params: { id: 'emp-1' } });
    await expect(roles().revoke(await tokenAsActor(t, t.tokens.admin), 'emp-1', 'ADMIN')).rejects.toMatchObject({ code: 'RESPONSIBLE_ADMIN_REVOKE' });
    expect(await stored()).toEqual(before);
    await db().roleAssignment.deleteMany({ where: { role: 'ADMIN' } });
    await expect(roles().revoke(admin, 'emp-1', 'ADMIN')).rejects.toMatchObject({ code: 'RESPONSIBLE_ADMIN_REVOKE' });
    expect(await roles().rolesOf(admin.employeeId)).toEqual(['ADMIN', 'HR']);

    expect(await roles().revoke(admin, 'emp-1', 'HR')).toEqual({ changed: true });
    expect(await audits('roles.revoke')).toHaveLength(1);

    // Once someone else is responsible, the former one's ADMIN can go (the settings already took the row away).
    await t.container.services.cabinetSettings.update(admin, { address: 'romashka', responsibleEmployeeId: 'emp-2', scope: { kind: 'ALL' } });
    await roles().grant(SYSTEM_ACTOR, 'emp-1', 'ADMIN');
    expect(await roles().revoke(await employeeAsActor(t, 'emp-2'), 'emp-1', 'ADMIN')).toEqual({ changed: true });
    expect(await roles().rolesOf(admin.employeeId)).toEqual([]);
  });

  it('grants only to an employee who exists and is not dismissed; revoking from a dismissed one still works', async () => {
    const admin = await employeeAsActor(t, 'emp-1');
    await roles().grant(admin, 'emp-3', 'HR');
    await db().employee.update({ where: { externalId: 'emp-2' }, data: { dismissedAt: new Date('2026-11-30T00:00:00.000Z') } });
    await db().employee.update({ where: { externalId: 'emp-3' }, data: { cabinetState: 'DISABLED' } });
    // Dismissal uploaded in advance: not yet.
    await db().employee.update({ where: { externalId: 'emp-4' }, data: { dismissedAt: new Date('2026-12-15T00:00:00.000Z') } });
    const before = await stored();
    const auditCount = await db().auditLog.count();

    await expect(roles().grant(admin, 'emp-404', 'HR')).rejects.toMatchObject({ code: 'UNKNOWN_EMPLOYEE', kind: 'not_found', params: { id: 'emp-404' } });
    await expect(roles().revoke(admin, 'emp-404', 'HR')).rejects.toMatchObject({ code: 'UNKNOWN_EMPLOYEE', kind: 'not_found' });
    await expect(roles().grant(admin, 'emp-2', 'HR')).rejects.toMatchObject({ code: 'EMPLOYEE_DISMISSED', kind: 'validation', params: { id: 'emp-2' } });
    await expect(roles().grant(admin, 'emp-3', 'ADMIN')).rejects.toMatchObject({ code: 'EMPLOYEE_DISMISSED' });
    expect(await stored()).toEqual(before);
    expect(await db().auditLog.count()).toBe(auditCount);

    expect(await roles().grant(admin, 'emp-4', 'HR')).toEqual({ changed: true });
    expect(await roles().revoke(admin, 'emp-3', 'HR')).toEqual({ changed: true });
    expect(await stored()).toEqual(['emp-1:ADMIN', 'emp-4:HR']);
  });

  it('refuses everyone without roles.manage, whatever they name, and changes nothing', async () => {
    await roles().grant(SYSTEM_ACTOR, 'emp-2', 'HR');
    const before = await stored();
    const auditCount = await db().auditLog.count();
    const refused = [
      await employeeAsActor(t, 'emp-2'),
      await employeeAsActor(t, 'emp-3'),
      await tokenAsActor(t, t.tokens.hr),
      await tokenAsActor(t, t.tokens.import),
    ];
    for (const who of refused) {
      for (const target of ['emp-3', 'emp-404']) {
        await expect(roles().grant(who, target, 'ADMIN')).rejects.toMatchObject({ code: 'FORBIDDEN' });
      }
      await expect(roles().revoke(who, 'emp-2', 'HR')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(await stored()).toEqual(before);
    expect(await db().auditLog.count()).toBe(auditCount);

    // A dismissed admin is no admin.
    await roles().grant(SYSTEM_ACTOR, 'emp-5', 'ADMIN');
    await db().employee.update({ where: { externalId: 'emp-5' }, data: { dismissedAt: new Date('2026-11-01T00:00:00.000Z') } });
    await expect(roles().grant(await employeeAsActor(t, 'emp-5'), 'emp-3', 'HR')).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
