import { audit } from '../audit/audit-log.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { Role } from '../db/generated/enums.ts';
import { AppError } from '../errors.ts';
import { actorFields, type Actor } from './actor.ts';
import { EMPLOYEE_ROLE_SOURCE, hasLeft, loadEmployeeActor } from './employee-actor.ts';
import { authorize } from './permissions.ts';

export type RoleChange = { changed: boolean };

/**
 * Grants and revokes the ADMIN and HR roles. Employees are named by their payroll id, like everywhere an admin
 * points at someone (API, admin lists in the bot).
 */
export function createRoleService(deps: { db: Db; clock?: Clock }) {
  const { db } = deps;
  const clock = deps.clock ?? systemClock;

  async function target(employeeExternalId: string) {
    const employee = await db.employee.findUnique({
      where: { externalId: employeeExternalId },
      select: { id: true, ...EMPLOYEE_ROLE_SOURCE },
    });
    if (!employee) throw new AppError('UNKNOWN_EMPLOYEE', 'not_found', { id: employeeExternalId });
    return employee;
  }

  /** Gives a role to an employee who works here (not dismissed, cabinet not disabled). */
  async function grant(actor: Actor, employeeExternalId: string, role: Role): Promise<RoleChange> {
    authorize(actor, 'roles.manage');
    const employee = await target(employeeExternalId);
    if (hasLeft(employee, clock.now())) throw new AppError('EMPLOYEE_DISMISSED', 'validation', { id: employeeExternalId });
    return db.$transaction(async (tx) => {
      const { count } = await tx.roleAssignment.createMany({ data: [{ employeeId: employee.id, role }], skipDuplicates: true });
      if (count === 0) return { changed: false };
      await audit(tx, { ...actorFields(actor), action: 'roles.grant', entityType: 'Employee', entityId: employee.id, details: { role } });
      return { changed: true };
    });
  }

  /**
   * Takes a role away. The responsible employee's ADMIN goes with the responsibility: to take it, name another
   * responsible employee in the cabinet settings (which moves the role).
   */
  async function revoke(actor: Actor, employeeExternalId: string, role: Role): Promise<RoleChange> {
    authorize(actor, 'roles.manage');
    const employee = await target(employeeExternalId);
    return db.$transaction(async (tx) => {
      // One statement decides: a settings change that makes them responsible meanwhile keeps its role row.
      const { count } = await tx.roleAssignment.deleteMany({
        where: { employeeId: employee.id, role, ...(role === Role.ADMIN ? { employee: { responsibleFor: { is: null } } } : {}) },
      });
      if (count === 0) {
        if (role === Role.ADMIN && (await tx.cabinetSettings.count({ where: { responsibleEmployeeId: employee.id } })) > 0) {
          throw new AppError('RESPONSIBLE_ADMIN_REVOKE', 'conflict', { id: employeeExternalId });
        }
        return { changed: false };
      }
      await audit(tx, { ...actorFields(actor), action: 'roles.revoke', entityType: 'Employee', entityId: employee.id, details: { role } });
      return { changed: true };
    });
  }

  /** The roles an employee (internal id) acts with now: the stored ones, ADMIN when responsible, none once dismissed. */
  async function rolesOf(employeeId: string): Promise<Role[]> {
    return [...((await loadEmployeeActor(db, { employeeId }, clock.now()))?.roles ?? [])];
  }

  return { grant, revoke, rolesOf };
}

export type RoleService = ReturnType<typeof createRoleService>;
