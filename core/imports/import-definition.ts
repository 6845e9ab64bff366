import type { TSchema } from 'typebox';
import type { Db } from '../db/database.ts';
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
}

export type RowOutcome = 'created' | 'updated' | 'unchanged';

export interface BatchResult {
  outcomes: Map<number, RowOutcome>;
  errors: RowError[];
}

export interface ImportContext {
  db: Db;
  logger: Logger;
  /** The time of the upload, from the injected clock: dismissals and notifications are judged against it. */
  now: Date;
  /** Ids of payslips this upload created (not updated): they are announced to employees once it finishes. */
  createdPayslipIds: string[];
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
 * One kind of upload. The runner validates each row against `rowSchema`, calls `prepare` (pure normalization),
 * then `checkUpload` over all prepared rows, then `writeBatch` for consecutive batches; a row is either written
 * whole or reported in `errors`.
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
  checkUpload?(rows: Indexed<Prepared>[], ctx: ImportContext): Promise<RowError[]>;
  /** Writes one batch; call `inBatchTransaction` so that lookups and writes happen under the kind's lock. */
  writeBatch(rows: Indexed<Prepared>[], ctx: ImportContext): Promise<BatchResult>;
  /** After every batch is written, with the rows that were accepted. */
  finish?(accepted: Indexed<Prepared>[], ctx: ImportContext): Promise<{ noContacts?: NoContactEmployee[] }>;
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

/**
 * Runs one batch in a transaction that first takes the kind's advisory lock, so that two uploads of the same rows
 * never both look up "not stored yet" and both insert (a unique violation, once a 500). Batches of one kind wait
 * for each other; what a batch reads after the lock includes everything committed before it.
 */
export function inBatchTransaction<T>(db: Db, kind: ImportKind, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${UPLOAD_LOCK_CLASS}::int4, ${KIND_LOCKS[kind]}::int4)`;
    return work(tx);
  }, BATCH_TRANSACTION);
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

/** An optional reference: blank means none, as null and absent do. */
export const optionalId = (raw: string | null | undefined): string | null => raw?.trim() || null;

/** The same key twice in one upload is ambiguous: every occurrence after the first is rejected. */
export function duplicateKeys<T>(rows: Indexed<T>[], keyOf: (v: T) => string, fieldName: string): RowError[] {
  const seen = new Set<string>();
  const errors: RowError[] = [];
  for (const r of rows) {
    const key = keyOf(r.value);
    if (seen.has(key)) errors.push({ row: r.row, field: fieldName, code: 'duplicate_in_upload' });
    seen.add(key);
  }
  return errors;
}

/** Kabinet ids of the organizations an upload names, by payroll id; unknown ids are simply absent. */
export async function organizationIds(db: Db | Tx, externalIds: Iterable<string>): Promise<Map<string, string>> {
  const ids = [...new Set(externalIds)];
  if (ids.length === 0) return new Map();
  const rows = await db.organization.findMany({ where: { externalId: { in: ids } }, select: { id: true, externalId: true } });
  return new Map(rows.map((o) => [o.externalId, o.id]));
}
