import Type, { type Static } from 'typebox';
import { ImportKind, PayslipKind, PayslipSection } from '../db/generated/enums.ts';
import { fingerprint, uuidv7 } from '../util/ids.ts';
import {
  classify, duplicateKeys, field, type ImportDefinition, inBatchTransaction, optionalId, organizationIds, requiredText, type RowError,
  RowFieldError,
} from './import-definition.ts';
import { optionalText, toKopecks, toPeriod, toQuantity } from './normalize.ts';
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

interface PreparedLine {
  lineNo: number;
  section: PayslipSection;
  code: string | null;
  name: string;
  note: string | null;
  days: string | null;
  hours: string | null;
  amount: bigint;
}

interface PreparedPayslip {
  employeeExternalId: string;
  organizationExternalId: string | null;
  period: string;
  kind: PayslipKind;
  departmentName: string | null;
  position: string | null;
  debtStart: bigint;
  debtEnd: bigint;
  totalAccrued: bigint;
  totalWithheld: bigint;
  totalPaid: bigint;
  lines: PreparedLine[];
  sourceHash: string;
}

const keyOf = (employeeId: string, period: string, kind: PayslipKind) => `${employeeId}|${period}|${kind}`;

export const payslipsImport: ImportDefinition<PayslipRow, PreparedPayslip> = {
  kind: ImportKind.PAYSLIPS,
  rowSchema: PayslipRow,
  // The department and position printed on the payslip fall back to the employee's current ones. Every amount,
  // day and line is part of the document: a payslip is stored whole or not at all.
  optionalFields: ['department', 'position'],

  prepare(row) {
    const lines = row.lines.map((line, i): PreparedLine => {
      const amount = field(`lines.${i}.amount`, () => toKopecks(line.amount));
      // "" and " " read as absent, which an optional total may be but a line's amount may not.
      if (amount === undefined) throw new RowFieldError(`lines.${i}.amount`, 'required');
      return {
        lineNo: i + 1,
        section: SECTIONS[line.section],
        code: optionalText(line.code) ?? null,
        name: requiredText(`lines.${i}.name`, line.name),
        note: optionalText(line.note) ?? null,
        days: field(`lines.${i}.days`, () => toQuantity(line.days)) ?? null,
        hours: field(`lines.${i}.hours`, () => toQuantity(line.hours)) ?? null,
        amount,
      };
    });
    const sum = (section: PayslipSection) => lines.filter((l) => l.section === section).reduce((s, l) => s + l.amount, 0n);
    const totals = { accrued: sum(PayslipSection.ACCRUED), withheld: sum(PayslipSection.WITHHELD), paid: sum(PayslipSection.PAID) };
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
      debtStart: field('debtStart', () => toKopecks(row.debtStart)) ?? 0n,
      debtEnd: field('debtEnd', () => toKopecks(row.debtEnd)) ?? 0n,
      totalAccrued: totals.accrued,
      totalWithheld: totals.withheld,
      totalPaid: totals.paid,
      lines,
    };
    return { ...value, sourceHash: fingerprint(value) };
  },

  async checkUpload(rows) {
    return duplicateKeys(rows, (v) => keyOf(v.employeeExternalId, v.period, v.kind), 'employeeId');
  },

  writeBatch: (rows, ctx) => inBatchTransaction(ctx.db, ImportKind.PAYSLIPS, async (tx) => {
    const errors: RowError[] = [];
    const employees = new Map(
      (await tx.employee.findMany({
        where: { externalId: { in: [...new Set(rows.map((r) => r.value.employeeExternalId))] } },
        select: { id: true, externalId: true, organizationId: true, position: true, department: { select: { name: true } } },
      })).map((e) => [e.externalId, e]),
    );
    const organizations = await organizationIds(tx, rows.flatMap((r) => (r.value.organizationExternalId ? [r.value.organizationExternalId] : [])));

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
      return [{ row: r.row, value: { ...r.value, employee, organizationId } }];
    });

    const existing = await tx.payslip.findMany({
      where: {
        employeeId: { in: [...new Set(resolved.map((r) => r.value.employee.id))] },
        period: { in: [...new Set(resolved.map((r) => r.value.period))] },
      },
      select: { id: true, employeeId: true, period: true, kind: true, sourceHash: true },
    });
    const split = classify(
      resolved,
      (v) => keyOf(v.employee.id, v.period, v.kind),
      new Map(existing.map((p) => [keyOf(p.employeeId, p.period, p.kind), p])),
    );
    if (split.created.length + split.updated.length === 0) return { outcomes: split.outcomes, errors };

    const columns = (v: (typeof resolved)[number]['value']) => ({
      employeeId: v.employee.id,
      organizationId: v.organizationId,
      period: v.period,
      kind: v.kind,
      departmentName: v.departmentName ?? v.employee.department?.name ?? null,
      position: v.position ?? v.employee.position,
      debtStart: v.debtStart,
      debtEnd: v.debtEnd,
      totalAccrued: v.totalAccrued,
      totalWithheld: v.totalWithheld,
      totalPaid: v.totalPaid,
      sourceHash: v.sourceHash,
    });
    const created = split.created.map((r) => ({ id: uuidv7(), row: r }));
    const linesOf = (payslipId: string, lines: PreparedLine[]) => lines.map((l) => ({ payslipId, ...l }));

    if (created.length > 0) {
      await tx.payslip.createMany({ data: created.map(({ id, row }) => ({ id, ...columns(row.value) })) });
    }
    if (split.updated.length > 0) {
      await tx.payslipLine.deleteMany({ where: { payslipId: { in: split.updated.map((u) => u.id) } } });
      for (const { row, id } of split.updated) await tx.payslip.update({ where: { id }, data: columns(row.value) });
    }
    await tx.payslipLine.createMany({
      data: [
        ...created.flatMap(({ id, row }) => linesOf(id, row.value.lines)),
        ...split.updated.flatMap(({ id, row }) => linesOf(id, row.value.lines)),
      ],
    });
    // Announced when the whole upload has finished; a batch that fails to commit fails the upload before that.
    ctx.createdPayslipIds.push(...created.map((c) => c.id));
    return { outcomes: split.outcomes, errors };
  }),
};
