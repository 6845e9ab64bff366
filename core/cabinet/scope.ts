import type { Db } from '../db/database.ts';
import type { Prisma } from '../db/generated/client.ts';
import { CabinetScopeKind } from '../db/generated/enums.ts';
import { departmentSubtrees } from '../employees/departments.ts';

export const SETTINGS_ID = 1;

/** Which employees the cabinet serves (step 4 of the 1С set-up guide). Departments include their subtrees. */
export interface Scope {
  kind: CabinetScopeKind;
  includes(employee: { organizationId: string; departmentId: string | null }): boolean;
  /** The same rule as a Prisma filter, for queries over many employees. */
  where: Prisma.EmployeeWhereInput;
}

export interface ScopeDefinition {
  kind: CabinetScopeKind;
  organizationIds: string[];
  departmentIds: string[];
}

/** The stored scope; with no settings yet, everything uploaded is in scope. */
export async function loadScope(db: Db | Prisma.TransactionClient): Promise<Scope> {
  const settings = await db.cabinetSettings.findUnique({
    where: { id: SETTINGS_ID },
    select: { scopeKind: true, scopeOrganizations: { select: { organizationId: true } }, scopeDepartments: { select: { departmentId: true } } },
  });
  if (!settings) return buildScope(db, { kind: CabinetScopeKind.ALL, organizationIds: [], departmentIds: [] });
  return buildScope(db, {
    kind: settings.scopeKind,
    organizationIds: settings.scopeOrganizations.map((s) => s.organizationId),
    departmentIds: settings.scopeDepartments.map((s) => s.departmentId),
  });
}

export async function buildScope(db: Db | Prisma.TransactionClient, definition: ScopeDefinition): Promise<Scope> {
  switch (definition.kind) {
    case CabinetScopeKind.ALL:
      return { kind: definition.kind, includes: () => true, where: {} };
    case CabinetScopeKind.ORGANIZATIONS: {
      const ids = new Set(definition.organizationIds);
      return {
        kind: definition.kind,
        includes: (e) => ids.has(e.organizationId),
        where: { organizationId: { in: [...ids] } },
      };
    }
    case CabinetScopeKind.DEPARTMENTS: {
      const ids = await departmentSubtrees(db, definition.departmentIds);
      return {
        kind: definition.kind,
        includes: (e) => e.departmentId !== null && ids.has(e.departmentId),
        where: { departmentId: { in: [...ids] } },
      };
    }
  }
}
