import type { Logger } from '../logger.ts';

/** The payload of every job, by name: ids only, never personal data; handlers re-read state. */
export interface JobPayloads {
  'deliver-code': { codeId: string };
  'notify-payslip': { notificationId: string };
  /** Periodic upkeep (see housekeeping.ts). */
  housekeeping: Record<string, never>;
  /** Queues payday notifications claimed but never sent (lost jobs, Redis restarts, exhausted retries). */
  'sweep-payslip-outbox': Record<string, never>;
  /** Sends one invitation (core/invitations): the job generates the token, so it never sits in the queue. */
  'send-invitation': { invitationId: string };
  /** An employee's roles changed: their command menu in Telegram is to be refreshed (core/admin). */
  'refresh-commands': { employeeId: string };
  /** Periodic: tells the admins who signed in since the last summary, one message per admin (core/admin). */
  'report-activations': Record<string, never>;
  /** Periodic: queues invitations requested but never sent, and closes bulk runs with nothing left (core/invitations). */
  'sweep-invitations': Record<string, never>;
  /** Posts a certificate request to the HR chat, or edits its card there (core/certificates). */
  'sync-certificate-hr': { requestId: string };
  /** Tells an employee what became of their request, with the document when there is one (core/certificates). */
  'notify-certificate-employee': { requestId: string };
  /** Periodic: re-queues what the HR chat and employees were not yet told about requests (core/certificates). */
  'sweep-certificate-outbox': Record<string, never>;
  /** Periodic: on the deadline day's morning, reminds the HR chat of each request still open (core/certificates). */
  'certificate-deadline-reminders': Record<string, never>;
  /** Periodic: once a day, sends the admins the requests past their deadline (core/certificates). */
  'certificate-overdue-digest': Record<string, never>;
  /** Runs a large upload whose body the API staged in the database (core/imports/import-job.ts). */
  'run-import': { importRunId: string };
  /** Periodic: queues again staged uploads nobody is running (Redis down at enqueue, a worker gone). */
  'sweep-imports': Record<string, never>;
}
export type JobName = keyof JobPayloads;

export interface JobDefinition<N extends JobName = JobName> {
  name: N;
  /** Total tries, the first included. */
  attempts: number;
  /** Exponential backoff base: the n-th retry waits base × 2^(n-1). */
  backoffMs: number;
  /** Jobs of this name one worker runs at once (default 5): more for jobs that mostly wait (paced sends). */
  concurrency?: number;
  /**
   * A periodic task: a worker runs it right away and then every `everyMs`, and of all the workers only one at a
   * time (a BullMQ job scheduler with Redis, a timer in the one process without).
   */
  everyMs?: number;
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

export interface JobToQueue<N extends JobName> {
  payload: JobPayloads[N];
  jobId?: string;
}

export interface JobQueue {
  kind: 'in-process' | 'bullmq';
  /**
   * `jobId` deduplicates while a job with that id is queued or running; once it has finished (or failed for good)
   * the same id may be queued again. Letters, digits, - and _ only (BullMQ reserves ':').
   * Throws QueueUnavailableError when the job cannot be queued now.
   */
  enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options?: { jobId?: string }): Promise<void>;
  /**
   * Many jobs of one name in one round trip (BullMQ's addBulk), deduplicated by `jobId` like `enqueue`. Counts as
   * all or nothing: on QueueUnavailableError none of them may be taken as queued. `replaceFailed`: a job kept after
   * failing for good under one of the ids is replaced (a re-queue from an outbox); `enqueue` always does that.
   */
  enqueueMany<N extends JobName>(name: N, jobs: JobToQueue<N>[], options?: { replaceFailed?: boolean }): Promise<void>;
  /** Starts consuming (BullMQ workers) and the periodic tasks; in-process jobs run as they are enqueued. */
  startWorkers(): Promise<void>;
  /** Resolves when nothing is queued or running (tests and shutdown). Periodic tasks between runs do not count. */
  idle(): Promise<void>;
  /**
   * Stops taking jobs and waits for the running ones. In-process jobs not yet started are dropped: their state
   * lives in the database (an outbox row), and the next start queues them again. Safe to call twice.
   */
  close(): Promise<void>;
}

export const backoffDelay = (definition: JobDefinition, attempt: number) => definition.backoffMs * 2 ** (attempt - 1);
