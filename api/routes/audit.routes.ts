import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { scopesGranting } from '../../core/access/permissions.ts';
import { ActorType } from '../../core/db/generated/enums.ts';
import { actorOf } from '../plugins/auth.ts';
import { errorResponses } from '../schemas/common.ts';

const Item = Type.Object({
  id: Type.String(),
  at: Type.String(),
  via: Type.String({ description: 'bot (an employee in Telegram), api (a token), system (CLI commands, jobs)' }),
  actor: Type.Object({ type: Type.String(), id: Type.Union([Type.String(), Type.Null()]), name: Type.Union([Type.String(), Type.Null()]) }),
  action: Type.String(),
  entity: Type.Union([
    Type.Object({ type: Type.String(), id: Type.String(), employeeId: Type.Optional(Type.String()), name: Type.Optional(Type.String()) }),
    Type.Null(),
  ]),
  details: Type.Unknown(),
});

/** Who did what, when, to whom, from the bot or the API. */
export function auditRoutes(fastify: FastifyInstance): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/admin/audit', {
    config: { scopes: scopesGranting('audit.read') },
    schema: {
      tags: ['audit'],
      summary: 'The audit log, newest first',
      description: 'Pass `nextBefore` of an answer as `before` for the next (older) page. Actors and employees are named from the current records.',
      security: [{ bearer: [] }],
      querystring: Type.Object({
        limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
        before: Type.Optional(Type.String({ pattern: '^\\d{1,19}$' })),
        action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'An action (roles.grant) or a prefix ending in a dot (invitation.)' })),
        employeeId: Type.Optional(Type.String({ minLength: 1, description: 'Payroll id: what was done to or by this employee' })),
        actorType: Type.Optional(Type.Union(Object.values(ActorType).map((t) => Type.Literal(t)))),
      }),
      response: { 200: Type.Object({ items: Type.Array(Item), nextBefore: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses(400, 401, 403) },
    },
  }, async (request) => {
    const { limit, before, action, employeeId, actorType } = request.query;
    return request.services.admin.audit.list(actorOf(request), { limit, before, action, employeeId, actorType });
  });
}
