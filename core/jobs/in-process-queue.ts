import { safeError, type Logger } from '../logger.ts';
import { backoffDelay, type JobDefinition, type JobDefinitions, type JobName, type JobPayloads, type JobQueue, PermanentJobError, QueueUnavailableError } from './job-definition.ts';
import { startPeriodicTasks } from './periodic-tasks.ts';

interface Task {
  name: JobName;
  payload: JobPayloads[JobName];
  id: string | undefined;
}

/**
 * Jobs in this process, for the embedded set-up without Redis: same definitions, retries and backoff as BullMQ,
 * and like BullMQ's workers at most a definition's `concurrency` jobs of one name at a time (`options.concurrency`
 * overrides every definition's, for tests), so a payday broadcast never holds up
 * a sign-in code. Enqueueing returns at once, so a slow SMTP server never holds up a Telegram update.
 * Nothing here survives the process: what must not be lost has a database row the next start looks at (outbox).
 * Periodic tasks run on timers from startWorkers(): without Redis there is one process, so one runner.
 */
export function createInProcessQueue(definitions: JobDefinitions, logger: Logger, options: { concurrency?: number } = {}): JobQueue {
  const lanes = new Map<JobName, { waiting: Task[]; active: number }>();
  const queuedIds = new Set<string>();
  const running = new Set<Promise<void>>();
  const stop = new AbortController();
  let closing: Promise<void> | undefined;
  const waiters: (() => void)[] = [];
  let periodic: { stop(): Promise<void> } | undefined;

  const laneOf = (name: JobName) => {
    let lane = lanes.get(name);
    if (!lane) lanes.set(name, (lane = { waiting: [], active: 0 }));
    return lane;
  };
  const busy = () => running.size + [...lanes.values()].reduce((n, l) => n + l.waiting.length, 0);
  const settle = () => {
    if (busy() === 0) for (const resolve of waiters.splice(0)) resolve();
  };
  // A backoff that shutdown cuts short: a retry due in 30 s must not hold the process open.
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stop.signal.aborted) return resolve();
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        stop.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      stop.signal.addEventListener('abort', onAbort, { once: true });
    });

  async function run(task: Task): Promise<void> {
    const definition = definitions[task.name] as unknown as JobDefinition;
    const log = logger.child({ job: task.name });
    for (let attempt = 1; ; attempt++) {
      try {
        await definition.handle(task.payload, { attempt, logger: log });
        return;
      } catch (error) {
        if (stop.signal.aborted) {
          log.info({ attempt, err: safeError(error) }, 'job interrupted by shutdown; the next start picks it up where it has an outbox row');
          return;
        }
        if (error instanceof PermanentJobError || attempt >= definition.attempts) {
          log.warn({ attempt, err: safeError(error) }, 'job failed for good');
          await definition.onExhausted?.(task.payload, error as Error).catch((e: unknown) => log.error({ err: safeError(e) }, 'onExhausted failed'));
          return;
        }
        log.info({ attempt, err: safeError(error) }, 'job failed, retrying');
        await pause(backoffDelay(definition, attempt));
        if (stop.signal.aborted) return;
      }
    }
  }

  function pump(name: JobName): void {
    const lane = laneOf(name);
    const limit = options.concurrency ?? (definitions[name] as unknown as JobDefinition).concurrency ?? 5;
    while (!stop.signal.aborted && lane.active < limit && lane.waiting.length > 0) {
      const task = lane.waiting.shift()!;
      lane.active += 1;
      const job: Promise<void> = run(task).finally(() => {
        lane.active -= 1;
        running.delete(job);
        if (task.id) queuedIds.delete(task.id);
        pump(name);
        settle();
      });
      running.add(job);
    }
  }

  const add = (name: JobName, payload: JobPayloads[JobName], id: string | undefined) => {
    if (id && queuedIds.has(id)) return;
    if (id) queuedIds.add(id);
    laneOf(name).waiting.push({ name, payload, id });
  };

  return {
    kind: 'in-process',
    async enqueue(name, payload, opts) {
      if (closing) throw new QueueUnavailableError('job queue is closed');
      add(name, payload, opts?.jobId);
      pump(name);
    },
    async enqueueMany(name, jobs) {
      if (closing) throw new QueueUnavailableError('job queue is closed');
      for (const job of jobs) add(name, job.payload, job.jobId);
      pump(name);
    },
    async startWorkers() {
      if (closing || periodic) return;
      periodic = startPeriodicTasks(definitions, logger, (definition) => run({ name: definition.name, payload: {} as JobPayloads[JobName], id: undefined }));
    },
    idle: () => (busy() === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    close() {
      closing ??= (async () => {
        stop.abort();
        // A periodic task in progress finishes its queries (PGlite never answers a query cut by its close).
        await periodic?.stop();
        let dropped = 0;
        for (const lane of lanes.values()) {
          for (const task of lane.waiting.splice(0)) {
            dropped += 1;
            if (task.id) queuedIds.delete(task.id);
          }
        }
        if (dropped > 0) logger.info({ dropped }, 'jobs not started before shutdown are left to the next start');
        await Promise.allSettled([...running]);
        settle();
      })();
      return closing;
    },
  };
}
