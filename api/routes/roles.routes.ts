import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { scopesGranting } from '../../core/access/permissions.ts';
import { Role } from '../../core/db/generated/enums.ts';
import { actorOf } from '../plugins/auth.ts';
import { errorResponses, IdempotencyHeaders } from '../schemas/common.ts';

const Change = Type.Object(
  {
    employeeId: Type.String({ minLength: 1, description: 'Payroll id' }),
    role: Type.Union([Type.Literal(Role.ADMIN), Type.Literal(Role.HR)]),
  },
  { additionalProperties: false },
);

/** The admin and HR roles of employees in Telegram (the bot's role screens, for scripts). */
export function roleRoutes(fastify: FastifyInstance): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const config = { scopes: scopesGranting('roles.manage') };

  app.get('/admin/roles', {
    config,
    schema: {
      tags: ['roles'],
      summary: 'Who holds the ADMIN and HR roles',
      description: 'The responsible employee of the cabinet settings is always ADMIN; dismissed employees hold no role.',
      security: [{ bearer: [] }],
      response: {
        200: Type.Object({ items: Type.Array(Type.Object({ employeeId: Type.String(), fullName: Type.String(), roles: Type.Array(Type.String()), responsible: Type.Boolean(), linked: Type.Boolean() })) }),
        ...errorResponses(401, 403),
      },
    },
  }, async (request) => ({ items: await request.services.admin.roles.list(actorOf(request)) }));

  for (const action of ['grant', 'revoke'] as const) {
    app.post(`/admin/roles/${action}`, {
      config,
      schema: {
        tags: ['roles'],
        summary: action === 'grant' ? 'Give an employee a role' : 'Take a role away',
        description: action === 'grant'
          ? 'Only to employees who work here (not dismissed). The employee\'s command menu in Telegram is refreshed.'
          : 'The responsible employee\'s ADMIN goes only with the responsibility (name another one in the cabinet settings): 409.',
        security: [{ bearer: [] }],
        headers: IdempotencyHeaders,
        body: Change,
        response: { 200: Type.Object({ changed: Type.Boolean() }), ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    }, async (request) => request.services.admin.roles[action](actorOf(request), request.body.employeeId, request.body.role));
  }
}
