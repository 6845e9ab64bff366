import type { TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import type { Db, HeldLock, SqlAccess } from '../db/database.ts';
import { ImportStatus, type ImportKind } from '../db/generated/enums.ts';
import { systemClock, type Clock } from '../clock.ts';
import { safeError, type Logger } from '../logger.ts';
import { audit } from '../audit/audit-log.ts';
import type { ImportContext, ImportDefinition, Indexed, NoContactEmployee, RowError, RowWarning, StoredRaw } from './import-definition.ts';
import { kindLock, RowFieldError } from './import-definition.ts';
import { itemsSource, parseEntryJson, type RowSource, type SourceEntry } from './row-source.ts';
import { FieldProblem } from './normalize.ts';
import { rawHash } from './raw-hash.ts';
import { unstorableTextPaths } from './stored-text.ts';

/** Stored and returned row errors are capped: a broken export of 100,000 rows should not produce a 20 MB answer. */
export const MAX_REPORTED_ERRORS = 1000;
/** Warnings are capped alike. */
export const MAX_REPORTED_WARNINGS = 1000;

export interface ImportProgress {
  importId: string;
  kind: ImportKind;
  status: ImportStatus;
  /** Rows in the upload; null while a streamed body is still being read. */
  total: number | null;
  /** The rows to expect while `total` is unknown (from the bytes read and the body's length); `total` once known. */
  estimatedTotal: number | null;
  processed: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Rows processed per second since the start (until the end, once finished); null before there is a measure. */
  rowsPerSecond: number | null;
  /** Seconds left at the current rate; 0 once finished, null while neither total nor estimate is known. */
  etaSeconds: number | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface ImportSummary extends ImportProgress {
  errors: RowError[];
  errorsTruncated: boolean;
  /** Stored rows with a value Kabinet could not read and left out (e.g. an INN with a wrong check digit). */
  warnings: RowWarning[];
  warningsTruncated: boolean;
  noContacts: NoContactEmployee[];
}

export interface ImportRunnerDeps {
  db: Db;
  sql: SqlAccess;
  logger: Logger;
  batchSize: number;
  /**
   * Rows whose raw hashes go in one lookup query at most, reached while rows are found unchanged. A query's cost is
   * mostly its round trip and the handling of its parameter, not the index probes: 10,000 a query made an unchanged
   * year 1.7x faster than 1,000.
   */
  lookupRows?: number;
  /** Announces new payslips once an upload has finished. */
  publisher?: { payslipsCreated(ids: string[]): Promise<number> };
  clock?: Clock;
}

// Compiling a TypeBox schema costs far more than checking a row; do it once per schema, not per upload.
const validators = new WeakMap<TSchema, Validator>();
function validatorFor(schema: TSchema): Validator {
  let v = validators.get(schema);
  if (!v) validators.set(schema, (v = Compile(schema)));
  return v;
}

/**
 * Row problems of one upload, kept to what is reported: the first `cap` by row (plus one, so that a stored list
 * tells whether it was cut) however many there are, so that an upload of broken rows holds no more than that.
 */
class CappedRows {
  private items: RowError[] = [];
  count = 0;
  constructor(private readonly cap: number) {}
  push(...problems: RowError[]): void {
    this.count += problems.length;
    this.items.push(...problems);
    if (this.items.length > 2 * this.cap + 2) this.items = this.sorted();
  }
  /** Sorted by row (stable: a row's problems keep their order), cut to the cap plus one. */
  sorted(): RowError[] {
    return this.items.sort((a, b) => a.row - b.row).slice(0, this.cap + 1);
  }
}

const elapsedSeconds = (from: Date, to: Date) => (to.getTime() - from.getTime()) / 1000;

/**
 * A staged upload's run as held by one worker (see import-job.ts): its counters are stored, and its lease renewed,
 * only while the run is still claimed with `token`; a worker that lost it (its lease passed and another worker
 * took the run) stops at its next batch instead of writing over the other's progress.
 */
export interface RunClaim {
  token: string;
  leaseMs: number;
}

export class LostClaimError extends Error {
  override name = 'LostClaimError';
}

export function createImportRunner(deps: ImportRunnerDeps) {
  const { db, logger, batchSize } = deps;
  const lookupRows = deps.lookupRows ?? 10 * batchSize;
  const clock = deps.clock ?? systemClock;

  /**
   * Runs one upload: rows are read, prepared and written batch by batch as they arrive, so a streamed body is
   * never held whole; the run's counters are stored after every batch for `GET /imports/{id}`.
   */
  async function run<Row, Prepared>(
    definition: ImportDefinition<Row, Prepared>,
    input: RowSource | readonly unknown[],
    actor: { apiTokenId?: string | null },
  ): Promise<ImportSummary> {
    return (await begin(definition, input, actor)).done;
  }

  /** Staged uploads this process's worker is running: shutdown waits for them (`drain`). */
  const background = new Set<Promise<unknown>>();

  /**
   * Starts an upload within its request and answers once its run is recorded, with its id: `done` settles when it
   * has finished. (A large upload is staged and run by a worker instead: import-job.ts, `runClaimed`.)
   */
  async function begin<Row, Prepared>(
    definition: ImportDefinition<Row, Prepared>,
    input: RowSource | readonly unknown[],
    actor: { apiTokenId?: string | null },
  ): Promise<{ importId: string; done: Promise<ImportSummary> }> {
    const source = isRowSource(input) ? input : itemsSource(input);
    const now = clock.now();
    const importRun = await db.importRun.create({
      data: { kind: definition.kind, total: source.total, startedAt: now, apiTokenId: actor.apiTokenId ?? null },
    });
    return { importId: importRun.id, done: execute(definition, source, actor, importRun, now) };
  }

  /** Work on a staged upload that shutdown is to wait for (`drain`): its whole job, from the claim on. */
  function track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(() => undefined, () => undefined);
    background.add(settled);
    void settled.finally(() => background.delete(settled));
    return work;
  }

  /**
   * Runs a staged upload's recorded run, claimed by this worker (see import-job.ts); a failure is recorded on the
   * run unless the claim was lost, and rethrown.
   */
  function runClaimed<Row, Prepared>(
    definition: ImportDefinition<Row, Prepared>,
    input: RowSource | readonly unknown[],
    actor: { apiTokenId?: string | null },
    importRun: { id: string; startedAt: Date },
    claim: RunClaim,
  ): Promise<ImportSummary> {
    const source = isRowSource(input) ? input : itemsSource(input);
    return execute(definition, source, actor, importRun, importRun.startedAt, claim);
  }

  /** Ends a claimed run that cannot start (its staged body is not an upload): FAILED with `failure`. */
  async function refuse(importRunId: string, claim: RunClaim, failure: string): Promise<void> {
    await complete(importRunId, {
      status: ImportStatus.FAILED, total: null, processed: 0, counts: { created: 0, updated: 0, unchanged: 0 }, rejected: 0,
      errors: new CappedRows(MAX_REPORTED_ERRORS), warnings: new CappedRows(MAX_REPORTED_WARNINGS), noContacts: [], failure,
    }, claim);
  }

  /** Stores a run's counters: with a claim, only while it holds (renewing its lease), else LostClaimError. */
  async function updateRun(id: string, claim: RunClaim | undefined, data: Record<string, number | null>): Promise<void> {
    if (!claim) {
      await db.importRun.update({ where: { id }, data });
      return;
    }
    const { count } = await db.importRun.updateMany({
      where: { id, claimToken: claim.token },
      data: { ...data, leaseUntil: new Date(clock.now().getTime() + claim.leaseMs) },
    });
    if (count === 0) throw new LostClaimError('another worker took this upload over');
  }

  /** Waits (at most `timeoutMs`) for the staged uploads this process is running; true when none is left. */
  async function drain(timeoutMs: number): Promise<boolean> {
    if (background.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const all = Promise.all([...background]).then(() => true);
    try {
      return await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function execute<Row, Prepared>(
    definition: ImportDefinition<Row, Prepared>,
    source: RowSource,
    actor: { apiTokenId?: string | null },
    importRun: { id: string },
    now: Date,
    claim?: RunClaim,
  ): Promise<ImportSummary> {
    const log = logger.child({ import: definition.kind });
    const ctx: ImportContext = { db, sql: deps.sql, logger: log, now, importRunId: importRun.id, newPayslips: new Map() };
    const errors = new CappedRows(MAX_REPORTED_ERRORS);
    const warnings = new CappedRows(MAX_REPORTED_WARNINGS);
    const counts = { created: 0, updated: 0, unchanged: 0 };
    const keys = new Set<string>();
    const wholeUpload = definition.checkUpload !== undefined;
    const gathered: Indexed<Prepared>[] = [];
    const kept: Indexed<Prepared>[] = [];
    const keptSkipped: string[] = [];
    let batch: Indexed<Prepared>[] = [];
    let seen = 0;
    let processed = 0;
    let rejected = 0;
    let reportedAt = 0;

    const reject = (problems: RowError[]) => {
      if (problems.length === 0) return;
      errors.push(...problems);
      rejected += new Set(problems.map((p) => p.row)).size;
    };
    // Saves one after another, each with the counters as they are when it starts: two batches finishing together
    // never store their progress out of order.
    let saving: Promise<void> = Promise.resolve();
    const saveProgress = () => {
      saving = saving.then(() => {
        reportedAt = processed;
        return updateRun(importRun.id, claim, { processed, ...counts, rejected, ...(source.total === null ? { estimatedTotal: source.estimateTotal() } : {}) });
      });
      return saving;
    };
    const write = async (rows: Indexed<Prepared>[]) => {
      const result = await definition.writeBatch(rows, ctx);
      reject(result.errors);
      for (const row of rows) {
        const outcome = result.outcomes.get(row.row);
        if (!outcome) continue;
        counts[outcome] += 1;
        if (definition.finish && (!definition.keepForFinish || definition.keepForFinish(row.value, ctx))) kept.push(row);
      }
      processed += rows.length;
      await saveProgress();
    };

    // A batch is written while the next one is read and prepared: Node's CPU and the database work at the same
    // time instead of taking turns. Batches commit one after another, in upload order, each under the kind's lock;
    // an upload of a kind with `parallelBatches` on PostgreSQL holds that lock itself, for its whole run, and has
    // two batches written at a time (committing in either order: they never share a key).
    const writes = new Set<Promise<void>>();
    /** The first batch that failed: the upload fails with it, whenever it is noticed. */
    let writeFailure: { error: unknown } | undefined;
    const inFlight = () => writes.size > 0;
    let held: HeldLock | undefined;
    // Not while the rows come from a client as it sends them: a slow client would hold every other upload of the
    // kind back for as long as it likes. Such an upload takes the lock batch by batch.
    const holdLock = definition.parallelBatches && !source.fromClient ? deps.sql.holdLock : undefined;
    const startWrite = async (rows: Indexed<Prepared>[]) => {
      if (holdLock && !held) {
        // Waiting for another upload of the kind: a staged run keeps its lease meanwhile (or stops if it lost it).
        held = await holdLock(kindLock(definition.kind), () => (claim ? updateRun(importRun.id, claim, {}) : Promise.resolve()));
        ctx.holdsKindLock = true;
      }
      if (held?.lost && ctx.holdsKindLock) {
        // The lock's connection broke, and the lock with it: back to a lock per batch, one batch at a time.
        log.warn({ importId: importRun.id }, 'upload lock lost; batches take the lock one by one');
        ctx.holdsKindLock = false;
      }
      const limit = ctx.holdsKindLock ? 2 : 1;
      while (writes.size >= limit) await Promise.race(writes);
      // A batch that failed while nobody was waiting for it fails the upload here, before anything more is written.
      if (writeFailure) throw writeFailure.error;
      const writing: Promise<void> = write(rows)
        .catch((error: unknown) => {
          writeFailure ??= { error };
          throw error;
        })
        .finally(() => writes.delete(writing));
      writes.add(writing);
      // Handled here so that a failure waits, without an unhandled rejection, until the loop awaits it.
      writing.catch(() => undefined);
    };
    const allWritten = async () => {
      await Promise.all(writes);
      if (writeFailure) throw writeFailure.error;
      await saving;
    };

    const prepare = rowPreparer(definition, errors, warnings);
    let prepares = 0;
    /** The full path: validation, normalization, fingerprint; the row joins the batch to write. */
    const take = async (entry: SourceEntry, hash?: string) => {
      // Preparing is synchronous: let the database's answers for the batch in flight be handled now and then.
      if (inFlight() && ++prepares % 32 === 0) await yieldToIo();
      const prepared = prepare(entry, hash);
      if (prepared === undefined) {
        rejected += 1;
        processed += 1;
      } else {
        const key = definition.uploadKey(prepared.value);
        if (keys.has(key)) {
          reject([{ row: prepared.row, field: definition.uploadKeyField, code: 'duplicate_in_upload' }]);
          processed += 1;
        } else {
          keys.add(key);
          (wholeUpload ? gathered : batch).push(prepared);
        }
      }
      if (batch.length >= batchSize) {
        const full = batch;
        batch = [];
        await startWrite(full);
      } else if (!inFlight() && processed - reportedAt >= batchSize) {
        // Rows refused before any write (a broken export) and unchanged rows skipped still show progress.
        await saveProgress();
      }
    };
    /** A row identical to a stored one: unchanged, its stored warnings reported again, nothing prepared or written. */
    const skip = (row: number, stored: StoredRaw) => {
      processed += 1;
      // As on the full path, where a row's warnings are found before its key is checked: a repeat reports both.
      if (stored.warnings.length > 0) warnings.push(...stored.warnings.map((w) => ({ row, field: w.field, code: w.code })));
      if (keys.has(stored.key)) {
        reject([{ row, field: definition.uploadKeyField, code: 'duplicate_in_upload' }]);
        return;
      }
      keys.add(stored.key);
      counts.unchanged += 1;
      if (definition.finish && stored.keep) keptSkipped.push(stored.key);
    };

    // With a raw shortcut, rows are hashed as they arrive and looked up a batch at a time (one indexed query); only
    // rows not found take the full path, in upload order. A batch's lookup runs while the next batch is read and
    // hashed (and while a batch is being written): an unchanged upload does not wait for each query in turn. A row
    // written by batch N that batch N+1 repeats is missed by N+1's lookup and refused as a duplicate either way.
    // A skipped row is not prepared: a kind with `checkUpload` always takes the full path. `finish` gets the keys
    // of the skipped rows it needs.
    const shortcut = wholeUpload ? undefined : definition.rawShortcut;
    type Looked = { entries: { entry: SourceEntry; hash: string | undefined }[]; stored: Promise<Map<string, StoredRaw>> };
    let pending: Looked['entries'] = [];
    let looking: Looked | undefined;
    const lookUp = (): Looked => {
      const entries = pending;
      pending = [];
      const hashes = entries.flatMap((p) => (p.hash === undefined ? [] : [p.hash]));
      const stored = hashes.length > 0 ? shortcut!.findStored(deps.sql, hashes, now) : Promise.resolve(new Map<string, StoredRaw>());
      // Awaited in `settle`; until then a failure must not be an unhandled rejection.
      stored.catch(() => undefined);
      return { entries, stored };
    };
    // Rows wait for their lookup: while most are found (an unchanged upload), lookups grow to `lookupRows`, whose
    // round trips are then most of the time; while most are new or changed, they stay at a batch, so that a first
    // upload does not hold thousands of parsed rows besides the batches being prepared and written.
    let lookupSize = Math.min(batchSize, lookupRows);
    const settle = async ({ entries, stored }: Looked) => {
      const found = await stored;
      lookupSize = found.size >= 0.9 * entries.length ? Math.min(lookupRows, lookupSize * 4) : Math.min(batchSize, lookupRows);
      for (const { entry, hash } of entries) {
        const row = hash === undefined ? undefined : found.get(hash);
        if (row) skip(entry.row, row);
        else await take(entry, hash);
      }
      if (!inFlight() && processed - reportedAt >= batchSize) await saveProgress();
    };
    const lookUpPending = async () => {
      const next = lookUp();
      if (looking) await settle(looking);
      looking = next;
    };

    try {
      for await (const entry of source.entries) {
        seen += 1;
        if (!shortcut) {
          await take(entry);
          continue;
        }
        const hash = entryHash(entry, definition.kind, shortcut.version);
        pending.push({ entry, hash });
        if (pending.length >= lookupSize) await lookUpPending();
      }
      if (pending.length > 0) await lookUpPending();
      if (looking) await settle(looking);
      if (batch.length > 0) await startWrite(batch);
      batch = [];
      await allWritten();
      // Every batch is in: other uploads of the kind may go on while this one finishes.
      await held?.release();
      ctx.holdsKindLock = false;

      if (wholeUpload) {
        const uploadErrors = await definition.checkUpload!(gathered, ctx);
        reject(uploadErrors);
        processed += new Set(uploadErrors.map((e) => e.row)).size;
        const refused = new Set(uploadErrors.map((e) => e.row));
        const accepted = gathered.filter((r) => !refused.has(r.row));
        gathered.length = 0;
        for (let i = 0; i < accepted.length; i += batchSize) await write(accepted.slice(i, i + batchSize));
      }

      const extra = definition.finish ? await definition.finish(kept, ctx, keptSkipped) : {};
      if (ctx.newPayslips.size > 0 && deps.publisher) {
        const announced = await deps.publisher.payslipsCreated([...ctx.newPayslips.values()].map((p) => p.id));
        log.info({ importId: importRun.id, announced }, 'new payslips announced');
      }
      const summary = await complete(importRun.id, {
        status: ImportStatus.SUCCEEDED, total: seen, processed, counts, rejected, errors, warnings, noContacts: extra.noContacts ?? [],
      }, claim);
      await audit(db, {
        actorType: 'API_TOKEN',
        actorId: actor.apiTokenId ?? null,
        action: `import.${definition.kind.toLowerCase()}`,
        entityType: 'ImportRun',
        entityId: importRun.id,
        details: { total: seen, ...counts, rejected, warnings: warnings.count },
      });
      log.info({ importId: importRun.id, total: seen, ...counts, rejected, warnings: warnings.count }, 'import finished');
      return summary;
    } catch (error) {
      // Batches may still be in flight when reading failed (the client went away): let them end before recording.
      await Promise.allSettled(writes);
      await saving.catch(() => undefined);
      // The run is another worker's now: it records the outcome, not this one.
      if (error instanceof LostClaimError) {
        log.warn({ importId: importRun.id }, 'upload taken over by another worker; this run stops');
        throw error;
      }
      // Database messages can quote row values; keep personal data out of the log and the stored run.
      log.error({ importId: importRun.id, err: safeError(error) }, 'import failed');
      await complete(importRun.id, {
        status: ImportStatus.FAILED, total: source.total, processed, counts, rejected, errors, warnings, noContacts: [],
        failure: 'The import stopped on an internal error; rows already written are complete. Upload again to finish.',
      }, claim).catch((e: unknown) => {
        if (!(e instanceof LostClaimError)) throw e;
      });
      throw error;
    } finally {
      await held?.release();
    }
  }

  async function complete(
    id: string,
    outcome: {
      status: ImportStatus; total: number | null; processed: number; counts: { created: number; updated: number; unchanged: number };
      rejected: number; errors: CappedRows; warnings: CappedRows; noContacts: NoContactEmployee[]; failure?: string;
    },
    claim?: RunClaim,
  ): Promise<ImportSummary> {
    const errors = outcome.errors.sorted();
    // With a claim, the outcome is stored only if the run is still this worker's, and the claim ends with it.
    const record = await db.importRun.update({
      where: claim ? { id, claimToken: claim.token } : { id },
      data: {
        status: outcome.status,
        total: outcome.total,
        estimatedTotal: outcome.total,
        processed: outcome.processed,
        ...outcome.counts,
        rejected: outcome.rejected,
        errors: errors.slice(0, MAX_REPORTED_ERRORS) as object[],
        // One more than is shown: the stored run itself then tells whether the list was cut.
        warnings: outcome.warnings.sorted() as object[],
        noContacts: outcome.noContacts as object[],
        failure: outcome.failure ?? null,
        finishedAt: clock.now(),
        ...(claim ? { claimToken: null, leaseUntil: null } : {}),
      },
    }).catch((error: unknown) => {
      if (claim && (error as { code?: string }).code === 'P2025') throw new LostClaimError('another worker took this upload over');
      throw error;
    });
    return toSummary(record, outcome.errors.count > MAX_REPORTED_ERRORS, clock.now());
  }

  const get = async (id: string): Promise<ImportSummary | null> => {
    const record = await db.importRun.findUnique({ where: { id } });
    return record ? toSummary(record, (record.errors as unknown[]).length < record.rejected, clock.now()) : null;
  };

  /** The latest uploads, newest first, without their row lists: how a watcher finds a running upload's id. */
  const list = async (filter: { kind?: ImportKind; status?: ImportStatus; limit: number }): Promise<ImportProgress[]> => {
    const records = await db.importRun.findMany({
      where: { ...(filter.kind ? { kind: filter.kind } : {}), ...(filter.status ? { status: filter.status } : {}) },
      orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
      take: filter.limit,
      omit: { errors: true, warnings: true, noContacts: true },
    });
    const at = clock.now();
    return records.map((r) => toProgress(r, at));
  };

  return { run, begin, runClaimed, refuse, track, drain, get, list, publisher: deps.publisher };
}

export type ImportRunner = ReturnType<typeof createImportRunner>;

const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

const isObject = (item: unknown): item is object => item !== null && typeof item === 'object' && !Array.isArray(item);

/**
 * The raw hash of a row as it arrived: of its bytes when it came as JSON text, else of the JSON text of its parsed
 * value (the same bytes for a row sent without spaces). Only an object can be a stored row; anything else has none.
 */
function entryHash(entry: SourceEntry, kind: ImportKind, version: number): string | undefined {
  if ('json' in entry) return entry.json[0] === 0x7b ? rawHash(kind, version, entry.json) : undefined;
  return 'item' in entry && isObject(entry.item) ? rawHash(kind, version, JSON.stringify(entry.item)) : undefined;
}

function isRowSource(input: RowSource | readonly unknown[]): input is RowSource {
  return !Array.isArray(input);
}

/**
 * Validates and normalizes one row at a time. A problem in one of the definition's optional fields drops that
 * value with a warning; any other problem rejects the row (returns undefined). Strings that cannot be stored (NUL,
 * lone surrogates) are problems like any other, found here so that no query ever sees them.
 */
function rowPreparer<Row, Prepared>(
  definition: ImportDefinition<Row, Prepared>,
  errors: CappedRows,
  warnings: CappedRows,
): (entry: SourceEntry, hash?: string) => Indexed<Prepared> | undefined {
  const validator = validatorFor(definition.rowSchema);
  const optional = new Set(definition.optionalFields ?? []);
  const isOptional = (field: string | null) => field !== null && optional.has(field.split('.')[0]!);
  return (entry, hash) => {
    const { row } = entry;
    if ('problem' in entry) {
      errors.push({ row, field: null, code: entry.problem });
      return undefined;
    }
    let item: unknown;
    if ('json' in entry) {
      try {
        item = parseEntryJson(entry.json, entry.verified);
      } catch {
        errors.push({ row, field: null, code: 'invalid_json' });
        return undefined;
      }
    } else item = entry.item;
    if (!isObject(item)) {
      errors.push({ row, field: null, code: 'not_an_object' });
      return undefined;
    }
    const problems = [
      ...unstorableTextPaths(item).map((field): RowError => ({ row, field: field || null, code: 'invalid_text' })),
      ...(validator.Check(item) ? [] : schemaErrors(validator, item, row)),
    ];
    const rowErrors = uniqueFields(problems.filter((p) => !isOptional(p.field)));
    const rowWarnings = uniqueFields(problems.filter((p) => isOptional(p.field)));
    if (rowErrors.length > 0) {
      errors.push(...rowErrors);
      warnings.push(...rowWarnings);
      return undefined;
    }
    // What remains is the row without the values that were refused; it now passes the schema (they are optional).
    const usable: Record<string, unknown> = { ...item };
    for (const w of rowWarnings) delete usable[w.field!.split('.')[0]!];
    const rowWarningsLater: RowWarning[] = [...rowWarnings];
    const warn = (field: string, code: string) => rowWarningsLater.push({ row, field, code });
    try {
      const value = definition.prepare(usable as Row, warn);
      warnings.push(...rowWarningsLater);
      if (hash === undefined) return { row, value };
      // Stored with the row, so that the same row uploaded again reports the same warnings without being prepared.
      return { row, value, raw: { hash, warnings: rowWarningsLater.map((w) => ({ field: w.field, code: w.code })) } };
    } catch (error) {
      if (error instanceof RowFieldError) errors.push({ row, field: error.field, code: error.code });
      else if (error instanceof FieldProblem) errors.push({ row, field: null, code: error.reason });
      else throw error;
      warnings.push(...rowWarningsLater);
      return undefined;
    }
  };
}

/** One problem per field: the first one found. */
function uniqueFields(problems: RowError[]): RowError[] {
  const byField = new Map<string | null, RowError>();
  for (const p of problems) if (!byField.has(p.field)) byField.set(p.field, p);
  return [...byField.values()];
}

const KEYWORD_CODES: Record<string, string> = {
  required: 'required',
  type: 'invalid_type',
  anyOf: 'invalid_type',
  format: 'invalid_format',
  pattern: 'invalid_format',
  minLength: 'required',
  maxLength: 'too_long',
  minimum: 'out_of_range',
  maximum: 'out_of_range',
  enum: 'invalid_value',
  const: 'invalid_value',
  minItems: 'too_few_items',
  maxItems: 'too_many_items',
};

/** One error per field, named by its dotted path ("lines.2.amount"), with a stable code. */
function schemaErrors(validator: Validator, item: object, row: number): RowError[] {
  const byField = new Map<string, RowError>();
  for (const e of validator.Errors(item)) {
    if (e.keyword === 'boolean') continue;
    const base = e.instancePath.split('/').filter(Boolean).join('.');
    const fields =
      e.keyword === 'required'
        ? ((e.params as { requiredProperties?: string[] }).requiredProperties ?? []).map((p) => (base ? `${base}.${p}` : p))
        : [base];
    const code = KEYWORD_CODES[e.keyword] ?? 'invalid_value';
    for (const field of fields) {
      // anyOf's summary comes after its branches: it replaces their "must be number / must be string", but not a
      // more telling complaint of the branch the value's type did match ("too long").
      const current = byField.get(field);
      if (!current || (e.keyword === 'anyOf' && current.code === 'invalid_type')) byField.set(field, { row, field: field || null, code });
    }
  }
  return [...byField.values()];
}

type StoredRun = {
  id: string; kind: ImportKind; status: ImportStatus; total: number | null; estimatedTotal: number | null; processed: number;
  created: number; updated: number; unchanged: number; rejected: number; startedAt: Date; finishedAt: Date | null;
};

/** Counters of a run with its rate and the time left, as of `at` (the end, once it has finished). */
function toProgress(record: StoredRun, at: Date): ImportProgress {
  const end = record.finishedAt ?? at;
  const seconds = elapsedSeconds(record.startedAt, end);
  const rate = seconds > 0 && record.processed > 0 ? record.processed / seconds : null;
  const expected = record.total ?? record.estimatedTotal;
  let etaSeconds: number | null = null;
  if (record.finishedAt) etaSeconds = 0;
  else if (expected !== null && rate !== null) etaSeconds = Math.ceil(Math.max(0, expected - record.processed) / rate);
  return {
    importId: record.id,
    kind: record.kind,
    status: record.status,
    total: record.total,
    estimatedTotal: expected,
    processed: record.processed,
    created: record.created,
    updated: record.updated,
    unchanged: record.unchanged,
    rejected: record.rejected,
    rowsPerSecond: rate === null ? null : Math.round(rate),
    etaSeconds,
    startedAt: record.startedAt.toISOString(),
    finishedAt: record.finishedAt?.toISOString() ?? null,
  };
}

function toSummary(
  record: StoredRun & { errors: unknown; warnings: unknown; noContacts: unknown },
  errorsTruncated: boolean,
  at: Date,
): ImportSummary {
  const warnings = record.warnings as RowWarning[];
  return {
    ...toProgress(record, at),
    errors: record.errors as RowError[],
    errorsTruncated,
    warnings: warnings.slice(0, MAX_REPORTED_WARNINGS),
    warningsTruncated: warnings.length > MAX_REPORTED_WARNINGS,
    noContacts: record.noContacts as NoContactEmployee[],
  };
}
