import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/**
 * Parses JSON like Fastify does (prototype-poisoning protection included) but from the raw buffer, so that an
 * upload carrying an Idempotency-Key is fingerprinted on its exact bytes without serializing it again.
 */
export function useHashingJsonParser(app: FastifyInstance, bodyLimit: number): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  // The API speaks JSON only: any other body is refused with 415 rather than parsed as text.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    const raw = body as Buffer;
    if (request.headers['idempotency-key'] !== undefined) {
      request.bodyHash = createHash('sha256').update(raw).digest('hex');
    }
    parse(request, raw.toString('utf8'), done);
  });
}
