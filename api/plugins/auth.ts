import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../core/access/actor.ts';
import { AppError } from '../../core/errors.ts';

/**
 * Runs on every request before its body is read, so an unauthenticated upload costs nothing and writes nothing.
 * Routes declare the scopes they accept in `config.scopes` (taken from the permission table with
 * `scopesGranting`); routes without are public. This is the first gate, answering 401/403 before any work; the
 * services check the actor set here against the same table.
 */
export async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const scopes = request.routeOptions.config.scopes;
  if (!scopes) return;
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match) {
    reply.header('www-authenticate', 'Bearer');
    throw new AppError('AUTH_REQUIRED', 'unauthorized');
  }
  const principal = await request.services.apiTokens.authenticate(match[1]!);
  if (!principal) {
    reply.header('www-authenticate', 'Bearer error="invalid_token"');
    throw new AppError('INVALID_TOKEN', 'unauthorized');
  }
  if (!scopes.some((s) => principal.scopes.includes(s))) {
    throw new AppError('INSUFFICIENT_SCOPE', 'forbidden', { scopes: scopes.map((s) => s.toLowerCase()).join(' | ') });
  }
  request.principal = principal;
  request.actor = principal.actor;
}

/** The authenticated caller of a route that declares `config.scopes`. */
export function actorOf(request: FastifyRequest): Actor {
  // Only a route registered without `config.scopes` gets here without one: treat it as unauthenticated.
  if (!request.actor) throw new AppError('AUTH_REQUIRED', 'unauthorized');
  return request.actor;
}
