import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { ApiScope, ImportStatus } from '../../core/db/generated/enums.ts';
import { AppError } from '../../core/errors.ts';
import { MAX_UPLOAD_ITEMS } from '../../core/imports/import-job.ts';
import { envelopeSource, IMPORT_NAMES, IMPORTS, type ImportName, ndjsonSource, type ImportSummary } from '../../core/imports/index.ts';
import { claimStagedUpload, JsonEnvelope, NDJSON, NdjsonBody, StagedUpload } from '../plugins/json-body.ts';
import { errorResponses, IdempotencyHeaders } from '../schemas/common.ts';

/**
 * Generous for a year of payslips of a large company; beyond that the payroll system should split the upload or send
 * NDJSON, which is streamed and has no such limit.
 */
export const MAX_ITEMS = MAX_UPLOAD_ITEMS;

export { runsInBackground } from '../plugins/json-body.ts';

const RowErrorSchema = Type.Object({
  row: Type.Integer({ description: 'Index in `items`, from 0; for NDJSON, the index of the line, from 0 (blank lines count)' }),
  field: Type.Union([Type.String(), Type.Null()], { description: 'Dotted path of the field, e.g. "lines.2.amount"' }),
  code: Type.String(),
  message: Type.String(),
});

const Nullable = <T extends ReturnType<typeof Type.Integer>>(schema: T) => Type.Union([schema, Type.Null()]);

const progressFields = {
  importId: Type.String({ format: 'uuid' }),
  kind: Type.String(),
  status: Type.Union([Type.Literal('QUEUED'), Type.Literal('RUNNING'), Type.Literal('SUCCEEDED'), Type.Literal('FAILED')], {
    description: 'QUEUED: a large upload received whole, waiting for a worker; RUNNING, then SUCCEEDED or FAILED',
  }),
  total: Nullable(Type.Integer({ description: 'Rows in the upload; null while an NDJSON body is still being read' })),
  estimatedTotal: Nullable(Type.Integer({
    description: 'Rows to expect: `total` when known; while an NDJSON body is read, judged from the bytes read and its Content-Length (null without one)',
  })),
  processed: Type.Integer({ description: 'Rows done so far: stored, found unchanged or rejected' }),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  rejected: Type.Integer(),
  rowsPerSecond: Nullable(Type.Integer({ description: 'Rows processed per second since the start (until the end, once finished)' })),
  etaSeconds: Nullable(Type.Integer({ description: 'Seconds left at that rate; 0 once finished; null while the row count is unknown' })),
  startedAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
};

const ImportProgressSchema = Type.Object(progressFields);

const ImportSummarySchema = Type.Object({
  ...progressFields,
  errors: Type.Array(RowErrorSchema, { description: 'Rows that were not stored, with the reason (capped at 1000)' }),
  errorsTruncated: Type.Boolean(),
  warnings: Type.Array(RowErrorSchema, {
    description: 'Rows that were stored without a value Kabinet could not read, in a field it can do without (INN, KPP, address, position, phone, e-mail, hire date…); capped at 1000',
  }),
  warningsTruncated: Type.Boolean(),
  noContacts: Type.Array(
    Type.Object({ employeeId: Type.String(), personnelNumber: Type.String(), fullName: Type.String() }),
    { description: 'Employees in scope (not dismissed) with neither phone nor e-mail: no cabinet is possible for them' },
  ),
});

const DESCRIPTIONS: Record<(typeof IMPORT_NAMES)[number], string> = {
  organizations: 'Legal entities. Upload first.',
  departments: 'Departments (a tree per organization; parents may come in the same upload).',
  employees: 'Employees with contacts. A dismissal date today or earlier disables the cabinet at once. The answer lists in-scope employees with neither phone nor e-mail.',
  payslips: 'Payslips (расчетные листки), advance and final, keyed by employee, period and kind. A re-upload of a period replaces its lines.',
  vacations: 'Vacation balances and planned vacations, one row per employee; replaces what was stored for that employee.',
};

// Row problems are reported per row, so the body schema below documents rows but validation checks only the
// envelope: one bad row must not reject ten thousand good ones. An NDJSON body is read (and checked) row by row.
function envelopeValidator() {
  const tooMany = () => ({
    error: Object.assign(new Error('too many items'), { validation: [{ instancePath: '/items', message: `must have at most ${MAX_ITEMS} items` }], validationContext: 'body' }),
  });
  return (data: unknown) => {
    if (data instanceof NdjsonBody || data instanceof StagedUpload) return { value: data };
    // An envelope read from its bytes is one already; a body parsed whole is checked here.
    if (data instanceof JsonEnvelope) return data.count > MAX_ITEMS ? tooMany() : { value: data };
    const items = (data as { items?: unknown } | null)?.items;
    if (data === null || typeof data !== 'object' || Array.isArray(data) || !Array.isArray(items)) {
      return { error: Object.assign(new Error('body must be an object with an "items" array'), { validation: [{ instancePath: '/items', message: 'must be array' }], validationContext: 'body' }) };
    }
    return items.length > MAX_ITEMS ? tooMany() : { value: data };
  };
}

