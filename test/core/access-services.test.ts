import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiTokenActor, employeeActor, SYSTEM_ACTOR, type Actor } from '../../core/access/actor.ts';
import { loadEmployeeActor } from '../../core/access/employee-actor.ts';
import type { Db } from '../../core/db/database.ts';
import { employeeAsActor, internalId, seedAccessEmployees, tokenAsActor } from '../helpers/access-setup.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createTestClock } from '../helpers/test-clock.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

/** Everything the services under test could write: equal snapshots mean nothing changed. */
async function snapshot(db: Db) {
  const [settings, scopeOrgs, scopeDeps, employees, roles, accounts, codes, audit, tokens] = await Promise.all([
    db.cabinetSettings.findMany(),
    db.cabinetScopeOrganization.findMany(),
    db.cabinetScopeDepartment.findMany(),
    db.employee.findMany({ orderBy: { externalId: 'asc' }, select: { externalId: true, cabinetState: true, publishedAt: true, lockedAt: true, linkFailures: true } }),
    db.roleAssignment.findMany({ orderBy: [{ employeeId: 'asc' }, { role: 'asc' }], select: { employeeId: true, role: true } }),
    db.telegramAccount.findMany({ orderBy: { telegramUserId: 'asc' }, select: { telegramUserId: true, employeeId: true } }),
    db.oneTimeCode.findMany({ orderBy: { id: 'asc' }, select: { id: true, consumedAt: true, attempts: true } }),
    db.auditLog.count(),
    db.apiToken.findMany({ orderBy: { id: 'asc' }, select: { id: true, revokedAt: true } }),
  ]);
  return { settings, scopeOrgs, scopeDeps, employees, roles, accounts, codes, audit, tokens };
}

