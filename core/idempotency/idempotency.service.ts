import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { Prisma } from '../db/generated/client.ts';

export type IdempotencyStart =
  | { kind: 'new'; recordId: string }
  | { kind: 'replay'; statusCode: number; body: unknown }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

export interface IdempotencyDeps {
  db: Db;
  /** How long a completed answer is kept for replays. */
  ttlHours: number;
  /**
   * How long a request that has not answered yet holds its key. A request that died (process killed, connection to
   * the database lost) never completes its record; after the lease a retry takes the key over and runs.
   */
  leaseMinutes: number;
  clock?: Clock;
}

/**
 * `Idempotency-Key` semantics (IETF draft): the first request with a key runs and its response is stored;
 * a repeat returns that response; the same key with a different request is refused; a repeat while the first
 * is still running is refused too, so a client retry never runs an upload twice in parallel.
 */
export function createIdempotencyService(deps: IdempotencyDeps) {
  const { db, ttlHours, leaseMinutes } = deps;
  const clock = deps.clock ?? systemClock;
  const ago = (ms: number) => new Date(clock.now().getTime() - ms);

  async function begin(apiTokenId: string, key: string, requestHash: string): Promise<IdempotencyStart> {
    // Bounded: each pass either creates the record, answers from it, or removes a stale one another pass may then
    // create; losing every race to other requests with the same key is the only way to come back here.
    for (let attempt = 0; attempt < 5; attempt++) {
      await db.idempotencyRecord.deleteMany({ where: { apiTokenId, key, createdAt: { lt: ago(ttlHours * 3_600_000) } } });
      try {
        const record = await db.idempotencyRecord.create({ data: { apiTokenId, key, requestHash, createdAt: clock.now() } });
        return { kind: 'new', recordId: record.id };
      } catch (error) {
        if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== 'P2002') throw error;
      }
      const existing = await db.idempotencyRecord.findUnique({ where: { apiTokenId_key: { apiTokenId, key } } });
      if (!existing) continue;
      if (existing.requestHash !== requestHash) return { kind: 'mismatch' };
      if (existing.statusCode !== null) return { kind: 'replay', statusCode: existing.statusCode, body: existing.responseBody };
      if (existing.createdAt >= ago(leaseMinutes * 60_000)) return { kind: 'in_progress' };
      // The lease ran out: the request that held it is presumed dead. Remove exactly that record (a concurrent
      // retry may have done so and created its own, which must stay) and try again to create ours.
      await db.idempotencyRecord.deleteMany({ where: { id: existing.id, statusCode: null } });
    }
    return { kind: 'in_progress' };
  }

  /**
   * Stores the answer. A request that outlived its lease finds its record gone (a retry took the key over) and
   * stores nothing: the retry's answer is the one replayed.
   */
  async function complete(recordId: string, statusCode: number, body: unknown): Promise<void> {
    await db.idempotencyRecord.updateMany({
      where: { id: recordId, statusCode: null },
      data: { statusCode, responseBody: body === undefined ? Prisma.JsonNull : (body as Prisma.InputJsonValue), completedAt: clock.now() },
    });
  }

  /** A request that failed on our side may be retried with the same key. */
  async function abandon(recordId: string): Promise<void> {
    await db.idempotencyRecord.deleteMany({ where: { id: recordId, statusCode: null } });
  }

  /** Housekeeping: forget keys past their lifetime. */
  async function purgeExpired(): Promise<number> {
    const { count } = await db.idempotencyRecord.deleteMany({ where: { createdAt: { lt: ago(ttlHours * 3_600_000) } } });
    return count;
  }

  return { begin, complete, abandon, purgeExpired };
}

export type IdempotencyService = ReturnType<typeof createIdempotencyService>;
