import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { Container } from '../../core/container.ts';

/**
 * Liveness answers as soon as the process listens; readiness only once the database is open and migrated
 * (a first start on the embedded database spends a few seconds creating it).
 */
export function healthRoutes(app: FastifyInstance, container: () => Container | undefined): void {
  app.get('/healthz', {
    schema: { tags: ['health'], summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
  }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', {
    schema: {
      tags: ['health'],
      summary: 'Readiness: database reachable and migrations applied',
      response: {
        200: Type.Object({ status: Type.Literal('ready'), database: Type.String() }),
        503: Type.Object({ status: Type.Literal('not_ready'), reason: Type.String() }),
      },
    },
  }, async (_request, reply) => {
    const c = container();
    if (!c) return reply.code(503).send({ status: 'not_ready' as const, reason: 'starting' });
    try {
      await c.database.ping();
      const pending = await c.database.pending();
      if (pending.length > 0) return reply.code(503).send({ status: 'not_ready' as const, reason: `pending migrations: ${pending.join(', ')}` });
    } catch {
      return reply.code(503).send({ status: 'not_ready' as const, reason: 'database unreachable' });
    }
    return { status: 'ready' as const, database: c.database.kind };
  });
}
