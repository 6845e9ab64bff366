import { safeError, type Logger } from '../logger.ts';
import { backoffDelay, type JobDefinition, type JobDefinitions, type JobName, type JobPayloads, type JobQueue, PermanentJobError } from './job-definition.ts';

/**
 * Jobs in this process, for the embedded set-up without Redis: same definitions, retries and backoff as BullMQ.
 * Enqueueing returns at once, so a slow SMTP server never holds up a Telegram update.
 */
export function createInProcessQueue(definitions: JobDefinitions, logger: Logger): JobQueue {
  const running = new Set<Promise<void>>();
  const queuedIds = new Set<string>();
  let closed = false;
  const waiters: (() => void)[] = [];

  const settle = () => {
    if (running.size === 0) for (const resolve of waiters.splice(0)) resolve();
  };

  async function run<N extends JobName>(name: N, payload: JobPayloads[N]): Promise<void> {
    const definition = definitions[name] as unknown as JobDefinition<N>;
    const log = logger.child({ job: name });
    for (let attempt = 1; ; attempt++) {
      try {
        await definition.handle(payload, { attempt, logger: log });
        return;
      } catch (error) {
        const permanent = error instanceof PermanentJobError;
        if (permanent || attempt >= definition.attempts || closed) {
          log.warn({ attempt, err: safeError(error) }, 'job failed for good');
          await definition.onExhausted?.(payload, error as Error).catch((e: unknown) => log.error({ err: safeError(e) }, 'onExhausted failed'));
          return;
        }
        log.info({ attempt, err: safeError(error) }, 'job failed, retrying');
        await new Promise((r) => setTimeout(r, backoffDelay(definition, attempt)));
      }
    }
  }

  return {
    kind: 'in-process',
    async enqueue(name, payload, options) {
      if (closed) throw new Error('job queue is closed');
      const id = options?.jobId;
      if (id && queuedIds.has(id)) return;
      if (id) queuedIds.add(id);
      const task = run(name, payload).finally(() => {
        running.delete(task);
        if (id) queuedIds.delete(id);
        settle();
      });
      running.add(task);
    },
    async startWorkers() {},
    idle: () => (running.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    async close() {
      closed = true;
      await Promise.allSettled([...running]);
    },
  };
}
