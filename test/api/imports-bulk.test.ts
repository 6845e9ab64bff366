import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IMPORTS } from '../../core/imports/index.ts';
import { createImportRunner } from '../../core/imports/import-runner.ts';
import { createLogger } from '../../core/logger.ts';
import { department, employee, organization, payslip } from '../fixtures/hr-rows.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createTestClock, type TestClock } from '../helpers/test-clock.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

type Problem = { row: number; field: string | null; code: string };
const problems = (body: { errors: Problem[] }) => body.errors.map((e) => [e.row, e.field, e.code]);

// The set-based write path (typed arrays through unnest): every column lands as the row said, and one batch mixes
// new, changed, unchanged and refused rows (the test app writes batches of 50, so each upload here is one batch).
describe.each(DB_KINDS)('set-based upload writes on %s', (kind) => {
  let t: TestApp;
  let clock: TestClock;
  beforeAll(async () => {
    clock = createTestClock('2026-11-30T09:00:00.000Z');
    t = await createTestApp(kind, { clock });
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    clock.set('2026-11-30T09:00:00.000Z');
    await t.reset();
  });

  const upload = (name: string, items: unknown[]) =>
    t.request({ method: 'POST', url: `/api/v1/imports/${name}`, token: t.tokens.import, body: { items } });
  const prisma = () => t.testDb.database.prisma;

  async function base() {
    expect((await upload('organizations', [organization(), organization({ id: 'org-2', name: 'ООО «Лютик»' })])).json().rejected).toBe(0);
    expect((await upload('departments', [department(), department({ id: 'dep-2', name: 'Склад' })])).json().rejected).toBe(0);
  }

  it('employees: new, changed, unchanged and bad rows in one batch; every column and cabinet state as expected', async () => {
    await base();
    const first = await upload('employees', [
      employee(1), employee(2), employee(3), employee(4, { phone: null, email: null, hiredAt: null, middleName: null }),
    ]);
    expect(first.json()).toMatchObject({ created: 4, rejected: 0 });
    const stored = await prisma().employee.findUniqueOrThrow({ where: { externalId: 'emp-1' }, include: { department: true } });
    expect(stored).toMatchObject({
      personnelNumber: '0000-1', lastName: 'Иванова', firstName: 'Мария', middleName: 'Петровна', position: 'Бухгалтер',
      phone: '+79120000001', email: 'emp1@romashka.ru', hiredAt: new Date('2021-03-15T00:00:00Z'), dismissedAt: null,
      cabinetState: 'NOT_PUBLISHED', sourceHash: expect.any(String), updatedAt: new Date('2026-11-30T09:00:00Z'),
    });
    expect(stored.department?.externalId).toBe('dep-1');
    expect(await prisma().employee.findUniqueOrThrow({ where: { externalId: 'emp-4' } })).toMatchObject({ phone: null, email: null, hiredAt: null, middleName: null });

    // emp-2 and emp-3 are published; emp-3 will be dismissed with a pending code.
    await t.request({ method: 'POST', url: '/api/v1/cabinets/publish', token: t.tokens.admin, body: { all: true } });
    const emp3 = await prisma().employee.findUniqueOrThrow({ where: { externalId: 'emp-3' } });
    await prisma().oneTimeCode.create({ data: { employeeId: emp3.id, telegramUserId: 3n, chatId: 3n, channel: 'SMS', codeHash: 'h', expiresAt: new Date('2026-11-30T10:00:00Z') } });
    const emp1Before = await prisma().employee.findUniqueOrThrow({ where: { externalId: 'emp-1' } });
    clock.advance(60_000);

    const second = await upload('employees', [
      employee(1), // unchanged
      employee(2, { lastName: 'Петрова', departmentId: 'dep-2', phone: '+7 912 111-22-33', hiredAt: '2020-01-09' }), // changed
      employee(3, { dismissedAt: '2026-11-01' }), // dismissed
      employee(5, { organizationId: 'org-2', departmentId: null }), // new
      employee(6, { departmentId: 'dep-missing' }), // unknown department
      employee(7, { hiredAt: '2026-02-30', dismissedAt: 'вчера' }), // bad dismissal date
      employee(2), // repeated key
    ]);
    expect(second.json()).toMatchObject({ total: 7, created: 1, updated: 2, unchanged: 1, rejected: 3 });
    expect(problems(second.json())).toEqual([[4, 'departmentId', 'unknown_department'], [5, 'dismissedAt', 'invalid_date'], [6, 'id', 'duplicate_in_upload']]);

    const after = new Map((await prisma().employee.findMany({ include: { department: true, organization: true } })).map((e) => [e.externalId, e]));
    expect([...after.keys()].sort()).toEqual(['emp-1', 'emp-2', 'emp-3', 'emp-4', 'emp-5']);
    expect(after.get('emp-1')).toMatchObject({ updatedAt: emp1Before.updatedAt, sourceHash: emp1Before.sourceHash, cabinetState: 'PUBLISHED' });
    expect(after.get('emp-2')).toMatchObject({
      lastName: 'Петрова', phone: '+79121112233', hiredAt: new Date('2020-01-09T00:00:00Z'), cabinetState: 'PUBLISHED',
      updatedAt: new Date('2026-11-30T09:01:00Z'),
    });
    expect(after.get('emp-2')!.department?.externalId).toBe('dep-2');
    expect(after.get('emp-3')).toMatchObject({ dismissedAt: new Date('2026-11-01T00:00:00Z'), cabinetState: 'DISABLED' });
    expect(after.get('emp-5')).toMatchObject({ departmentId: null, cabinetState: 'NOT_PUBLISHED' });
    expect(after.get('emp-5')!.organization.externalId).toBe('org-2');
    // The dismissal revoked the pending code in the same batch.
    expect(await prisma().oneTimeCode.count({ where: { employeeId: emp3.id, consumedAt: null } })).toBe(0);

    // A cancelled dismissal brings the cabinet back unpublished.
    expect((await upload('employees', [employee(3)])).json()).toMatchObject({ updated: 1 });
    expect((await prisma().employee.findUniqueOrThrow({ where: { externalId: 'emp-3' } })).cabinetState).toBe('NOT_PUBLISHED');
  });

  it('payslips: new, changed, unchanged and bad rows in one batch; lines replaced whole, columns exact', async () => {
    await base();
    await upload('employees', [employee(1), employee(2, { position: null }), employee(3)]);
    const first = await upload('payslips', [payslip('emp-1'), payslip('emp-2'), payslip('emp-3', '2026-09')]);
    expect(first.json()).toMatchObject({ created: 3, rejected: 0 });
    const slip2 = await prisma().payslip.findFirstOrThrow({ where: { employee: { externalId: 'emp-2' } }, include: { lines: { orderBy: { lineNo: 'asc' } } } });
    expect(slip2).toMatchObject({
      period: '2026-10', kind: 'FINAL', departmentName: 'Бухгалтерия', position: null, debtStart: 0n, debtEnd: 0n,
      totalAccrued: 8_500_000n, totalWithheld: 1_105_000n, totalPaid: 7_395_000n,
      publishedAt: new Date('2026-11-30T09:00:00Z'), updatedAt: new Date('2026-11-30T09:00:00Z'),
    });
    expect(slip2.lines.map((l) => [l.lineNo, l.section, l.code, l.name, l.days?.toString() ?? null, l.hours?.toString() ?? null, l.amount])).toEqual([
      [1, 'ACCRUED', 'ОКЛ', 'Оплата по окладу', '22', '176', 8_500_000n],
      [2, 'WITHHELD', 'НДФЛ', 'НДФЛ', null, null, 1_105_000n],
      [3, 'PAID', null, 'Зарплата', null, null, 7_395_000n],
    ]);
    clock.advance(60_000);

    const corrected = payslip('emp-2', '2026-10', {
      position: 'Кассир', department: 'Касса', debtEnd: '-12,5', organizationId: 'org-2',
      lines: [{ section: 'accrued', code: 'ОКЛ', name: 'Оплата по окладу', note: '01.10–31.10', days: '21,5', hours: 172.25, amount: '90000.10' }],
      totals: undefined,
    });
    const second = await upload('payslips', [
      payslip('emp-1'), // unchanged
      corrected, // changed: fewer lines, other columns
      payslip('emp-3', '2026-10', { kind: 'advance' }), // new
      payslip('emp-404'), // unknown employee
      payslip('emp-3', '2026-08', { lines: [{ section: 'accrued', name: 'Оклад', amount: 'много' }], totals: undefined }), // bad amount
      payslip('emp-1', '2026-10', { organizationId: 'org-missing' }), // repeated key (refused before the lookup)
    ]);
    expect(second.json()).toMatchObject({ total: 6, created: 1, updated: 1, unchanged: 1, rejected: 3 });
    expect(problems(second.json())).toEqual([[3, 'employeeId', 'unknown_employee'], [4, 'lines.0.amount', 'invalid_amount'], [5, 'employeeId', 'duplicate_in_upload']]);

    const after = await prisma().payslip.findFirstOrThrow({ where: { id: slip2.id }, include: { lines: true, organization: true } });
    expect(after).toMatchObject({
      position: 'Кассир', departmentName: 'Касса', debtEnd: -1250n, totalAccrued: 9_000_010n, totalWithheld: 0n, totalPaid: 0n,
      publishedAt: new Date('2026-11-30T09:00:00Z'), updatedAt: new Date('2026-11-30T09:01:00Z'),
    });
    expect(after.organization.externalId).toBe('org-2');
    expect(after.lines.map((l) => [l.lineNo, l.note, l.days?.toString(), l.hours?.toString(), l.amount])).toEqual([[1, '01.10–31.10', '21.5', '172.25', 9_000_010n]]);
    const unchanged = await prisma().payslip.findFirstOrThrow({ where: { employee: { externalId: 'emp-1' } } });
    expect(unchanged.updatedAt).toEqual(new Date('2026-11-30T09:00:00Z'));
    expect(await prisma().payslip.count()).toBe(4);
    expect(await prisma().payslipLine.count()).toBe(3 + 1 + 3 + 3);
  });

  it('vacations: new, changed and unchanged employees in one batch replace balances and plans whole', async () => {
    await base();
    await upload('employees', [employee(1), employee(2), employee(3)]);
    const balance = (typeCode: string, remainingDays: number | string) => ({ typeCode, typeName: `Отпуск ${typeCode}`, entitledDays: 28, usedDays: '0,5', remainingDays });
    const row = (id: string, balances: unknown[], planned: unknown[] = []) => ({ employeeId: id, asOf: '2026-10-31T00:00:00', balances, planned });
    const plan = { typeCode: 'A', typeName: 'Основной', startsOn: '2026-12-21', endsOn: '2027-01-03', days: 14 };
    expect((await upload('vacations', [row('emp-1', [balance('A', 27.5)], [plan]), row('emp-2', [balance('A', 10), balance('B', 3)])])).json()).toMatchObject({ created: 2 });

    const res = await upload('vacations', [
      row('emp-1', [balance('A', 27.5)], [plan]), // unchanged
      row('emp-2', [balance('B', '4,25')], [{ ...plan, startsOn: '2027-02-01', endsOn: '2027-02-07', days: 7 }]), // changed
      row('emp-3', [balance('A', 28)]), // new
      row('emp-9', [balance('A', 1)]), // unknown
      row('emp-3', []), // repeated
    ]);
    expect(res.json()).toMatchObject({ created: 1, updated: 1, unchanged: 1, rejected: 2 });
    const of = async (id: string) => {
      const e = await prisma().employee.findUniqueOrThrow({ where: { externalId: id }, include: { vacationBalances: true, plannedVacations: true } });
      return {
        balances: e.vacationBalances.map((b) => [b.typeCode, b.typeName, b.asOf.toISOString().slice(0, 10), b.entitledDays.toString(), b.usedDays.toString(), b.remainingDays.toString()]).sort(),
        planned: e.plannedVacations.map((p) => [p.typeCode, p.startsOn.toISOString().slice(0, 10), p.endsOn.toISOString().slice(0, 10), p.days.toString()]),
      };
    };
    expect(await of('emp-1')).toEqual({ balances: [['A', 'Отпуск A', '2026-10-31', '28', '0.5', '27.5']], planned: [['A', '2026-12-21', '2027-01-03', '14']] });
    expect(await of('emp-2')).toEqual({ balances: [['B', 'Отпуск B', '2026-10-31', '28', '0.5', '4.25']], planned: [['A', '2027-02-01', '2027-02-07', '7']] });
    expect(await of('emp-3')).toEqual({ balances: [['A', 'Отпуск A', '2026-10-31', '28', '0.5', '28']], planned: [] });
    expect(await prisma().vacationSnapshot.count()).toBe(3);
    // The same upload again changes nothing.
    expect((await upload('vacations', [row('emp-3', [balance('A', 28)])])).json()).toMatchObject({ unchanged: 1 });
  });

  it('announces one new payslip per employee, the newest final one, however the upload is cut into batches', async () => {
    await base();
    await upload('employees', [employee(1), employee(2)]);
    await upload('payslips', [payslip('emp-2', '2026-10')]); // already stored: not new, not announced
    const announced: string[][] = [];
    const runner = createImportRunner({
      db: t.testDb.database.prisma, sql: t.testDb.database.sql, logger: createLogger({ level: 'silent' }), batchSize: 2, clock,
      publisher: { payslipsCreated: async (ids) => (announced.push(ids), ids.length) },
    });
    const summary = await runner.run(IMPORTS.payslips, [
      payslip('emp-1', '2026-10', { kind: 'advance' }),
      payslip('emp-1', '2026-08'),
      payslip('emp-2', '2026-09'),
      payslip('emp-1', '2026-10'),
      payslip('emp-2', '2026-10'),
      payslip('emp-1', '2026-09'),
    ], {});
    expect(summary).toMatchObject({ created: 5, unchanged: 1 });
    expect(announced).toHaveLength(1);
    const slips = await prisma().payslip.findMany({ where: { id: { in: announced[0] } }, include: { employee: true } });
    expect(slips.map((p) => [p.employee.externalId, p.period, p.kind]).sort()).toEqual([['emp-1', '2026-10', 'FINAL'], ['emp-2', '2026-09', 'FINAL']]);
  });
});
