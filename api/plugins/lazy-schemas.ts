// Fastify compiles every route's body/query validators (Ajv) and response serializers (fast-json-stringify) while
// the app gets ready: ~90 routes cost about a third of start-up's CPU (measured with --cpu-prof, bench/README.md).
// Compiled on a route's first use instead, start-up pays nothing and a route's first request a few milliseconds.
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';

type AnyValidator = ((data: unknown, context?: object) => unknown) & { errors?: unknown; schemaEnv?: unknown };
type ValidatorCompiler = (route: never) => AnyValidator;

/** Wraps the app's validator compiler (set before this is called) so each validator is compiled when first used. */
export function useLazyValidators(app: FastifyInstance): void {
  const compile = app.validatorCompiler as unknown as ValidatorCompiler | undefined;
  if (!compile) return;
  const lazy = (route: unknown): AnyValidator => {
    let compiled: AnyValidator | undefined;
    const get = () => (compiled ??= compile(route as never));
    const validator = ((data: unknown, context?: object) => get()(data, context)) as AnyValidator;
    // Fastify reads `schemaEnv` (to let Ajv coerce a root value in place) and `errors` from the function itself.
    Object.defineProperty(validator, 'schemaEnv', { get: () => get().schemaEnv });
    Object.defineProperty(validator, 'errors', { get: () => get().errors, set: (value) => void (get().errors = value) });
    return validator;
  };
  app.setValidatorCompiler(lazy as unknown as Parameters<FastifyInstance['setValidatorCompiler']>[0]);
}

type SerializerFactory = (externalSchemas: unknown, options: unknown) => (route: unknown) => (data: unknown) => string;

/** Fastify's default serializers (fast-json-stringify), each compiled on its route's first answer. */
export function lazySerializers(): NonNullable<FastifyServerOptions['schemaController']> {
  const factory = SerializerSelector() as unknown as SerializerFactory;
  const buildSerializer: SerializerFactory = (externalSchemas, options) => {
    const compile = factory(externalSchemas, options);
    return (route) => {
      let compiled: ((data: unknown) => string) | undefined;
      return (data) => (compiled ??= compile(route))(data);
    };
  };
  return { compilersFactory: { buildSerializer: buildSerializer as never } };
}
