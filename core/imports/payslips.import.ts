import Type, { type Static } from 'typebox';
import { ImportKind, PayslipKind, PayslipSection } from '../db/generated/enums.ts';
import { uuidv7 } from '../util/ids.ts';
import {
  classify, field, type ImportDefinition, inSqlBatchTransaction, type Indexed, optionalId, type RawStamp, rememberNewPayslip, requiredText,
  type RowError, RowFieldError, type StoredRaw, storedWarnings,
} from './import-definition.ts';
import { optionalText, toKopecks, toPeriod, toQuantity } from './normalize.ts';
import { jsonFingerprint } from './raw-hash.ts';
import { Id, Money, OptionalId, OptionalMoney, OptionalText, Quantity } from './row-types.ts';

const SECTIONS = { accrued: PayslipSection.ACCRUED, withheld: PayslipSection.WITHHELD, paid: PayslipSection.PAID, other: PayslipSection.OTHER } as const;
const KINDS = { advance: PayslipKind.ADVANCE, final: PayslipKind.FINAL } as const;

/** Amounts are stored as BIGINT kopecks: a section whose lines add up beyond it cannot be stored. */
const MAX_KOPECKS = 2n ** 63n - 1n;

export const PayslipLineRow = Type.Object({
  section: Type.Union([Type.Literal('accrued'), Type.Literal('withheld'), Type.Literal('paid'), Type.Literal('other')], {
    description: 'accrued = Начислено, withheld = Удержано, paid = Выплачено, other = Справочно',
  }),
  code: OptionalText('Code of the accrual or deduction kind in the payroll system', 100),
  name: Type.String({ minLength: 1, maxLength: 500, description: 'e.g. «Оплата по окладу», «НДФЛ»' }),
  note: OptionalText('Free text shown beside the line, e.g. the period "01.10–31.10"', 200),
  days: Quantity('Days, e.g. 22'),
  hours: Quantity('Hours, e.g. 176'),
  amount: Money('Amount'),
});

export const PayslipRow = Type.Object(
  {
    employeeId: Id('Payroll-system id of the employee'),
    period: Type.String({ maxLength: 32, description: 'Month, "YYYY-MM" (or its first day, "YYYY-MM-01")' }),
    kind: Type.Union([Type.Literal('final'), Type.Literal('advance')], { description: 'final = за месяц, advance = аванс' }),
    organizationId: OptionalId('Organization that paid, when it differs from the employee\'s current one'),
    department: OptionalText('Department at calculation time (defaults to the current one)', 500),
    position: OptionalText('Position at calculation time (defaults to the current one)', 500),
    debtStart: OptionalMoney('Долг за предприятием на начало месяца (negative: за работником)'),
    debtEnd: OptionalMoney('Долг за предприятием на конец месяца'),
    lines: Type.Array(PayslipLineRow, { minItems: 1, maxItems: 500 }),
    totals: Type.Optional(Type.Object({
      accrued: OptionalMoney('Итого начислено'),
      withheld: OptionalMoney('Итого удержано'),
      paid: OptionalMoney('Итого выплачено'),
    }, { description: 'When given, each total must equal the sum of its section: a mismatch rejects the row' })),
  },
  {
    examples: [{
      employeeId: 'emp-0001', period: '2026-10', kind: 'final', debtStart: 0, debtEnd: 0,
      lines: [
        { section: 'accrued', code: 'ОКЛ', name: 'Оплата по окладу', note: '01.10–31.10', days: 23, hours: 184, amount: 85000 },
        { section: 'withheld', code: 'НДФЛ', name: 'НДФЛ', amount: 11050 },
        { section: 'paid', name: 'Аванс (ведомость № 112 от 20.10)', amount: 34000 },
        { section: 'paid', name: 'Зарплата (ведомость № 120 от 05.11)', amount: 39950 },
      ],
      totals: { accrued: 85000, withheld: 11050, paid: 73950 },
    }],
  },
);
export type PayslipRow = Static<typeof PayslipRow>;

// Amounts are kept as decimal text of kopecks: what the SQL casts to bigint, and what `fingerprint` wrote for a
// BigInt, so the stored fingerprints stay valid while the text is hashed without a replacer function per value.
interface PreparedLine {
  lineNo: number;
  section: PayslipSection;
  code: string | null;
  name: string;
  note: string | null;
  days: string | null;
  hours: string | null;
  amount: string;
}

