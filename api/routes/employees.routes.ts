import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { scopesGranting } from '../../core/access/permissions.ts';
import { CabinetState } from '../../core/db/generated/enums.ts';
import { AppError } from '../../core/errors.ts';
import { actorOf } from '../plugins/auth.ts';
import { errorResponses } from '../schemas/common.ts';

const Query = Type.Object({
  state: Type.Optional(Type.Union(Object.values(CabinetState).map((s) => Type.Literal(s)))),
  organizationId: Type.Optional(Type.String({ minLength: 1 })),
  departmentId: Type.Optional(Type.String({ minLength: 1, description: 'Includes the subtree' })),
  inScope: Type.Optional(Type.Boolean({ description: 'Only employees inside the cabinet scope' })),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Name or personnel number fragment' })),
  // Bounded: a page past any real company is an empty answer, not an offset the database refuses.
  page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
  pageSize: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
});

const Item = Type.Object({
  employeeId: Type.String(),
  personnelNumber: Type.String(),
  fullName: Type.String(),
  position: Type.Union([Type.String(), Type.Null()]),
  organizationId: Type.String(),
  departmentId: Type.Union([Type.String(), Type.Null()]),
  hasPhone: Type.Boolean(),
  hasEmail: Type.Boolean(),
  dismissedAt: Type.Union([Type.String(), Type.Null()]),
  cabinetState: Type.String(),
  publishedAt: Type.Union([Type.String(), Type.Null()]),
  activatedAt: Type.Union([Type.String(), Type.Null()]),
});

export function employeeRoutes(fastify: FastifyInstance): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/employees', {
    config: { scopes: scopesGranting('employees.read') },
    schema: {
      tags: ['employees'],
      summary: 'Employees with their cabinet state (paged, filterable)',
      security: [{ bearer: [] }],
      querystring: Query,
      response: {
        200: Type.Object({ items: Type.Array(Item), total: Type.Integer(), page: Type.Integer(), pageSize: Type.Integer() }),
        ...errorResponses(400, 401, 403, 422),
      },
    },
  }, async (request) => {
    const q = request.query;
    return request.services.employees.list(actorOf(request), {
      state: q.state,
      organizationId: q.organizationId,
      departmentId: q.departmentId,
      inScope: q.inScope,
      search: q.q,
      page: q.page,
      pageSize: q.pageSize,
    });
  });

  app.post('/employees/:employeeId/unlock', {
    config: { scopes: scopesGranting('employees.unlock') },
    schema: {
      tags: ['employees'],
      summary: 'Unlock sign-in after too many wrong codes',
      security: [{ bearer: [] }],
      params: Type.Object({ employeeId: Type.String({ minLength: 1, description: 'Payroll id' }) }),
      response: { 200: Type.Object({ unlocked: Type.Literal(true) }), ...errorResponses(401, 403, 404) },
    },
  }, async (request) => {
    const done = await request.services.linking.unlock(actorOf(request), request.params.employeeId);
    if (!done) throw new AppError('UNKNOWN_EMPLOYEE', 'not_found', { id: request.params.employeeId });
    return { unlocked: true as const };
  });
}
