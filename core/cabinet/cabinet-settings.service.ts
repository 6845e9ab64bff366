import { actorFields, type Actor } from '../access/actor.ts';
import { authorize } from '../access/permissions.ts';
import { audit } from '../audit/audit-log.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { Prisma } from '../db/generated/client.ts';
import { CabinetScopeKind, CabinetState, Role } from '../db/generated/enums.ts';
import { AppError, validationError } from '../errors.ts';
import { buildScope, type Scope, SETTINGS_ID } from './scope.ts';
import { fullName } from '../employees/employee-name.ts';
import { PUBLISHED_STATES, unpublishEmployees } from './unpublish.ts';

export interface CabinetSettingsInput {
  /** Latin address, e.g. "romashka". */
  address: string;
  /** Payroll-system id of the responsible employee. */
  responsibleEmployeeId: string;
  scope: { kind: CabinetScopeKind; organizationIds?: string[]; departmentIds?: string[] };
  /** Tell the admins in Telegram when employees sign in; unchanged when omitted (on at first). */
  notifyActivations?: boolean;
}

export interface CabinetSettingsView {
  configured: boolean;
  address: string | null;
  responsibleEmployee: { employeeId: string; fullName: string } | null;
  scope: { kind: CabinetScopeKind; organizationIds: string[]; departmentIds: string[] };
  notifyActivations: boolean;
}

/** What a settings change would take away: published cabinets of employees outside the new scope. */
export interface ScopeChangePreview {
  unpublish: {
    count: number;
    /** The first of them, by name. */
    employees: { employeeId: string; fullName: string; cabinetState: CabinetState }[];
  };
}

const PREVIEW_NAMES = 20;

/** Lower-case Latin letters, digits and inner hyphens, 3–63 characters: it ends up in links. */
export const ADDRESS_PATTERN = /^[a-z][a-z0-9-]{1,61}[a-z0-9]$/;

export interface CabinetSettingsDeps {
  clock?: Clock;
  /** The ADMIN role moved with the responsible employee: their command menus are to be refreshed. */
  onRolesChanged?: (employeeIds: string[]) => Promise<void>;
}

export function createCabinetSettingsService(db: Db, deps: CabinetSettingsDeps = {}) {
  const clock = deps.clock ?? systemClock;

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
      return { configured: false, address: null, responsibleEmployee: null, scope: { kind: CabinetScopeKind.ALL, organizationIds: [], departmentIds: [] }, notifyActivations: true };
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
      notifyActivations: settings.notifyActivations,
    };
  }

  /** Checks the input and resolves its payroll ids; throws what a PUT would answer. */
  async function resolve(input: CabinetSettingsInput) {
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
    return { address, organizationIds, departmentIds, responsible, scope };
  }

  /** Published employees the scope would leave out, by name. */
  async function outside(tx: Db | Prisma.TransactionClient, scope: Scope) {
    const published = await tx.employee.findMany({
      where: { cabinetState: { in: PUBLISHED_STATES } },
      orderBy: [{ lastName: 'asc' }, { firstName: 'asc' }, { id: 'asc' }],
      select: { id: true, externalId: true, organizationId: true, departmentId: true, lastName: true, firstName: true, middleName: true, cabinetState: true },
    });
    return published.filter((e) => !scope.includes(e));
  }

  /**
   * What `update` would do to published cabinets, without changing anything: the confirmation step before a scope
   * change that unpublishes people ("this unpublishes 12 employees").
   */
  async function preview(actor: Actor, input: CabinetSettingsInput): Promise<ScopeChangePreview> {
    authorize(actor, 'cabinet.settings');
    const { scope } = await resolve(input);
    const leaving = await outside(db, scope);
    return {
      unpublish: {
        count: leaving.length,
        employees: leaving.slice(0, PREVIEW_NAMES).map((e) => ({ employeeId: e.externalId, fullName: fullName(e), cabinetState: e.cabinetState })),
      },
    };
  }

  /**
   * Replaces the settings. The responsible employee becomes the cabinet's admin, so they must be reachable
   * (phone or e-mail, to receive a code) and inside the scope (the 1С guide insists on it in step 4).
   * A scope that leaves published employees out unpublishes them (their Telegram link, codes and invitations go
   * too); that happens only with `confirmUnpublish` equal to how many they are — otherwise the answer is a
   * conflict naming the number (see `preview`), and nothing changes.
   */
  async function update(actor: Actor, input: CabinetSettingsInput & { confirmUnpublish?: number }): Promise<CabinetSettingsView & { unpublished: number }> {
    authorize(actor, 'cabinet.settings');
    const { address, organizationIds, departmentIds, responsible, scope } = await resolve(input);
    const now = clock.now();

    const outcome = await db.$transaction(async (tx) => {
      const leaving = await outside(tx, scope);
      if (leaving.length > 0 && input.confirmUnpublish !== leaving.length) {
        throw new AppError('SCOPE_CHANGE_UNPUBLISHES', 'conflict', { count: leaving.length });
      }
      const previous = await tx.cabinetSettings.findUnique({ where: { id: SETTINGS_ID }, select: { responsibleEmployeeId: true } });
      const data = {
        address,
        responsibleEmployeeId: responsible.id,
        scopeKind: input.scope.kind,
        ...(input.notifyActivations !== undefined ? { notifyActivations: input.notifyActivations } : {}),
      };
      // Sign-ins before the cabinet was set up are no news to its admins.
      await tx.cabinetSettings.upsert({ where: { id: SETTINGS_ID }, create: { id: SETTINGS_ID, ...data, activationsReportedAt: now }, update: data });
      await tx.cabinetScopeOrganization.deleteMany({ where: { settingsId: SETTINGS_ID } });
      await tx.cabinetScopeDepartment.deleteMany({ where: { settingsId: SETTINGS_ID } });
      await tx.cabinetScopeOrganization.createMany({ data: organizationIds.map((organizationId) => ({ settingsId: SETTINGS_ID, organizationId })) });
      await tx.cabinetScopeDepartment.createMany({ data: departmentIds.map((departmentId) => ({ settingsId: SETTINGS_ID, departmentId })) });
      const rolesMoved = previous?.responsibleEmployeeId && previous.responsibleEmployeeId !== responsible.id ? [previous.responsibleEmployeeId, responsible.id] : previous ? [] : [responsible.id];
      if (previous?.responsibleEmployeeId && previous.responsibleEmployeeId !== responsible.id) {
        await tx.roleAssignment.deleteMany({ where: { employeeId: previous.responsibleEmployeeId, role: Role.ADMIN } });
      }
      await tx.roleAssignment.upsert({
        where: { employeeId_role: { employeeId: responsible.id, role: Role.ADMIN } },
        create: { employeeId: responsible.id, role: Role.ADMIN },
        update: {},
      });
      const unpublished = await unpublishEmployees(tx, leaving.map((e) => e.id), now);
      await audit(tx, {
        ...actorFields(actor),
        action: 'cabinet.settings.update',
        entityType: 'CabinetSettings',
        entityId: String(SETTINGS_ID),
        details: {
          address, responsibleEmployeeId: responsible.id, scopeKind: input.scope.kind, organizations: organizationIds.length, departments: departmentIds.length,
          unpublished, ...(input.notifyActivations !== undefined ? { notifyActivations: input.notifyActivations } : {}),
        },
      });
      return { unpublished, rolesMoved };
    }, { timeout: 60_000 });
    await deps.onRolesChanged?.(outcome.rolesMoved);
    return { ...(await read()), unpublished: outcome.unpublished };
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

  return { get, preview, update };
}

export type CabinetSettingsService = ReturnType<typeof createCabinetSettingsService>;
