import type { Housekeeping } from './housekeeping.ts';
import type { JobDefinition } from './jobs/job-definition.ts';
import type { Logger } from './logger.ts';
import type { PayslipPublisher } from './payslips/payslip-publisher.ts';
import type { UpdateDeduplicator } from './telegram/update-dedup.ts';

export const HOUSEKEEPING_EVERY_MS = 3600_000;
/** How often claimed-but-unsent payday notifications are queued again (lost jobs, Redis outages, exhausted retries). */
export const OUTBOX_SWEEP_EVERY_MS = 5 * 60_000;

/**
 * The periodic tasks, as job definitions: a worker runs them (one worker at a time, see JobDefinition.everyMs), at
 * start and then on their schedule; an API or bot process never does.
 */
export function createPeriodicJobs(deps: {
  housekeeping: Housekeeping;
  telegramUpdates: UpdateDeduplicator;
  /** Built after the queue these jobs are part of. */
  publisher: () => PayslipPublisher | undefined;
  logger: Logger;
}): { housekeeping: JobDefinition<'housekeeping'>; 'sweep-payslip-outbox': JobDefinition<'sweep-payslip-outbox'> } {
  return {
    housekeeping: {
      name: 'housekeeping',
      attempts: 1,
      backoffMs: 0,
      everyMs: HOUSEKEEPING_EVERY_MS,
      async handle() {
        const done = await deps.housekeeping.run();
        const telegramUpdates = await deps.telegramUpdates.purge();
        deps.logger.info({ ...done, telegramUpdates }, 'housekeeping');
      },
    },
    'sweep-payslip-outbox': {
      name: 'sweep-payslip-outbox',
      attempts: 1,
      backoffMs: 0,
      everyMs: OUTBOX_SWEEP_EVERY_MS,
      async handle() {
        const queued = (await deps.publisher()?.sweep()) ?? 0;
        if (queued > 0) deps.logger.info({ queued }, 'unsent payday notifications queued again');
      },
    },
  };
}
