import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateHrData } from '../../prisma/seed/hr-generator.ts';
import { department, employee, organization, payslip, stateSnapshot, tableCounts } from '../fixtures/hr-rows.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

describe.each(DB_KINDS)('uploads on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => t?.close());
  beforeEach(async () => t.reset());

  const upload = (name: string, items: unknown[], headers: Record<string, string> = {}) =>
    t.request({ method: 'POST', url: `/api/v1/imports/${name}`, token: t.tokens.import, body: { items }, headers });

  async function uploadCompany(employees = 6) {
    const data = generateHrData({ employees, months: 2, noContactsEvery: 4 });
    for (const [name, items] of [['organizations', data.organizations], ['departments', data.departments], ['employees', data.employees]] as const) {
      const res = await upload(name, items);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().rejected).toBe(0);
    }
    return data;
  }

  it('stores each kind of upload and counts what it created', async () => {
    const data = generateHrData({ employees: 12, months: 2, noContactsEvery: 5 });
    const org = (await upload('organizations', data.organizations)).json();
    expect(org).toMatchObject({ status: 'SUCCEEDED', total: 2, created: 2, updated: 0, unchanged: 0, rejected: 0, errors: [] });
    expect((await upload('departments', data.departments)).json()).toMatchObject({ created: data.departments.length, rejected: 0 });
    const emp = (await upload('employees', data.employees)).json();
    expect(emp).toMatchObject({ created: 12, rejected: 0 });
    expect(emp.noContacts.map((e: { employeeId: string }) => e.employeeId).sort()).toEqual(['emp-00005', 'emp-00010']);
    const slips = (await upload('payslips', data.payslipsFor('2026-10'))).json();
    expect(slips).toMatchObject({ created: 12, rejected: 0 });
    expect((await upload('vacations', data.vacations())).json()).toMatchObject({ created: 12, rejected: 0 });

    const db = t.container.services;
    expect(db).toBeDefined();
    const prisma = t.testDb.database.prisma;
    const stored = await prisma.employee.findUniqueOrThrow({ where: { externalId: 'emp-00001' }, include: { department: true, organization: true } });
    expect(stored.phone).toMatch(/^\+79\d{9}$/);
    expect(stored.department?.externalId).toBe(data.employees[0]!.departmentId);
    const departmentTree = await prisma.department.findUniqueOrThrow({ where: { externalId: 'dep-shop-1' }, include: { parent: true } });
    expect(departmentTree.parent?.name).toBe('Производство');
    const slip = await prisma.payslip.findFirstOrThrow({ where: { employee: { externalId: 'emp-00001' } }, include: { lines: { orderBy: { lineNo: 'asc' } } } });
    expect(slip.lines).toHaveLength(8);
    expect(slip.totalAccrued).toBe(slip.lines.filter((l) => l.section === 'ACCRUED').reduce((s, l) => s + l.amount, 0n));
    expect(slip.departmentName).toBe(stored.department?.name);
    const balances = await prisma.vacationBalance.findMany({ where: { employeeId: stored.id } });
    expect(balances.length).toBeGreaterThan(0);
    expect(await prisma.plannedVacation.count({ where: { employeeId: stored.id } })).toBe(1);
  });

  it('keeps money exact: amounts as numbers or text become kopecks without float error', async () => {
    await uploadCompany(1);
    const res = await upload('payslips', [payslip('emp-00001', '2026-10', {
      lines: [
        { section: 'accrued', name: 'Оклад', amount: 0.29 },
        { section: 'accrued', name: 'Премия', amount: '1 234,56' },
        { section: 'withheld', name: 'НДФЛ', amount: 160.53 },
      ],
      totals: { accrued: 1234.85, withheld: '160.53' },
    })]);
    expect(res.json()).toMatchObject({ created: 1, rejected: 0 });
    const lines = await t.testDb.database.prisma.payslipLine.findMany({ orderBy: { lineNo: 'asc' } });
    expect(lines.map((l) => l.amount)).toEqual([29n, 123456n, 16053n]);
  });

  it('a replayed upload leaves the same state and reports rows as unchanged', async () => {
    const data = await uploadCompany(8);
    const rows = data.payslipsFor('2026-10');
    await upload('payslips', rows);
    await upload('vacations', data.vacations());
    const before = await stateSnapshot(t.testDb.database.prisma);

    for (const [name, items] of [['organizations', data.organizations], ['departments', data.departments], ['employees', data.employees], ['payslips', rows], ['vacations', data.vacations()]] as const) {
      const again = (await upload(name, items)).json();
      expect(again, name).toMatchObject({ created: 0, updated: 0, unchanged: items.length, rejected: 0 });
    }
    expect(await stateSnapshot(t.testDb.database.prisma)).toEqual(before);

    // A corrected payslip replaces its lines whole: no stale line survives.
    const corrected = { ...rows[0]!, lines: rows[0]!.lines.slice(0, 3), totals: undefined };
    expect((await upload('payslips', [corrected])).json()).toMatchObject({ updated: 1 });
    const slip = await t.testDb.database.prisma.payslip.findFirstOrThrow({ where: { employee: { externalId: corrected.employeeId }, period: '2026-10' }, include: { lines: true } });
    expect(slip.lines).toHaveLength(3);
  });

  it('Idempotency-Key returns the first response again without running the upload twice', async () => {
    await uploadCompany(2);
    const items = [payslip('emp-00001'), payslip('emp-00002')];
    const first = await upload('payslips', items, { 'idempotency-key': 'zup-2026-10-final' });
    expect(first.json()).toMatchObject({ created: 2 });
    const runsAfterFirst = await t.testDb.database.prisma.importRun.count();

    const replay = await upload('payslips', items, { 'idempotency-key': 'zup-2026-10-final' });
    expect(replay.statusCode).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());
    expect(await t.testDb.database.prisma.importRun.count()).toBe(runsAfterFirst);

    const otherBody = await upload('payslips', [payslip('emp-00001')], { 'idempotency-key': 'zup-2026-10-final' });
    expect(otherBody.statusCode).toBe(422);
    expect(otherBody.json().code).toBe('IDEMPOTENCY_KEY_REUSED');

    const badKey = await upload('payslips', items, { 'idempotency-key': 'ключ' });
    expect(badKey.statusCode).toBe(422);
    expect(badKey.json().code).toBe('INVALID_IDEMPOTENCY_KEY');
  });

  it('reports bad rows with index, field and reason while storing the good ones whole', async () => {
    // Unreadable phones and e-mails are warnings (see the warnings test): the rows here are rejected for other reasons.
    await upload('organizations', [organization()]);
    await upload('departments', [department()]);
    const res = await upload('employees', [
      employee(1),
      employee(2, { dismissedAt: '31.12.2026' }),
      employee(3, { departmentId: 'dep-missing' }),
      { ...employee(4), lastName: 42 },
      employee(5, { firstName: '   ' }),
      employee(6),
      'not an object',
      employee(1, { lastName: 'Дубль' }),
    ]);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ total: 8, created: 2, rejected: 6, status: 'SUCCEEDED', warnings: [] });
    expect(body.errors.map((e: { row: number; field: string | null; code: string }) => [e.row, e.field, e.code])).toEqual([
      [1, 'dismissedAt', 'invalid_date'],
      [2, 'departmentId', 'unknown_department'],
      [3, 'lastName', 'invalid_type'],
      [4, 'firstName', 'required'],
      [6, null, 'not_an_object'],
      [7, 'id', 'duplicate_in_upload'],
    ]);
    expect(body.errors[0].message).toMatch(/дата не распознана/);
    const stored = await t.testDb.database.prisma.employee.findMany({ select: { externalId: true, lastName: true }, orderBy: { externalId: 'asc' } });
    expect(stored).toEqual([{ externalId: 'emp-1', lastName: 'Иванова' }, { externalId: 'emp-6', lastName: 'Иванова' }]);

    const slips = await upload('payslips', [
      payslip('emp-1'),
      payslip('emp-6', '2026-10', { totals: { accrued: 1 } }),
      payslip('emp-404'),
      payslip('emp-6', '2026-13'),
      { ...payslip('emp-6', '2026-09'), lines: [{ section: 'bonus', name: 'x', amount: 1 }] },
    ], { 'accept-language': 'en' });
    expect(slips.json().errors.map((e: { row: number; field: string | null; code: string }) => [e.row, e.field, e.code])).toEqual([
      [1, 'totals.accrued', 'totals_mismatch'],
      [2, 'employeeId', 'unknown_employee'],
      [3, 'period', 'invalid_period'],
      [4, 'lines.0.section', 'invalid_value'],
    ]);
    expect(slips.json().errors[0].message).toBe("the total differs from the sum of the section's lines");
    const prisma = t.testDb.database.prisma;
    expect(await prisma.payslip.count()).toBe(1);
    expect(await prisma.payslipLine.count()).toBe(3);
  });

  it('a field Kabinet can do without is a warning: the row and everything under it are stored', async () => {
    const org = await upload('organizations', [
      organization({ id: 'org-1', inn: '7707083894' }), // check digit wrong
      { ...organization({ id: 'org-2', name: 'ООО «Лютик»' }), inn: 7707083893, kpp: '77-07' }, // INN as a number, КПП garbled
      organization({ id: 'org-3', name: 'ООО «Василёк»', address: 'г. Москва\u0000' }),
      organization({ id: ' ', name: 'без id' }),
    ]);
    expect(org.statusCode).toBe(200);
    const body = org.json();
    expect(body).toMatchObject({ created: 3, rejected: 1, errors: [{ row: 3, field: 'id', code: 'required' }], warningsTruncated: false });
    expect(body.warnings.map((w: { row: number; field: string; code: string }) => [w.row, w.field, w.code])).toEqual([
      [0, 'inn', 'invalid_inn'],
      [1, 'inn', 'invalid_type'],
      [1, 'kpp', 'invalid_kpp'],
      [2, 'address', 'invalid_text'],
    ]);
    expect(body.warnings[0].message).toBe('ИНН неверен (длина или контрольные цифры) — строка сохранена без этого значения');
    const prisma = t.testDb.database.prisma;
    // What could not be read is not stored: an INN in the database is one whose check digits hold.
    expect(await prisma.organization.findMany({ orderBy: { externalId: 'asc' }, select: { externalId: true, inn: true, kpp: true, address: true } })).toEqual([
      { externalId: 'org-1', inn: null, kpp: '770701001', address: 'г. Москва' },
      { externalId: 'org-2', inn: null, kpp: null, address: 'г. Москва' },
      { externalId: 'org-3', inn: '7707083893', kpp: '770701001', address: null },
    ]);
    // The run keeps errors and warnings apart, and shows them again.
    const run = await prisma.importRun.findUniqueOrThrow({ where: { id: body.importId } });
    expect(run.warnings).toHaveLength(4);
    expect(run.errors).toHaveLength(1);
    const shown = await t.request({ method: 'GET', url: `/api/v1/imports/${body.importId}`, token: t.tokens.import, headers: { 'accept-language': 'en' } });
    expect(shown.json().warnings[0]).toEqual({ row: 0, field: 'inn', code: 'invalid_inn', message: 'INN is invalid (length or check digits); the row was stored without this value' });

    // Nothing under the organization is lost: its departments and employees are stored, unreadable contacts left out.
    expect((await upload('departments', [department()])).json()).toMatchObject({ created: 1, rejected: 0 });
    const emp = (await upload('employees', [
      employee(1, { phone: '12345', email: 'not-an-email', position: 'x'.repeat(600), hiredAt: '0000-01-01' }),
      employee(2, { phone: '+375 29 123-45-67', middleName: null }),
    ])).json();
    expect(emp).toMatchObject({ created: 2, rejected: 0, errors: [] });
    expect(emp.warnings.map((w: { row: number; field: string; code: string }) => [w.row, w.field, w.code])).toEqual([
      [0, 'position', 'too_long'],
      [0, 'phone', 'invalid_phone'],
      [0, 'email', 'invalid_email'],
      [0, 'hiredAt', 'invalid_date'],
    ]);
    // Left with no contact at all, the employee is listed: no cabinet is possible for them yet.
    expect(emp.noContacts.map((e: { employeeId: string }) => e.employeeId)).toEqual(['emp-1']);
    const stored = await prisma.employee.findUniqueOrThrow({ where: { externalId: 'emp-1' } });
    expect(stored).toMatchObject({ phone: null, email: null, position: null, hiredAt: null });
    expect((await upload('payslips', [payslip('emp-1')])).json()).toMatchObject({ created: 1, rejected: 0 });

    // The same upload again changes nothing and warns again.
    const again = (await upload('organizations', [organization({ id: 'org-1', inn: '7707083894' })])).json();
    expect(again).toMatchObject({ unchanged: 1, warnings: [{ row: 0, field: 'inn', code: 'invalid_inn' }] });
  });

  it('refuses input that cannot be stored row by row, and stores the valid rows of the same batch', async () => {
    const orgs = (await upload('organizations', [
      organization({ id: 'org-1' }),
      organization({ id: 'org-\u0000', name: 'NUL в id' }),
      organization({ id: 'org-\ud800', name: 'одиночный суррогат' }),
      organization({ id: 'org-4', name: 'ООО\u0000' }),
      organization({ id: 'org-5', name: '   ' }),
      organization({ id: 'org-6', name: 'ООО «Одуванчик» 🌼' }),
    ])).json();
    expect(orgs).toMatchObject({ created: 2, rejected: 4 });
    expect(orgs.errors.map((e: { row: number; field: string; code: string }) => [e.row, e.field, e.code])).toEqual([
      [1, 'id', 'invalid_text'],
      [2, 'id', 'invalid_text'],
      [3, 'name', 'invalid_text'],
      [4, 'name', 'required'],
    ]);
    // The identical upload again is simply unchanged: nothing was stored in a form it cannot be found by.
    const replay = [organization({ id: 'org-1' }), organization({ id: 'org-6', name: 'ООО «Одуванчик» 🌼' })];
    expect((await upload('organizations', replay)).json()).toMatchObject({ unchanged: 2, rejected: 0 });

    const deps = (await upload('departments', [
      department(),
      department({ id: 'dep-2', parentId: '  ' }), // blank reference: no parent
      department({ id: 'dep-3', organizationId: 'org-1\u0000' }),
      department({ id: '   ' }),
    ])).json();
    expect(deps).toMatchObject({ created: 2, rejected: 2 });
    expect(deps.errors.map((e: { row: number; field: string; code: string }) => [e.row, e.field, e.code])).toEqual([
      [2, 'organizationId', 'invalid_text'],
      [3, 'id', 'required'],
    ]);

    const emps = (await upload('employees', [
      employee(1),
      employee(2, { lastName: 'Иван\u0000ова' }),
      employee(3, { dismissedAt: '0000-01-01' }),
      employee(4, { departmentId: '' }),
      employee(5, { personnelNumber: ' ' }),
    ])).json();
    expect(emps).toMatchObject({ created: 2, rejected: 3 });
    expect(emps.errors.map((e: { row: number; field: string; code: string }) => [e.row, e.field, e.code])).toEqual([
      [1, 'lastName', 'invalid_text'],
      [2, 'dismissedAt', 'invalid_date'],
      [4, 'personnelNumber', 'required'],
    ]);
    expect((await t.testDb.database.prisma.employee.findUniqueOrThrow({ where: { externalId: 'emp-4' } })).departmentId).toBeNull();

    const line = (amount: string | number) => ({ section: 'accrued' as const, name: 'Оклад', amount });
    const huge = '999999999999999.99';
    const slips = (await upload('payslips', [
      payslip('emp-1'),
      payslip('emp-1', '2026-09', { lines: [line('')], totals: undefined }),
      payslip('emp-1', '2026-08', { lines: [line(' ')], totals: undefined }),
      payslip('emp-1', '2026-07', { lines: Array.from({ length: 100 }, () => line(huge)), totals: undefined }),
      payslip('emp-1', '0000-01'),
      payslip('emp-1', '2026-06', { lines: [{ ...line(1), name: 'Окл\u0000ад' }], totals: undefined }),
      payslip('emp-\ud83d', '2026-05'),
      payslip('emp-4', '2026-10'),
    ])).json();
    expect(slips).toMatchObject({ created: 2, rejected: 6 });
    expect(slips.errors.map((e: { row: number; field: string; code: string }) => [e.row, e.field, e.code])).toEqual([
      [1, 'lines.0.amount', 'required'],
      [2, 'lines.0.amount', 'required'],
      [3, 'totals.accrued', 'out_of_range'],
      [4, 'period', 'invalid_period'],
      [5, 'lines.0.name', 'invalid_text'],
      [6, 'employeeId', 'invalid_text'],
    ]);

    const vacation = { employeeId: 'emp-1', asOf: '2026-10-31', balances: [{ typeCode: 'Основной', typeName: 'Основной отпуск', entitledDays: 28, usedDays: 0, remainingDays: 28 }] };
    const vac = (await upload('vacations', [
      vacation,
      { ...vacation, employeeId: 'emp-4', balances: [{ ...vacation.balances[0]!, typeName: 'Осн\u0000овной' }] },
      { ...vacation, employeeId: 'emp-4', asOf: '0000-01-01' },
    ])).json();
    expect(vac).toMatchObject({ created: 1, rejected: 2 });
    expect(vac.errors.map((e: { row: number; field: string; code: string }) => [e.row, e.field, e.code])).toEqual([
      [1, 'balances.0.typeName', 'invalid_text'],
      [2, 'asOf', 'invalid_date'],
    ]);
    // Nothing failed: no run is left failed, and the valid rows are there.
    const prisma = t.testDb.database.prisma;
    expect(await prisma.importRun.count({ where: { status: { not: 'SUCCEEDED' } } })).toBe(0);
    expect(await prisma.payslip.count()).toBe(2);
  });

  it('shows progress and the result of an import run by id', async () => {
    const data = await uploadCompany(3);
    const res = await upload('payslips', data.payslipsFor('2026-09'));
    const { importId } = res.json();
    const run = await t.request({ method: 'GET', url: `/api/v1/imports/${importId}`, token: t.tokens.import });
    expect(run.statusCode).toBe(200);
    expect(run.json()).toEqual(res.json());
    expect(run.json()).toMatchObject({ kind: 'PAYSLIPS', status: 'SUCCEEDED', total: 3, processed: 3 });
    const missing = await t.request({ method: 'GET', url: '/api/v1/imports/0193a1f2-0000-7000-8000-000000000000', token: t.tokens.admin });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('IMPORT_NOT_FOUND');
  });

  it('disables employees dismissed by an upload at once and drops their pending codes', async () => {
    await uploadCompany(3);
    const prisma = t.testDb.database.prisma;
    await t.request({ method: 'POST', url: '/api/v1/cabinets/publish', token: t.tokens.admin, body: { all: true } });
    const target = await prisma.employee.findUniqueOrThrow({ where: { externalId: 'emp-00001' } });
    expect(target.cabinetState).toBe('PUBLISHED');
    await prisma.oneTimeCode.create({ data: { employeeId: target.id, telegramUserId: 1n, chatId: 1n, channel: 'SMS', codeHash: 'x', expiresAt: new Date(Date.now() + 60_000) } });
    await prisma.invitation.create({ data: { employeeId: target.id, tokenHash: 'invitation-of-emp-00001', channel: 'SMS', expiresAt: new Date(Date.now() + 86_400_000) } });

    const rows = generateHrData({ employees: 3, months: 1, noContactsEvery: 4 }).employees;
    rows[0] = { ...rows[0]!, dismissedAt: '2026-01-31T00:00:00' };
    const res = await upload('employees', rows);
    expect(res.json()).toMatchObject({ updated: 1, unchanged: 2 });
    expect((await prisma.employee.findUniqueOrThrow({ where: { externalId: 'emp-00001' } })).cabinetState).toBe('DISABLED');
    expect(await prisma.oneTimeCode.count({ where: { employeeId: target.id, consumedAt: null } })).toBe(0);
    expect(await prisma.invitation.count({ where: { employeeId: target.id } })).toBe(0);
    expect((await prisma.employee.findUniqueOrThrow({ where: { externalId: 'emp-00002' } })).cabinetState).toBe('PUBLISHED');

    // A cancelled dismissal brings the employee back unpublished: access never reappears by itself.
    rows[0] = { ...rows[0]!, dismissedAt: '0001-01-01T00:00:00' };
    await upload('employees', rows);
    expect((await prisma.employee.findUniqueOrThrow({ where: { externalId: 'emp-00001' } })).cabinetState).toBe('NOT_PUBLISHED');
  });

  describe('refuses bad requests with {code, message} and writes nothing', () => {
    const cases: [string, () => Promise<{ statusCode: number; json(): { code: string; message: string } }>, number, string][] = [
      ['malformed JSON', () => t.request({ method: 'POST', url: '/api/v1/imports/employees', token: t.tokens.import, body: '{"items": [' }), 400, 'MALFORMED_JSON'],
      ['an item after the last', () => t.request({ method: 'POST', url: '/api/v1/imports/employees', token: t.tokens.import, body: `{"items": [${JSON.stringify(employee(1))},]}` }), 400, 'MALFORMED_JSON'],
      // The envelope of an upload is read from its bytes; it refuses what every other JSON body is refused for.
      ['a poisoned item', () => t.request({ method: 'POST', url: '/api/v1/imports/employees', token: t.tokens.import, body: `{"items": [${JSON.stringify(employee(1)).replace('{', '{"__proto__": {"x": 1},')}]}` }), 400, 'MALFORMED_JSON'],
      ['a poisoned item, escaped', () => t.request({ method: 'POST', url: '/api/v1/imports/employees', token: t.tokens.import, body: `{"items": [{"constructor": {"\\u0070rototype": {}}}]}` }), 400, 'MALFORMED_JSON'],
      ['items not an array', () => t.request({ method: 'POST', url: '/api/v1/imports/employees', token: t.tokens.import, body: { items: 'abc' } }), 400, 'VALIDATION_FAILED'],
      ['body not an object', () => t.request({ method: 'POST', url: '/api/v1/imports/employees', token: t.tokens.import, body: [employee(1)] }), 400, 'VALIDATION_FAILED'],
      ['wrong content type', () => t.request({ method: 'POST', url: '/api/v1/imports/employees', token: t.tokens.import, body: 'x', headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['missing token', () => t.request({ method: 'POST', url: '/api/v1/imports/employees', body: { items: [employee(1)] } }), 401, 'AUTH_REQUIRED'],
      ['wrong token', () => t.request({ method: 'POST', url: '/api/v1/imports/employees', token: 'kbt_nope', body: { items: [employee(1)] } }), 401, 'INVALID_TOKEN'],
      ['wrong scope', () => t.request({ method: 'POST', url: '/api/v1/imports/employees', token: t.tokens.hr, body: { items: [employee(1)] } }), 403, 'INSUFFICIENT_SCOPE'],
      ['admin token on an upload', () => t.request({ method: 'POST', url: '/api/v1/imports/employees', token: t.tokens.admin, body: { items: [employee(1)] } }), 403, 'INSUFFICIENT_SCOPE'],
    ];
    it.each(cases)('%s', async (_name, send, status, code) => {
      await upload('organizations', [organization()]);
      await upload('departments', [department()]);
      const before = await tableCounts(t.testDb.database.prisma);
      const res = await send();
      expect(res.statusCode).toBe(status);
      expect(res.json().code).toBe(code);
      expect(res.json().message.length).toBeGreaterThan(10);
      expect(await tableCounts(t.testDb.database.prisma)).toEqual(before);
    });

    it('a revoked token is refused', async () => {
      const { token, id } = await t.container.services.apiTokens.create('old', ['IMPORT']);
      await t.container.services.apiTokens.revoke(id);
      const res = await t.request({ method: 'POST', url: '/api/v1/imports/organizations', token, body: { items: [organization()] } });
      expect(res.statusCode).toBe(401);
      expect(await t.testDb.database.prisma.organization.count()).toBe(0);
    });
  });
});

describe('oversized bodies', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('pglite', { env: { API_BODY_LIMIT_MB: '0.01' } });
  });
  afterAll(async () => t?.close());

  it('are refused with 413 before anything is parsed or written', async () => {
    const items = Array.from({ length: 200 }, (_, i) => employee(i + 1));
    const res = await t.request({ method: 'POST', url: '/api/v1/imports/employees', token: t.tokens.import, body: { items } });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'BODY_TOO_LARGE' });
    expect(res.json().message).toMatch(/больше допустимого/);
    expect(await tableCounts(t.testDb.database.prisma)).toMatchObject({ employees: 0, importRuns: 0 });
  });
});
