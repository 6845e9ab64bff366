import type { TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import type { Db } from '../db/database.ts';
import { ImportStatus, type ImportKind } from '../db/generated/enums.ts';
import { systemClock, type Clock } from '../clock.ts';
import { safeError, type Logger } from '../logger.ts';
import { audit } from '../audit/audit-log.ts';
import type { ImportDefinition, Indexed, NoContactEmployee, RowError, RowWarning } from './import-definition.ts';
import { RowFieldError } from './import-definition.ts';
import { FieldProblem } from './normalize.ts';
import { unstorableTextPaths } from './stored-text.ts';

/** Stored and returned row errors are capped: a broken export of 100,000 rows should not produce a 20 MB answer. */
export const MAX_REPORTED_ERRORS = 1000;
/** Warnings are capped alike. */
export const MAX_REPORTED_WARNINGS = 1000;

export interface ImportSummary {
  importId: string;
  kind: ImportKind;
  status: ImportStatus;
  total: number;
  processed: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  errors: RowError[];
  errorsTruncated: boolean;
  /** Stored rows with a value Kabinet could not read and left out (e.g. an INN with a wrong check digit). */
  warnings: RowWarning[];
  warningsTruncated: boolean;
  noContacts: NoContactEmployee[];
}

export interface ImportRunnerDeps {
  db: Db;
  logger: Logger;
  batchSize: number;
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

export function createImportRunner(deps: ImportRunnerDeps) {
  const { db, logger, batchSize } = deps;
  const clock = deps.clock ?? systemClock;

  async function run<Row, Prepared>(
    definition: ImportDefinition<Row, Prepared>,
    items: unknown[],
    actor: { apiTokenId?: string | null },
  ): Promise<ImportSummary> {
    const now = clock.now();
    const log = logger.child({ import: definition.kind });
    const importRun = await db.importRun.create({
      data: { kind: definition.kind, total: items.length, apiTokenId: actor.apiTokenId ?? null },
    });
    const ctx = { db, logger: log, now, createdPayslipIds: [] as string[] };
    const errors: RowError[] = [];
    const warnings: RowWarning[] = [];
    const counts = { created: 0, updated: 0, unchanged: 0 };
    let processed = 0;

    try {
      const prepared = prepareRows(definition, items, errors, warnings);
      let accepted = prepared;
      if (definition.checkUpload) {
        const uploadErrors = await definition.checkUpload(prepared, ctx);
        errors.push(...uploadErrors);
        const rejected = new Set(uploadErrors.map((e) => e.row));
        accepted = prepared.filter((r) => !rejected.has(r.row));
      }
      processed = items.length - accepted.length;

      const written: Indexed<Prepared>[] = [];
      for (let i = 0; i < accepted.length; i += batchSize) {
        const batch = accepted.slice(i, i + batchSize);
        const result = await definition.writeBatch(batch, ctx);
        errors.push(...result.errors);
        for (const row of batch) {
          const outcome = result.outcomes.get(row.row);
          if (!outcome) continue;
          counts[outcome] += 1;
          written.push(row);
        }
        processed += batch.length;
        await db.importRun.update({
          where: { id: importRun.id },
          data: { processed, ...counts, rejected: rejectedRows(errors) },
        });
      }

      const extra = definition.finish ? await definition.finish(written, ctx) : {};
      if (ctx.createdPayslipIds.length > 0 && deps.publisher) {
        const announced = await deps.publisher.payslipsCreated(ctx.createdPayslipIds);
        log.info({ importId: importRun.id, announced }, 'new payslips announced');
      }
      const summary = await complete(importRun.id, ImportStatus.SUCCEEDED, processed, counts, errors, warnings, extra.noContacts ?? []);
      await audit(db, {
        actorType: 'API_TOKEN',
        actorId: actor.apiTokenId ?? null,
        action: `import.${definition.kind.toLowerCase()}`,
        entityType: 'ImportRun',
        entityId: importRun.id,
        details: { total: items.length, ...counts, rejected: summary.rejected, warnings: warnings.length },
      });
      log.info({ importId: importRun.id, total: items.length, ...counts, rejected: summary.rejected, warnings: warnings.length }, 'import finished');
      return summary;
    } catch (error) {
      // Database messages can quote row values; keep personal data out of the log and the stored run.
      log.error({ importId: importRun.id, err: safeError(error) }, 'import failed');
      await complete(importRun.id, ImportStatus.FAILED, processed, counts, errors, warnings, [], 'The import stopped on an internal error; rows already written are complete. Upload again to finish.');
      throw error;
    }
  }

  async function complete(
    id: string,
    status: ImportStatus,
    processed: number,
    counts: { created: number; updated: number; unchanged: number },
    errors: RowError[],
    warnings: RowWarning[],
    noContacts: NoContactEmployee[],
    failure?: string,
  ): Promise<ImportSummary> {
    errors.sort((a, b) => a.row - b.row);
    warnings.sort((a, b) => a.row - b.row);
    const reported = errors.slice(0, MAX_REPORTED_ERRORS);
    const record = await db.importRun.update({
      where: { id },
      data: {
        status,
        processed,
        ...counts,
        rejected: rejectedRows(errors),
        errors: reported as object[],
        // One more than is shown: the stored run itself then tells whether the list was cut.
        warnings: warnings.slice(0, MAX_REPORTED_WARNINGS + 1) as object[],
        noContacts: noContacts as object[],
        failure: failure ?? null,
        finishedAt: clock.now(),
      },
    });
    return toSummary(record, errors.length > reported.length);
  }

  const get = (id: string) => getImportSummary(db, id);

  return { run, get, publisher: deps.publisher };
}

export type ImportRunner = ReturnType<typeof createImportRunner>;

function rejectedRows(errors: RowError[]): number {
  return new Set(errors.map((e) => e.row)).size;
}

/**
 * Validates and normalizes every row. A problem in one of the definition's optional fields drops that value with a
 * warning; any other problem rejects the row. Strings that cannot be stored (NUL, lone surrogates) are problems
 * like any other, found here so that no query ever sees them.
 */
function prepareRows<Row, Prepared>(
  definition: ImportDefinition<Row, Prepared>,
  items: unknown[],
  errors: RowError[],
  warnings: RowWarning[],
): Indexed<Prepared>[] {
  const validator = validatorFor(definition.rowSchema);
  const optional = new Set(definition.optionalFields ?? []);
  const isOptional = (field: string | null) => field !== null && optional.has(field.split('.')[0]!);
  const prepared: Indexed<Prepared>[] = [];
  items.forEach((item, row) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      errors.push({ row, field: null, code: 'not_an_object' });
      return;
    }
    const problems = [
      ...unstorableTextPaths(item).map((field): RowError => ({ row, field: field || null, code: 'invalid_text' })),
      ...(validator.Check(item) ? [] : schemaErrors(validator, item, row)),
    ];
    const rowErrors = uniqueFields(problems.filter((p) => !isOptional(p.field)));
    const rowWarnings = uniqueFields(problems.filter((p) => isOptional(p.field)));
    errors.push(...rowErrors);
    warnings.push(...rowWarnings);
    if (rowErrors.length > 0) return;
    // What remains is the row without the values that were refused; it now passes the schema (they are optional).
    const usable: Record<string, unknown> = { ...item };
    for (const w of rowWarnings) delete usable[w.field!.split('.')[0]!];
    const warn = (field: string, code: string) => warnings.push({ row, field, code });
    try {
      prepared.push({ row, value: definition.prepare(usable as Row, warn) });
    } catch (error) {
      if (error instanceof RowFieldError) errors.push({ row, field: error.field, code: error.code });
      else if (error instanceof FieldProblem) errors.push({ row, field: null, code: error.reason });
      else throw error;
    }
  });
  return prepared;
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

function toSummary(
  record: {
    id: string; kind: ImportKind; status: ImportStatus; total: number; processed: number; created: number;
    updated: number; unchanged: number; rejected: number; errors: unknown; warnings: unknown; noContacts: unknown;
  },
  errorsTruncated: boolean,
): ImportSummary {
  const warnings = record.warnings as RowWarning[];
  return {
    importId: record.id,
    kind: record.kind,
    status: record.status,
    total: record.total,
    processed: record.processed,
    created: record.created,
    updated: record.updated,
    unchanged: record.unchanged,
    rejected: record.rejected,
    errors: record.errors as RowError[],
    errorsTruncated,
    warnings: warnings.slice(0, MAX_REPORTED_WARNINGS),
    warningsTruncated: warnings.length > MAX_REPORTED_WARNINGS,
    noContacts: record.noContacts as NoContactEmployee[],
  };
}

export async function getImportSummary(db: Db, id: string): Promise<ImportSummary | null> {
  const record = await db.importRun.findUnique({ where: { id } });
  return record ? toSummary(record, (record.errors as unknown[]).length < record.rejected) : null;
}
