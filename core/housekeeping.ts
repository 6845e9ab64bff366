import type { Db } from './db/database.ts';
import { CabinetState } from './db/generated/enums.ts';
import type { IdempotencyService } from './idempotency/idempotency.service.ts';

const CODE_RETENTION_MS = 24 * 3600_000;

/**
 * Periodic upkeep, safe to run from every process at once: forget Idempotency-Keys past their lifetime, delete
 * one-time code rows older than a day (rate limits look back minutes, not days), and disable employees whose
 * dismissal date, uploaded in advance, has now come.
 */
export function createHousekeeping(deps: { db: Db; idempotency: IdempotencyService }) {
  const { db, idempotency } = deps;
  async function run(now = new Date()): Promise<{ idempotencyKeys: number; codes: number; dismissals: number }> {
    const idempotencyKeys = await idempotency.purgeExpired();
    const { count: codes } = await db.oneTimeCode.deleteMany({ where: { createdAt: { lt: new Date(now.getTime() - CODE_RETENTION_MS) } } });
    const { count: dismissals } = await db.employee.updateMany({
      where: { dismissedAt: { lte: now }, cabinetState: { not: CabinetState.DISABLED } },
      data: { cabinetState: CabinetState.DISABLED },
    });
    return { idempotencyKeys, codes, dismissals };
  }
  return { run };
}
