import type { Actor } from '../access/actor.ts';
import { authorize } from '../access/permissions.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { Prisma } from '../db/generated/client.ts';
import type { ContactChannel } from '../db/generated/enums.ts';
import { departmentSubtrees } from '../employees/departments.ts';
import { fullName } from '../employees/employee-name.ts';
import { validationError } from '../errors.ts';
import { ADMIN_STATUSES, type AdminStatus, adminStatus, adminStatusWhere } from './employee-status.ts';

export interface StatusFilter {
  status?: AdminStatus;
  /** Payroll id. */
  organizationId?: string;
  /** Payroll id; includes the department's subtree. */
  departmentId?: string;
  /** Words of a name, or a personnel number fragment: every word must match. */
  search?: string;
  /** One employee by payroll id (the bot's card of an employee). */
  employeeId?: string;
}

/** Where the employee's newest invitation stands. */
export type InvitationMark = 'CREATED' | 'QUEUED' | 'SENT' | 'OPENED' | 'FAILED';

export interface StatusListItem {
  employeeId: string;
  personnelNumber: string;
  fullName: string;
  position: string | null;
  organization: string;
  /** The organization's payroll id. */
  organizationId: string;
  department: string | null;
  /** The department's payroll id. */
  departmentId: string | null;
  status: AdminStatus;
  hasPhone: boolean;
  hasEmail: boolean;
  invitation: { mark: InvitationMark; channel: ContactChannel | null; at: string; expiresAt: string | null; failure: string | null } | null;
  activatedAt: string | null;
}

export type StatusCounts = Record<AdminStatus, number> & { total: number };

/** Pages are small (a Telegram screen is ~10 lines); 100 is the most a script may ask at once. */
export const MAX_PAGE_SIZE = 100;

/**
 * The admin's view of who has what (`/admin` in the bot, GET /admin/employees in the API): counts per mark, and the
 * employees with their mark, ordered by name, filtered and paged. Everything is read per request from the
 * database (the bot keeps only the page number and the filter in its callback data), so 10,000 employees cost a
 * page of rows and a few counts, served by the (last_name, first_name, id) and cabinet_state indexes.
 */
