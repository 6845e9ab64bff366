import { actorFields, type Actor } from '../access/actor.ts';
import { authorize } from '../access/permissions.ts';
import { audit } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import { CabinetScopeKind, CabinetState, Role } from '../db/generated/enums.ts';
import { validationError } from '../errors.ts';
import { buildScope, SETTINGS_ID } from './scope.ts';
import { fullName } from '../employees/employee-name.ts';

export interface CabinetSettingsInput {
  /** Latin address, e.g. "romashka". */
  address: string;
  /** Payroll-system id of the responsible employee. */
  responsibleEmployeeId: string;
  scope: { kind: CabinetScopeKind; organizationIds?: string[]; departmentIds?: string[] };
}

export interface CabinetSettingsView {
  configured: boolean;
  address: string | null;
  responsibleEmployee: { employeeId: string; fullName: string } | null;
  scope: { kind: CabinetScopeKind; organizationIds: string[]; departmentIds: string[] };
}

/** Lower-case Latin letters, digits and inner hyphens, 3–63 characters: it ends up in links. */
export const ADDRESS_PATTERN = /^[a-z][a-z0-9-]{1,61}[a-z0-9]$/;

export function createCabinetSettingsService(db: Db) {
  async function get(actor: Actor): Promise<CabinetSettingsView> {
    authorize(actor, 'cabinet.settings');
    return read();
  }

  async function read(): Promise<CabinetSettingsView> {
    const settings = await db.cabinetSettings.findUnique({
      where: { id: SETTINGS_ID },
      include: {
        responsibleEmployee: { select: { externalId: true, lastName: true, firstName: true, middleName: true } },
        scopeOrganizations: { select: { organization: { select: { externalId: true } } } },
        scopeDepartments: { select: { department: { select: { externalId: true } } } },
      },
    });
    if (!settings) {
      return { configured: false, address: null, responsibleEmployee: null, scope: { kind: CabinetScopeKind.ALL, organizationIds: [], departmentIds: [] } };
    }
    const r = settings.responsibleEmployee;
    return {
      configured: true,
      address: settings.address,
      responsibleEmployee: r ? { employeeId: r.externalId, fullName: fullName(r) } : null,
      scope: {
        kind: settings.scopeKind,
        organizationIds: settings.scopeOrganizations.map((s) => s.organization.externalId).sort(),
        departmentIds: settings.scopeDepartments.map((s) => s.department.externalId).sort(),
      },
    };
  }

  /**
   * Replaces the settings. The responsible employee becomes the cabinet's admin, so they must be reachable
   * (phone or e-mail, to receive a code) and inside the scope (the 1С guide insists on it in step 4).
   */
  async function update(actor: Actor, input: CabinetSettingsInput): Promise<CabinetSettingsView> {
    authorize(actor, 'cabinet.settings');
    const address = input.address.trim().toLowerCase();
    if (!ADDRESS_PATTERN.test(address)) throw validationError('INVALID_ADDRESS', { address: input.address });

    const organizationIds = await resolveIds('organization', input.scope.kind === CabinetScopeKind.ORGANIZATIONS ? input.scope.organizationIds ?? [] : []);
    const departmentIds = await resolveIds('department', input.scope.kind === CabinetScopeKind.DEPARTMENTS ? input.scope.departmentIds ?? [] : []);
    if (input.scope.kind === CabinetScopeKind.ORGANIZATIONS && organizationIds.length === 0) throw validationError('SCOPE_EMPTY');
    if (input.scope.kind === CabinetScopeKind.DEPARTMENTS && departmentIds.length === 0) throw validationError('SCOPE_EMPTY');

    const responsible = await db.employee.findUnique({ where: { externalId: input.responsibleEmployeeId } });
    if (!responsible) throw validationError('UNKNOWN_EMPLOYEE', { id: input.responsibleEmployeeId });
    if (responsible.cabinetState === CabinetState.DISABLED) throw validationError('RESPONSIBLE_DISMISSED', { id: input.responsibleEmployeeId });
    if (!responsible.phone && !responsible.email) throw validationError('RESPONSIBLE_NO_CONTACTS', { id: input.responsibleEmployeeId });
    const scope = await buildScope(db, { kind: input.scope.kind, organizationIds, departmentIds });
    if (!scope.includes(responsible)) throw validationError('RESPONSIBLE_OUT_OF_SCOPE', { id: input.responsibleEmployeeId });

    await db.$transaction(async (tx) => {
      const previous = await tx.cabinetSettings.findUnique({ where: { id: SETTINGS_ID }, select: { responsibleEmployeeId: true } });
      const data = { address, responsibleEmployeeId: responsible.id, scopeKind: input.scope.kind };
      await tx.cabinetSettings.upsert({ where: { id: SETTINGS_ID }, create: { id: SETTINGS_ID, ...data }, update: data });
      await tx.cabinetScopeOrganization.deleteMany({ where: { settingsId: SETTINGS_ID } });
      await tx.cabinetScopeDepartment.deleteMany({ where: { settingsId: SETTINGS_ID } });
      await tx.cabinetScopeOrganization.createMany({ data: organizationIds.map((organizationId) => ({ settingsId: SETTINGS_ID, organizationId })) });
      await tx.cabinetScopeDepartment.createMany({ data: departmentIds.map((departmentId) => ({ settingsId: SETTINGS_ID, departmentId })) });
      if (previous?.responsibleEmployeeId && previous.responsibleEmployeeId !== responsible.id) {
        await tx.roleAssignment.deleteMany({ where: { employeeId: previous.responsibleEmployeeId, role: Role.ADMIN } });
      }
      await tx.roleAssignment.upsert({
        where: { employeeId_role: { employeeId: responsible.id, role: Role.ADMIN } },
        create: { employeeId: responsible.id, role: Role.ADMIN },
        update: {},
      });
      await audit(tx, {
        ...actorFields(actor),
        action: 'cabinet.settings.update',
        entityType: 'CabinetSettings',
        entityId: String(SETTINGS_ID),
        details: { address, responsibleEmployeeId: responsible.id, scopeKind: input.scope.kind, organizations: organizationIds.length, departments: departmentIds.length },
      });
    });
    return read();
  }

  async function resolveIds(kind: 'organization' | 'department', externalIds: string[]): Promise<string[]> {
    const unique = [...new Set(externalIds)];
    if (unique.length === 0) return [];
    const rows = kind === 'organization'
      ? await db.organization.findMany({ where: { externalId: { in: unique } }, select: { id: true, externalId: true } })
      : await db.department.findMany({ where: { externalId: { in: unique } }, select: { id: true, externalId: true } });
    const found = new Set(rows.map((r) => r.externalId));
    const missing = unique.find((id) => !found.has(id));
    if (missing) throw validationError(kind === 'organization' ? 'UNKNOWN_ORGANIZATION' : 'UNKNOWN_DEPARTMENT', { id: missing });
    return rows.map((r) => r.id);
  }

  return { get, update };
}

export type CabinetSettingsService = ReturnType<typeof createCabinetSettingsService>;
