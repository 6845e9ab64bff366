import type { Db } from '../db/database.ts';
import { Prisma } from '../db/generated/client.ts';
import { CabinetState, Role } from '../db/generated/enums.ts';
import { employeeActor, type EmployeeActor } from './actor.ts';

/** What decides an employee's effective roles; `EMPLOYEE_ROLE_SOURCE` selects exactly this through Prisma. */
export interface RoleSource {
  cabinetState: CabinetState;
  dismissedAt: Date | null;
  roles: { role: Role }[];
  /** The cabinet settings row when this employee is the responsible one. */
  responsibleFor: { id: number } | null;
}

/** A Prisma `select` for an employee (or nested under a Telegram account) that feeds `effectiveRoles`. */
export const EMPLOYEE_ROLE_SOURCE = {
  cabinetState: true,
  dismissedAt: true,
  roles: { select: { role: true } },
  responsibleFor: { select: { id: true } },
} as const satisfies Prisma.EmployeeSelect;

/** Dismissed (the dismissal counts from its date on) or with a disabled cabinet: no role, and none to be granted. */
export const hasLeft = (e: { cabinetState: CabinetState; dismissedAt: Date | null }, now: Date): boolean =>
  e.cabinetState === CabinetState.DISABLED || (e.dismissedAt !== null && e.dismissedAt.getTime() <= now.getTime());

const ROLE_ORDER: Role[] = [Role.ADMIN, Role.HR];

/**
 * The roles an employee acts with:
 * - the responsible employee of the cabinet settings is ADMIN, whether or not the role row is there (the settings
 *   write it, but a revoke racing a settings change must not leave the cabinet without its admin);
 * - a dismissed employee (from the dismissal date on) or a disabled cabinet acts with no role at all, so an
 *   uploaded dismissal ends admin and HR rights at once, before housekeeping gets to it.
 */
export function effectiveRoles(source: RoleSource, now: Date): Role[] {
  if (hasLeft(source, now)) return [];
  const roles = new Set(source.roles.map((r) => r.role));
  if (source.responsibleFor) roles.add(Role.ADMIN);
  return ROLE_ORDER.filter((r) => roles.has(r));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Row {
  id: string;
  cabinet_state: string;
  dismissed_at: string | null;
  responsible: boolean;
  roles: string;
}

/**
 * The employee behind an internal id, or behind a linked Telegram account, as an actor with their effective roles —
 * in one SQL statement, because the bot needs it on every update. Null when there is no such employee (or the
 * account is not linked).
 */
export async function loadEmployeeActor(
  db: Db | Prisma.TransactionClient,
  by: { employeeId: string } | { telegramUserId: bigint },
  now: Date,
): Promise<EmployeeActor | null> {
  let where: Prisma.Sql;
  if ('employeeId' in by) {
    // A malformed id would make PostgreSQL refuse the cast: it is simply nobody.
    if (!UUID.test(by.employeeId)) return null;
    where = Prisma.sql`e.id = ${by.employeeId}::uuid`;
  } else {
    where = Prisma.sql`e.id = (SELECT a.employee_id FROM telegram_accounts a WHERE a.telegram_user_id = ${by.telegramUserId})`;
  }
  // Dates and enums come back as text so that PostgreSQL and PGlite hand over the same shapes.
  const rows = await db.$queryRaw<Row[]>`
    SELECT e.id::text AS id,
           e.cabinet_state::text AS cabinet_state,
           to_char(e.dismissed_at, 'YYYY-MM-DD') AS dismissed_at,
           EXISTS (SELECT 1 FROM cabinet_settings c WHERE c.responsible_employee_id = e.id) AS responsible,
           COALESCE((SELECT string_agg(r.role::text, ',') FROM role_assignments r WHERE r.employee_id = e.id), '') AS roles
      FROM employees e
     WHERE ${where}`;
  const row = rows[0];
  if (!row) return null;
  const source: RoleSource = {
    cabinetState: row.cabinet_state as CabinetState,
    dismissedAt: row.dismissed_at ? new Date(`${row.dismissed_at}T00:00:00.000Z`) : null,
    roles: row.roles.split(',').filter(Boolean).map((role) => ({ role: role as Role })),
    responsibleFor: row.responsible ? { id: 1 } : null,
  };
  return employeeActor(row.id, effectiveRoles(source, now));
}
