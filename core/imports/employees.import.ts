import Type, { type Static } from 'typebox';
import { loadScope } from '../cabinet/scope.ts';
import { CabinetState, ImportKind } from '../db/generated/enums.ts';
import { fingerprint } from '../util/ids.ts';
import {
  classify, duplicateKeys, field, type ImportDefinition, inBatchTransaction, type NoContactEmployee, optionalField, optionalId,
  organizationIds, requiredText, type RowError,
} from './import-definition.ts';
import { normalizeEmail, normalizePhone, optionalText, toDate } from './normalize.ts';
import { Id, OptionalDate, OptionalId, OptionalText } from './row-types.ts';
import { fullName, isDismissed } from '../employees/employee-name.ts';
import { revokePendingSignIns } from '../linking/sign-in-revocation.ts';

export const EmployeeRow = Type.Object(
  {
    id: Id('Payroll-system id of the employee (one per employment)'),
    personnelNumber: Type.String({ minLength: 1, maxLength: 50, description: 'Табельный номер' }),
    lastName: Type.String({ minLength: 1, maxLength: 200 }),
    firstName: Type.String({ minLength: 1, maxLength: 200 }),
    middleName: OptionalText('Отчество', 200),
    position: OptionalText('Должность', 500),
    organizationId: Id('Payroll-system id of the organization'),
    departmentId: OptionalId('Payroll-system id of the department, same organization'),
    phone: OptionalText('Mobile phone: Russian in any common format ("8 912 …", "912 …"), or international with or without "+"; stored as E.164. One that cannot be read is left out with a warning', 40),
    email: OptionalText('E-mail; one that cannot be read is left out with a warning', 254),
    hiredAt: OptionalDate('Hire date; one that cannot be read is left out with a warning'),
    dismissedAt: OptionalDate('Dismissal date: from that day on the cabinet is disabled'),
  },
  {
    examples: [{
      id: 'emp-0001', personnelNumber: '0000-00001', lastName: 'Иванова', firstName: 'Мария', middleName: 'Петровна',
      position: 'Бухгалтер', organizationId: 'org-1', departmentId: 'dep-10', phone: '8 (912) 345-67-89',
      email: 'm.ivanova@romashka.ru', hiredAt: '2021-03-15T00:00:00', dismissedAt: '0001-01-01T00:00:00',
    }],
  },
);
export type EmployeeRow = Static<typeof EmployeeRow>;

interface PreparedEmployee {
  externalId: string;
  personnelNumber: string;
  lastName: string;
  firstName: string;
  middleName: string | null;
  position: string | null;
  organizationExternalId: string;
  departmentExternalId: string | null;
  phone: string | null;
  email: string | null;
  hiredAt: Date | null;
  dismissedAt: Date | null;
  sourceHash: string;
}

