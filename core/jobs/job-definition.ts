import type { Logger } from '../logger.ts';

/** The payload of every job, by name: ids only, never personal data; handlers re-read state. */
export interface JobPayloads {
  'deliver-code': { codeId: string };
  'notify-payslip': { notificationId: string };
}
export type JobName = keyof JobPayloads;

export interface JobDefinition<N extends JobName = JobName> {
  name: N;
  /** Total tries, the first included. */
  attempts: number;
  /** Exponential backoff base: the n-th retry waits base × 2^(n-1). */
  backoffMs: number;
  /** Throws to retry; throws PermanentJobError to stop retrying. Must be safe to run twice. */
  handle(payload: JobPayloads[N], context: { attempt: number; logger: Logger }): Promise<void>;
  /** Once, after the last try failed (or a permanent failure). */
  onExhausted?(payload: JobPayloads[N], error: Error): Promise<void>;
}

export type JobDefinitions = { [N in JobName]: JobDefinition<N> };

/** A failure that no retry can fix (a refused recipient, a missing record). */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/** The queue cannot take jobs now (Redis unreachable, or the process is shutting down). */
export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
}

export interface JobQueue {
  kind: 'in-process' | 'bullmq';
  /**
   * `jobId` deduplicates while a job with that id is queued or running; once it has finished (or failed for good)
   * the same id may be queued again. Letters, digits, - and _ only (BullMQ reserves ':').
   * Throws QueueUnavailableError when the job cannot be queued now.
   */
  enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options?: { jobId?: string }): Promise<void>;
  /** Starts consuming (BullMQ workers); in-process jobs run as they are enqueued. */
  startWorkers(): Promise<void>;
  /** Resolves when nothing is queued or running (tests and shutdown). */
  idle(): Promise<void>;
  /**
   * Stops taking jobs and waits for the running ones. In-process jobs not yet started are dropped: their state
   * lives in the database (an outbox row), and the next start queues them again. Safe to call twice.
   */
  close(): Promise<void>;
}

export const backoffDelay = (definition: JobDefinition, attempt: number) => definition.backoffMs * 2 ** (attempt - 1);
