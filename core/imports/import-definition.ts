import type { TSchema } from 'typebox';
import type { Db, SqlAccess, SqlQuery } from '../db/database.ts';
import type { Prisma } from '../db/generated/client.ts';
import { ImportKind } from '../db/generated/enums.ts';
import type { Logger } from '../logger.ts';
import { FieldProblem } from './normalize.ts';

/** A problem with one uploaded row. `row` is the index in the uploaded `items` array; `field` a dotted path. */
export interface RowError {
  row: number;
  field: string | null;
  code: string;
}

/**
 * Something in a stored row that needs attention but did not stop it: a field Kabinet can do without whose value
 * it could not read. The row is stored without that value. Same shape as a row error.
 */
export type RowWarning = RowError;

/** How `prepare` reports a warning about the row it is preparing. */
export type Warn = (field: string, code: string) => void;

export interface Indexed<T> {
  row: number;
  value: T;
  /** Set by the runner for a kind with a `rawShortcut`: what `writeBatch` stores beside the row. */
  raw?: RawStamp;
}

/** A warning as stored with its row, without the row index of the upload that produced it. */
export interface StoredWarning {
  field: string | null;
  code: string;
}

/** The hash of a row as it was uploaded, and the warnings preparing it produced. */
export interface RawStamp {
  hash: string;
  warnings: StoredWarning[];
}

/** A stored row that an identical uploaded row would leave as it is. */
export interface StoredRaw {
  /** Its upload key (as `uploadKey` would give): a later row with the same key is still a duplicate. */
  key: string;
  warnings: StoredWarning[];
  /** For a kind with `finish`: the row is one `finish` needs (as `keepForFinish` would say); its key goes there. */
  keep?: boolean;
}

/**
 * Lets an uploaded row that is byte for byte one already stored (the same JSON text, same `version`) skip
 * validation, normalization, fingerprinting and every write: it is reported unchanged, with the warnings stored
 * with it. Not for kinds with `checkUpload` (a skipped row is not prepared); for a kind with `finish`, `findStored`
 * says which stored rows `finish` needs (`StoredRaw.keep`), and `finish` gets their keys.
 */
export interface RawShortcut {
  /**
   * Part of every raw hash. Bump it whenever the schema, `prepare` or a normalizer changes what a row becomes (or
   * which warnings it gets): every stored raw hash then stops matching, each row goes the full path once more and
   * gets the new hash written.
   */
  version: number;
  /** The stored rows whose raw hash is one of `hashes`, by hash; one indexed query. `now`: the upload's time. */
  findStored(sql: SqlAccess, hashes: string[], now: Date): Promise<Map<string, StoredRaw>>;
}

/** Stored warnings as `$queryRaw` returns a JSON column (parsed or, depending on the driver, as text). */
export function storedWarnings(value: unknown): StoredWarning[] {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  return Array.isArray(parsed) ? (parsed as StoredWarning[]) : [];
}

export type RowOutcome = 'created' | 'updated' | 'unchanged';

export interface BatchResult {
  outcomes: Map<number, RowOutcome>;
  errors: RowError[];
}

/** A payslip this upload created (not updated): announced to its employee once the upload finishes. */
export interface NewPayslip {
  id: string;
  employeeId: string;
  period: string;
  kind: string;
}

export interface ImportContext {
  db: Db;
  /** Plain SQL, for the statements of a kind whose batches carry large parameters (payslips). */
  sql: SqlAccess;
  /**
   * The upload holds its kind's lock itself (`ImportDefinition.parallelBatches`), on a connection of its own: its
   * batches do not take it, and may be written two at a time.
   */
  holdsKindLock?: boolean;
  logger: Logger;
  /** The time of the upload, from the injected clock: dismissals and notifications are judged against it. */
  now: Date;
  /** The upload's run: what it creates is marked with it. */
  importRunId: string;
  /**
   * New payslips to announce, the newest one per employee only (newest period; within it the final payslip
   * rather than the advance): that is the one the publisher would pick, and a year uploaded as one stream keeps
   * one entry per employee instead of a list of every payslip.
   */
  newPayslips: Map<string, NewPayslip>;
}

