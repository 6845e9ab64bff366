import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { safeError, type Logger } from '../logger.ts';
import { type JobDefinition, type JobDefinitions, type JobName, type JobQueue, type JobToQueue, PermanentJobError, QueueUnavailableError } from './job-definition.ts';
import { connectRedis, createRedisTrouble } from './redis-connection.ts';

/** How long a producer waits for Redis before giving up on one enqueue (the caller keeps its outbox row). */
const ENQUEUE_TIMEOUT_MS = 5000;
/** How long close() lets workers finish their active jobs before it cuts the connections. */
const CLOSE_GRACE_MS = 5000;
/** How long a worker's claim on a job lasts without renewal (renewed every half of it while the worker lives). */
const LOCK_DURATION_MS = 10_000;
// Releases a periodic task's "running" mark only if it is still this run's (it may have expired and been retaken).
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

// BullMQ (and ioredis) cost ~0.25 s to load: required when a process is given REDIS_URL, not by every start.
const require = createRequire(import.meta.url);

/**
 * BullMQ, one queue per job name under `prefix`. Producers (API and bot processes) and workers (the same
 * processes, or separate ones) share Redis; nothing about a job lives in process memory.
 */
export function createBullmqQueue(options: { url: string; prefix: string; definitions: JobDefinitions; logger: Logger; concurrency?: number; enqueueTimeoutMs?: number; closeGraceMs?: number; lockDurationMs?: number }): JobQueue {
  const { url, prefix, definitions, logger } = options;
  const { Queue, UnrecoverableError, Worker } = require('bullmq') as typeof import('bullmq');
  const trouble = createRedisTrouble(logger, 'job-queue');
  // Workers block on Redis and must never give up a command; producers should fail fast instead.
  const producerConnection = connectRedis(url, { maxRetriesPerRequest: 3, lazyConnect: true }, trouble);
  const queues = new Map<JobName, Queue>();
  const workers: Worker[] = [];
  const workerConnections: Redis[] = [];
  let schedulerConnection: Redis | undefined;
  let closing: Promise<void> | undefined;
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));

  const queueFor = (name: JobName): Queue => {
    let queue = queues.get(name);
    if (!queue) {
      // Without an `error` listener BullMQ prints connection errors to stderr itself.
      queue = trouble.watch(new Queue(name, { connection: producerConnection, prefix }));
      queues.set(name, queue);
    }
    return queue;
  };

  const jobOptions = (definition: JobDefinition, jobId: string | undefined) => ({
    jobId,
    attempts: definition.attempts,
    backoff: { type: 'exponential', delay: definition.backoffMs },
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600 },
  });

  /**
   * A job kept after failing for good would swallow a new one with its id: remove it, so that a re-queue from the
   * outbox runs again. A queued or running job with the id stays and the new one is dropped (dedup). The lookups go
   * out together (ioredis pipelines concurrent commands), so a batch costs one round trip here too.
   */
  async function dropFailed(queue: Queue, jobIds: string[]): Promise<void> {
    const states = await Promise.all(jobIds.map((id) => queue.getJobState(id)));
    const failed = jobIds.filter((_, i) => states[i] === 'failed');
    await Promise.all(failed.map((id) => queue.remove(id).catch(() => 0)));
  }

  async function add<N extends JobName>(name: N, jobs: JobToQueue<N>[], replaceFailed: boolean): Promise<void> {
    const definition = definitions[name] as unknown as JobDefinition;
    const queue = queueFor(name);
    const ids = jobs.flatMap((j) => (j.jobId ? [j.jobId] : []));
    if (replaceFailed && ids.length > 0) await dropFailed(queue, ids);
    if (jobs.length === 1) {
      await queue.add(name, jobs[0]!.payload, jobOptions(definition, jobs[0]!.jobId));
      return;
    }
    // One MULTI for the whole batch: a payday of thousands is a few round trips, not one per employee.
    await queue.addBulk(jobs.map((j) => ({ name, data: j.payload, opts: jobOptions(definition, j.jobId) })));
  }

  /** BullMQ waits for Redis indefinitely; a caller (an upload, a Telegram update) must not. */
  async function bounded(task: () => Promise<void>): Promise<void> {
    if (closing) throw new QueueUnavailableError('job queue is closed');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new QueueUnavailableError('Redis did not accept the job in time')), options.enqueueTimeoutMs ?? ENQUEUE_TIMEOUT_MS);
    });
    try {
      await Promise.race([task(), timeout]);
    } catch (error) {
      throw error instanceof QueueUnavailableError ? error : new QueueUnavailableError('Redis refused the job', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  const periodicNames = (Object.keys(definitions) as JobName[]).filter((n) => definitions[n].everyMs !== undefined);
  const schedulerIdOf = (name: JobName) => `${name}-every`;

  /**
   * Job schedulers for the periodic tasks: Redis holds one schedule per task, so however many workers upsert it,
   * each tick is one job that one worker takes. Upserting an existing schedule keeps it; a new one (first start,
   * or a Redis that restarted empty) runs its task at once. So it is done at start and on every reconnection.
   */
  async function upsertSchedulers(): Promise<void> {
    for (const name of periodicNames) {
      const definition = definitions[name] as unknown as JobDefinition;
      await queueFor(name).upsertJobScheduler(schedulerIdOf(name), { every: definition.everyMs! }, { name, data: {}, opts: { attempts: 1, removeOnComplete: true, removeOnFail: { count: 20 } } });
    }
  }

  /**
   * Of all workers, one runs a periodic task at a time: a run that outlasts its interval makes the next tick's job
   * skip instead of running beside it.
   */
  async function exclusively(name: JobName, everyMs: number, run: () => Promise<void>, log: Logger): Promise<void> {
    const key = `${prefix}:${name}:running`;
    const token = randomBytes(9).toString('base64url');
    const taken = await producerConnection.set(key, token, 'PX', Math.max(everyMs, 60_000), 'NX');
    if (taken !== 'OK') {
      log.info('a previous run of this periodic task is still going: skipping this one');
      return;
    }
    try {
      await run();
    } finally {
      await producerConnection.eval(RELEASE, 1, key, token).catch(() => undefined);
    }
  }

  return {
    kind: 'bullmq',
    enqueue: (name, payload, opts) => bounded(() => add(name, [{ payload, jobId: opts?.jobId }], true)),
    enqueueMany: async (name, jobs, opts) => {
      if (jobs.length > 0) await bounded(() => add(name, jobs, opts?.replaceFailed ?? false));
    },

    async startWorkers() {
      for (const name of Object.keys(definitions) as JobName[]) {
        const definition = definitions[name] as JobDefinition;
        const connection = connectRedis(url, { maxRetriesPerRequest: null }, trouble);
        workerConnections.push(connection);
        const worker = new Worker(
          name,
          async (job: Job) => {
            const log = logger.child({ job: name, jobId: job.id });
            try {
              const handle = () => definition.handle(job.data, { attempt: job.attemptsMade + 1, logger: log });
              if (definition.everyMs) await exclusively(name, definition.everyMs, handle, log);
              else await handle();
            } catch (error) {
              if (error instanceof PermanentJobError) throw new UnrecoverableError(error.message);
              throw error;
            }
          },
          {
            connection,
            prefix,
            concurrency: options.concurrency ?? definition.concurrency ?? 5,
            // A worker that died (SIGKILL, a lost host) holds its jobs until its lock expires; then another worker
            // takes them again. BullMQ's 30 s default left a payday stalled for up to a minute after a crash.
            lockDuration: options.lockDurationMs ?? LOCK_DURATION_MS,
            stalledInterval: options.lockDurationMs ?? LOCK_DURATION_MS,
          },
        );
        worker.on('failed', (job, error) => {
          if (!job) return;
          const exhausted = error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
          logger.warn({ job: name, jobId: job.id, attempt: job.attemptsMade, exhausted, err: safeError(error) }, 'job failed');
          if (exhausted) void definition.onExhausted?.(job.data, error).catch((e: unknown) => logger.error({ err: safeError(e) }, 'onExhausted failed'));
        });
        trouble.watch(worker);
        workers.push(worker);
      }
      if (periodicNames.length > 0) {
        // Again after every reconnection: a Redis that restarted without its data lost the schedules with it.
        const reschedule = () => void upsertSchedulers().catch((error: unknown) => trouble.report(error));
        schedulerConnection = connectRedis(url, { maxRetriesPerRequest: null }, trouble);
        schedulerConnection.on('ready', reschedule);
      }
      // With Redis down this waits (ioredis keeps reconnecting, `trouble` logs it); a stop meanwhile ends the wait.
      const ready = Promise.all(workers.map((w) => w.waitUntilReady()));
      ready.catch(() => undefined);
      await Promise.race([ready, stopped]).catch((error: unknown) => {
        if (!closing) throw error;
      });
    },

    async idle() {
      for (;;) {
        // Periodic tasks always have their next run waiting: they never count as work in progress.
        const counts = await Promise.all(
          (Object.keys(definitions) as JobName[]).filter((n) => !periodicNames.includes(n)).map((n) => queueFor(n).getJobCounts('waiting', 'active', 'delayed', 'prioritized')),
        );
        if (counts.every((c) => Object.values(c).every((v) => v === 0))) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    },

    close() {
      closing ??= (async () => {
        stop();
        // Workers finish their active jobs; waiting ones stay in Redis for the next worker. That could wait for
        // ever: after a grace period the connections are cut (an active job then runs again elsewhere once BullMQ
        // sees it stalled; job handlers are safe to run twice). With Redis unreachable right now nothing can finish
        // gracefully, so workers are closed without waiting for their jobs.
        const reachable = workerConnections.every((c) => c.status === 'ready') && ['ready', 'wait'].includes(producerConnection.status);
        let timer: NodeJS.Timeout | undefined;
        const closed = (async () => {
          await Promise.all(workers.map((w) => w.close(!reachable)));
          await Promise.all([...queues.values()].map((q) => q.close()));
        })().catch((error: unknown) => trouble.report(error));
        await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, options.closeGraceMs ?? CLOSE_GRACE_MS)))]);
        clearTimeout(timer);
        // Connections handed to BullMQ stay open after close(); they are ours to end.
        for (const connection of workerConnections) connection.disconnect();
        schedulerConnection?.disconnect();
        producerConnection.disconnect();
      })();
      return closing;
    },
  };
}
