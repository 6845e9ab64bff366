import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { ImportStatus, type ImportKind } from '../db/generated/enums.ts';
import { PermanentJobError, QueueUnavailableError, type JobDefinition, type JobQueue } from '../jobs/job-definition.ts';
import { safeError, type Logger } from '../logger.ts';
import type { ImportDefinition } from './import-definition.ts';
import { LostClaimError, type ImportRunner, type RunClaim } from './import-runner.ts';
import { IMPORTS } from './index.ts';
import { scanEnvelope } from './json-envelope.ts';
import { envelopeSource, ndjsonSource, parseLine, type RowSource } from './row-source.ts';
import { IncompleteStagedBodyError, type StagedFormat, type UploadStaging } from './upload-staging.ts';

/** Rows of one JSON envelope, at most: a year of payslips of a large company; more should come as NDJSON. */
export const MAX_UPLOAD_ITEMS = 200_000;

/**
 * How long a worker's claim on a staged upload lasts without renewal; every batch renews it. A worker that died
 * mid-run leaves the run to another one once this has passed.
 */
export const IMPORT_LEASE_MS = 15_000;

/** How often staged uploads nobody is running are queued again (Redis was down at enqueue, a worker died). */
export const IMPORT_SWEEP_EVERY_MS = 60_000;

/** The failure stored on a staged JSON body that turns out not to be an upload. */
export const NOT_AN_ENVELOPE_FAILURE = 'The body is not a JSON object with an "items" array (of at most 200000 rows); nothing was stored.';

/** Claims of one staged upload at most: one that stops its worker every time (out of memory, say) ends FAILED. */
export const MAX_IMPORT_ATTEMPTS = 5;

export const TOO_MANY_ATTEMPTS_FAILURE = `The upload stopped the worker running it ${MAX_IMPORT_ATTEMPTS} times; rows already written are complete. Split it into smaller uploads (or send NDJSON) and upload again.`;

export const BODY_LOST_FAILURE = 'The staged body of this upload is no longer complete; rows already written are complete. Upload again to finish.';

const BOM = '\uFEFF';

/** A body staged by the API (see api/plugins/json-body.ts), not yet recorded as a run. */
export interface StagedBody {
  id: string;
  format: StagedFormat;
  bytes: number;
}

const jobIdOf = (importRunId: string) => `import-${importRunId}`;

/** Staged runs no worker holds: QUEUED, or RUNNING under a lease that has passed (its worker is gone). */
const nobodyRunning = (now: Date) => ({
  bodyFormat: { not: null },
  OR: [{ status: ImportStatus.QUEUED }, { status: ImportStatus.RUNNING, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] }],
});

const definitionOf = (kind: ImportKind): ImportDefinition<unknown, unknown> => {
  const definition = Object.values(IMPORTS).find((d) => d.kind === kind);
  if (!definition) throw new PermanentJobError(`no import for kind ${kind}`);
  return definition;
};

/**
 * Large uploads, run by a worker: the API process records a staged body as a QUEUED run and queues `run-import`
 * with its id; a worker claims the run (a conditional update: one worker at a time), reads the body back as a
 * stream into the same import as a synchronous upload, and deletes it at the end. Re-running a run cut short is
 * safe: the import is idempotent (stored rows come back unchanged). `sweep-imports` queues again what nobody runs.
 */
