import type { Db } from './db/database.ts';
import { ImportStatus } from './db/generated/enums.ts';

/** What an upload cut short by a stop says about itself (`GET /api/v1/imports/{id}`). */
export const INTERRUPTED_IMPORT_FAILURE =
  'Kabinet stopped while this upload was running (a restart, a crash or a shutdown that did not wait long enough). ' +
  'Every row counted as processed is stored whole; upload the same data again to finish (rows already stored come back as unchanged).';

/**
 * With other Kabinet processes alive, an upload still RUNNING may be theirs; one running for this long is not
 * (the import runner writes a batch in seconds).
 */
export const STALE_IMPORT_AFTER_MS = 24 * 3600_000;

/**
 * Marks uploads whose process is gone as FAILED, with a text that says what to do. `alone`: no other Kabinet
 * process uses the database, so every RUNNING upload was cut short; otherwise only stale ones are.
 * A large upload whose body is staged in the database (`bodyFormat`) is not failed but resumed: a worker runs it
 * again from its first row (the import is idempotent). Alone, its dead worker's lease is ended at once, so that
 * this process's sweep takes it without waiting for the lease to pass; it stays RUNNING, which tells the worker
 * that takes it over to announce the payslips the dead attempt stored (import-job.ts).
 */
export async function failInterruptedImports(db: Db, options: { alone: boolean; now: Date }): Promise<number> {
  const { count } = await db.importRun.updateMany({
    where: {
      status: ImportStatus.RUNNING,
      bodyFormat: null,
      ...(options.alone ? {} : { startedAt: { lt: new Date(options.now.getTime() - STALE_IMPORT_AFTER_MS) } }),
    },
    data: { status: ImportStatus.FAILED, failure: INTERRUPTED_IMPORT_FAILURE, finishedAt: options.now },
  });
  if (options.alone) {
    await db.importRun.updateMany({
      where: { status: ImportStatus.RUNNING, bodyFormat: { not: null } },
      data: { claimToken: null, leaseUntil: null },
    });
  }
  return count;
}
