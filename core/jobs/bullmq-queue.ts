import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { safeError, type Logger } from '../logger.ts';
import { type JobDefinition, type JobDefinitions, type JobName, type JobPayloads, type JobQueue, PermanentJobError } from './job-definition.ts';

/**
 * BullMQ, one queue per job name under `prefix`. Producers (API and bot processes) and workers (the same
 * processes, or separate ones) share Redis; nothing about a job lives in process memory.
 */
export function createBullmqQueue(options: { url: string; prefix: string; definitions: JobDefinitions; logger: Logger; concurrency?: number }): JobQueue {
  const { url, prefix, definitions, logger } = options;
  // Workers block on Redis and must never give up a command; producers should fail fast instead.
  const producerConnection = new Redis(url, { maxRetriesPerRequest: 3, lazyConnect: true });
  const queues = new Map<JobName, Queue>();
  const workers: Worker[] = [];
  const workerConnections: Redis[] = [];

  const queueFor = (name: JobName): Queue => {
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: producerConnection, prefix });
      queues.set(name, queue);
    }
    return queue;
  };

  return {
    kind: 'bullmq',
    async enqueue<N extends JobName>(name: N, payload: JobPayloads[N], opts?: { jobId?: string }) {
      const definition = definitions[name];
      await queueFor(name).add(name, payload, {
        jobId: opts?.jobId,
        attempts: definition.attempts,
        backoff: { type: 'exponential', delay: definition.backoffMs },
        removeOnComplete: true,
        removeOnFail: { age: 7 * 24 * 3600 },
      });
    },

    async startWorkers() {
      for (const name of Object.keys(definitions) as JobName[]) {
        const definition = definitions[name] as JobDefinition;
        const connection = new Redis(url, { maxRetriesPerRequest: null });
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
        worker.on('error', (error) => logger.error({ err: safeError(error) }, 'worker error'));
        workers.push(worker);
      }
      await Promise.all(workers.map((w) => w.waitUntilReady()));
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

    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([...queues.values()].map((q) => q.close()));
      // Connections handed to BullMQ stay open after close(); they are ours to end.
      for (const connection of workerConnections) connection.disconnect();
      producerConnection.disconnect();
    },
  };
}
