import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchema } from 'fastify';

// ajv-formats is CommonJS with a default export; under NodeNext its type is the module namespace.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const base: Options = { allErrors: false, useDefaults: true, removeAdditional: true, strict: false };

/**
 * Query strings, params and headers arrive as text and are coerced ("2" → 2). Bodies are JSON and keep their
 * types: coercing would turn `"items": "abc"` into `["abc"]` instead of refusing it.
 */
export function useStrictBodyValidation(app: FastifyInstance): void {
  const body = addFormats(new Ajv({ ...base, coerceTypes: false }));
  const other = addFormats(new Ajv({ ...base, coerceTypes: 'array' }));
  app.setValidatorCompiler(({ schema, httpPart }: { schema: FastifySchema; httpPart?: string }) =>
    (httpPart === 'body' ? body : other).compile(schema as object),
  );
}