export function createStatusList(deps: { db: Db; clock?: Clock }) {
  const { db } = deps;
  const clock = deps.clock ?? systemClock;

  async function baseWhere(filter: StatusFilter): Promise<Prisma.EmployeeWhereInput[]> {
    const and: Prisma.EmployeeWhereInput[] = [];
    if (filter.organizationId) {
      const organization = await db.organization.findUnique({ where: { externalId: filter.organizationId }, select: { id: true } });
      if (!organization) throw validationError('UNKNOWN_ORGANIZATION', { id: filter.organizationId });
      and.push({ organizationId: organization.id });
    }
    if (filter.departmentId) {
      const root = await db.department.findUnique({ where: { externalId: filter.departmentId }, select: { id: true } });
      if (!root) throw validationError('UNKNOWN_DEPARTMENT', { id: filter.departmentId });
      and.push({ departmentId: { in: [...(await departmentSubtrees(db, [root.id]))] } });
    }
    if (filter.employeeId !== undefined) and.push({ externalId: filter.employeeId });
    for (const word of (filter.search ?? '').trim().split(/\s+/).filter(Boolean).slice(0, 5)) {
      and.push({
        OR: [
          { lastName: { contains: word, mode: 'insensitive' } },
          { firstName: { contains: word, mode: 'insensitive' } },
          { middleName: { contains: word, mode: 'insensitive' } },
          { personnelNumber: { contains: word, mode: 'insensitive' } },
        ],
      });
    }
    return and;
  }

  /** How many employees carry each mark (the filter's organization, department and search apply; its status not). */
  async function counts(actor: Actor, filter: Omit<StatusFilter, 'status'> = {}): Promise<StatusCounts> {
    authorize(actor, 'employees.read');
    const and = await baseWhere(filter);
    const now = clock.now();
    const values = await Promise.all(ADMIN_STATUSES.map((s) => db.employee.count({ where: { AND: [...and, adminStatusWhere(s, now)] } })));
    const result = Object.fromEntries(ADMIN_STATUSES.map((s, i) => [s, values[i]!])) as Record<AdminStatus, number>;
    return { ...result, total: values.reduce((a, b) => a + b, 0) };
  }

  async function list(actor: Actor, filter: StatusFilter & { page: number; pageSize: number }): Promise<{ items: StatusListItem[]; total: number; page: number; pageSize: number; pages: number }> {
    authorize(actor, 'employees.read');
    const pageSize = Math.min(Math.max(1, filter.pageSize), MAX_PAGE_SIZE);
    const page = Math.max(1, filter.page);
    const now = clock.now();
    const and = await baseWhere(filter);
    if (filter.status) and.push(adminStatusWhere(filter.status, now));
    const where: Prisma.EmployeeWhereInput = { AND: and };
    const [total, rows] = await Promise.all([
      db.employee.count({ where }),
      db.employee.findMany({
        where,
        orderBy: [{ lastName: 'asc' }, { firstName: 'asc' }, { id: 'asc' }],
        skip: (page - 1) * pageSize,
        take: pageSize,
        select: {
          externalId: true, personnelNumber: true, lastName: true, firstName: true, middleName: true, position: true,
          phone: true, email: true, cabinetState: true, dismissedAt: true, activatedAt: true,
          organization: { select: { name: true, externalId: true } },
          department: { select: { name: true, externalId: true } },
          telegramAccount: { select: { blockedAt: true } },
          invitations: {
            where: { revokedAt: null },
            orderBy: { createdAt: 'desc' },
            take: 1,
            select: { sendRequestedAt: true, createdAt: true, sentAt: true, openedAt: true, failedAt: true, failure: true, channel: true, expiresAt: true, tokenHash: true },
          },
        },
      }),
    ]);
    return {
      total,
      page,
      pageSize,
      pages: Math.max(1, Math.ceil(total / pageSize)),
      items: rows.map((e) => {
        const inv = e.invitations[0];
        return {
          employeeId: e.externalId,
          personnelNumber: e.personnelNumber,
          fullName: fullName(e),
          position: e.position,
          organization: e.organization.name,
          organizationId: e.organization.externalId,
          department: e.department?.name ?? null,
          departmentId: e.department?.externalId ?? null,
          status: adminStatus({ ...e, blockedAt: e.telegramAccount?.blockedAt ?? null }, now),
          hasPhone: e.phone !== null,
          hasEmail: e.email !== null,
          invitation: inv ? invitationMark(inv) : null,
          activatedAt: e.activatedAt?.toISOString() ?? null,
        };
      }),
    };
  }

  return { counts, list };
}

function invitationMark(inv: {
  sendRequestedAt: Date | null; createdAt: Date; sentAt: Date | null; openedAt: Date | null; failedAt: Date | null;
  failure: string | null; channel: ContactChannel | null; expiresAt: Date; tokenHash: string | null;
}): StatusListItem['invitation'] {
  const [mark, at]: [InvitationMark, Date] = inv.openedAt
    ? ['OPENED', inv.openedAt]
    : inv.sentAt
      ? ['SENT', inv.sentAt]
      : inv.failedAt
        ? ['FAILED', inv.failedAt]
        : inv.sendRequestedAt
          ? ['QUEUED', inv.sendRequestedAt]
          : ['CREATED', inv.createdAt];
  const live = mark !== 'QUEUED' && mark !== 'FAILED' && inv.tokenHash !== null;
  return { mark, channel: inv.channel, at: at.toISOString(), expiresAt: live ? inv.expiresAt.toISOString() : null, failure: mark === 'FAILED' ? inv.failure : null };
}

export type StatusList = ReturnType<typeof createStatusList>;
