import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorKind } from '../../core/errors.ts';
import { safeError } from '../../core/logger.ts';

const STATUS: Record<ErrorKind, number> = {
  validation: 422,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unavailable: 503,
};

// Fastify's own errors, by code, to stable Kabinet codes.
const FASTIFY_CODES: Record<string, { status: number; code: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'MALFORMED_JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'EMPTY_BODY' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'BODY_TOO_LARGE' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'MALFORMED_JSON' },
};

/** One place that turns every failure into `{code, message}` in the caller's language; 5xx details stay in the log. */
export function useErrorHandler(app: FastifyInstance, bodyLimitBytes: number): void {
  app.setErrorHandler((error: FastifyError | AppError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const t = request.t ?? ((key: string) => key);
    if (error instanceof AppError) {
      return reply.code(STATUS[error.kind]).send({ code: error.code, message: t(`errors:${error.code}`, error.params) });
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) {
      const details = fastifyError.validation
        .slice(0, 5)
        .map((v) => `${v.instancePath || fastifyError.validationContext || ''} ${v.message ?? ''}`.trim())
        .join('; ');
      return reply.code(400).send({ code: 'VALIDATION_FAILED', message: t('errors:VALIDATION_FAILED', { details }) });
    }
    const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
    if (mapped) {
      const limit = `${Math.round(bodyLimitBytes / 1024 / 1024)} MB`;
      return reply.code(mapped.status).send({ code: mapped.code, message: t(`errors:${mapped.code}`, { limit }) });
    }
    if (fastifyError.statusCode && fastifyError.statusCode < 500) {
      return reply.code(fastifyError.statusCode).send({ code: fastifyError.code ?? 'BAD_REQUEST', message: fastifyError.message });
    }
    request.log.error({ err: safeError(error) }, 'request failed');
    return reply.code(500).send({ code: 'INTERNAL', message: t('errors:INTERNAL') });
  });

  app.setNotFoundHandler((request, reply) => {
    const t = request.t;
    reply.code(404).send({ code: 'NOT_FOUND', message: t ? t('errors:NOT_FOUND') : 'Not found' });
  });
}
