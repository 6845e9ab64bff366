import type { Actor } from '../access/actor.ts';
import { authorize } from '../access/permissions.ts';
import type { Db } from '../db/database.ts';
import type { Prisma } from '../db/generated/client.ts';
import type { CabinetState } from '../db/generated/enums.ts';
import { validationError } from '../errors.ts';
import { departmentSubtrees } from './departments.ts';
import { fullName } from './employee-name.ts';

export interface EmployeeFilter {
  state?: CabinetState;
  organizationId?: string;
  /** Includes the department's subtree. */
  departmentId?: string;
  /** Only employees inside the cabinet's scope. */
  inScope?: boolean;
  /** Name or personnel number fragment. */
  search?: string;
  page: number;
  pageSize: number;
}

export interface EmployeeListItem {
  employeeId: string;
  personnelNumber: string;
  fullName: string;
  position: string | null;
  organizationId: string;
  departmentId: string | null;
  hasPhone: boolean;
  hasEmail: boolean;
  dismissedAt: string | null;
  cabinetState: CabinetState;
  publishedAt: string | null;
  activatedAt: string | null;
}

export interface EmployeeDirectoryDeps {
  db: Db;
  /**
   * The cabinet's scope as a filter. Handed in by the composition root: the scope is the cabinet's business, and
   * employees/ sits below cabinet/ (which imports names and the department tree from here).
   */
  scopeFilter: () => Promise<Prisma.EmployeeWhereInput>;
}

export function createEmployeeDirectory(deps: EmployeeDirectoryDeps) {
  const { db } = deps;

  async function list(actor: Actor, filter: EmployeeFilter): Promise<{ items: EmployeeListItem[]; total: number; page: number; pageSize: number }> {
    authorize(actor, 'employees.read');
    const and: Prisma.EmployeeWhereInput[] = [];
    if (filter.state) and.push({ cabinetState: filter.state });
    if (filter.organizationId) and.push({ organization: { externalId: filter.organizationId } });
    if (filter.departmentId) {
      const root = await db.department.findUnique({ where: { externalId: filter.departmentId }, select: { id: true } });
      if (!root) throw validationError('UNKNOWN_DEPARTMENT', { id: filter.departmentId });
      and.push({ departmentId: { in: [...(await departmentSubtrees(db, [root.id]))] } });
    }
    if (filter.inScope) and.push(await deps.scopeFilter());
    const search = filter.search?.trim();
    if (search) {
      and.push({
        OR: [
          { lastName: { contains: search, mode: 'insensitive' } },
          { firstName: { contains: search, mode: 'insensitive' } },
          { personnelNumber: { contains: search } },
        ],
      });
    }
    const where: Prisma.EmployeeWhereInput = { AND: and };
    const [total, rows] = await Promise.all([
      db.employee.count({ where }),
      db.employee.findMany({
        where,
        orderBy: [{ lastName: 'asc' }, { firstName: 'asc' }, { id: 'asc' }],
        skip: (filter.page - 1) * filter.pageSize,
        take: filter.pageSize,
        include: { organization: { select: { externalId: true } }, department: { select: { externalId: true } } },
      }),
    ]);
    return {
      total,
      page: filter.page,
      pageSize: filter.pageSize,
      items: rows.map((e) => ({
        employeeId: e.externalId,
        personnelNumber: e.personnelNumber,
        fullName: fullName(e),
        position: e.position,
        organizationId: e.organization.externalId,
        departmentId: e.department?.externalId ?? null,
        hasPhone: e.phone !== null,
        hasEmail: e.email !== null,
        dismissedAt: e.dismissedAt?.toISOString().slice(0, 10) ?? null,
        cabinetState: e.cabinetState,
        publishedAt: e.publishedAt?.toISOString() ?? null,
        activatedAt: e.activatedAt?.toISOString() ?? null,
      })),
    };
  }

  return { list };
}

export type EmployeeDirectory = ReturnType<typeof createEmployeeDirectory>;
