import { systemClock, type Clock } from './clock.ts';
import type { Db } from './db/database.ts';
import { CabinetState } from './db/generated/enums.ts';
import type { IdempotencyService } from './idempotency/idempotency.service.ts';
import type { UploadStaging } from './imports/upload-staging.ts';
import { CODE_MEMORY_MS } from './linking/linking.service.ts';
import { revokePendingSignIns } from './linking/sign-in-revocation.ts';

/**
 * Periodic upkeep (a scheduled job run by one worker, see periodic-jobs.ts; safe to run twice all the same): forget
 * Idempotency-Keys past their lifetime, delete one-time code rows once the limits that count them (sends per contact,
 * wrong codes per account: one day) no longer look at them, and disable employees whose dismissal date, uploaded in
 * advance, has now come — together with the codes and invitations that could still have opened their cabinet; and
 * delete staged upload bodies nobody will read (their run ended, or their request never became a run).
 */
export function createHousekeeping(deps: { db: Db; idempotency: IdempotencyService; uploads?: UploadStaging; clock?: Clock }) {
  const { db, idempotency } = deps;
  const clock = deps.clock ?? systemClock;
  async function run(now = clock.now()): Promise<{ idempotencyKeys: number; codes: number; dismissals: number; uploadChunks: number }> {
    const idempotencyKeys = await idempotency.purgeExpired();
    const { count: codes } = await db.oneTimeCode.deleteMany({ where: { createdAt: { lt: new Date(now.getTime() - CODE_MEMORY_MS) } } });
    const dismissals = await db.$transaction(async (tx) => {
      const due = await tx.employee.findMany({
        where: { dismissedAt: { lte: now }, cabinetState: { not: CabinetState.DISABLED } },
        select: { id: true },
      });
      const ids = due.map((e) => e.id);
      if (ids.length === 0) return 0;
      // The state condition again: another process may have got there first; counting only what this run changed.
      const { count } = await tx.employee.updateMany({
        where: { id: { in: ids }, cabinetState: { not: CabinetState.DISABLED } },
        data: { cabinetState: CabinetState.DISABLED },
      });
      await revokePendingSignIns(tx, ids, now);
      return count;
    });
    const uploadChunks = (await deps.uploads?.purgeOrphans(now)) ?? 0;
    return { idempotencyKeys, codes, dismissals, uploadChunks };
  }
  return { run };
}

export type Housekeeping = ReturnType<typeof createHousekeeping>;