export function localizeSummary(summary: ImportSummary, request: FastifyRequest) {
  const reason = (code: string) => request.t(`imports:row.${code}`);
  return {
    ...summary,
    errors: summary.errors.map((e) => ({ ...e, message: reason(e.code) })),
    warnings: summary.warnings.map((w) => ({ ...w, message: request.t('imports:warning', { reason: reason(w.code) }) })),
  };
}

export function importRoutes(fastify: FastifyInstance, options: { asyncThresholdBytes: number }): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  for (const name of IMPORT_NAMES) {
    const definition = IMPORTS[name];
    app.post(`/imports/${name}`, {
      config: { scopes: [ApiScope.IMPORT], stagesUploads: { asyncThresholdBytes: options.asyncThresholdBytes } },
      validatorCompiler: ({ httpPart }) => (httpPart === 'body' ? envelopeValidator() : () => true),
      schema: {
        tags: ['imports'],
        summary: `Upload ${name}`,
        description: `${DESCRIPTIONS[name]} Upserts keyed by the payroll system's ids; replaying an upload leaves the same state. Bad rows are reported in \`errors\` with their index and reason while good rows are stored; a value Kabinet can do without that it cannot read is left out and reported in \`warnings\`, and its row is stored.\n\nLarge uploads can be sent as \`${NDJSON}\`: one row (the same object as an item of \`items\`) per line, no envelope. The body is read and stored batch by batch as it arrives, so its size is not limited by API_BODY_LIMIT_MB (each line is, to at most 8 MB); a line that is not JSON is reported in \`errors\` with its line index and the other lines are stored. Watch a running upload with \`GET /imports?status=RUNNING\` and \`GET /imports/{id}\`.\n\nAn upload whose Content-Length exceeds IMPORT_ASYNC_THRESHOLD_MB (8 MB by default), or sent with \`Prefer: respond-async\`, is answered **202** as soon as its body has arrived, with the run's id (\`importId\`, also in \`Location\`) and its first progress (QUEUED): the body is kept in the database and a worker runs it, and \`GET /imports/{id}\` follows it to RUNNING and on to SUCCEEDED or FAILED with the same report. A JSON body that is not an \`items\` envelope then ends FAILED instead of a 400. An Idempotency-Key replays that 202.`,
        security: [{ bearer: [] }],
        headers: IdempotencyHeaders,
        consumes: ['application/json', NDJSON],
        body: Type.Object({ items: Type.Array(definition.rowSchema, { maxItems: MAX_ITEMS }) }),
        response: { 200: ImportSummarySchema, 202: ImportSummarySchema, ...errorResponses(400, 401, 403, 409, 413, 415, 422) },
      },
    }, async (request, reply) => {
      const body: unknown = request.body;
      const actor = { apiTokenId: request.principal!.tokenId };
      if (body instanceof StagedUpload) {
        // The body is in the database before the answer and the run is recorded QUEUED: a worker runs it, in this
        // process (no Redis) or another one, and nothing of it depends on this connection or this process.
        const importId = await request.services.uploads.accept(definition, claimStagedUpload(request, body), actor);
        const progress = await request.services.imports.get(importId);
        reply.code(202).header('location', `/api/v1/imports/${importId}`);
        return localizeSummary(progress!, request);
      }
      const rows = body instanceof NdjsonBody
        ? ndjsonSource(body.stream, { contentLength: body.bytes, maxLineBytes: body.maxLineBytes, fromClient: true })
        : body instanceof JsonEnvelope ? envelopeSource(body.items) : (body as { items: unknown[] }).items;
      const summary = await request.services.imports.run(definition, rows, actor);
      return localizeSummary(summary, request);
    });
  }

  app.get('/imports', {
    config: { scopes: [ApiScope.IMPORT, ApiScope.ADMIN] },
    schema: {
      tags: ['imports'],
      summary: 'The latest uploads, newest first',
      description: 'Counters and progress without the row lists; `status=RUNNING` finds an upload in progress, whose id `GET /imports/{id}` then follows.',
      security: [{ bearer: [] }],
      querystring: Type.Object({
        kind: Type.Optional(Type.Union(IMPORT_NAMES.map((n) => Type.Literal(n)))),
        status: Type.Optional(Type.Union([Type.Literal('QUEUED'), Type.Literal('RUNNING'), Type.Literal('SUCCEEDED'), Type.Literal('FAILED')])),
        limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
      }),
      response: { 200: Type.Object({ items: Type.Array(ImportProgressSchema) }), ...errorResponses(400, 401, 403) },
    },
  }, async (request) => {
    const { status, limit } = request.query;
    const kind = request.query.kind as ImportName | undefined;
    const items = await request.services.imports.list({
      kind: kind ? IMPORTS[kind].kind : undefined,
      status: status ? ImportStatus[status] : undefined,
      limit,
    });
    return { items };
  });

  app.get('/imports/:id', {
    config: { scopes: [ApiScope.IMPORT, ApiScope.ADMIN] },
    schema: {
      tags: ['imports'],
      summary: 'Progress and result of an upload',
      security: [{ bearer: [] }],
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
      response: { 200: ImportSummarySchema, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { id } = request.params;
    const summary = await request.services.imports.get(id);
    if (!summary) throw new AppError('IMPORT_NOT_FOUND', 'not_found', { id });
    return localizeSummary(summary, request);
  });
}
