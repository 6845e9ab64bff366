import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImportDefinition } from '../../core/imports/import-definition.ts';
import { EMPLOYEE_NORMALIZATION_VERSION, employeesImport, type EmployeeRow } from '../../core/imports/employees.import.ts';
import { scanEnvelope } from '../../core/imports/json-envelope.ts';
import { envelopeSource, ndjsonSource, type RowSource } from '../../core/imports/row-source.ts';
import { PAYSLIP_NORMALIZATION_VERSION, payslipsImport, type PayslipRow } from '../../core/imports/payslips.import.ts';
import { generateHrData } from '../../prisma/seed/hr-generator.ts';
import { department, employee, organization, payslip, stateSnapshot } from '../fixtures/hr-rows.ts';
import { createTestClock } from '../helpers/test-clock.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

type Row = { row: number; field: string | null; code: string };

/** An import whose `prepare` calls are counted, its raw hashes made under `version`: run directly, by the runner. */
function countingPrepare<R>(base: ImportDefinition<R, unknown>, version: number) {
  const definition: ImportDefinition<R, unknown> & { prepared: number } = {
    ...base,
    rawShortcut: { ...base.rawShortcut!, version },
    prepared: 0,
    prepare(row, warn) {
      definition.prepared += 1;
      return base.prepare(row, warn);
    },
  };
  return definition;
}
const problems = (list: Row[]) => list.map((p) => [p.row, p.field, p.code]);

