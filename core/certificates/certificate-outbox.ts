import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { JobQueue } from '../jobs/job-definition.ts';
import { safeError, type Logger } from '../logger.ts';

/** Requests older than this are not posted or announced any more: a month-old post helps nobody. */
const OUTBOX_MAX_AGE_MS = 60 * 24 * 3600_000;
const SWEEP_PAGE = 500;

/** Deterministic job ids: one job per request and version, however often it is queued (sweeps, instances). */
export const hrJobId = (requestId: string, version: number) => `cert-hr-${requestId}-v${version}`;
export const employeeJobId = (requestId: string, version: number) => `cert-employee-${requestId}-v${version}`;

/**
 * What Telegram must still be told about requests, read from their rows: the HR chat's card (`hr_synced_version`
 * behind `version`) and the employee (`employee_notified_version` behind `version`). Queueing right after a change
 * is the fast path; when the queue refuses (Redis down) or loses jobs, `sweep()` queues them again. The jobs re-read
 * the row and hold a lease on it while they talk to Telegram, so nothing is posted or said twice.
 */
export function createCertificateOutbox(deps: { db: Db; jobs: JobQueue; enabled: () => boolean; logger: Logger; clock?: Clock }) {
  const { db, jobs, logger } = deps;
  const clock = deps.clock ?? systemClock;

  /** After a change to a request: queue what it needs. A queue that refuses leaves it to the sweep. */
  async function changed(request: { id: string; version: number; needsHr: boolean; employeeBehind: boolean }): Promise<void> {
    if (!deps.enabled()) return;
    try {
      if (request.needsHr) await jobs.enqueue('sync-certificate-hr', { requestId: request.id }, { jobId: hrJobId(request.id, request.version) });
      if (request.employeeBehind) await jobs.enqueue('notify-certificate-employee', { requestId: request.id }, { jobId: employeeJobId(request.id, request.version) });
    } catch (error) {
      logger.warn({ err: safeError(error), requestId: request.id }, 'could not queue the Telegram messages of a request; the outbox sweep will');
    }
  }

  /** Queues every recent request whose HR card or employee is behind. Returns how many jobs were handed over. */
  async function sweep(): Promise<number> {
    if (!deps.enabled()) return 0;
    const since = new Date(clock.now().getTime() - OUTBOX_MAX_AGE_MS);
    const hrChat = await db.hrChat.findUnique({ where: { id: 1 }, select: { id: true } });
    let queued = 0;
    const lanes = [
      // Without an HR chat there is nowhere to post: those wait until an admin binds one.
      ...(hrChat
        ? [{ name: 'sync-certificate-hr' as const, where: { needsHr: true, hrSyncedVersion: { lt: db.certificateRequest.fields.version } }, jobId: hrJobId }]
        : []),
      { name: 'notify-certificate-employee' as const, where: { employeeNotifiedVersion: { lt: db.certificateRequest.fields.version } }, jobId: employeeJobId },
    ];
    for (const lane of lanes) {
      let after: string | undefined;
      for (;;) {
        const page = await db.certificateRequest.findMany({
          where: { ...lane.where, createdAt: { gte: since }, ...(after ? { id: { gt: after } } : {}) },
          orderBy: { id: 'asc' },
          take: SWEEP_PAGE,
          select: { id: true, version: true },
        });
        if (page.length === 0) break;
        try {
          await jobs.enqueueMany(lane.name, page.map((r) => ({ payload: { requestId: r.id }, jobId: lane.jobId(r.id, r.version) })), { replaceFailed: true });
        } catch (error) {
          logger.warn({ err: safeError(error), left: page.length }, 'could not queue the Telegram messages of requests; the next sweep will');
          return queued;
        }
        queued += page.length;
        if (page.length < SWEEP_PAGE) break;
        after = page.at(-1)!.id;
      }
    }
    return queued;
  }

  return { changed, sweep };
}

export type CertificateOutbox = ReturnType<typeof createCertificateOutbox>;
