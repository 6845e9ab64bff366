import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { safeError, type Logger } from '../logger.ts';
import { type JobDefinition, type JobDefinitions, type JobName, type JobPayloads, type JobQueue, PermanentJobError, QueueUnavailableError } from './job-definition.ts';
import { connectRedis, createRedisTrouble } from './redis-connection.ts';

/** How long a producer waits for Redis before giving up on one enqueue (the caller keeps its outbox row). */
const ENQUEUE_TIMEOUT_MS = 5000;
/** How long close() lets workers finish their active jobs before it cuts the connections. */
const CLOSE_GRACE_MS = 5000;

/**
 * BullMQ, one queue per job name under `prefix`. Producers (API and bot processes) and workers (the same
 * processes, or separate ones) share Redis; nothing about a job lives in process memory.
 */
export function createBullmqQueue(options: { url: string; prefix: string; definitions: JobDefinitions; logger: Logger; concurrency?: number; enqueueTimeoutMs?: number; closeGraceMs?: number }): JobQueue {
  const { url, prefix, definitions, logger } = options;
  const trouble = createRedisTrouble(logger, 'job-queue');
  // Workers block on Redis and must never give up a command; producers should fail fast instead.
  const producerConnection = connectRedis(url, { maxRetriesPerRequest: 3, lazyConnect: true }, trouble);
  const queues = new Map<JobName, Queue>();
  const workers: Worker[] = [];
  const workerConnections: Redis[] = [];
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

  async function add<N extends JobName>(name: N, payload: JobPayloads[N], jobId: string | undefined): Promise<void> {
    const definition = definitions[name];
    const queue = queueFor(name);
    if (jobId) {
      // A job kept after failing for good would swallow a new one with its id: replace it, so that a re-queue from
      // the outbox runs again. A queued or running job with the id stays and the new one is dropped (dedup).
      const existing = await queue.getJob(jobId);
      if (existing && (await existing.isFailed())) await existing.remove().catch(() => undefined);
    }
    await queue.add(name, payload, {
      jobId,
      attempts: definition.attempts,
      backoff: { type: 'exponential', delay: definition.backoffMs },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  return {
    kind: 'bullmq',
    async enqueue(name, payload, opts) {
      if (closing) throw new QueueUnavailableError('job queue is closed');
      // BullMQ waits for Redis indefinitely; a caller (an upload, a Telegram update) must not.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new QueueUnavailableError('Redis did not accept the job in time')), options.enqueueTimeoutMs ?? ENQUEUE_TIMEOUT_MS);
      });
      try {
        await Promise.race([add(name, payload, opts?.jobId), timeout]);
      } catch (error) {
        throw error instanceof QueueUnavailableError ? error : new QueueUnavailableError('Redis refused the job', { cause: error });
      } finally {
        clearTimeout(timer);
      }
    },

    async startWorkers() {
      for (const name of Object.keys(definitions) as JobName[]) {
        const definition = definitions[name] as JobDefinition;
        const connection = connectRedis(url, { maxRetriesPerRequest: null }, trouble);
        workerConnections.push(connection);
        const worker = new Worker(
          name,
          async (job: Job) => {
            try {
              await definition.handle(job.data, { attempt: job.attemptsMade + 1, logger: logger.child({ job: name, jobId: job.id }) });
            } catch (error) {
              if (error instanceof PermanentJobError) throw new UnrecoverableError(error.message);
              throw error;
            }
          },
          {
            connection,
            prefix,
            concurrency: options.concurrency ?? 5,
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
      // With Redis down this waits (ioredis keeps reconnecting, `trouble` logs it); a stop meanwhile ends the wait.
      const ready = Promise.all(workers.map((w) => w.waitUntilReady()));
      ready.catch(() => undefined);
      await Promise.race([ready, stopped]).catch((error: unknown) => {
        if (!closing) throw error;
      });
    },

    async idle() {
      for (;;) {
        const counts = await Promise.all(
          (Object.keys(definitions) as JobName[]).map((n) => queueFor(n).getJobCounts('waiting', 'active', 'delayed', 'prioritized')),
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
        producerConnection.disconnect();
      })();
      return closing;
    },
  };
}