export const employeesImport: ImportDefinition<EmployeeRow, PreparedEmployee> = {
  kind: ImportKind.EMPLOYEES,
  rowSchema: EmployeeRow,
  // An employee without a readable phone is still an employee: their payslips and vacations are stored, and the
  // upload lists them under noContacts when no contact is left. A value Kabinet cannot read is not stored: codes
  // go only to contacts on record, so a half-read phone must never become one. The dismissal date is not
  // optional: reading it wrong could leave a dismissed employee's cabinet open.
  optionalFields: ['middleName', 'position', 'phone', 'email', 'hiredAt'],

  prepare(row, warn) {
    const value = {
      externalId: requiredText('id', row.id),
      personnelNumber: requiredText('personnelNumber', row.personnelNumber),
      lastName: requiredText('lastName', row.lastName),
      firstName: requiredText('firstName', row.firstName),
      middleName: optionalText(row.middleName) ?? null,
      position: optionalText(row.position) ?? null,
      organizationExternalId: requiredText('organizationId', row.organizationId),
      departmentExternalId: optionalId(row.departmentId),
      phone: optionalField('phone', () => normalizePhone(row.phone), warn) ?? null,
      email: optionalField('email', () => normalizeEmail(row.email), warn) ?? null,
      hiredAt: optionalField('hiredAt', () => toDate(row.hiredAt), warn) ?? null,
      dismissedAt: field('dismissedAt', () => toDate(row.dismissedAt)) ?? null,
    };
    return { ...value, sourceHash: fingerprint(value) };
  },

  async checkUpload(rows) {
    return duplicateKeys(rows, (v) => v.externalId, 'id');
  },

  writeBatch: (rows, { db, now }) => inBatchTransaction(db, ImportKind.EMPLOYEES, async (tx) => {
    const errors: RowError[] = [];
    const organizations = await organizationIds(tx, rows.map((r) => r.value.organizationExternalId));
    const departmentIds = [...new Set(rows.flatMap((r) => (r.value.departmentExternalId ? [r.value.departmentExternalId] : [])))];
    const departments = new Map(
      (await tx.department.findMany({
        where: { externalId: { in: departmentIds } },
        select: { id: true, externalId: true, organizationId: true },
      })).map((d) => [d.externalId, d]),
    );

    const resolved = rows.flatMap((r) => {
      const organizationId = organizations.get(r.value.organizationExternalId);
      if (!organizationId) {
        errors.push({ row: r.row, field: 'organizationId', code: 'unknown_organization' });
        return [];
      }
      let departmentId: string | null = null;
      if (r.value.departmentExternalId) {
        const department = departments.get(r.value.departmentExternalId);
        if (!department) {
          errors.push({ row: r.row, field: 'departmentId', code: 'unknown_department' });
          return [];
        }
        if (department.organizationId !== organizationId) {
          errors.push({ row: r.row, field: 'departmentId', code: 'other_organization' });
          return [];
        }
        departmentId = department.id;
      }
      return [{ row: r.row, value: { ...r.value, organizationId, departmentId } }];
    });

    const existing = await tx.employee.findMany({
      where: { externalId: { in: resolved.map((r) => r.value.externalId) } },
      select: { id: true, externalId: true, sourceHash: true, cabinetState: true },
    });
    const stored = new Map(existing.map((e) => [e.externalId, e]));
    const split = classify(resolved, (v) => v.externalId, stored);

    const columns = (v: (typeof resolved)[number]['value']) => ({
      externalId: v.externalId,
      personnelNumber: v.personnelNumber,
      lastName: v.lastName,
      firstName: v.firstName,
      middleName: v.middleName,
      position: v.position,
      organizationId: v.organizationId,
      departmentId: v.departmentId,
      phone: v.phone,
      email: v.email,
      hiredAt: v.hiredAt,
      dismissedAt: v.dismissedAt,
      sourceHash: v.sourceHash,
    });
    // Dismissal takes the cabinet away at once; a cancelled dismissal brings the employee back unpublished,
    // so that the admin decides again instead of access silently reappearing.
    const stateFor = (v: PreparedEmployee, previous?: CabinetState): CabinetState | undefined => {
      if (isDismissed(v.dismissedAt, now)) return CabinetState.DISABLED;
      if (previous === CabinetState.DISABLED) return CabinetState.NOT_PUBLISHED;
      return previous === undefined ? CabinetState.NOT_PUBLISHED : undefined;
    };

    await tx.employee.createMany({
      data: split.created.map((r) => ({ ...columns(r.value), cabinetState: stateFor(r.value)! })),
    });
    const disabled: string[] = [];
    for (const { row, id } of split.updated) {
      const cabinetState = stateFor(row.value, stored.get(row.value.externalId)!.cabinetState);
      await tx.employee.update({ where: { id }, data: { ...columns(row.value), ...(cabinetState ? { cabinetState } : {}) } });
      if (cabinetState === CabinetState.DISABLED && stored.get(row.value.externalId)!.cabinetState !== CabinetState.DISABLED) {
        disabled.push(id);
      }
    }
    // Pending codes and invitations of a dismissed employee must not open anything later.
    await revokePendingSignIns(tx, disabled, now);
    return { outcomes: split.outcomes, errors };
  }),

  async finish(accepted, { db, now }) {
    const candidates = accepted.filter((r) => !r.value.phone && !r.value.email && !isDismissed(r.value.dismissedAt, now));
    if (candidates.length === 0) return { noContacts: [] };
    const scope = await loadScope(db);
    const employees = await db.employee.findMany({
      where: { externalId: { in: candidates.map((r) => r.value.externalId) } },
      select: { externalId: true, personnelNumber: true, lastName: true, firstName: true, middleName: true, organizationId: true, departmentId: true },
      orderBy: [{ lastName: 'asc' }, { firstName: 'asc' }],
    });
    const noContacts: NoContactEmployee[] = employees.filter((e) => scope.includes(e)).map((e) => ({
      employeeId: e.externalId,
      personnelNumber: e.personnelNumber,
      fullName: fullName(e),
    }));
    return { noContacts };
  },
};
