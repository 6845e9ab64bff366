import type { Actor } from '../access/actor.ts';
import { authorize } from '../access/permissions.ts';
import type { Db } from '../db/database.ts';
import type { Prisma } from '../db/generated/client.ts';
import type { ActorType } from '../db/generated/enums.ts';
import { fullName } from '../employees/employee-name.ts';
import { validationError } from '../errors.ts';

export interface AuditQuery {
  /** Newest first; at most 200. */
  limit: number;
  /** The `nextBefore` of the previous page: entries older than that one. */
  before?: string;
  /** An action (`roles.grant`) or a prefix ending in a dot (`invitation.`). */
  action?: string;
  /** Payroll id of an employee: what was done to them, or by them. */
  employeeId?: string;
  actorType?: ActorType;
}

export interface AuditItem {
  id: string;
  at: string;
  /** Where it came from: the bot (an employee acting in Telegram), the API (a token), or Kabinet itself (CLI, jobs). */
  via: 'bot' | 'api' | 'system';
  actor: { type: ActorType; id: string | null; name: string | null };
  action: string;
  entity: { type: string; id: string; employeeId?: string; name?: string } | null;
  details: Prisma.JsonValue;
}

const MAX_LIMIT = 200;
const VIA: Record<ActorType, AuditItem['via']> = { EMPLOYEE: 'bot', API_TOKEN: 'api', SYSTEM: 'system' };

/**
 * The audit log for the admin (it lives here, not in core/audit, which core/access writes through: reading needs
 * the permission check, and folders must not import each other). Newest first, paged by id (keyset: stable while new entries arrive). Actors and
 * employees are named from the current records — the log itself stores ids and counts only.
 */
export function createAuditReader(deps: { db: Db }) {
  const { db } = deps;

  async function list(actor: Actor, query: AuditQuery): Promise<{ items: AuditItem[]; nextBefore: string | null }> {
    authorize(actor, 'audit.read');
    const limit = Math.min(Math.max(1, query.limit), MAX_LIMIT);
    const and: Prisma.AuditLogWhereInput[] = [];
    if (query.before !== undefined) {
      if (!/^\d{1,19}$/.test(query.before)) throw validationError('INVALID_CURSOR', { cursor: query.before });
      and.push({ id: { lt: BigInt(query.before) } });
    }
    if (query.action) and.push(query.action.endsWith('.') ? { action: { startsWith: query.action } } : { action: query.action });
    if (query.actorType) and.push({ actorType: query.actorType });
    if (query.employeeId) {
      const employee = await db.employee.findUnique({ where: { externalId: query.employeeId }, select: { id: true } });
      if (!employee) return { items: [], nextBefore: null };
      and.push({ OR: [{ entityType: 'Employee', entityId: employee.id }, { actorType: 'EMPLOYEE', actorId: employee.id }] });
    }
    const rows = await db.auditLog.findMany({ where: { AND: and }, orderBy: { id: 'desc' }, take: limit + 1 });
    const page = rows.slice(0, limit);

    const uuid = /^[0-9a-f-]{36}$/i;
    const employeeIds = new Set<string>();
    const tokenIds = new Set<string>();
    for (const r of page) {
      if (r.actorType === 'EMPLOYEE' && r.actorId && uuid.test(r.actorId)) employeeIds.add(r.actorId);
      if (r.actorType === 'API_TOKEN' && r.actorId && uuid.test(r.actorId)) tokenIds.add(r.actorId);
      if (r.entityType === 'Employee' && r.entityId && uuid.test(r.entityId)) employeeIds.add(r.entityId);
    }
    const [employees, tokens] = await Promise.all([
      db.employee.findMany({ where: { id: { in: [...employeeIds] } }, select: { id: true, externalId: true, lastName: true, firstName: true, middleName: true } }),
      db.apiToken.findMany({ where: { id: { in: [...tokenIds] } }, select: { id: true, name: true } }),
    ]);
    const employeeById = new Map(employees.map((e) => [e.id, e]));
    const tokenName = new Map(tokens.map((t) => [t.id, t.name]));

    const items = page.map((r): AuditItem => {
      const actorName = r.actorType === 'EMPLOYEE' ? employeeById.get(r.actorId ?? '') : undefined;
      const subject = r.entityType === 'Employee' ? employeeById.get(r.entityId ?? '') : undefined;
      return {
        id: r.id.toString(),
        at: r.at.toISOString(),
        via: VIA[r.actorType],
        actor: {
          type: r.actorType,
          id: r.actorType === 'EMPLOYEE' ? (actorName?.externalId ?? r.actorId) : r.actorId,
          name: actorName ? fullName(actorName) : r.actorType === 'API_TOKEN' ? (tokenName.get(r.actorId ?? '') ?? null) : null,
        },
        action: r.action,
        entity: r.entityType && r.entityId
          ? { type: r.entityType, id: r.entityId, ...(subject ? { employeeId: subject.externalId, name: fullName(subject) } : {}) }
          : null,
        details: r.details,
      };
    });
    return { items, nextBefore: rows.length > limit ? page.at(-1)!.id.toString() : null };
  }

  return { list };
}

export type AuditReader = ReturnType<typeof createAuditReader>;
