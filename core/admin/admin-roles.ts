import type { Actor } from '../access/actor.ts';
import { EMPLOYEE_ROLE_SOURCE, effectiveRoles, loadEmployeeActor } from '../access/employee-actor.ts';
import { authorize } from '../access/permissions.ts';
import type { RoleChange, RoleService } from '../access/roles.service.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { Role } from '../db/generated/enums.ts';
import { fullName } from '../employees/employee-name.ts';
import { DEFAULT_LANGUAGE, LANGUAGES, type Language } from '../i18n.ts';
import type { JobDefinition, JobQueue } from '../jobs/job-definition.ts';
import { safeError, type Logger } from '../logger.ts';

/**
 * Sets the command menu a Telegram user sees (`setMyCommands` with a chat scope): admins get theirs. Implemented by
 * the bot adapter; a process without it leaves menus as they are (the next /start sets them).
 */
export interface CommandMenus {
  refresh(target: { chatId: bigint; language: Language; roles: Role[] }): Promise<void>;
}

export interface RoleHolder {
  employeeId: string;
  fullName: string;
  roles: Role[];
  /** The cabinet's responsible employee: ADMIN by the settings, not by a grant. */
  responsible: boolean;
  /** Has a linked Telegram account (the roles act only there; the API uses tokens). */
  linked: boolean;
}

/** The job id of a menu refresh: one pending refresh per employee is enough, it reads the roles when it runs. */
const refreshJobId = (employeeId: string) => `commands-${employeeId}`;

/** Asks for the employees' command menus to be refreshed; never fails the role change that caused it. */
export async function requestMenuRefresh(jobs: JobQueue, employeeIds: string[], logger: Logger): Promise<void> {
  if (employeeIds.length === 0) return;
  await jobs
    .enqueueMany('refresh-commands', employeeIds.map((employeeId) => ({ payload: { employeeId }, jobId: refreshJobId(employeeId) })))
    .catch((error: unknown) => logger.warn({ err: safeError(error) }, 'could not queue a command menu refresh; the next /start sets the menu'));
}

/**
 * The API's and the bot's twin of the roles service: the same grant and revoke (checked and audited there), a list
 * of who holds which role, and, when a role really changed, a job that refreshes that employee's command menu.
 */
export function createAdminRoles(deps: { db: Db; roles: RoleService; jobs: JobQueue; logger: Logger; clock?: Clock }) {
  const { db, roles, jobs, logger } = deps;
  const clock = deps.clock ?? systemClock;

  async function list(actor: Actor): Promise<RoleHolder[]> {
    authorize(actor, 'roles.manage');
    const now = clock.now();
    const rows = await db.employee.findMany({
      where: { OR: [{ roles: { some: {} } }, { responsibleFor: { isNot: null } }] },
      orderBy: [{ lastName: 'asc' }, { firstName: 'asc' }, { id: 'asc' }],
      select: { externalId: true, lastName: true, firstName: true, middleName: true, ...EMPLOYEE_ROLE_SOURCE, telegramAccount: { select: { id: true } } },
    });
    return rows
      .map((e) => ({ employeeId: e.externalId, fullName: fullName(e), roles: effectiveRoles(e, now), responsible: e.responsibleFor !== null, linked: e.telegramAccount !== null }))
      .filter((h) => h.roles.length > 0);
  }

  async function changed(employeeExternalId: string, change: RoleChange): Promise<RoleChange> {
    if (!change.changed) return change;
    const employee = await db.employee.findUnique({ where: { externalId: employeeExternalId }, select: { id: true } });
    if (employee) await requestMenuRefresh(jobs, [employee.id], logger);
    return change;
  }

  const grant = async (actor: Actor, employeeExternalId: string, role: Role) => changed(employeeExternalId, await roles.grant(actor, employeeExternalId, role));
  const revoke = async (actor: Actor, employeeExternalId: string, role: Role) => changed(employeeExternalId, await roles.revoke(actor, employeeExternalId, role));

  return { list, grant, revoke };
}

export type AdminRoles = ReturnType<typeof createAdminRoles>;

/** Refreshes one employee's command menu with the roles they act with now (none once dismissed or unlinked). */
export function createRefreshCommandsJob(deps: { db: Db; menus: () => CommandMenus | undefined; logger: Logger; clock?: Clock }): JobDefinition<'refresh-commands'> {
  const clock = deps.clock ?? systemClock;
  return {
    name: 'refresh-commands',
    attempts: 3,
    backoffMs: 2000,
    async handle({ employeeId }) {
      const menus = deps.menus();
      if (!menus) return;
      const account = await deps.db.telegramAccount.findUnique({ where: { employeeId }, select: { chatId: true, language: true, blockedAt: true } });
      if (!account || account.blockedAt) return;
      const actor = await loadEmployeeActor(deps.db, { employeeId }, clock.now());
      const language: Language = (LANGUAGES as readonly string[]).includes(account.language ?? '') ? (account.language as Language) : DEFAULT_LANGUAGE;
      await menus.refresh({ chatId: account.chatId, language, roles: [...(actor?.roles ?? [])] });
    },
  };
}
