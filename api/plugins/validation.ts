import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { unstorableTextPaths } from '../../core/imports/stored-text.ts';

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
    withStorableText((httpPart === 'body' ? body : other).compile(schema as object)),
  );
}

type Validator = ((data: unknown, context?: object) => boolean) & { errors?: ErrorObject[] | null; schemaEnv?: unknown };

/**
 * Every value a route accepts ends up in a query or a row: a string PostgreSQL cannot hold (NUL) or UTF-8 cannot
 * encode (a lone surrogate) is refused here as a 400, instead of failing inside the database as a 500.
 * Uploads check this per row instead (one bad row must not refuse the others), through their own validator.
 */
function withStorableText(validate: ValidateFunction): Validator {
  const wrapped: Validator = (data, context) => {
    if (!validate(data, context as never)) {
      wrapped.errors = validate.errors;
      return false;
    }
    const [path] = unstorableTextPaths(data);
    if (path === undefined) return true;
    wrapped.errors = [{
      instancePath: path ? `/${path.split('.').join('/')}` : '',
      schemaPath: '#',
      keyword: 'storableText',
      params: {},
      message: 'must not contain NUL or unpaired UTF-16 surrogates',
    }];
    return false;
  };
  // Fastify passes the parent object to validators that have it, so Ajv can coerce a root value in place.
  wrapped.schemaEnv = (validate as ValidateFunction & { schemaEnv?: unknown }).schemaEnv;
  return wrapped;
}
