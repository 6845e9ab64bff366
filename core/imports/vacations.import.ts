import Type, { type Static } from 'typebox';
import { ImportKind } from '../db/generated/enums.ts';
import { fingerprint } from '../util/ids.ts';
import {
  classify, duplicateKeys, field, type ImportDefinition, inBatchTransaction, requiredText, type RowError, RowFieldError,
} from './import-definition.ts';
import { toDate, toQuantity } from './normalize.ts';
import { DateText, Id, Quantity } from './row-types.ts';

const VacationType = {
  typeCode: Type.String({ minLength: 1, maxLength: 100, description: 'Code of the vacation type in the payroll system' }),
  typeName: Type.String({ minLength: 1, maxLength: 300, description: 'e.g. «Основной отпуск»' }),
};

export const VacationRow = Type.Object(
  {
    employeeId: Id('Payroll-system id of the employee'),
    asOf: DateText('Date of the last payroll calculation the balances come from'),
    balances: Type.Array(
      Type.Object({
        ...VacationType,
        entitledDays: Quantity('Days earned so far'),
        usedDays: Quantity('Days used'),
        remainingDays: Quantity('Days left (negative when taken in advance)'),
      }),
      { maxItems: 50 },
    ),
    planned: Type.Optional(Type.Array(
      Type.Object({ ...VacationType, startsOn: DateText('First day'), endsOn: DateText('Last day'), days: Quantity('Calendar days') }),
      { maxItems: 100, description: 'Planned vacations (график отпусков); replaces what was stored' },
    )),
  },
  {
    examples: [{
      employeeId: 'emp-0001', asOf: '2026-10-31',
      balances: [{ typeCode: 'Основной', typeName: 'Основной отпуск', entitledDays: 46.67, usedDays: 28, remainingDays: 18.67 }],
      planned: [{ typeCode: 'Основной', typeName: 'Основной отпуск', startsOn: '2026-12-21', endsOn: '2027-01-03', days: 14 }],
    }],
  },
);
export type VacationRow = Static<typeof VacationRow>;

interface PreparedVacations {
  employeeExternalId: string;
  asOf: Date;
  balances: { typeCode: string; typeName: string; entitledDays: string; usedDays: string; remainingDays: string }[];
  planned: { typeCode: string; typeName: string; startsOn: Date; endsOn: Date; days: string }[];
  sourceHash: string;
}

const required = <T>(name: string, value: T | undefined): T => {
  if (value === undefined) throw new RowFieldError(name, 'required');
  return value;
};

/** One row is one employee's whole vacation picture: stored balances and plans are replaced together. */
export const vacationsImport: ImportDefinition<VacationRow, PreparedVacations> = {
  kind: ImportKind.VACATIONS,
  rowSchema: VacationRow,

  prepare(row) {
    const balances = row.balances.map((b, i) => ({
      typeCode: requiredText(`balances.${i}.typeCode`, b.typeCode),
      typeName: requiredText(`balances.${i}.typeName`, b.typeName),
      entitledDays: required(`balances.${i}.entitledDays`, field(`balances.${i}.entitledDays`, () => toQuantity(b.entitledDays))),
      usedDays: required(`balances.${i}.usedDays`, field(`balances.${i}.usedDays`, () => toQuantity(b.usedDays))),
      remainingDays: required(`balances.${i}.remainingDays`, field(`balances.${i}.remainingDays`, () => toQuantity(b.remainingDays))),
    }));
    const seen = new Set<string>();
    balances.forEach((b, i) => {
      if (seen.has(b.typeCode)) throw new RowFieldError(`balances.${i}.typeCode`, 'duplicate_in_upload');
      seen.add(b.typeCode);
    });
    const planned = (row.planned ?? []).map((p, i) => {
      const startsOn = required(`planned.${i}.startsOn`, field(`planned.${i}.startsOn`, () => toDate(p.startsOn)));
      const endsOn = required(`planned.${i}.endsOn`, field(`planned.${i}.endsOn`, () => toDate(p.endsOn)));
      if (endsOn < startsOn) throw new RowFieldError(`planned.${i}.endsOn`, 'ends_before_start');
      return {
        typeCode: requiredText(`planned.${i}.typeCode`, p.typeCode),
        typeName: requiredText(`planned.${i}.typeName`, p.typeName),
        startsOn,
        endsOn,
        days: required(`planned.${i}.days`, field(`planned.${i}.days`, () => toQuantity(p.days))),
      };
    });
    const value = {
      employeeExternalId: requiredText('employeeId', row.employeeId),
      asOf: required('asOf', field('asOf', () => toDate(row.asOf))),
      balances,
      planned,
    };
    return { ...value, sourceHash: fingerprint(value) };
  },

  async checkUpload(rows) {
    return duplicateKeys(rows, (v) => v.employeeExternalId, 'employeeId');
  },

  writeBatch: (rows, { db }) => inBatchTransaction(db, ImportKind.VACATIONS, async (tx) => {
    const errors: RowError[] = [];
    const employees = new Map(
      (await tx.employee.findMany({
        where: { externalId: { in: rows.map((r) => r.value.employeeExternalId) } },
        select: { id: true, externalId: true },
      })).map((e) => [e.externalId, e.id]),
    );
    const resolved = rows.flatMap((r) => {
      const employeeId = employees.get(r.value.employeeExternalId);
      if (!employeeId) {
        errors.push({ row: r.row, field: 'employeeId', code: 'unknown_employee' });
        return [];
      }
      return [{ row: r.row, value: { ...r.value, employeeId } }];
    });
    const snapshots = await tx.vacationSnapshot.findMany({
      where: { employeeId: { in: resolved.map((r) => r.value.employeeId) } },
    });
    const split = classify(
      resolved,
      (v) => v.employeeId,
      new Map(snapshots.map((s) => [s.employeeId, { id: s.employeeId, sourceHash: s.sourceHash }])),
    );
    const changed = [...split.created, ...split.updated.map((u) => u.row)];
    if (changed.length === 0) return { outcomes: split.outcomes, errors };

    const employeeIds = changed.map((r) => r.value.employeeId);
    await tx.vacationBalance.deleteMany({ where: { employeeId: { in: employeeIds } } });
    await tx.plannedVacation.deleteMany({ where: { employeeId: { in: employeeIds } } });
    await tx.vacationBalance.createMany({
      data: changed.flatMap((r) => r.value.balances.map((b) => ({ employeeId: r.value.employeeId, asOf: r.value.asOf, ...b }))),
    });
    await tx.plannedVacation.createMany({
      data: changed.flatMap((r) => r.value.planned.map((p) => ({ employeeId: r.value.employeeId, ...p }))),
    });
    await tx.vacationSnapshot.createMany({
      data: split.created.map((r) => ({ employeeId: r.value.employeeId, sourceHash: r.value.sourceHash })),
    });
    for (const { row } of split.updated) {
      await tx.vacationSnapshot.update({ where: { employeeId: row.value.employeeId }, data: { sourceHash: row.value.sourceHash } });
    }
    return { outcomes: split.outcomes, errors };
  }),
};