/** Keeps the payslip in `ctx.newPayslips` when it is its employee's newest of this upload. */
export function rememberNewPayslip(ctx: ImportContext, payslip: NewPayslip): void {
  const current = ctx.newPayslips.get(payslip.employeeId);
  if (!current || payslip.period > current.period || (payslip.period === current.period && payslip.kind === 'FINAL')) {
    ctx.newPayslips.set(payslip.employeeId, payslip);
  }
}

/** A problem with one field, thrown by `prepare`. */
export class RowFieldError extends Error {
  constructor(
    readonly field: string,
    readonly code: string,
  ) {
    super(code);
  }
}

/** In-scope employees of an upload that have neither phone nor e-mail: no cabinet is possible for them. */
export interface NoContactEmployee {
  employeeId: string;
  personnelNumber: string;
  fullName: string;
}

/**
 * One kind of upload. The runner reads rows as they arrive, validates each against `rowSchema`, calls `prepare`
 * (pure normalization), refuses a repeated `uploadKey`, and hands consecutive batches to `writeBatch`; a row is
 * either written whole or reported in `errors`. A kind with `checkUpload` needs the whole upload before it can
 * judge a row (departments: a parent may come later), so its prepared rows are gathered first.
 */
export interface ImportDefinition<Row, Prepared> {
  kind: ImportKind;
  rowSchema: TSchema;
  /**
   * Top-level fields Kabinet works without (INN, address, position, …). A value there that cannot be read or stored
   * is dropped with a warning and the row is stored without it; only problems elsewhere reject the row.
   */
  optionalFields?: readonly string[];
  prepare(row: Row, warn: Warn): Prepared;
  /** What identifies a row: the same key again in one upload is ambiguous, and every later occurrence is refused. */
  uploadKey(value: Prepared): string;
  /** The field a repeated key is reported on. */
  uploadKeyField: string;
  /** Checks that need every row of the upload at once; makes the runner gather the upload before writing. */
  checkUpload?(rows: Indexed<Prepared>[], ctx: ImportContext): Promise<RowError[]>;
  /** See `RawShortcut`; without it every row is prepared and compared by its fingerprint. */
  rawShortcut?: RawShortcut;
  /**
   * On PostgreSQL, an upload whose rows are all at hand (a JSON body, a staged upload; not an NDJSON request read
   * as it is sent) takes its kind's lock for its whole run (before its first write) instead of each batch taking
   * it, and writes two batches at a time: PostgreSQL's own work (indexes, foreign-key checks) is then spread over
   * two connections. Batches of one upload never share a key, so they do not wait for each other.
   */
  parallelBatches?: boolean;
  /** Writes one batch; call `inBatchTransaction` so that lookups and writes happen under the kind's lock. */
  writeBatch(rows: Indexed<Prepared>[], ctx: ImportContext): Promise<BatchResult>;
  /** Which written rows `finish` needs (all of them when absent); the others are not kept while the upload runs. */
  keepForFinish?(value: Prepared, ctx: ImportContext): boolean;
  /**
   * After every batch is written, with the written rows `keepForFinish` kept, and the keys of the rows skipped as
   * unchanged that it needs (see `RawShortcut`).
   */
  finish?(written: Indexed<Prepared>[], ctx: ImportContext, skippedKeys: string[]): Promise<{ noContacts?: NoContactEmployee[] }>;
}

/** Interactive transactions default to 5 s; a batch of a thousand payslips may need longer on a busy server. */
export const BATCH_TRANSACTION = { maxWait: 30_000, timeout: 120_000 } as const;

export type Tx = Prisma.TransactionClient;

// pg_advisory_xact_lock(int4, int4): the first number marks Kabinet's uploads (the migration lock uses the
// one-number form, another key space), the second the kind.
const UPLOAD_LOCK_CLASS = 0x4b_42_49_4d; // "KBIM"
const KIND_LOCKS: Record<ImportKind, number> = {
  [ImportKind.ORGANIZATIONS]: 1,
  [ImportKind.DEPARTMENTS]: 2,
  [ImportKind.EMPLOYEES]: 3,
  [ImportKind.PAYSLIPS]: 4,
  [ImportKind.VACATIONS]: 5,
};

