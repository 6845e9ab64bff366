import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { scopesGranting } from '../../core/access/permissions.ts';
import { actorOf } from '../plugins/auth.ts';
import { errorResponses } from '../schemas/common.ts';

export function payslipRoutes(fastify: FastifyInstance): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/payslips/acknowledgements', {
    config: { scopes: scopesGranting('payslips.acknowledgements.read') },
    schema: {
      tags: ['payslips'],
      summary: 'Who has not acknowledged the payslips of a period («Ознакомлен»)',
      description: 'Employees with a payslip for the period: how many acknowledged it, and the list of those who have not, with whether the bot told them (notifiedAt) and whether they blocked the bot.',
      security: [{ bearer: [] }],
      querystring: Type.Object({ period: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM' }) }),
      response: {
        200: Type.Object({
          period: Type.String(),
          employees: Type.Integer(),
          acknowledged: Type.Integer(),
          notAcknowledged: Type.Array(Type.Object({
            employeeId: Type.String(),
            personnelNumber: Type.String(),
            fullName: Type.String(),
            cabinetState: Type.String(),
            notifiedAt: Type.Union([Type.String(), Type.Null()]),
            blocked: Type.Boolean(),
          })),
        }),
        ...errorResponses(400, 401, 403),
      },
    },
  }, async (request) => request.services.payslips.acknowledgements(actorOf(request), request.query.period));
}
