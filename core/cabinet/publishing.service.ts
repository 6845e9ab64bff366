import { actorFields, type Actor } from '../access/actor.ts';
import { authorize } from '../access/permissions.ts';
import { audit } from '../audit/audit-log.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { Prisma } from '../db/generated/client.ts';
import { CabinetState } from '../db/generated/enums.ts';
import { validationError } from '../errors.ts';
import { departmentSubtrees } from '../employees/departments.ts';
import { loadScope } from './scope.ts';
import { PUBLISHED_STATES, unpublishEmployees } from './unpublish.ts';

/** Whom to publish for: everyone in scope, whole departments (with subtrees), or listed employees (payroll ids). */
export type PublishSelection = { all: true } | { departmentIds: string[] } | { employeeIds: string[] };

export type SkipReason = 'NOT_FOUND' | 'OUT_OF_SCOPE' | 'DISMISSED' | 'NO_CONTACTS';

export interface PublishResult {
  /** Cabinets whose state changed. */
  changed: number;
  /** Already in the requested state. */
  unchanged: number;
  skipped: { employeeId: string; reason: SkipReason }[];
}

export function createPublishingService(db: Db, clock: Clock = systemClock) {
  async function select(selection: PublishSelection) {
    const skipped: PublishResult['skipped'] = [];
    let where: Prisma.EmployeeWhereInput = {};
    if ('employeeIds' in selection) {
      const ids = [...new Set(selection.employeeIds)];
      const found = new Set(
        (await db.employee.findMany({ where: { externalId: { in: ids } }, select: { externalId: true } })).map((e) => e.externalId),
      );
      for (const id of ids) if (!found.has(id)) skipped.push({ employeeId: id, reason: 'NOT_FOUND' });
      where = { externalId: { in: ids } };
    } else if ('departmentIds' in selection) {
      const roots = await db.department.findMany({ where: { externalId: { in: selection.departmentIds } }, select: { id: true, externalId: true } });
      const missing = selection.departmentIds.find((id) => !roots.some((r) => r.externalId === id));
      if (missing) throw validationError('UNKNOWN_DEPARTMENT', { id: missing });
      where = { departmentId: { in: [...(await departmentSubtrees(db, roots.map((r) => r.id)))] } };
    }
    const employees = await db.employee.findMany({
      where,
      select: { id: true, externalId: true, organizationId: true, departmentId: true, phone: true, email: true, cabinetState: true },
    });
    const scope = await loadScope(db);
    return { employees, skipped, scope, explicit: 'employeeIds' in selection };
  }

  /** Makes cabinets available: the employee can then link Telegram with a one-time code. */
  async function publish(actor: Actor, selection: PublishSelection): Promise<PublishResult> {
    authorize(actor, 'cabinet.publish');
    const { employees, skipped, scope, explicit } = await select(selection);
    const toPublish: string[] = [];
    let unchanged = 0;
    for (const e of employees) {
      // Selecting "all" or a department quietly passes over people outside the cabinet; naming them is reported.
      if (!scope.includes(e)) {
        if (explicit) skipped.push({ employeeId: e.externalId, reason: 'OUT_OF_SCOPE' });
      } else if (e.cabinetState === CabinetState.DISABLED) skipped.push({ employeeId: e.externalId, reason: 'DISMISSED' });
      else if (!e.phone && !e.email) skipped.push({ employeeId: e.externalId, reason: 'NO_CONTACTS' });
      else if (PUBLISHED_STATES.includes(e.cabinetState)) unchanged += 1;
      else toPublish.push(e.id);
    }
    await db.$transaction(async (tx) => {
      await tx.employee.updateMany({
        where: { id: { in: toPublish }, cabinetState: CabinetState.NOT_PUBLISHED },
        data: { cabinetState: CabinetState.PUBLISHED, publishedAt: clock.now() },
      });
      await audit(tx, { ...actorFields(actor), action: 'cabinet.publish', details: { changed: toPublish.length } });
    });
    return { changed: toPublish.length, unchanged, skipped };
  }

  /**
   * Takes cabinets away: the Telegram link is dropped, so access ends with the next update, and codes or
   * invitations already on their way open nothing.
   */
  async function unpublish(actor: Actor, selection: PublishSelection): Promise<PublishResult> {
    authorize(actor, 'cabinet.publish');
    const { employees, skipped } = await select(selection);
    const toUnpublish = employees.filter((e) => PUBLISHED_STATES.includes(e.cabinetState)).map((e) => e.id);
    const unchanged = employees.length - toUnpublish.length;
    await db.$transaction(async (tx) => {
      await unpublishEmployees(tx, toUnpublish, clock.now());
      await audit(tx, { ...actorFields(actor), action: 'cabinet.unpublish', details: { changed: toUnpublish.length } });
    });
    return { changed: toUnpublish.length, unchanged, skipped };
  }

  return { publish, unpublish };
}

export type PublishingService = ReturnType<typeof createPublishingService>;
