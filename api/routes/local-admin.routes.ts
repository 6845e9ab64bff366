import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { Services } from '../../core/container.ts';
import { ApiScope } from '../../core/db/generated/enums.ts';

/**
 * Administrative calls from CLI commands on the same machine, for when the embedded database is open in this
 * process and the CLI cannot open it itself (`npm run token:create` while `npm start` runs).
 *
 * Guarded twice: the caller must be on this machine (loopback, or the server's own address), and must present the
 * secret that only the data directory's lock file holds (mode 0600, readable by the user who runs Kabinet). Anyone
 * who can read that file can read the whole database beside it, so the endpoint grants nothing new.
 */
export const LOCAL_ADMIN_PREFIX = '/local-admin';
export const LOCAL_ADMIN_SECRET_HEADER = 'x-kabinet-local-secret';

const sameSecret = (given: string | string[] | undefined, expected: string) =>
  typeof given === 'string' && given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));

const isLoopback = (address: string | undefined) => !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));

function fromThisMachine(request: FastifyRequest): boolean {
  const { remoteAddress, localAddress } = request.raw.socket;
  return isLoopback(remoteAddress) || (remoteAddress !== undefined && remoteAddress === localAddress);
}

export function localAdminRoutes(app: FastifyInstance, options: { secret: string; services: () => Promise<Services | undefined> }): void {
  app.register(async (local) => {
    local.addHook('onRequest', async (request, reply) => {
      if (!fromThisMachine(request) || !sameSecret(request.headers[LOCAL_ADMIN_SECRET_HEADER], options.secret)) {
        return reply.code(404).send({ code: 'NOT_FOUND', message: 'Not found' });
      }
      const services = await options.services();
      if (!services) return reply.code(503).send({ code: 'SERVICE_UNAVAILABLE', message: 'The database is not open' });
      request.services = services;
    });

    local.post('/api-tokens', {
      schema: {
        hide: true,
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 100 }),
          scopes: Type.Array(Type.Enum(Object.values(ApiScope)), { minItems: 1 }),
        }, { additionalProperties: false }),
      },
    }, async (request) => {
      const { name, scopes } = request.body as { name: string; scopes: ApiScope[] };
      return request.services.apiTokens.create(name, scopes);
    });

    local.post('/api-tokens/revoke', {
      schema: {
        hide: true,
        body: Type.Union([
          Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
          Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
        ]),
      },
    }, async (request) => ({ revoked: await request.services.apiTokens.revokeMatching(request.body as { id: string } | { name: string }) }));
  }, { prefix: LOCAL_ADMIN_PREFIX });
}
