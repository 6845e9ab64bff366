import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.ts';

const KEY = /^[\x21-\x7e]{1,255}$/;
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What makes two requests "the same" for a key: method, URL and the sha256 of the raw body. */
export function requestFingerprint(method: string, url: string, bodyHash: string | undefined): string {
  return createHash('sha256').update(`${method} ${url}\n${bodyHash ?? ''}`).digest('hex');
}

/**
 * With an `Idempotency-Key`, a retried request gets the first response back (marked `Idempotent-Replayed: true`)
 * instead of running again. Keys are per API token.
 */
export function useIdempotency(app: FastifyInstance): void {
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const key = request.headers['idempotency-key'];
    if (key === undefined || !MUTATING.has(request.method) || !request.principal) return;
    if (typeof key !== 'string' || !KEY.test(key)) throw new AppError('INVALID_IDEMPOTENCY_KEY', 'validation');
    const requestHash = requestFingerprint(request.method, request.url, request.bodyHash);
    const start = await request.services.idempotency.begin(request.principal.tokenId, key, requestHash);
    switch (start.kind) {
      case 'new':
        request.idempotencyRecordId = start.recordId;
        return;
      case 'replay':
        reply.header('idempotent-replayed', 'true');
        return reply.code(start.statusCode).send(start.body);
      case 'mismatch':
        throw new AppError('IDEMPOTENCY_KEY_REUSED', 'validation');
      case 'in_progress':
        throw new AppError('IDEMPOTENCY_IN_PROGRESS', 'conflict');
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const recordId = request.idempotencyRecordId;
    if (!recordId) return payload;
    request.idempotencyRecordId = undefined;
    if (reply.statusCode >= 500) {
      await request.services.idempotency.abandon(recordId);
    } else {
      const body = typeof payload === 'string' && payload.length > 0 ? JSON.parse(payload) : undefined;
      await request.services.idempotency.complete(recordId, reply.statusCode, body);
    }
    return payload;
  });
}
