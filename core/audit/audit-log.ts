import type { Db } from '../db/database.ts';
import type { ActorType } from '../db/generated/enums.ts';
import type { Prisma } from '../db/generated/client.ts';

export interface AuditEntry {
  /** Who acted: spread `actorFields(actor)` from core/access rather than naming a type by hand. */
  actorType: ActorType;
  actorId: string | null;
  action: string;
  entityType?: string;
  entityId?: string;
  /** Ids and counts only: the audit log outlives the data it speaks of and must not copy personal data. */
  details?: Prisma.InputJsonObject;
}

export async function audit(db: Db | Prisma.TransactionClient, entry: AuditEntry): Promise<void> {
  await db.auditLog.create({
    data: {
      actorType: entry.actorType,
      actorId: entry.actorId,
      action: entry.action,
      entityType: entry.entityType ?? null,
      entityId: entry.entityId ?? null,
      details: entry.details ?? {},
    },
  });
}
