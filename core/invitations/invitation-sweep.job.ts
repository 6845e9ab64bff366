import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { JobDefinition, JobQueue } from '../jobs/job-definition.ts';
import { safeError, type Logger } from '../logger.ts';
import type { InvitationProgress } from './invitation-progress.ts';
import { sendJobId } from './send-invitation.job.ts';

export const INVITATION_SWEEP_EVERY_MS = 5 * 60_000;
/** Requested invitations older than this are no longer sent: a week-old "invite" is the admin's to repeat. */
const MAX_AGE_MS = 7 * 24 * 3600_000;
const PAGE = 500;

/**
 * The invitation rows are the outbox: queueing right after the request is the fast path. This periodic task queues
 * again whatever was requested and is neither sent, failed nor cancelled (a lost job, Redis restarted empty, a
 * process stopped mid-run); job ids are deterministic and the job re-reads its row, so nothing goes out twice. It
 * also closes bulk runs whose last invitations disappeared (unpublished employees' invitations are deleted).
 */
export function createInvitationSweepJob(deps: { db: Db; jobs: () => JobQueue; progress: InvitationProgress; logger: Logger; clock?: Clock }): JobDefinition<'sweep-invitations'> {
  const { db, logger } = deps;
  const clock = deps.clock ?? systemClock;
  return {
    name: 'sweep-invitations',
    attempts: 1,
    backoffMs: 0,
    everyMs: INVITATION_SWEEP_EVERY_MS,
    async handle() {
      const since = new Date(clock.now().getTime() - MAX_AGE_MS);
      let queued = 0;
      let after: string | undefined;
      for (;;) {
        const page = await db.invitation.findMany({
          where: { sendRequestedAt: { gte: since }, sentAt: null, failedAt: null, revokedAt: null, usedAt: null, ...(after ? { id: { gt: after } } : {}) },
          orderBy: { id: 'asc' },
          take: PAGE,
          select: { id: true },
        });
        if (page.length === 0) break;
        try {
          await deps.jobs().enqueueMany('send-invitation', page.map((p) => ({ payload: { invitationId: p.id }, jobId: sendJobId(p.id) })), { replaceFailed: true });
        } catch (error) {
          logger.warn({ err: safeError(error) }, 'could not queue pending invitations; the next sweep tries again');
          break;
        }
        queued += page.length;
        if (page.length < PAGE) break;
        after = page.at(-1)!.id;
      }
      const open = await db.invitationBatch.findMany({ where: { finishedAt: null, createdAt: { gte: since } }, select: { id: true } });
      let closed = 0;
      for (const batch of open) if (await deps.progress.finishIfDone(batch.id)) closed += 1;
      if (queued > 0 || closed > 0) logger.info({ queued, closed }, 'invitation sweep');
    },
  };
}