interface PreparedPayslip {
  employeeExternalId: string;
  organizationExternalId: string | null;
  period: string;
  kind: PayslipKind;
  departmentName: string | null;
  position: string | null;
  debtStart: string;
  debtEnd: string;
  totalAccrued: string;
  totalWithheld: string;
  totalPaid: string;
  lines: PreparedLine[];
  sourceHash: string;
}

const keyOf = (employeeId: string, period: string, kind: PayslipKind) => `${employeeId}|${period}|${kind}`;

/**
 * The version of what `prepare` makes of a payslip row (see `RawShortcut.version`): bump it with any change to the
 * row schema, `prepare` or the normalizers it calls.
 */
export const PAYSLIP_NORMALIZATION_VERSION = 1;

interface StoredEmployee {
  id: string;
  externalId: string;
  organizationId: string;
  position: string | null;
  departmentName: string | null;
}

type Resolved = PreparedPayslip & { employee: StoredEmployee; organizationId: string };
type Writable = { id: string; value: Resolved; raw: Indexed<unknown>['raw'] };

/**
 * A batch's payslips as one JSON array of records, for `json_to_recordset` (see `linesJson`). The department and
 * position default to the employee's current ones. Amounts are decimal text, cast to bigint by the statement.
 */
function payslipsJson(rows: Writable[]): string {
  return JSON.stringify(rows.map(({ id, value, raw }) => ({
    id,
    employee_id: value.employee.id,
    organization_id: value.organizationId,
    period: value.period,
    kind: value.kind,
    department_name: value.departmentName ?? value.employee.departmentName,
    position: value.position ?? value.employee.position,
    debt_start: value.debtStart,
    debt_end: value.debtEnd,
    total_accrued: value.totalAccrued,
    total_withheld: value.totalWithheld,
    total_paid: value.totalPaid,
    source_hash: value.sourceHash,
    raw_hash: raw?.hash ?? null,
    raw_warnings: warningsOf(raw),
  })));
}

/** Warnings as stored beside a row (a JSON array), or null for none (most rows). */
const warningsOf = (raw: RawStamp | undefined) => (raw && raw.warnings.length > 0 ? raw.warnings : null);

/** The columns of `payslipsJson`'s records, as `json_to_recordset` reads them. */
const PAYSLIP_RECORD =
  'id uuid, employee_id uuid, organization_id uuid, period text, kind text, department_name text, position text, debt_start bigint, ' +
  'debt_end bigint, total_accrued bigint, total_withheld bigint, total_paid bigint, source_hash text, raw_hash text, raw_warnings jsonb';

/**
 * Every line of the batch's payslips as one JSON array of records, for `json_to_recordset`: a single text parameter
 * instead of nine arrays of thousands of values each, which Prisma and pg would otherwise check and escape value by
 * value (a third of the CPU time of a first upload). Keys are the columns' names in the statement.
 */
function linesJson(rows: Writable[]): string {
  const lines: object[] = [];
  for (const { id, value } of rows) {
    for (const line of value.lines) {
      lines.push({
        payslip_id: id, line_no: line.lineNo, section: line.section, code: line.code, name: line.name, note: line.note,
        days: line.days, hours: line.hours, amount: line.amount,
      });
    }
  }
  return JSON.stringify(lines);
}

