import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { CabinetState } from '../db/generated/enums.ts';
import type { JobQueue } from '../jobs/job-definition.ts';
import { safeError, type Logger } from '../logger.ts';
import { uuidv7 } from '../util/ids.ts';

/** Unsent notifications older than this are given up: a payday notice a week late helps nobody. */
const OUTBOX_MAX_AGE_MS = 7 * 24 * 3600_000;
const SWEEP_PAGE = 500;
/** Jobs per addBulk: one round trip to Redis each. */
const ENQUEUE_BATCH = 500;

/** The job id of a notification: deterministic, so queueing it again (sweeps, several instances) is harmless. */
const jobIdOf = (notificationId: string) => `notify-${notificationId}`;

/**
 * Turns newly uploaded payslips into "your payslip is ready" notifications: one per employee, for the newest new
 * period of the upload (a year of history uploaded at once is not twelve messages), and only once per employee
 * and period, whatever is replayed: the notification row is the claim, the job only sends what it finds.
 *
 * The rows are also the outbox. Queueing right after the upload is only the fast path: when the queue is down
 * (Redis unreachable), its jobs were lost (Redis restarted without persistence) or this process stopped
 * mid-broadcast, `sweep()` queues every row not yet sent or skipped again. The job ids are deterministic and the
 * job re-reads its row, so a sweep, or two instances sweeping at once, never sends a notice twice.
 */
export function createPayslipPublisher(deps: { db: Db; jobs: JobQueue; enabled: () => boolean; logger: Logger; clock?: Clock }) {
  const { db, jobs, logger } = deps;
  const clock = deps.clock ?? systemClock;

  /**
   * Queues the notifications, a batch per round trip (addBulk); stops at the first refusal (the rest would be
   * refused too) and leaves them to the sweep. `again`: ids that may have a job that failed for good (sweeps).
   */
  async function queue(ids: string[], again = false): Promise<number> {
    for (let i = 0; i < ids.length; i += ENQUEUE_BATCH) {
      const batch = ids.slice(i, i + ENQUEUE_BATCH);
      try {
        await jobs.enqueueMany('notify-payslip', batch.map((id) => ({ payload: { notificationId: id }, jobId: jobIdOf(id) })), { replaceFailed: again });
      } catch (error) {
        logger.warn({ err: safeError(error), queued: i, left: ids.length - i }, 'could not queue payday notifications; the outbox sweep will queue them');
        return i;
      }
    }
    return ids.length;
  }

  async function payslipsCreated(payslipIds: string[]): Promise<number> {
    if (payslipIds.length === 0 || !deps.enabled()) return 0;
    const created = await db.payslip.findMany({
      where: { id: { in: payslipIds }, employee: { cabinetState: CabinetState.ACTIVE, telegramAccount: { isNot: null } } },
      select: { id: true, employeeId: true, period: true, kind: true },
    });
    const newest = new Map<string, (typeof created)[number]>();
    for (const p of created) {
      const current = newest.get(p.employeeId);
      // The newest period; within it the final payslip rather than the advance.
      if (!current || p.period > current.period || (p.period === current.period && p.kind === 'FINAL')) newest.set(p.employeeId, p);
    }
    const now = clock.now();
    const claims = [...newest.values()].map((p) => ({ id: uuidv7(now.getTime()), employeeId: p.employeeId, period: p.period, payslipId: p.id, createdAt: now }));
    if (claims.length === 0) return 0;
    await db.payslipNotification.createMany({ data: claims, skipDuplicates: true });
    const won = await db.payslipNotification.findMany({ where: { id: { in: claims.map((c) => c.id) } }, select: { id: true } });
    // The claims are committed: from here on a failure to queue is the sweep's business, never the upload's.
    await queue(won.map((w) => w.id));
    return won.length;
  }

  /** Queues every recent notification that is neither sent nor skipped. Returns how many were handed to the queue. */
  async function sweep(): Promise<number> {
    if (!deps.enabled()) return 0;
    const since = new Date(clock.now().getTime() - OUTBOX_MAX_AGE_MS);
    let queued = 0;
    let after: string | undefined;
    for (;;) {
      const page = await db.payslipNotification.findMany({
        where: { sentAt: null, skipped: null, createdAt: { gte: since }, ...(after ? { id: { gt: after } } : {}) },
        orderBy: { id: 'asc' },
        take: SWEEP_PAGE,
        select: { id: true },
      });
      if (page.length === 0) return queued;
      const ids = page.map((p) => p.id);
      const done = await queue(ids, true);
      queued += done;
      if (done < ids.length || page.length < SWEEP_PAGE) return queued;
      after = ids.at(-1);
    }
  }

  return { payslipsCreated, sweep };
}

export type PayslipPublisher = ReturnType<typeof createPayslipPublisher>;
