import type { Db } from '../db/database.ts';

// Its own key: distinct from the migration lock (72707369) and the presence lock (72707370) of core/db.
const WEBHOOK_LOCK_KEY = 72707371n;

/**
 * Runs `task` (setting the webhook) in the one instance that holds the lock right now; the others, starting at the
 * same moment behind the same load balancer, skip it: they would only set the same URL again. Returns whether this
 * instance ran it. A transaction-scoped lock: it ends with the transaction, whatever happens to the process.
 */
export async function inOneInstance(db: Db, task: () => Promise<void>): Promise<boolean> {
  return db.$transaction(
    async (tx) => {
      const [row] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${WEBHOOK_LOCK_KEY}) AS locked`;
      if (!row?.locked) return false;
      await task();
      return true;
    },
    { maxWait: 10_000, timeout: 60_000 },
  );
}