export const payslipsImport: ImportDefinition<PayslipRow, PreparedPayslip> = {
  kind: ImportKind.PAYSLIPS,
  rowSchema: PayslipRow,
  // The department and position printed on the payslip fall back to the employee's current ones. Every amount,
  // day and line is part of the document: a payslip is stored whole or not at all.
  optionalFields: ['department', 'position'],

  prepare(row) {
    const totals = { accrued: 0n, withheld: 0n, paid: 0n };
    const lines = row.lines.map((line, i): PreparedLine => {
      const amount = field(`lines.${i}.amount`, () => toKopecks(line.amount));
      // "" and " " read as absent, which an optional total may be but a line's amount may not.
      if (amount === undefined) throw new RowFieldError(`lines.${i}.amount`, 'required');
      if (line.section !== 'other') totals[line.section] += amount;
      return {
        lineNo: i + 1,
        section: SECTIONS[line.section],
        code: optionalText(line.code) ?? null,
        name: requiredText(`lines.${i}.name`, line.name),
        note: optionalText(line.note) ?? null,
        days: field(`lines.${i}.days`, () => toQuantity(line.days)) ?? null,
        hours: field(`lines.${i}.hours`, () => toQuantity(line.hours)) ?? null,
        amount: String(amount),
      };
    });
    for (const name of ['accrued', 'withheld', 'paid'] as const) {
      if (totals[name] > MAX_KOPECKS || totals[name] < -MAX_KOPECKS) throw new RowFieldError(`totals.${name}`, 'out_of_range');
      const declared = field(`totals.${name}`, () => toKopecks(row.totals?.[name]));
      if (declared !== undefined && declared !== totals[name]) throw new RowFieldError(`totals.${name}`, 'totals_mismatch');
    }
    const value = {
      employeeExternalId: requiredText('employeeId', row.employeeId),
      organizationExternalId: optionalId(row.organizationId),
      period: field('period', () => toPeriod(row.period)),
      kind: KINDS[row.kind],
      departmentName: optionalText(row.department) ?? null,
      position: optionalText(row.position) ?? null,
      debtStart: String(field('debtStart', () => toKopecks(row.debtStart)) ?? 0n),
      debtEnd: String(field('debtEnd', () => toKopecks(row.debtEnd)) ?? 0n),
      totalAccrued: String(totals.accrued),
      totalWithheld: String(totals.withheld),
      totalPaid: String(totals.paid),
      lines,
    };
    // The fingerprint covers every field above, in this order: stored fingerprints depend on it.
    return Object.assign(value, { sourceHash: jsonFingerprint(value) });
  },

  uploadKey: (v) => keyOf(v.employeeExternalId, v.period, v.kind),
  uploadKeyField: 'employeeId',

  rawShortcut: {
    version: PAYSLIP_NORMALIZATION_VERSION,
    async findStored(sql, hashes) {
      const rows = await sql.query<{ rawHash: string; employeeId: string; period: string; kind: PayslipKind; rawWarnings: unknown }>(`
        SELECT p.raw_hash AS "rawHash", e.external_id AS "employeeId", p.period, p.kind::text AS kind, p.raw_warnings AS "rawWarnings"
        FROM payslips p JOIN employees e ON e.id = p.employee_id
        WHERE p.raw_hash = ANY($1::text[])`, [hashes]);
      return new Map(rows.map((r): [string, StoredRaw] => [r.rawHash, { key: keyOf(r.employeeId, r.period, r.kind), warnings: storedWarnings(r.rawWarnings) }]));
    },
  },

  // Set-based SQL: each statement carries the whole batch as one JSON text read by json_to_recordset, in plain SQL
  // (see `SqlAccess`): Node builds one string per statement, and neither Prisma nor the driver looks at each value.
  parallelBatches: true,

  writeBatch: (rows, ctx) => inSqlBatchTransaction(ctx, ImportKind.PAYSLIPS, async (query) => {
    const errors: RowError[] = [];
    const employeeExternalIds = [...new Set(rows.map((r) => r.value.employeeExternalId))];
    const employees = new Map(
      (await query<StoredEmployee>(`
        SELECT e.id, e.external_id AS "externalId", e.organization_id AS "organizationId", e.position, d.name AS "departmentName"
        FROM employees e LEFT JOIN departments d ON d.id = e.department_id
        WHERE e.external_id = ANY($1::text[])`, [employeeExternalIds])).map((e) => [e.externalId, e]),
    );
    const organizationExternalIds = [...new Set(rows.flatMap((r) => (r.value.organizationExternalId ? [r.value.organizationExternalId] : [])))];
    const organizations = new Map(organizationExternalIds.length === 0 ? [] : (await query<{ id: string; externalId: string }>(
      'SELECT id, external_id AS "externalId" FROM organizations WHERE external_id = ANY($1::text[])', [organizationExternalIds],
    )).map((o) => [o.externalId, o.id]));

    const resolved = rows.flatMap((r) => {
      const employee = employees.get(r.value.employeeExternalId);
      if (!employee) {
        errors.push({ row: r.row, field: 'employeeId', code: 'unknown_employee' });
        return [];
      }
      let organizationId = employee.organizationId;
      if (r.value.organizationExternalId) {
        const id = organizations.get(r.value.organizationExternalId);
        if (!id) {
          errors.push({ row: r.row, field: 'organizationId', code: 'unknown_organization' });
          return [];
        }
        organizationId = id;
      }
      return [{ row: r.row, value: { ...r.value, employee, organizationId }, raw: r.raw }];
    });
    if (resolved.length === 0) return { outcomes: new Map(), errors };

    // Conditions the (employee, period, kind) index answers (a join on unnest was planned as a scan of every stored
    // payslip per batch); the exact keys are matched below.
    const existing = await query<{ id: string; employeeId: string; period: string; kind: string; sourceHash: string; rawHash: string | null }>(`
      SELECT p.id, p.employee_id AS "employeeId", p.period, p.kind::text AS kind, p.source_hash AS "sourceHash", p.raw_hash AS "rawHash"
      FROM payslips p
      WHERE p.employee_id = ANY($1::uuid[]) AND p.period = ANY($2::text[]::bpchar[])`,
    [[...new Set(resolved.map((r) => r.value.employee.id))], [...new Set(resolved.map((r) => r.value.period))]]);
    const stored = new Map(existing.map((p) => [keyOf(p.employeeId, p.period, p.kind as PayslipKind), p]));
    const split = classify(resolved, (v) => keyOf(v.employee.id, v.period, v.kind), stored);
    // Unchanged by fingerprint but not by raw hash: stored before raw hashes, under an older normalization version,
    // or sent with other spacing or key order. Its raw hash is written so that the next identical upload skips it.
    const rehashed = split.unchanged.flatMap((r) => {
      const current = stored.get(keyOf(r.value.employee.id, r.value.period, r.value.kind))!;
      return r.raw && current.rawHash !== r.raw.hash ? [{ id: current.id, raw_hash: r.raw.hash, raw_warnings: warningsOf(r.raw) }] : [];
    });
    if (rehashed.length > 0) {
      await query(`
        UPDATE payslips AS p SET raw_hash = u.raw_hash, raw_warnings = u.raw_warnings
        FROM json_to_recordset($1::json) AS u(id uuid, raw_hash text, raw_warnings jsonb)
        WHERE p.id = u.id`, [JSON.stringify(rehashed)]);
    }
    if (split.created.length + split.updated.length === 0) return { outcomes: split.outcomes, errors };

    const created: Writable[] = split.created.map((r) => ({ id: uuidv7(), value: r.value, raw: r.raw }));
    const updated: Writable[] = split.updated.map((u) => ({ id: u.id, value: u.row.value, raw: u.row.raw }));
    const now = ctx.now.toISOString();
    if (created.length > 0) {
      await query(`
        INSERT INTO payslips (id, employee_id, organization_id, period, kind, department_name, position, debt_start, debt_end,
                              total_accrued, total_withheld, total_paid, source_hash, raw_hash, raw_warnings, created_by_import_id,
                              published_at, updated_at)
        SELECT u.id, u.employee_id, u.organization_id, u.period, u.kind::"PayslipKind", u.department_name, u.position, u.debt_start,
               u.debt_end, u.total_accrued, u.total_withheld, u.total_paid, u.source_hash, u.raw_hash, u.raw_warnings,
               $2::uuid, $3::timestamptz, $3::timestamptz
        FROM json_to_recordset($1::json) AS u(${PAYSLIP_RECORD})`, [payslipsJson(created), ctx.importRunId, now]);
    }
    if (updated.length > 0) {
      await query(`
        UPDATE payslips AS p
        SET organization_id = u.organization_id, department_name = u.department_name, position = u.position,
            debt_start = u.debt_start, debt_end = u.debt_end, total_accrued = u.total_accrued, total_withheld = u.total_withheld,
            total_paid = u.total_paid, source_hash = u.source_hash, raw_hash = u.raw_hash, raw_warnings = u.raw_warnings,
            updated_at = $2::timestamptz
        FROM json_to_recordset($1::json) AS u(${PAYSLIP_RECORD})
        WHERE p.id = u.id`, [payslipsJson(updated), now]);
      // A corrected payslip replaces its lines whole: no stale line survives.
      await query('DELETE FROM payslip_lines WHERE payslip_id = ANY($1::uuid[])', [updated.map((r) => r.id)]);
    }
    await query(`
      INSERT INTO payslip_lines (payslip_id, line_no, section, code, name, note, days, hours, amount)
      SELECT u.payslip_id, u.line_no, u.section::"PayslipSection", u.code, u.name, u.note, u.days, u.hours, u.amount
      FROM json_to_recordset($1::json)
        AS u(payslip_id uuid, line_no int4, section text, code text, name text, note text, days numeric, hours numeric, amount bigint)`,
    [linesJson([...created, ...updated])]);
    // Announced when the whole upload has finished; a batch that fails to commit fails the upload before that.
    for (const { id, value } of created) rememberNewPayslip(ctx, { id, employeeId: value.employee.id, period: value.period, kind: value.kind });
    return { outcomes: split.outcomes, errors };
  }),
};
