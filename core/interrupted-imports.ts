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
 */
export async function failInterruptedImports(db: Db, options: { alone: boolean; now: Date }): Promise<number> {
  const { count } = await db.importRun.updateMany({
    where: {
      status: ImportStatus.RUNNING,
      ...(options.alone ? {} : { startedAt: { lt: new Date(options.now.getTime() - STALE_IMPORT_AFTER_MS) } }),
    },
    data: { status: ImportStatus.FAILED, failure: INTERRUPTED_IMPORT_FAILURE, finishedAt: options.now },
  });
  return count;
}
