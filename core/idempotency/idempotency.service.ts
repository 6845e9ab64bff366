import type { Db } from '../db/database.ts';
import { Prisma } from '../db/generated/client.ts';

export type IdempotencyStart =
  | { kind: 'new'; recordId: string }
  | { kind: 'replay'; statusCode: number; body: unknown }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

/**
 * `Idempotency-Key` semantics (IETF draft): the first request with a key runs and its response is stored;
 * a repeat returns that response; the same key with a different request is refused; a repeat while the first
 * is still running is refused too, so a client retry never runs an upload twice in parallel.
 */
export function createIdempotencyService(db: Db, ttlHours: number) {
  async function begin(apiTokenId: string, key: string, requestHash: string): Promise<IdempotencyStart> {
    const expired = new Date(Date.now() - ttlHours * 3_600_000);
    await db.idempotencyRecord.deleteMany({ where: { apiTokenId, key, createdAt: { lt: expired } } });
    try {
      const record = await db.idempotencyRecord.create({ data: { apiTokenId, key, requestHash } });
      return { kind: 'new', recordId: record.id };
    } catch (error) {
      if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== 'P2002') throw error;
    }
    const existing = await db.idempotencyRecord.findUnique({ where: { apiTokenId_key: { apiTokenId, key } } });
    if (!existing) return begin(apiTokenId, key, requestHash);
    if (existing.requestHash !== requestHash) return { kind: 'mismatch' };
    if (existing.statusCode === null) return { kind: 'in_progress' };
    return { kind: 'replay', statusCode: existing.statusCode, body: existing.responseBody };
  }

  async function complete(recordId: string, statusCode: number, body: unknown): Promise<void> {
    await db.idempotencyRecord.update({
      where: { id: recordId },
      data: { statusCode, responseBody: body === undefined ? Prisma.JsonNull : (body as Prisma.InputJsonValue), completedAt: new Date() },
    });
  }

  /** A request that failed on our side may be retried with the same key. */
  async function abandon(recordId: string): Promise<void> {
    await db.idempotencyRecord.deleteMany({ where: { id: recordId } });
  }

  /** Housekeeping: forget keys past their lifetime. */
  async function purgeExpired(): Promise<number> {
    const { count } = await db.idempotencyRecord.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - ttlHours * 3_600_000) } } });
    return count;
  }

  return { begin, complete, abandon, purgeExpired };
}

export type IdempotencyService = ReturnType<typeof createIdempotencyService>;
