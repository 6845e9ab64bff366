import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { scopesGranting } from '../../core/access/permissions.ts';
import { CabinetScopeKind } from '../../core/db/generated/enums.ts';
import { actorOf } from '../plugins/auth.ts';
import { errorResponses, IdempotencyHeaders } from '../schemas/common.ts';

const ScopeSchema = Type.Object({
  kind: Type.Union([Type.Literal(CabinetScopeKind.ALL), Type.Literal(CabinetScopeKind.ORGANIZATIONS), Type.Literal(CabinetScopeKind.DEPARTMENTS)], {
    description: 'ALL: every uploaded organization; ORGANIZATIONS or DEPARTMENTS: only those listed (departments with their subtrees)',
  }),
  organizationIds: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 1000, description: 'Payroll ids, with kind ORGANIZATIONS' })),
  departmentIds: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 10_000, description: 'Payroll ids, with kind DEPARTMENTS' })),
});

const SettingsBody = Type.Object(
  {
    address: Type.String({ minLength: 1, maxLength: 100, description: 'Latin address of the cabinet, e.g. "romashka"' }),
    responsibleEmployeeId: Type.String({ minLength: 1, description: 'Payroll id of the responsible employee (the cabinet admin): must be in scope and have a phone or e-mail' }),
    scope: ScopeSchema,
  },
  { additionalProperties: false, examples: [{ address: 'romashka', responsibleEmployeeId: 'emp-0001', scope: { kind: 'ORGANIZATIONS', organizationIds: ['org-1'] } }] },
);

const SettingsResponse = Type.Object({
  configured: Type.Boolean(),
  address: Type.Union([Type.String(), Type.Null()]),
  responsibleEmployee: Type.Union([Type.Object({ employeeId: Type.String(), fullName: Type.String() }), Type.Null()]),
  scope: Type.Object({ kind: Type.String(), organizationIds: Type.Array(Type.String()), departmentIds: Type.Array(Type.String()) }),
});

const Selection = Type.Union([
  Type.Object({ all: Type.Literal(true) }, { additionalProperties: false }),
  Type.Object({ departmentIds: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 10_000 }) }, { additionalProperties: false }),
  Type.Object({ employeeIds: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 100_000 }) }, { additionalProperties: false }),
], { description: 'Everyone in scope, whole departments (with subtrees), or listed employees (payroll ids)' });

const PublishResponse = Type.Object({
  changed: Type.Integer({ description: 'Cabinets whose state changed' }),
  unchanged: Type.Integer({ description: 'Already in the requested state' }),
  skipped: Type.Array(Type.Object({
    employeeId: Type.String(),
    reason: Type.Union([Type.Literal('NOT_FOUND'), Type.Literal('OUT_OF_SCOPE'), Type.Literal('DISMISSED'), Type.Literal('NO_CONTACTS')]),
  })),
});

export function cabinetRoutes(fastify: FastifyInstance): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const settings = { scopes: scopesGranting('cabinet.settings') };
  const publishing = { scopes: scopesGranting('cabinet.publish') };

  app.get('/cabinet/settings', {
    config: settings,
    schema: { tags: ['cabinet'], summary: 'Cabinet settings: address, responsible employee, scope', security: [{ bearer: [] }], response: { 200: SettingsResponse, ...errorResponses(401, 403) } },
  }, async (request) => request.services.cabinetSettings.get(actorOf(request)));

  app.put('/cabinet/settings', {
    config: settings,
    schema: {
      tags: ['cabinet'],
      summary: 'Replace the cabinet settings',
      description: 'Refused when the responsible employee is outside the scope, dismissed, or has neither phone nor e-mail. The responsible employee becomes the cabinet admin.',
      security: [{ bearer: [] }],
      headers: IdempotencyHeaders,
      body: SettingsBody,
      response: { 200: SettingsResponse, ...errorResponses(400, 401, 403, 422) },
    },
  }, async (request) => {
    return request.services.cabinetSettings.update(actorOf(request), request.body);
  });

  for (const action of ['publish', 'unpublish'] as const) {
    app.post(`/cabinets/${action}`, {
      config: publishing,
      schema: {
        tags: ['cabinet'],
        summary: action === 'publish' ? 'Publish cabinets' : 'Unpublish cabinets',
        description: action === 'publish'
          ? 'Makes cabinets available to employees in scope who are not dismissed and have a phone or e-mail; others are listed in `skipped`.'
          : 'Takes cabinets away; a linked Telegram account loses access at once.',
        security: [{ bearer: [] }],
        headers: IdempotencyHeaders,
        body: Selection,
        response: { 200: PublishResponse, ...errorResponses(400, 401, 403, 422) },
      },
    }, async (request) => {
      return request.services.publishing[action](actorOf(request), request.body);
    });
  }
}
