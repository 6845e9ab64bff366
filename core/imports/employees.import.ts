import Type, { type Static } from 'typebox';
import { loadScope } from '../cabinet/scope.ts';
import { CabinetState, ImportKind } from '../db/generated/enums.ts';
import { fingerprint, uuidv7 } from '../util/ids.ts';
import {
  classify, dateText, field, type ImportDefinition, inBatchTransaction, type NoContactEmployee, optionalField, optionalId,
  organizationIds, type RawStamp, requiredText, type RowError, type StoredRaw, storedWarnings,
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

/**
 * The version of what `prepare` makes of an employee row (see `RawShortcut.version`): bump it with any change to the
 * row schema, `prepare` or the normalizers it calls (phone, e-mail, dates).
 */
export const EMPLOYEE_NORMALIZATION_VERSION = 1;

/** Warnings as stored beside a row: JSON text (cast to jsonb by the statement), or null for none (most rows). */
const warningsText = (raw: RawStamp | undefined): string | null => (raw && raw.warnings.length > 0 ? JSON.stringify(raw.warnings) : null);

type Resolved = PreparedEmployee & { organizationId: string; departmentId: string | null };

/** A batch's employees as one array per column. */
function columns(rows: { id: string; value: Resolved; state: CabinetState | null; raw: RawStamp | undefined }[]) {
  return {
    id: rows.map((r) => r.id),
    externalId: rows.map((r) => r.value.externalId),
    personnelNumber: rows.map((r) => r.value.personnelNumber),
    lastName: rows.map((r) => r.value.lastName),
    firstName: rows.map((r) => r.value.firstName),
    middleName: rows.map((r) => r.value.middleName),
    position: rows.map((r) => r.value.position),
    organizationId: rows.map((r) => r.value.organizationId),
    departmentId: rows.map((r) => r.value.departmentId),
    phone: rows.map((r) => r.value.phone),
    email: rows.map((r) => r.value.email),
    hiredAt: rows.map((r) => dateText(r.value.hiredAt)),
    dismissedAt: rows.map((r) => dateText(r.value.dismissedAt)),
    state: rows.map((r) => r.state as string | null),
    sourceHash: rows.map((r) => r.value.sourceHash),
    rawHash: rows.map((r) => r.raw?.hash ?? null),
    rawWarnings: rows.map((r) => warningsText(r.raw)),
  };
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

  uploadKey: (v) => v.externalId,
  uploadKeyField: 'id',

  rawShortcut: {
    version: EMPLOYEE_NORMALIZATION_VERSION,
    async findStored(sql, hashes, now) {
      // An employee whose department has since moved to another organization is not "unchanged": the full path
      // refuses that row (other_organization), so it must get there.
      const rows = await sql.query<{ rawHash: string; externalId: string; rawWarnings: unknown; noContact: boolean; dismissedAt: string | null }>(`
        SELECT e.raw_hash AS "rawHash", e.external_id AS "externalId", e.raw_warnings AS "rawWarnings",
               (e.phone IS NULL AND e.email IS NULL) AS "noContact", to_char(e.dismissed_at, 'YYYY-MM-DD') AS "dismissedAt"
        FROM employees e LEFT JOIN departments d ON d.id = e.department_id
        WHERE e.raw_hash = ANY($1::text[]) AND (e.department_id IS NULL OR d.organization_id = e.organization_id)`, [hashes]);
      return new Map(rows.map((r): [string, StoredRaw] => [r.rawHash, {
        key: r.externalId,
        warnings: storedWarnings(r.rawWarnings),
        // As `keepForFinish` judges a prepared row: no contact, and not dismissed as of the upload.
        keep: r.noContact && !isDismissed(r.dismissedAt === null ? null : new Date(`${r.dismissedAt}T00:00:00Z`), now),
      }]));
    },
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
      return [{ row: r.row, value: { ...r.value, organizationId, departmentId }, raw: r.raw }];
    });
    if (resolved.length === 0) return { outcomes: new Map(), errors };

    const existing = await tx.$queryRaw<{ id: string; externalId: string; sourceHash: string; rawHash: string | null; cabinetState: CabinetState }[]>`
      SELECT id, external_id AS "externalId", source_hash AS "sourceHash", raw_hash AS "rawHash", cabinet_state::text AS "cabinetState"
      FROM employees WHERE external_id = ANY(${resolved.map((r) => r.value.externalId)}::text[])`;
    const stored = new Map(existing.map((e) => [e.externalId, e]));
    const split = classify(resolved, (v) => v.externalId, stored);
    // Unchanged by fingerprint but not by raw hash (stored before raw hashes, under an older normalization version,
    // or sent with other spacing): its raw hash is written so that the next identical upload skips it.
    const rehashed = split.unchanged.flatMap((r) => {
      const current = stored.get(r.value.externalId)!;
      return r.raw && current.rawHash !== r.raw.hash ? [{ id: current.id, raw: r.raw }] : [];
    });
    if (rehashed.length > 0) {
      await tx.$executeRaw`
        UPDATE employees AS e SET raw_hash = u.raw_hash, raw_warnings = u.raw_warnings::jsonb
        FROM unnest(${rehashed.map((r) => r.id)}::uuid[], ${rehashed.map((r) => r.raw.hash)}::text[], ${rehashed.map((r) => warningsText(r.raw))}::text[])
          AS u(id, raw_hash, raw_warnings)
        WHERE e.id = u.id`;
    }

    // Dismissal takes the cabinet away at once; a cancelled dismissal brings the employee back unpublished,
    // so that the admin decides again instead of access silently reappearing.
    const stateFor = (v: PreparedEmployee, previous?: CabinetState): CabinetState | null => {
      if (isDismissed(v.dismissedAt, now)) return CabinetState.DISABLED;
      if (previous === CabinetState.DISABLED) return CabinetState.NOT_PUBLISHED;
      return previous === undefined ? CabinetState.NOT_PUBLISHED : null;
    };

    if (split.created.length > 0) {
      const c = columns(split.created.map((r) => ({ id: uuidv7(), value: r.value, state: stateFor(r.value), raw: r.raw })));
      await tx.$executeRaw`
        INSERT INTO employees (id, external_id, personnel_number, last_name, first_name, middle_name, position, organization_id,
                               department_id, phone, email, hired_at, dismissed_at, cabinet_state, source_hash, raw_hash, raw_warnings,
                               updated_at)
        SELECT u.id, u.external_id, u.personnel_number, u.last_name, u.first_name, u.middle_name, u.position, u.organization_id,
               u.department_id, u.phone, u.email, u.hired_at, u.dismissed_at, u.cabinet_state::"CabinetState", u.source_hash,
               u.raw_hash, u.raw_warnings::jsonb, ${now}::timestamptz
        FROM unnest(${c.id}::uuid[], ${c.externalId}::text[], ${c.personnelNumber}::text[], ${c.lastName}::text[],
                    ${c.firstName}::text[], ${c.middleName}::text[], ${c.position}::text[], ${c.organizationId}::uuid[],
                    ${c.departmentId}::uuid[], ${c.phone}::text[], ${c.email}::text[], ${c.hiredAt}::date[], ${c.dismissedAt}::date[],
                    ${c.state}::text[], ${c.sourceHash}::text[], ${c.rawHash}::text[], ${c.rawWarnings}::text[])
          AS u(id, external_id, personnel_number, last_name, first_name, middle_name, position, organization_id, department_id,
               phone, email, hired_at, dismissed_at, cabinet_state, source_hash, raw_hash, raw_warnings)`;
    }
    const disabled: string[] = [];
    if (split.updated.length > 0) {
      const changes = split.updated.map(({ row, id }) => {
        const previous = stored.get(row.value.externalId)!.cabinetState;
        const state = stateFor(row.value, previous);
        if (state === CabinetState.DISABLED && previous !== CabinetState.DISABLED) disabled.push(id);
        return { id, value: row.value, state, raw: row.raw };
      });
      const c = columns(changes);
      // A null state keeps the stored one (PUBLISHED, INVITED, ACTIVE stay as they are).
      await tx.$executeRaw`
        UPDATE employees AS e
        SET personnel_number = u.personnel_number, last_name = u.last_name, first_name = u.first_name, middle_name = u.middle_name,
            position = u.position, organization_id = u.organization_id, department_id = u.department_id, phone = u.phone,
            email = u.email, hired_at = u.hired_at, dismissed_at = u.dismissed_at,
            cabinet_state = COALESCE(u.cabinet_state::"CabinetState", e.cabinet_state), source_hash = u.source_hash,
            raw_hash = u.raw_hash, raw_warnings = u.raw_warnings::jsonb, updated_at = ${now}::timestamptz
        FROM unnest(${c.id}::uuid[], ${c.personnelNumber}::text[], ${c.lastName}::text[], ${c.firstName}::text[],
                    ${c.middleName}::text[], ${c.position}::text[], ${c.organizationId}::uuid[], ${c.departmentId}::uuid[],
                    ${c.phone}::text[], ${c.email}::text[], ${c.hiredAt}::date[], ${c.dismissedAt}::date[], ${c.state}::text[],
                    ${c.sourceHash}::text[], ${c.rawHash}::text[], ${c.rawWarnings}::text[])
          AS u(id, personnel_number, last_name, first_name, middle_name, position, organization_id, department_id, phone, email,
               hired_at, dismissed_at, cabinet_state, source_hash, raw_hash, raw_warnings)
        WHERE e.id = u.id`;
    }
    // Pending codes and invitations of a dismissed employee must not open anything later.
    await revokePendingSignIns(tx, disabled, now);
    return { outcomes: split.outcomes, errors };
  }),

  // Only employees that may end up without any contact are kept for the noContacts list.
  keepForFinish: (v, { now }) => !v.phone && !v.email && !isDismissed(v.dismissedAt, now),

  async finish(candidates, { db }, skippedKeys) {
    if (candidates.length + skippedKeys.length === 0) return { noContacts: [] };
    const scope = await loadScope(db);
    const employees = await db.employee.findMany({
      where: { externalId: { in: [...candidates.map((r) => r.value.externalId), ...skippedKeys] } },
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