export function createStagedImports(deps: {
  db: Db;
  staging: UploadStaging;
  /** Built after the queue these jobs are part of. */
  runner: () => ImportRunner;
  jobs: () => JobQueue;
  clock: Clock;
  logger: Logger;
  /** The longest NDJSON line read (what the API allows of a line). */
  maxLineBytes: number;
  leaseMs?: number;
}) {
  const { db, staging, clock, logger, maxLineBytes } = deps;
  const leaseMs = deps.leaseMs ?? IMPORT_LEASE_MS;

  async function enqueue(importRunId: string): Promise<boolean> {
    try {
      await deps.jobs().enqueue('run-import', { importRunId }, { jobId: jobIdOf(importRunId) });
      return true;
    } catch (error) {
      if (!(error instanceof QueueUnavailableError)) throw error;
      logger.warn({ importId: importRunId, err: safeError(error) }, 'upload staged but not queued now; the import sweep queues it');
      return false;
    }
  }

  /** Records a staged body as a QUEUED run and queues it; the run is durable even when the queue is not reachable. */
  async function accept(definition: ImportDefinition<unknown, unknown>, body: StagedBody, actor: { apiTokenId?: string | null }): Promise<string> {
    await db.importRun.create({
      data: {
        id: body.id, kind: definition.kind, status: ImportStatus.QUEUED, bodyFormat: body.format, bodyBytes: BigInt(body.bytes),
        startedAt: clock.now(), apiTokenId: actor.apiTokenId ?? null,
      },
    });
    await enqueue(body.id);
    return body.id;
  }

  /**
   * The staged JSON envelope's rows, or null when it is not one. Its bytes are held whole (a JSON body is within
   * API_BODY_LIMIT_MB); its items are parsed as they are run, or, when the scan cannot vouch for the body, all at once.
   */
  async function readEnvelope(importRunId: string, bodyBytes: number): Promise<RowSource | unknown[] | null> {
    const pieces: Buffer[] = [];
    for await (const chunk of staging.read(importRunId, bodyBytes)) pieces.push(chunk);
    const raw = Buffer.concat(pieces);
    pieces.length = 0;
    const scanned = scanEnvelope(raw);
    if (scanned !== null) return scanned.starts.length > MAX_UPLOAD_ITEMS ? null : envelopeSource(scanned);
    let text = raw.toString('utf8');
    if (text.startsWith(BOM)) text = text.slice(1);
    let parsed: unknown;
    try {
      parsed = parseLine(text);
    } catch {
      return null;
    }
    const items = (parsed as { items?: unknown } | null)?.items;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !Array.isArray(items) || items.length > MAX_UPLOAD_ITEMS) return null;
    return items;
  }

  /** Takes the run for this worker: QUEUED, or RUNNING under a lease that has passed (its worker is gone). */
  async function claim(importRunId: string): Promise<{ claim: RunClaim; startedAt: Date } | null> {
    const now = clock.now();
    const token = randomUUID();
    const { count } = await db.importRun.updateMany({
      where: {
        id: importRunId,
        ...nobodyRunning(now),
        attempts: { lt: MAX_IMPORT_ATTEMPTS },
      },
      // A run taken over starts again from the first row: its counters start again with it.
      data: {
        attempts: { increment: 1 },
        status: ImportStatus.RUNNING, claimToken: token, leaseUntil: new Date(now.getTime() + leaseMs), startedAt: now,
        total: null, estimatedTotal: null, processed: 0, created: 0, updated: 0, unchanged: 0, rejected: 0,
      },
    });
    return count === 1 ? { claim: { token, leaseMs }, startedAt: now } : null;
  }

  /**
   * The payday announcement of a run taken over: run again, the rows an earlier attempt stored come back unchanged
   * and this attempt's own announcement leaves them out. Every payslip any attempt of this run created (an update is
   * never announced) goes to the publisher, which picks each employee's newest; notifications are unique per
   * employee and period, so nobody is told twice, however many attempts there were.
   */
  async function announceTakenOver(importRunId: string, log: Logger): Promise<void> {
    const publisher = deps.runner().publisher;
    if (!publisher) return;
    const created = await db.payslip.findMany({ where: { createdByImportId: importRunId }, select: { id: true } });
    const announced = await publisher.payslipsCreated(created.map((p) => p.id));
    if (announced > 0) log.info({ announced }, 'payslips stored by attempts cut short announced');
  }

  async function run(importRunId: string, log: Logger): Promise<void> {
    const before = await db.importRun.findUnique({ where: { id: importRunId }, select: { status: true, startedAt: true } });
    const claimed = await claim(importRunId);
    if (!claimed) {
      const current = await db.importRun.findUnique({ where: { id: importRunId }, select: { status: true, bodyFormat: true } });
      if (!current || current.bodyFormat === null || current.status === ImportStatus.SUCCEEDED || current.status === ImportStatus.FAILED) {
        await staging.discard(importRunId);
        return;
      }
      // Not claimed although nobody holds it: its claims are used up.
      if (await giveUp(importRunId, log)) return;
      // Retried with backoff until the other worker's lease has passed, or it has finished.
      throw new Error('another worker is running this upload');
    }
    const record = await db.importRun.findUniqueOrThrow({ where: { id: importRunId } });
    const definition = definitionOf(record.kind);
    const actor = { apiTokenId: record.apiTokenId };
    const importRun = { id: importRunId, startedAt: claimed.startedAt };
    // Taken over from a worker that died: what it stored is announced once this run has succeeded.
    const takenOver = before?.status === ImportStatus.RUNNING && record.kind === 'PAYSLIPS';
    const bodyBytes = Number(record.bodyBytes ?? 0);
    try {
      const rows = record.bodyFormat === 'ndjson'
        ? ndjsonSource(staging.read(importRunId, bodyBytes), { contentLength: bodyBytes, maxLineBytes })
        : await readEnvelope(importRunId, bodyBytes);
      if (rows === null) await deps.runner().refuse(importRunId, claimed.claim, NOT_AN_ENVELOPE_FAILURE);
      else {
        await deps.runner().runClaimed(definition, rows, actor, importRun, claimed.claim);
        if (takenOver) await announceTakenOver(importRunId, log);
      }
    } catch (error) {
      // The run is another worker's now; it deletes the body when done.
      if (error instanceof LostClaimError) return;
      // The body goes only with a recorded outcome: a failure that could not be recorded (the database went away)
      // keeps it, and the job's retry, or the sweep once the lease has passed, runs the upload again.
      const now = await db.importRun.findUnique({ where: { id: importRunId }, select: { status: true, claimToken: true } });
      if (now?.status === ImportStatus.RUNNING && now.claimToken === claimed.claim.token) {
        if (!(error instanceof IncompleteStagedBodyError)) throw error;
        await deps.runner().refuse(importRunId, claimed.claim, BODY_LOST_FAILURE);
      }
      log.warn({ importId: importRunId, err: safeError(error) }, 'staged upload failed');
    }
    await staging.discard(importRunId);
  }

  /** Ends a run whose claims are used up and that nobody holds: FAILED, its body deleted. True when it did. */
  async function giveUp(importRunId: string, log: Logger): Promise<boolean> {
    const now = clock.now();
    const { count } = await db.importRun.updateMany({
      // The same condition as a claim: a run a live worker holds is never ended under it.
      where: { id: importRunId, ...nobodyRunning(now), attempts: { gte: MAX_IMPORT_ATTEMPTS } },
      data: { status: ImportStatus.FAILED, failure: TOO_MANY_ATTEMPTS_FAILURE, finishedAt: now, claimToken: null, leaseUntil: null },
    });
    if (count === 0) return false;
    log.warn({ importId: importRunId }, 'staged upload given up after too many attempts');
    await staging.discard(importRunId);
    return true;
  }

  /** Queues again every staged upload nobody is running; the job id makes a duplicate harmless. */
  async function sweep(): Promise<number> {
    const now = clock.now();
    const waiting = await db.importRun.findMany({
      where: nobodyRunning(now),
      select: { id: true },
    });
    if (waiting.length === 0) return 0;
    await deps.jobs().enqueueMany('run-import', waiting.map((r) => ({ payload: { importRunId: r.id }, jobId: jobIdOf(r.id) })), { replaceFailed: true });
    return waiting.length;
  }

  const jobs: { 'run-import': JobDefinition<'run-import'>; 'sweep-imports': JobDefinition<'sweep-imports'> } = {
    'run-import': {
      name: 'run-import',
      // Tries only while another worker's lease stands (or the database is unreachable): 2 s, 4 s, 8 s…
      attempts: 8,
      backoffMs: 2000,
      // One large upload at a time per worker: its memory is one batch and one staged chunk, not several.
      concurrency: 1,
      // Tracked from its first step: shutdown waits for an upload being claimed as for one running (`drain`).
      handle: ({ importRunId }, { logger: log }) => deps.runner().track(run(importRunId, log)),
    },
    'sweep-imports': {
      name: 'sweep-imports',
      attempts: 1,
      backoffMs: 0,
      everyMs: IMPORT_SWEEP_EVERY_MS,
      async handle() {
        const queued = await sweep();
        if (queued > 0) logger.info({ uploads: queued }, 'staged uploads queued again');
      },
    },
  };

  return { accept, sweep, jobs };
}

export type StagedImports = ReturnType<typeof createStagedImports>;
