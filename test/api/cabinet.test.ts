import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadEmployeeActor } from '../../core/access/employee-actor.ts';
import { generateHrData } from '../../prisma/seed/hr-generator.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

describe.each(DB_KINDS)('cabinet settings and publishing on %s', (kind) => {
  let t: TestApp;
  // 18 employees over the generator's 9 departments; every 5th has no contacts, every 7th is dismissed.
  const data = generateHrData({ employees: 18, months: 1, noContactsEvery: 5, dismissedEvery: 7 });
  const byId = new Map(data.employees.map((e) => [e.id, e]));

  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    for (const [name, items] of [['organizations', data.organizations], ['departments', data.departments], ['employees', data.employees]] as const) {
      const res = await t.request({ method: 'POST', url: `/api/v1/imports/${name}`, token: t.tokens.import, body: { items } });
      expect(res.json().rejected).toBe(0);
    }
  });

  const putSettings = (body: unknown, lang = 'ru') =>
    t.request({ method: 'PUT', url: '/api/v1/cabinet/settings', token: t.tokens.admin, body, headers: { 'accept-language': lang } });
  const publish = (body: unknown, action: 'publish' | 'unpublish' = 'publish') =>
    t.request({ method: 'POST', url: `/api/v1/cabinets/${action}`, token: t.tokens.admin, body });
  const stateOf = async (externalId: string) =>
    (await t.testDb.database.prisma.employee.findUniqueOrThrow({ where: { externalId } })).cabinetState;
  // emp-00001 sits in dep-accounting (org-romashka); emp-00006 in dep-shop-1 (org-romashka-ural).
  const inAccounting = 'emp-00001';
  const inShop = 'emp-00006';

  it('starts unconfigured with everything in scope', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/cabinet/settings', token: t.tokens.admin });
    expect(res.json()).toEqual({ configured: false, address: null, responsibleEmployee: null, scope: { kind: 'ALL', organizationIds: [], departmentIds: [] }, notifyActivations: true });
  });

  it('saves address, responsible employee and scope, and makes the responsible employee the admin', async () => {
    const res = await putSettings({ address: 'Romashka', responsibleEmployeeId: inAccounting, scope: { kind: 'DEPARTMENTS', departmentIds: ['dep-admin'] } });
    expect(res.statusCode, res.body).toBe(200);
    const e = byId.get(inAccounting)!;
    expect(res.json()).toEqual({
      configured: true,
      address: 'romashka',
      responsibleEmployee: { employeeId: inAccounting, fullName: `${e.lastName} ${e.firstName} ${e.middleName}` },
      scope: { kind: 'DEPARTMENTS', organizationIds: [], departmentIds: ['dep-admin'] },
      notifyActivations: true,
      unpublished: 0,
    });
    const prisma = t.testDb.database.prisma;
    const admin = await prisma.roleAssignment.findMany({ include: { employee: { select: { externalId: true } } } });
    expect(admin.map((r) => [r.employee.externalId, r.role])).toEqual([[inAccounting, 'ADMIN']]);

    // Handing the cabinet to someone else moves the admin role with it.
    await putSettings({ address: 'romashka', responsibleEmployeeId: 'emp-00002', scope: { kind: 'ALL' } });
    const after = await prisma.roleAssignment.findMany({ include: { employee: { select: { externalId: true } } } });
    expect(after.map((r) => r.employee.externalId)).toEqual(['emp-00002']);
    expect(await prisma.auditLog.count({ where: { action: 'cabinet.settings.update' } })).toBe(2);
  });

  it.each([
    ['a responsible employee outside the chosen departments', { address: 'romashka', responsibleEmployeeId: inShop, scope: { kind: 'DEPARTMENTS', departmentIds: ['dep-admin'] } }, 422, 'RESPONSIBLE_OUT_OF_SCOPE', /не входит/],
    ['a responsible employee outside the chosen organizations', { address: 'romashka', responsibleEmployeeId: inAccounting, scope: { kind: 'ORGANIZATIONS', organizationIds: ['org-romashka-ural'] } }, 422, 'RESPONSIBLE_OUT_OF_SCOPE', /не входит/],
    ['a responsible employee without phone and e-mail', { address: 'romashka', responsibleEmployeeId: 'emp-00005', scope: { kind: 'ALL' } }, 422, 'RESPONSIBLE_NO_CONTACTS', /нет ни телефона/],
    ['a dismissed responsible employee', { address: 'romashka', responsibleEmployeeId: 'emp-00007', scope: { kind: 'ALL' } }, 422, 'RESPONSIBLE_DISMISSED', /уволен/],
    ['an unknown responsible employee', { address: 'romashka', responsibleEmployeeId: 'emp-404', scope: { kind: 'ALL' } }, 422, 'UNKNOWN_EMPLOYEE', /не найден/],
    ['a Cyrillic address', { address: 'ромашка', responsibleEmployeeId: inAccounting, scope: { kind: 'ALL' } }, 422, 'INVALID_ADDRESS', /латинские/],
    ['an address with spaces', { address: 'my company', responsibleEmployeeId: inAccounting, scope: { kind: 'ALL' } }, 422, 'INVALID_ADDRESS', /латинские/],
    ['an unknown department in the scope', { address: 'romashka', responsibleEmployeeId: inAccounting, scope: { kind: 'DEPARTMENTS', departmentIds: ['dep-404'] } }, 422, 'UNKNOWN_DEPARTMENT', /dep-404/],
    ['an empty department scope', { address: 'romashka', responsibleEmployeeId: inAccounting, scope: { kind: 'DEPARTMENTS', departmentIds: [] } }, 422, 'SCOPE_EMPTY', /хотя бы одну/],
    ['a missing field', { address: 'romashka', scope: { kind: 'ALL' } }, 400, 'VALIDATION_FAILED', /responsibleEmployeeId/],
    ['an unknown scope kind', { address: 'romashka', responsibleEmployeeId: inAccounting, scope: { kind: 'EVERYONE' } }, 400, 'VALIDATION_FAILED', /kind/],
  ])('refuses %s and keeps the stored settings', async (_name, body, status, code, message) => {
    await putSettings({ address: 'stored', responsibleEmployeeId: inAccounting, scope: { kind: 'ALL' } });
    const res = await putSettings(body);
    expect(res.statusCode).toBe(status);
    expect(res.json().code).toBe(code);
    expect(res.json().message).toMatch(message);
    const stored = await t.request({ method: 'GET', url: '/api/v1/cabinet/settings', token: t.tokens.admin });
    expect(stored.json()).toMatchObject({ address: 'stored', responsibleEmployee: { employeeId: inAccounting }, scope: { kind: 'ALL' } });
  });

  it('explains refusals in English when asked', async () => {
    const res = await putSettings({ address: 'romashka', responsibleEmployeeId: inShop, scope: { kind: 'DEPARTMENTS', departmentIds: ['dep-admin'] } }, 'en-US,en;q=0.9');
    expect(res.json().message).toMatch(/outside the chosen organizations or departments/);
  });

  it('needs the admin scope', async () => {
    const res = await t.request({ method: 'PUT', url: '/api/v1/cabinet/settings', token: t.tokens.import, body: { address: 'x', responsibleEmployeeId: inAccounting, scope: { kind: 'ALL' } } });
    expect(res.statusCode).toBe(403);
    expect(await t.testDb.database.prisma.cabinetSettings.count()).toBe(0);
  });

  it.each([
    ['GET', '/api/v1/cabinet/settings', undefined],
    ['PUT', '/api/v1/cabinet/settings', { address: 'romashka', responsibleEmployeeId: 'emp-00001', scope: { kind: 'ALL' } }],
    ['POST', '/api/v1/cabinet/settings/preview', { address: 'romashka', responsibleEmployeeId: 'emp-00001', scope: { kind: 'ALL' } }],
    ['POST', '/api/v1/cabinets/publish', { all: true }],
    ['POST', '/api/v1/cabinets/unpublish', { all: true }],
    ['GET', '/api/v1/employees', undefined],
    ['POST', '/api/v1/employees/emp-00001/unlock', undefined],
  ] as const)('%s %s: 401 without a token, 403 INSUFFICIENT_SCOPE for import and HR tokens, nothing written', async (method, url, body) => {
    const prisma = t.testDb.database.prisma;
    const before = { audit: await prisma.auditLog.count(), published: await prisma.employee.count({ where: { cabinetState: 'PUBLISHED' } }) };
    const anonymous = await t.request({ method, url, body, token: null });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().code).toBe('AUTH_REQUIRED');
    for (const token of [t.tokens.import, t.tokens.hr]) {
      const res = await t.request({ method, url, body, token, headers: { 'accept-language': 'en' } });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ code: 'INSUFFICIENT_SCOPE', message: 'The token lacks the required scope: admin.' });
    }
    expect(await prisma.cabinetSettings.count()).toBe(0);
    expect({ audit: await prisma.auditLog.count(), published: await prisma.employee.count({ where: { cabinetState: 'PUBLISHED' } }) }).toEqual(before);
  });

  it('makes the responsible employee an admin in core as soon as they are linked, and audits them as themselves', async () => {
    await putSettings({ address: 'romashka', responsibleEmployeeId: inAccounting, scope: { kind: 'ALL' } });
    const prisma = t.testDb.database.prisma;
    const e = await prisma.employee.findUniqueOrThrow({ where: { externalId: inAccounting } });
    const now = t.container.services.clock.now();
    // Not linked yet: nobody acts from that Telegram account.
    expect(await loadEmployeeActor(prisma, { telegramUserId: 4242n }, now)).toBeNull();
    await prisma.telegramAccount.create({ data: { telegramUserId: 4242n, chatId: 4242n, employeeId: e.id, linkedAt: now } });
    const admin = await loadEmployeeActor(prisma, { telegramUserId: 4242n }, now);
    expect(admin).toEqual({ kind: 'employee', employeeId: e.id, roles: ['ADMIN'] });
    const result = await t.container.services.publishing.publish(admin!, { employeeIds: ['emp-00002'] });
    expect(result.changed).toBe(1);
    const entry = await prisma.auditLog.findFirstOrThrow({ where: { action: 'cabinet.publish' }, orderBy: { id: 'desc' } });
    expect(entry).toMatchObject({ actorType: 'EMPLOYEE', actorId: e.id });
    // The settings themselves were changed by the admin token, and say so.
    const token = await t.container.services.apiTokens.authenticate(t.tokens.admin);
    expect(await prisma.auditLog.findFirstOrThrow({ where: { action: 'cabinet.settings.update' } })).toMatchObject({ actorType: 'API_TOKEN', actorId: token!.tokenId });
  });

  it('publishes for everyone in scope, skipping the dismissed and those without contacts', async () => {
    await putSettings({ address: 'romashka', responsibleEmployeeId: inAccounting, scope: { kind: 'ORGANIZATIONS', organizationIds: ['org-romashka'] } });
    const res = await publish({ all: true });
    expect(res.statusCode).toBe(200);
    const inScope = data.employees.filter((e) => e.organizationId === 'org-romashka');
    const reasons = res.json().skipped.map((s: { employeeId: string; reason: string }) => `${s.employeeId}:${s.reason}`).sort();
    const expectedSkipped = inScope
      .filter((e) => e.dismissedAt?.startsWith('2026') || (!e.phone && !e.email))
      .map((e) => `${e.id}:${e.dismissedAt?.startsWith('2026') ? 'DISMISSED' : 'NO_CONTACTS'}`)
      .sort();
    expect(reasons).toEqual(expectedSkipped);
    expect(res.json().changed).toBe(inScope.length - expectedSkipped.length);
    expect(await stateOf(inShop)).toBe('NOT_PUBLISHED');
    expect(await stateOf(inAccounting)).toBe('PUBLISHED');

    const again = await publish({ all: true });
    expect(again.json()).toMatchObject({ changed: 0, unchanged: inScope.length - expectedSkipped.length });
  });

  it('publishes by department, subtree included', async () => {
    const res = await publish({ departmentIds: ['dep-production'] });
    const underProduction = data.employees.filter((e) => ['dep-production', 'dep-shop-1', 'dep-shop-2'].includes(e.departmentId!));
    const publishable = underProduction.filter((e) => !e.dismissedAt?.startsWith('2026') && (e.phone || e.email));
    expect(res.json().changed).toBe(publishable.length);
    expect(await stateOf(inShop)).toBe('PUBLISHED');
    expect(await stateOf(inAccounting)).toBe('NOT_PUBLISHED');
    const unknown = await publish({ departmentIds: ['dep-404'] });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().code).toBe('UNKNOWN_DEPARTMENT');
  });

  it('publishes a list of employees and reports each one it could not', async () => {
    // In scope: dep-admin's subtree (emp-00010 there has no contacts) and dep-shop-2 (emp-00007 there is dismissed).
    await putSettings({ address: 'romashka', responsibleEmployeeId: inAccounting, scope: { kind: 'DEPARTMENTS', departmentIds: ['dep-admin', 'dep-shop-2'] } });
    const res = await publish({ employeeIds: [inAccounting, inShop, 'emp-00010', 'emp-00007', 'emp-404'] });
    expect(res.json()).toEqual({
      changed: 1,
      unchanged: 0,
      skipped: expect.arrayContaining([
        { employeeId: 'emp-404', reason: 'NOT_FOUND' },
        { employeeId: inShop, reason: 'OUT_OF_SCOPE' },
        { employeeId: 'emp-00010', reason: 'NO_CONTACTS' },
        { employeeId: 'emp-00007', reason: 'DISMISSED' },
      ]),
    });
    expect(res.json().skipped).toHaveLength(4);
    expect(await stateOf(inAccounting)).toBe('PUBLISHED');
  });

  it('unpublishes and cuts the Telegram link', async () => {
    await publish({ employeeIds: [inAccounting, 'emp-00002'] });
    const prisma = t.testDb.database.prisma;
    const e = await prisma.employee.update({ where: { externalId: inAccounting }, data: { cabinetState: 'ACTIVE', activatedAt: new Date() } });
    await prisma.telegramAccount.create({ data: { telegramUserId: 1001n, chatId: 1001n, employeeId: e.id, linkedAt: new Date() } });
    const res = await publish({ employeeIds: [inAccounting] }, 'unpublish');
    expect(res.json()).toEqual({ changed: 1, unchanged: 0, skipped: [] });
    expect(await stateOf(inAccounting)).toBe('NOT_PUBLISHED');
    expect(await stateOf('emp-00002')).toBe('PUBLISHED');
    expect((await prisma.telegramAccount.findUniqueOrThrow({ where: { telegramUserId: 1001n } })).employeeId).toBeNull();
  });

  it('lists only employees inside the scope with inScope=true, for each kind of scope', async () => {
    const ids = async (query: string) => {
      const res = await t.request({ method: 'GET', url: `/api/v1/employees?pageSize=500&${query}`, token: t.tokens.admin });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().items.map((i: { employeeId: string }) => i.employeeId).sort();
    };
    const all = data.employees.map((e) => e.id).sort();
    const where = (test: (e: (typeof data.employees)[number]) => boolean) => data.employees.filter(test).map((e) => e.id).sort();
    // Unconfigured: everything uploaded is in scope.
    expect(await ids('inScope=true')).toEqual(all);

    await putSettings({ address: 'romashka', responsibleEmployeeId: inShop, scope: { kind: 'ORGANIZATIONS', organizationIds: ['org-romashka-ural'] } });
    const ural = where((e) => e.organizationId === 'org-romashka-ural');
    expect(ural.length).toBeGreaterThan(0);
    expect(ural.length).toBeLessThan(all.length);
    expect(await ids('inScope=true')).toEqual(ural);
    expect(await ids('inScope=false')).toEqual(all);
    expect(await ids('inScope=true&departmentId=dep-admin')).toEqual([]);

    // Departments count with their subtrees: dep-admin brings dep-accounting and dep-hr along.
    await putSettings({ address: 'romashka', responsibleEmployeeId: inAccounting, scope: { kind: 'DEPARTMENTS', departmentIds: ['dep-admin', 'dep-shop-2'] } });
    const chosen = where((e) => ['dep-admin', 'dep-accounting', 'dep-hr', 'dep-shop-2'].includes(e.departmentId!));
    expect(await ids('inScope=true')).toEqual(chosen);
    expect(await ids('inScope=true&organizationId=org-romashka-ural')).toEqual(where((e) => e.departmentId === 'dep-shop-2'));
  });

  it('publishes "all" and whole departments only inside the scope, passing over the rest without listing them', async () => {
    await putSettings({ address: 'romashka', responsibleEmployeeId: inAccounting, scope: { kind: 'DEPARTMENTS', departmentIds: ['dep-admin'] } });
    const inScope = data.employees.filter((e) => ['dep-admin', 'dep-accounting', 'dep-hr'].includes(e.departmentId!));
    const publishable = inScope.filter((e) => !e.dismissedAt?.startsWith('2026') && (e.phone || e.email));
    const res = await publish({ all: true });
    expect(res.json().changed).toBe(publishable.length);
    expect(res.json().skipped.every((s: { reason: string }) => s.reason !== 'OUT_OF_SCOPE')).toBe(true);
    const published = await t.testDb.database.prisma.employee.findMany({ where: { cabinetState: 'PUBLISHED' }, select: { externalId: true } });
    expect(published.map((e) => e.externalId).sort()).toEqual(publishable.map((e) => e.id).sort());

    // A department outside the scope publishes nobody.
    const outside = await publish({ departmentIds: ['dep-production'] });
    expect(outside.json()).toEqual({ changed: 0, unchanged: 0, skipped: [] });
    expect(await stateOf(inShop)).toBe('NOT_PUBLISHED');

    // The Ural scope leaves the published dep-admin employees out: confirmed, they are unpublished.
    const moved = await putSettings({ address: 'romashka', responsibleEmployeeId: inShop, scope: { kind: 'ORGANIZATIONS', organizationIds: ['org-romashka-ural'] }, confirmUnpublish: publishable.length });
    expect(moved.json().unpublished, moved.body).toBe(publishable.length);
    const ural = await publish({ departmentIds: ['dep-production'] });
    expect(ural.json().changed).toBe(data.employees.filter((e) => ['dep-production', 'dep-shop-1', 'dep-shop-2'].includes(e.departmentId!) && !e.dismissedAt?.startsWith('2026') && (e.phone || e.email)).length);
    expect(await stateOf(inShop)).toBe('PUBLISHED');
  });

  it('a scope change that leaves published employees out unpublishes them only after a preview and a confirmation with their number', async () => {
    const prisma = t.testDb.database.prisma;
    const services = t.container.services;
    const everyone = { address: 'romashka', responsibleEmployeeId: inAccounting, scope: { kind: 'ALL' } };
    await putSettings(everyone);
    await publish({ all: true });
    const publishable = (e: (typeof data.employees)[number]) => !e.dismissedAt?.startsWith('2026') && Boolean(e.phone || e.email);
    const ural = data.employees.filter((e) => e.organizationId === 'org-romashka-ural' && publishable(e));
    const staying = data.employees.filter((e) => e.organizationId === 'org-romashka' && publishable(e));
    expect(ural.length).toBeGreaterThanOrEqual(2);
    // One of them has signed in; another holds an invitation and a pending code.
    const active = await prisma.employee.update({ where: { externalId: ural[0]!.id }, data: { cabinetState: 'ACTIVE', activatedAt: new Date() } });
    await prisma.telegramAccount.create({ data: { telegramUserId: 5005n, chatId: 5005n, employeeId: active.id, linkedAt: new Date() } });
    const invitedRow = await prisma.employee.findUniqueOrThrow({ where: { externalId: ural[1]!.id } });
    const invitation = await services.invitations.create(invitedRow.id);
    const code = await prisma.oneTimeCode.create({ data: { employeeId: invitedRow.id, telegramUserId: 6006n, chatId: 6006n, expiresAt: new Date(Date.now() + 600_000) } });

    const next = { address: 'romashka', responsibleEmployeeId: inAccounting, scope: { kind: 'ORGANIZATIONS', organizationIds: ['org-romashka'] } };
    const preview = await t.request({ method: 'POST', url: '/api/v1/cabinet/settings/preview', token: t.tokens.admin, body: next });
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.json().unpublish.count).toBe(ural.length);
    expect(preview.json().unpublish.employees.map((e: { employeeId: string }) => e.employeeId).sort()).toEqual(ural.map((e) => e.id).sort());
    const publishedNow = async () => (await prisma.employee.findMany({ where: { cabinetState: { in: ['PUBLISHED', 'INVITED', 'ACTIVE'] } }, select: { externalId: true } })).map((e) => e.externalId).sort();
    const before = await publishedNow();
    expect(before).toEqual([...ural, ...staying].map((e) => e.id).sort());

    // Without the confirmation (or with another number) nothing changes, and the answer says how many.
    const refused = await putSettings(next);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'SCOPE_CHANGE_UNPUBLISHES' });
    expect(refused.json().message).toContain(`${ural.length} опубликованн`);
    expect(refused.json().message).toContain(`"confirmUnpublish": ${ural.length}`);
    expect((await putSettings({ ...next, confirmUnpublish: ural.length + 1 })).statusCode).toBe(409);
    expect(await publishedNow()).toEqual(before);
    expect((await t.request({ method: 'GET', url: '/api/v1/cabinet/settings', token: t.tokens.admin })).json().scope.kind).toBe('ALL');

    const done = await putSettings({ ...next, confirmUnpublish: ural.length });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({ unpublished: ural.length, scope: { kind: 'ORGANIZATIONS', organizationIds: ['org-romashka'] } });
    expect(await publishedNow()).toEqual(staying.map((e) => e.id).sort());
    expect((await prisma.telegramAccount.findUniqueOrThrow({ where: { telegramUserId: 5005n } })).employeeId).toBeNull();
    expect(await prisma.invitation.findUnique({ where: { id: invitation.id } })).toBeNull();
    expect((await prisma.oneTimeCode.findUniqueOrThrow({ where: { id: code.id } })).consumedAt).not.toBeNull();
    const entry = await prisma.auditLog.findFirstOrThrow({ where: { action: 'cabinet.settings.update' }, orderBy: { id: 'desc' } });
    expect(entry.details).toMatchObject({ unpublished: ural.length });

    // The same scope again leaves nobody out: no confirmation needed.
    expect((await putSettings(next)).json()).toMatchObject({ unpublished: 0 });
  });

  it('refuses a selection that is neither all, departments nor employees', async () => {
    const res = await publish({ everyone: true });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
  });

  it('lists employees with their cabinet state, paged and filtered', async () => {
    await publish({ departmentIds: ['dep-shop-1'] });
    const page1 = await t.request({ method: 'GET', url: '/api/v1/employees?pageSize=5', token: t.tokens.admin });
    expect(page1.statusCode).toBe(200);
    expect(page1.json()).toMatchObject({ total: 18, page: 1, pageSize: 5 });
    expect(page1.json().items).toHaveLength(5);
    const page4 = await t.request({ method: 'GET', url: '/api/v1/employees?pageSize=5&page=4', token: t.tokens.admin });
    expect(page4.json().items).toHaveLength(3);
    const all = [...page1.json().items];
    for (let p = 2; p <= 4; p++) all.push(...(await t.request({ method: 'GET', url: `/api/v1/employees?pageSize=5&page=${p}`, token: t.tokens.admin })).json().items);
    expect(new Set(all.map((i: { employeeId: string }) => i.employeeId)).size).toBe(18);

    const published = await t.request({ method: 'GET', url: '/api/v1/employees?state=PUBLISHED', token: t.tokens.admin });
    expect(published.json().items.every((i: { departmentId: string; cabinetState: string }) => i.departmentId === 'dep-shop-1' && i.cabinetState === 'PUBLISHED')).toBe(true);
    expect(published.json().total).toBeGreaterThan(0);

    const production = await t.request({ method: 'GET', url: '/api/v1/employees?departmentId=dep-production', token: t.tokens.admin });
    expect(production.json().total).toBe(data.employees.filter((e) => ['dep-production', 'dep-shop-1', 'dep-shop-2'].includes(e.departmentId!)).length);

    const one = byId.get('emp-00003')!;
    const search = await t.request({ method: 'GET', url: `/api/v1/employees?q=${encodeURIComponent('0000-00003')}`, token: t.tokens.admin });
    expect(search.json().items).toEqual([expect.objectContaining({ employeeId: 'emp-00003', fullName: `${one.lastName} ${one.firstName} ${one.middleName}`, hasPhone: Boolean(one.phone), hasEmail: Boolean(one.email) })]);
    expect(JSON.stringify(search.json())).not.toContain('+79');

    const bad = await t.request({ method: 'GET', url: '/api/v1/employees?state=HAPPY', token: t.tokens.admin });
    expect(bad.statusCode).toBe(400);
  });
});
