import Type, { type Static } from 'typebox';
import { ImportKind } from '../db/generated/enums.ts';
import { fingerprint, uuidv7 } from '../util/ids.ts';
import {
  classify, dateText, field, type ImportDefinition, inBatchTransaction, requiredText, type RowError, RowFieldError,
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

  uploadKey: (v) => v.employeeExternalId,
  uploadKeyField: 'employeeId',

  writeBatch: (rows, { db, now }) => inBatchTransaction(db, ImportKind.VACATIONS, async (tx) => {
    const errors: RowError[] = [];
    const employees = new Map(
      (await tx.$queryRaw<{ id: string; externalId: string }[]>`
        SELECT id, external_id AS "externalId" FROM employees
        WHERE external_id = ANY(${rows.map((r) => r.value.employeeExternalId)}::text[])`).map((e) => [e.externalId, e.id]),
    );
    const resolved = rows.flatMap((r) => {
      const employeeId = employees.get(r.value.employeeExternalId);
      if (!employeeId) {
        errors.push({ row: r.row, field: 'employeeId', code: 'unknown_employee' });
        return [];
      }
      return [{ row: r.row, value: { ...r.value, employeeId } }];
    });
    if (resolved.length === 0) return { outcomes: new Map(), errors };
    const snapshots = await tx.$queryRaw<{ employeeId: string; sourceHash: string }[]>`
      SELECT employee_id AS "employeeId", source_hash AS "sourceHash" FROM vacation_snapshots
      WHERE employee_id = ANY(${resolved.map((r) => r.value.employeeId)}::uuid[])`;
    const split = classify(
      resolved,
      (v) => v.employeeId,
      new Map(snapshots.map((s) => [s.employeeId, { id: s.employeeId, sourceHash: s.sourceHash }])),
    );
    const changed = [...split.created, ...split.updated.map((u) => u.row)];
    if (changed.length === 0) return { outcomes: split.outcomes, errors };

    const employeeIds = changed.map((r) => r.value.employeeId);
    await tx.$executeRaw`DELETE FROM vacation_balances WHERE employee_id = ANY(${employeeIds}::uuid[])`;
    await tx.$executeRaw`DELETE FROM planned_vacations WHERE employee_id = ANY(${employeeIds}::uuid[])`;
    const balances = changed.flatMap((r) => r.value.balances.map((b) => ({ employeeId: r.value.employeeId, asOf: r.value.asOf, ...b })));
    if (balances.length > 0) {
      await tx.$executeRaw`
        INSERT INTO vacation_balances (id, employee_id, type_code, type_name, as_of, entitled_days, used_days, remaining_days)
        SELECT * FROM unnest(${balances.map(() => uuidv7())}::uuid[], ${balances.map((b) => b.employeeId)}::uuid[],
                             ${balances.map((b) => b.typeCode)}::text[], ${balances.map((b) => b.typeName)}::text[],
                             ${balances.map((b) => dateText(b.asOf))}::date[], ${balances.map((b) => b.entitledDays)}::numeric[],
                             ${balances.map((b) => b.usedDays)}::numeric[], ${balances.map((b) => b.remainingDays)}::numeric[])`;
    }
    const planned = changed.flatMap((r) => r.value.planned.map((p) => ({ employeeId: r.value.employeeId, ...p })));
    if (planned.length > 0) {
      await tx.$executeRaw`
        INSERT INTO planned_vacations (id, employee_id, type_code, type_name, starts_on, ends_on, days)
        SELECT * FROM unnest(${planned.map(() => uuidv7())}::uuid[], ${planned.map((p) => p.employeeId)}::uuid[],
                             ${planned.map((p) => p.typeCode)}::text[], ${planned.map((p) => p.typeName)}::text[],
                             ${planned.map((p) => dateText(p.startsOn))}::date[], ${planned.map((p) => dateText(p.endsOn))}::date[],
                             ${planned.map((p) => p.days)}::numeric[])`;
    }
    // New and changed fingerprints in one statement; the kind's lock keeps another upload from racing it.
    await tx.$executeRaw`
      INSERT INTO vacation_snapshots (employee_id, source_hash, updated_at)
      SELECT u.employee_id, u.source_hash, ${now}::timestamptz
      FROM unnest(${employeeIds}::uuid[], ${changed.map((r) => r.value.sourceHash)}::text[]) AS u(employee_id, source_hash)
      ON CONFLICT (employee_id) DO UPDATE SET source_hash = excluded.source_hash, updated_at = excluded.updated_at`;
    return { outcomes: split.outcomes, errors };
  }),
};