/** The advisory lock of a kind's uploads (the key `inBatchTransaction` takes). */
export const kindLock = (kind: ImportKind) => [UPLOAD_LOCK_CLASS, KIND_LOCKS[kind]] as const;

/**
 * Runs one batch in a transaction that first takes the kind's advisory lock, so that two uploads of the same rows
 * never both look up "not stored yet" and both insert (a unique violation, once a 500). Batches of one kind wait
 * for each other; what a batch reads after the lock includes everything committed before it.
 */
export function inBatchTransaction<T>(db: Db, kind: ImportKind, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(async (tx) => {
    const [lockClass, lockKey] = kindLock(kind);
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${lockClass}::int4, ${lockKey}::int4)`;
    return work(tx);
  }, BATCH_TRANSACTION);
}

/** `inBatchTransaction` in plain SQL (see `SqlAccess`): the same lock, the same guarantees. */
export function inSqlBatchTransaction<T>(ctx: ImportContext, kind: ImportKind, work: (query: SqlQuery) => Promise<T>): Promise<T> {
  return ctx.sql.transaction(async (query) => {
    if (!ctx.holdsKindLock) await query('SELECT pg_advisory_xact_lock($1::int4, $2::int4)', [...kindLock(kind)]);
    return work(query);
  });
}


/** Splits rows into new / changed / unchanged by comparing fingerprints with what is stored. */
export function classify<T extends { sourceHash: string }, K>(
  rows: Indexed<T>[],
  keyOf: (value: T) => K,
  existing: Map<K, { id: string; sourceHash: string }>,
) {
  const created: Indexed<T>[] = [];
  const updated: { row: Indexed<T>; id: string }[] = [];
  const unchanged: Indexed<T>[] = [];
  for (const row of rows) {
    const stored = existing.get(keyOf(row.value));
    if (!stored) created.push(row);
    else if (stored.sourceHash === row.value.sourceHash) unchanged.push(row);
    else updated.push({ row, id: stored.id });
  }
  const outcomes = new Map<number, RowOutcome>();
  for (const r of created) outcomes.set(r.row, 'created');
  for (const r of updated) outcomes.set(r.row.row, 'updated');
  for (const r of unchanged) outcomes.set(r.row, 'unchanged');
  return { created, updated, unchanged, outcomes };
}

/** Runs one field's normalizer and names the field when it refuses the value: the row is rejected. */
export function field<T>(name: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof FieldProblem) throw new RowFieldError(name, error.reason);
    throw error;
  }
}

/** Like `field`, for a value Kabinet can do without: a refused value becomes a warning and is not stored. */
export function optionalField<T>(name: string, read: () => T | undefined, warn: Warn): T | undefined {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof FieldProblem)) throw error;
    warn(name, error.reason);
    return undefined;
  }
}

/** A required id or name: trimmed, and refused when nothing is left (an id of spaces would be stored as ''). */
export function requiredText(name: string, raw: string): string {
  const text = raw.trim();
  if (!text) throw new RowFieldError(name, 'required');
  return text;
}

/** A date column as DATE text: no time zone between Node and the database session can shift the day. */
export const dateText = (date: Date | null): string | null => date?.toISOString().slice(0, 10) ?? null;

/** An optional reference: blank means none, as null and absent do. */
export const optionalId = (raw: string | null | undefined): string | null => raw?.trim() || null;

/** Kabinet ids of the organizations an upload names, by payroll id; unknown ids are simply absent. */
export async function organizationIds(db: Db | Tx, externalIds: Iterable<string>): Promise<Map<string, string>> {
  const ids = [...new Set(externalIds)];
  if (ids.length === 0) return new Map();
  const rows = await db.organization.findMany({ where: { externalId: { in: ids } }, select: { id: true, externalId: true } });
  return new Map(rows.map((o) => [o.externalId, o.id]));
}
