import type { TSchema } from 'typebox';
import type { Db } from '../db/database.ts';
import type { ImportKind } from '../db/generated/enums.ts';
import type { Logger } from '../logger.ts';
import { FieldProblem } from './normalize.ts';

/** A problem with one uploaded row. `row` is the index in the uploaded `items` array; `field` a dotted path. */
export interface RowError {
  row: number;
  field: string | null;
  code: string;
}

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
  prepare(row: Row): Prepared;
  checkUpload?(rows: Indexed<Prepared>[], ctx: ImportContext): Promise<RowError[]>;
  writeBatch(rows: Indexed<Prepared>[], ctx: ImportContext): Promise<BatchResult>;
  /** After every batch is written, with the rows that were accepted. */
  finish?(accepted: Indexed<Prepared>[], ctx: ImportContext): Promise<{ noContacts?: NoContactEmployee[] }>;
}

/** Interactive transactions default to 5 s; a batch of a thousand payslips may need longer on a busy server. */
export const BATCH_TRANSACTION = { maxWait: 30_000, timeout: 120_000 } as const;

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

/** Runs one field's normalizer and names the field when it refuses the value. */
export function field<T>(name: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof FieldProblem) throw new RowFieldError(name, error.reason);
    throw error;
  }
}

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
export async function organizationIds(db: Db, externalIds: Iterable<string>): Promise<Map<string, string>> {
  const ids = [...new Set(externalIds)];
  if (ids.length === 0) return new Map();
  const rows = await db.organization.findMany({ where: { externalId: { in: ids } }, select: { id: true, externalId: true } });
  return new Map(rows.map((o) => [o.externalId, o.id]));
}