describe.each(DB_KINDS)('actors in services on %s', (kind) => {
  let t: TestApp;
  const clock = createTestClock('2026-11-30T09:00:00.000Z');
  const db = () => t.testDb.database.prisma;
  const settingsInput = { address: 'romashka', responsibleEmployeeId: 'emp-1', scope: { kind: 'ALL' as const } };

  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    await seedAccessEmployees(t);
  });

  describe('refuse a forbidden actor and change nothing', () => {
    // Everything set up that the forbidden calls could touch: settings, a published employee, a locked one, a code.
    let before: Awaited<ReturnType<typeof snapshot>>;
    let plain: Actor;
    let hr: Actor;
    beforeEach(async () => {
      const s = t.container.services;
      await s.cabinetSettings.update(SYSTEM_ACTOR, settingsInput);
      await s.publishing.publish(SYSTEM_ACTOR, { employeeIds: ['emp-2'] });
      await s.roles.grant(SYSTEM_ACTOR, 'emp-3', 'HR');
      const e4 = await internalId(t, 'emp-4');
      await db().employee.update({ where: { id: e4 }, data: { lockedAt: clock.now(), linkFailures: 5 } });
      await db().oneTimeCode.create({ data: { employeeId: e4, telegramUserId: 44n, chatId: 44n, attempts: 3, createdAt: clock.now(), expiresAt: new Date(clock.now().getTime() + 600_000) } });
      plain = await employeeAsActor(t, 'emp-5');
      hr = await employeeAsActor(t, 'emp-3');
      expect(plain).toMatchObject({ kind: 'employee', roles: [] });
      expect(hr).toMatchObject({ kind: 'employee', roles: ['HR'] });
      before = await snapshot(db());
    });

    const calls: [string, (s: TestApp['container']['services'], who: Actor) => Promise<unknown>][] = [
      ['cabinet settings (read)', (s, who) => s.cabinetSettings.get(who)],
      ['cabinet settings (replace)', (s, who) => s.cabinetSettings.update(who, { ...settingsInput, responsibleEmployeeId: 'emp-2' })],
      ['publish', (s, who) => s.publishing.publish(who, { all: true })],
      ['unpublish', (s, who) => s.publishing.unpublish(who, { all: true })],
      ['employee directory', (s, who) => s.employees.list(who, { page: 1, pageSize: 10 })],
      ['sign-in unlock', (s, who) => s.linking.unlock(who, 'emp-4')],
      ['sign-in unlock of nobody (no hint that they do not exist)', (s, who) => s.linking.unlock(who, 'emp-404')],
      ['role grant', (s, who) => s.roles.grant(who, 'emp-5', 'ADMIN')],
      ['role revoke', (s, who) => s.roles.revoke(who, 'emp-3', 'HR')],
    ];

    it.each(calls)('%s: an employee without roles, an HR employee, an HR token', async (_name, call) => {
      const hrToken = await tokenAsActor(t, t.tokens.hr);
      for (const who of [plain, hr, hrToken]) {
        await expect(call(t.container.services, who)).rejects.toMatchObject({ code: 'FORBIDDEN', kind: 'forbidden' });
      }
      expect(await snapshot(db())).toEqual(before);
    });

    it('payslip acknowledgements: refused to an employee without roles and the import token, open to HR', async () => {
      const s = t.container.services;
      for (const who of [plain, await tokenAsActor(t, t.tokens.import)]) {
        await expect(s.payslips.acknowledgements(who, '2026-10')).rejects.toMatchObject({ code: 'FORBIDDEN' });
      }
      expect(await s.payslips.acknowledgements(hr, '2026-10')).toMatchObject({ period: '2026-10', employees: 0 });
      expect(await snapshot(db())).toEqual(before);
    });

    it('API tokens: only the system may create or revoke them, not even an admin', async () => {
      const s = t.container.services;
      const admin = await tokenAsActor(t, t.tokens.admin);
      const employeeAdmin = await employeeAsActor(t, 'emp-1');
      expect(employeeAdmin.roles).toEqual(['ADMIN']);
      for (const who of [admin, employeeAdmin]) {
        await expect(s.apiTokens.create('escalate', ['ADMIN', 'IMPORT', 'HR'], who)).rejects.toMatchObject({ code: 'FORBIDDEN' });
        await expect(s.apiTokens.revoke(admin.tokenId, who)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      }
      expect(await snapshot(db())).toEqual(before);
    });
  });

  describe('the audit log names the real actor', () => {
    const lastAudit = async (action: string) => db().auditLog.findFirstOrThrow({ where: { action }, orderBy: { id: 'desc' } });

    it('an employee admin changing settings, publishing and unlocking is recorded as that employee', async () => {
      const s = t.container.services;
      await s.cabinetSettings.update(SYSTEM_ACTOR, settingsInput);
      expect(await lastAudit('cabinet.settings.update')).toMatchObject({ actorType: 'SYSTEM', actorId: null });
      const admin = await employeeAsActor(t, 'emp-1');
      const e1 = await internalId(t, 'emp-1');
      expect(admin).toEqual({ kind: 'employee', employeeId: e1, roles: ['ADMIN'] });

      await s.cabinetSettings.update(admin, { ...settingsInput, address: 'romashka-2' });
      await s.publishing.publish(admin, { employeeIds: ['emp-2'] });
      await s.publishing.unpublish(admin, { employeeIds: ['emp-2'] });
      await s.linking.unlock(admin, 'emp-4');
      await s.roles.grant(admin, 'emp-2', 'HR');
      for (const action of ['cabinet.settings.update', 'cabinet.publish', 'cabinet.unpublish', 'linking.unlock', 'roles.grant']) {
        expect(await lastAudit(action), action).toMatchObject({ actorType: 'EMPLOYEE', actorId: e1 });
      }
    });

    it('the same actions through the API are recorded as the token', async () => {
      const admin = await tokenAsActor(t, t.tokens.admin);
      const call = (method: 'PUT' | 'POST', url: string, body?: unknown) => t.request({ method, url: `/api/v1${url}`, token: t.tokens.admin, body });
      expect((await call('PUT', '/cabinet/settings', settingsInput)).statusCode).toBe(200);
      expect((await call('POST', '/cabinets/publish', { employeeIds: ['emp-2'] })).statusCode).toBe(200);
      expect((await call('POST', '/cabinets/unpublish', { employeeIds: ['emp-2'] })).statusCode).toBe(200);
      expect((await call('POST', '/employees/emp-4/unlock')).statusCode).toBe(200);
      for (const action of ['cabinet.settings.update', 'cabinet.publish', 'cabinet.unpublish', 'linking.unlock']) {
        expect(await lastAudit(action), action).toMatchObject({ actorType: 'API_TOKEN', actorId: admin.tokenId });
      }
    });
  });

  describe('loading an employee actor', () => {
    it('finds the employee by id or by their linked Telegram account, with effective roles', async () => {
      const s = t.container.services;
      await s.cabinetSettings.update(SYSTEM_ACTOR, settingsInput);
      await s.roles.grant(SYSTEM_ACTOR, 'emp-1', 'HR');
      const e1 = await internalId(t, 'emp-1');
      await db().telegramAccount.create({ data: { telegramUserId: 9_007_199_254_740_993n, chatId: 1n, employeeId: e1, linkedAt: clock.now() } });
      await db().telegramAccount.create({ data: { telegramUserId: 12n, chatId: 12n } });
      const expected = employeeActor(e1, ['ADMIN', 'HR']);
      expect(await loadEmployeeActor(db(), { employeeId: e1 }, clock.now())).toEqual(expected);
      expect(await loadEmployeeActor(db(), { telegramUserId: 9_007_199_254_740_993n }, clock.now())).toEqual(expected);
      // An account that is not linked, an unknown account, a well-formed unknown id and a malformed one: nobody.
      expect(await loadEmployeeActor(db(), { telegramUserId: 12n }, clock.now())).toBeNull();
      expect(await loadEmployeeActor(db(), { telegramUserId: 13n }, clock.now())).toBeNull();
      expect(await loadEmployeeActor(db(), { employeeId: '01900000-0000-7000-8000-000000000000' }, clock.now())).toBeNull();
      expect(await loadEmployeeActor(db(), { employeeId: "x' OR 1=1 --" }, clock.now())).toBeNull();
      expect(await s.roles.rolesOf(e1)).toEqual(['ADMIN', 'HR']);
    });

    it('keeps the responsible employee ADMIN without the role row, and moves it with the responsibility', async () => {
      const s = t.container.services;
      await s.cabinetSettings.update(SYSTEM_ACTOR, settingsInput);
      const e1 = await internalId(t, 'emp-1');
      await db().roleAssignment.deleteMany({ where: { employeeId: e1 } });
      expect((await employeeAsActor(t, 'emp-1')).roles).toEqual(['ADMIN']);

      await s.cabinetSettings.update(SYSTEM_ACTOR, { ...settingsInput, responsibleEmployeeId: 'emp-2' });
      expect((await employeeAsActor(t, 'emp-1')).roles).toEqual([]);
      expect((await employeeAsActor(t, 'emp-2')).roles).toEqual(['ADMIN']);
      // And the new admin can act at once.
      await expect(s.publishing.publish(await employeeAsActor(t, 'emp-2'), { all: true })).resolves.toMatchObject({ changed: 5 });
    });

    it('takes every role away from the dismissal date on', async () => {
      const s = t.container.services;
      await s.cabinetSettings.update(SYSTEM_ACTOR, settingsInput);
      await s.roles.grant(SYSTEM_ACTOR, 'emp-2', 'HR');
      const e2 = await internalId(t, 'emp-2');
      await db().employee.update({ where: { id: e2 }, data: { dismissedAt: new Date('2026-12-01T00:00:00.000Z') } });
      expect((await employeeAsActor(t, 'emp-2')).roles).toEqual(['HR']);
      clock.set('2026-12-01T00:00:00.000Z');
      try {
        const dismissed = await employeeAsActor(t, 'emp-2');
        expect(dismissed.roles).toEqual([]);
        await expect(s.payslips.acknowledgements(dismissed, '2026-10')).rejects.toMatchObject({ code: 'FORBIDDEN' });
        // A disabled cabinet counts the same, even for the responsible employee.
        await db().employee.update({ where: { externalId: 'emp-1' }, data: { cabinetState: 'DISABLED' } });
        expect((await employeeAsActor(t, 'emp-1')).roles).toEqual([]);
      } finally {
        clock.set('2026-11-30T09:00:00.000Z');
      }
    });

    it('gives a token exactly its scopes', async () => {
      const admin = await tokenAsActor(t, t.tokens.admin);
      const token = await db().apiToken.findUniqueOrThrow({ where: { id: admin.tokenId } });
      expect(admin).toEqual(apiTokenActor({ tokenId: token.id, scopes: ['ADMIN'] }));
    });
  });
});