describe.each(DB_KINDS)('unchanged rows skipped by their raw hash on %s', (kind) => {
  let t: TestApp;
  // Small batches: the lookups, the skipped and the prepared rows of one upload cross several batches, and lookups
  // grow from a batch (2 rows) to IMPORT_LOOKUP_ROWS (8) while rows are found unchanged.
  beforeAll(async () => {
    t = await createTestApp(kind, { env: { IMPORT_BATCH_SIZE: '2', IMPORT_LOOKUP_ROWS: '8' } });
  });
  afterAll(async () => t?.close());
  beforeEach(async () => t.reset());

  const upload = (name: string, items: unknown[]) =>
    t.request({ method: 'POST', url: `/api/v1/imports/${name}`, token: t.tokens.import, body: { items } });
  const sendNdjson = (name: string, items: unknown[]) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/imports/${name}`,
      headers: { authorization: `Bearer ${t.tokens.import}`, 'content-type': 'application/x-ndjson' },
      payload: items.map((i) => `${JSON.stringify(i, null, 1).replace(/\n/g, '')}\n`).join(''),
    });

  async function company(employees: number) {
    const data = generateHrData({ employees, months: 1 });
    for (const [name, items] of [['organizations', data.organizations], ['departments', data.departments], ['employees', data.employees]] as const) {
      expect((await upload(name, items)).json()).toMatchObject({ rejected: 0 });
    }
    return data;
  }

  /** The payslips import with `prepare` counted (and, when given, another normalization version), run directly. */
  const counted = (version = PAYSLIP_NORMALIZATION_VERSION) => countingPrepare(payslipsImport as ImportDefinition<PayslipRow, unknown>, version);
  const run = (definition: ImportDefinition<PayslipRow, unknown>, items: unknown[] | RowSource) =>
    t.container.services.imports.run(definition as ImportDefinition<unknown, unknown>, items, {});
  const rawHashes = async () =>
    (await t.testDb.database.prisma.payslip.findMany({ select: { rawHash: true }, orderBy: { rawHash: 'asc' } })).map((p) => p.rawHash);

  /** Ten payslips; two with a department too long to store (a warning: stored without it). */
  function rows() {
    return Array.from({ length: 10 }, (_, i) => payslip(`emp-${String(i + 1).padStart(5, '0')}`, '2026-10',
      i === 2 || i === 7 ? { department: 'Ц'.repeat(600) } : {}));
  }

  it('reports an unchanged re-upload with the same counts and warnings, without preparing a row', async () => {
    await company(10);
    const first = (await upload('payslips', rows())).json();
    expect(first).toMatchObject({ created: 10, updated: 0, unchanged: 0, rejected: 0 });
    expect(problems(first.warnings)).toEqual([[2, 'department', 'too_long'], [7, 'department', 'too_long']]);
    const before = await stateSnapshot(t.testDb.database.prisma);
    expect((await rawHashes()).every((h) => h !== null)).toBe(true);

    const again = (await upload('payslips', rows())).json();
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 10, rejected: 0, errors: [] });
    expect(again.warnings).toEqual(first.warnings);
    expect(await stateSnapshot(t.testDb.database.prisma)).toEqual(before);

    // The same rows through the runner itself, parsed or as the bytes of an envelope: nothing is prepared.
    const definition = counted();
    expect(await run(definition, rows())).toMatchObject({ unchanged: 10, created: 0, updated: 0, rejected: 0 });
    expect(await run(definition, envelopeSource(scanEnvelope(Buffer.from(JSON.stringify({ items: rows() })))!)))
      .toMatchObject({ unchanged: 10, created: 0, updated: 0, rejected: 0 });
    expect(definition.prepared).toBe(0);

    // NDJSON with other spacing is other bytes: the rows take the full path once, are found unchanged by their
    // fingerprint and get the hash they came with, so that sent alike again they are skipped.
    const spaced = () => ndjsonSource(Readable.from([Buffer.from(rows().map((i) => `${JSON.stringify(i, null, 1).replace(/\n/g, '')}\n`).join(''))]), { maxLineBytes: 1 << 20 });
    const once = counted();
    expect(await run(once, spaced())).toMatchObject({ unchanged: 10, created: 0, updated: 0, rejected: 0 });
    expect(once.prepared).toBe(10);
    const twice = counted();
    expect(await run(twice, spaced())).toMatchObject({ unchanged: 10, created: 0, updated: 0, rejected: 0 });
    expect(twice.prepared).toBe(0);
    const ndjson = (await sendNdjson('payslips', rows())).json();
    expect(ndjson).toMatchObject({ unchanged: 10, rejected: 0 });
    expect(problems(ndjson.warnings)).toEqual(problems(first.warnings));
    expect(await t.testDb.database.prisma.payslip.count()).toBe(10);
  });

  it('a repeated row with a warning is reported alike on a re-upload: its warning at both rows, the repeat refused', async () => {
    await company(12);
    const items = [...rows(), rows()[7]];
    const first = (await upload('payslips', items)).json();
    expect(first).toMatchObject({ created: 10, rejected: 1 });
    const definition = counted();
    const again = await run(definition, items);
    expect(definition.prepared).toBe(0);
    expect(again).toMatchObject({ unchanged: 10, rejected: 1 });
    expect(problems(again.warnings)).toEqual(problems(first.warnings));
    expect(problems(again.errors)).toEqual(problems(first.errors));
    expect(problems(again.warnings)).toEqual(expect.arrayContaining([[7, 'department', 'too_long'], [10, 'department', 'too_long']]));
  });

  it('updates changed rows, reports bad ones and skips unchanged ones in one re-upload', async () => {
    await company(12);
    expect((await upload('payslips', rows())).json()).toMatchObject({ created: 10, rejected: 0 });

    const next: unknown[] = rows();
    // Changed: another amount (row 1) and a department now readable (row 2: its warning goes away).
    next[1] = payslip('emp-00002', '2026-10', { lines: [{ section: 'accrued', name: 'Оклад', amount: 90000 }], totals: undefined });
    next[2] = payslip('emp-00003', '2026-10', { department: 'Бухгалтерия' });
    // Bad: an unreadable amount (row 4, the same key as a stored row), an unknown employee (row 10), a repeat of an
    // unchanged row (row 11) and of a changed one (row 12), a new valid payslip (row 13).
    next[4] = payslip('emp-00005', '2026-10', { lines: [{ section: 'accrued', name: 'Оклад', amount: 'много' }] });
    next.push(payslip('emp-99999'), rows()[0], next[1], payslip('emp-00011'));
    const definition = counted();
    const res = await run(definition, next);
    expect(res).toMatchObject({ total: 14, created: 1, updated: 2, unchanged: 7, rejected: 4 });
    expect(problems(res.errors)).toEqual([
      [4, 'lines.0.amount', 'invalid_amount'],
      [10, 'employeeId', 'unknown_employee'],
      [11, 'employeeId', 'duplicate_in_upload'],
      [12, 'employeeId', 'duplicate_in_upload'],
    ]);
    // Only the rows not stored as they are went the full path: 1, 2, 4, 10, 13, and 12 unless its key (row 1's) was
    // already taken when its lookup settled — then it is refused as a duplicate before being prepared.
    expect([5, 6]).toContain(definition.prepared);
    expect(problems(res.warnings)).toEqual([[7, 'department', 'too_long']]);

    const prisma = t.testDb.database.prisma;
    const stored = await prisma.payslip.findFirstOrThrow({ where: { employee: { externalId: 'emp-00002' } }, include: { lines: true } });
    expect(stored.totalAccrued).toBe(9_000_000n);
    expect(stored.lines).toHaveLength(1);
    expect((await prisma.payslip.findFirstOrThrow({ where: { employee: { externalId: 'emp-00003' } } })).departmentName).toBe('Бухгалтерия');
    expect((await prisma.payslip.findFirstOrThrow({ where: { employee: { externalId: 'emp-00005' } } })).totalAccrued).toBe(8_500_000n);

    // The corrected rows are now stored as they are: the same upload again prepares only the bad ones.
    const repeat = counted();
    expect(await run(repeat, next)).toMatchObject({ created: 0, updated: 0, unchanged: 10, rejected: 4 });
    expect(repeat.prepared).toBe(2);
  });

  it('re-hashes rows stored before raw hashes existed, reporting the same result', async () => {
    await company(10);
    const first = (await upload('payslips', rows())).json();
    const hashes = await rawHashes();
    // What a payslip stored by the previous version looks like: no raw hash, no stored warnings.
    await t.testDb.database.prisma.$executeRaw`UPDATE payslips SET raw_hash = NULL, raw_warnings = NULL`;

    const definition = counted();
    const again = await run(definition, rows());
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 10, rejected: 0 });
    expect(definition.prepared).toBe(10);
    expect(again.warnings).toEqual(first.warnings.map(({ row, field, code }: Row) => ({ row, field, code })));
    expect(await rawHashes()).toEqual(hashes);

    const third = counted();
    const skipped = await run(third, rows());
    expect(skipped).toMatchObject({ unchanged: 10 });
    expect(skipped.warnings).toEqual(again.warnings);
    expect(third.prepared).toBe(0);
  });

  it('sends every row the full path again after a normalization version bump', async () => {
    await company(10);
    await upload('payslips', rows());
    const hashes = await rawHashes();

    const bumped = counted(PAYSLIP_NORMALIZATION_VERSION + 1);
    const res = await run(bumped, rows());
    expect(res).toMatchObject({ created: 0, updated: 0, unchanged: 10, rejected: 0 });
    expect(problems(res.warnings)).toEqual([[2, 'department', 'too_long'], [7, 'department', 'too_long']]);
    expect(bumped.prepared).toBe(10);
    const rehashed = await rawHashes();
    expect(rehashed.filter((h) => hashes.includes(h))).toEqual([]);

    const after = counted(PAYSLIP_NORMALIZATION_VERSION + 1);
    expect(await run(after, rows())).toMatchObject({ unchanged: 10 });
    expect(after.prepared).toBe(0);
  });
});

describe.each(DB_KINDS)('unchanged employees skipped by their raw hash on %s', (kind) => {
  let t: TestApp;
  const clock = createTestClock('2026-11-30T09:00:00.000Z');
  beforeAll(async () => {
    t = await createTestApp(kind, { env: { IMPORT_BATCH_SIZE: '2', IMPORT_LOOKUP_ROWS: '8' }, clock });
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    clock.set('2026-11-30T09:00:00.000Z');
  });

  const upload = (name: string, items: unknown[]) =>
    t.request({ method: 'POST', url: `/api/v1/imports/${name}`, token: t.tokens.import, body: { items } });
  const counted = (version = EMPLOYEE_NORMALIZATION_VERSION) => countingPrepare(employeesImport as ImportDefinition<EmployeeRow, unknown>, version);
  const run = (definition: ImportDefinition<EmployeeRow, unknown>, items: unknown[]) =>
    t.container.services.imports.run(definition as ImportDefinition<unknown, unknown>, items, {});
  const listed = (summary: { noContacts: { employeeId: string }[] }) => summary.noContacts.map((e) => e.employeeId).sort();

  it('skips unchanged employees without preparing them and lists those without contacts as the full path does, as of the upload', async () => {
    await upload('organizations', [organization()]);
    await upload('departments', [department()]);
    const rows = [
      employee(1),
      employee(2, { phone: null, email: null }),
      employee(3, { phone: 'не телефон', email: null }), // a warning, and no contact left
      employee(4, { phone: null, email: null, dismissedAt: '2026-12-15' }), // no contact, dismissed in two weeks
      employee(5),
    ];
    const first = (await upload('employees', rows)).json();
    expect(first).toMatchObject({ created: 5, rejected: 0 });
    expect(listed(first)).toEqual(['emp-2', 'emp-3', 'emp-4']);
    const before = await stateSnapshot(t.testDb.database.prisma);

    const again = counted();
    const same = await run(again, rows);
    expect(again.prepared).toBe(0);
    expect(same).toMatchObject({ unchanged: 5, created: 0, updated: 0, rejected: 0 });
    expect(listed(same)).toEqual(['emp-2', 'emp-3', 'emp-4']);
    expect(problems(same.warnings)).toEqual(problems(first.warnings));
    expect(await stateSnapshot(t.testDb.database.prisma)).toEqual(before);

    // A changed row takes the full path; the others are still skipped.
    const changed = counted();
    const edited = [employee(1, { position: 'Главный бухгалтер' }), ...rows.slice(1)];
    expect(await run(changed, edited)).toMatchObject({ updated: 1, unchanged: 4, rejected: 0 });
    expect(changed.prepared).toBe(1);

    // Past the dismissal date, the skipped rows are judged as of the new upload, exactly as the full path judges them.
    clock.set('2026-12-16T09:00:00.000Z');
    const skipped = counted();
    const later = await run(skipped, edited);
    expect(skipped.prepared).toBe(0);
    expect(listed(later)).toEqual(['emp-2', 'emp-3']);
    const full = counted(EMPLOYEE_NORMALIZATION_VERSION + 1);
    const fullPath = await run(full, edited);
    expect(full.prepared).toBe(5);
    expect(listed(fullPath)).toEqual(listed(later));
    expect(fullPath).toMatchObject({ unchanged: 5, rejected: 0 });
  });

  it('an employee whose department has moved to another organization takes the full path, which refuses it as before', async () => {
    await upload('organizations', [organization(), organization({ id: 'org-2', name: 'ООО «Лютик»', inn: '7736207543', kpp: '773601001' })]);
    await upload('departments', [department(), department({ id: 'dep-2', name: 'Склад' })]);
    const rows = [employee(1), employee(2, { departmentId: 'dep-2' })];
    expect((await upload('employees', rows)).json()).toMatchObject({ created: 2, rejected: 0 });
    expect((await upload('departments', [department({ organizationId: 'org-2' })])).json()).toMatchObject({ updated: 1, rejected: 0 });

    const definition = counted();
    const again = await run(definition, rows);
    expect(definition.prepared).toBe(1);
    expect(again).toMatchObject({ unchanged: 1, rejected: 1 });
    expect(problems(again.errors)).toEqual([[0, 'departmentId', 'other_organization']]);
  });
});
