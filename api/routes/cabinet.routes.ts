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

const settingsFields = {
  address: Type.String({ minLength: 1, maxLength: 100, description: 'Latin address of the cabinet, e.g. "romashka"' }),
  responsibleEmployeeId: Type.String({ minLength: 1, description: 'Payroll id of the responsible employee (the cabinet admin): must be in scope and have a phone or e-mail' }),
  scope: ScopeSchema,
  notifyActivations: Type.Optional(Type.Boolean({ description: 'Tell the admins in Telegram when employees sign in (one summary per burst). Unchanged when omitted; on at first' })),
};

const SettingsBody = Type.Object(
  {
    ...settingsFields,
    confirmUnpublish: Type.Optional(Type.Integer({
      minimum: 0,
      description: 'Required when the new scope leaves published employees out: their number (see POST /cabinet/settings/preview). They are unpublished with the change',
    })),
  },
  { additionalProperties: false, examples: [{ address: 'romashka', responsibleEmployeeId: 'emp-0001', scope: { kind: 'ORGANIZATIONS', organizationIds: ['org-1'] } }] },
);

const PreviewBody = Type.Object(settingsFields, { additionalProperties: false });

const settingsView = {
  configured: Type.Boolean(),
  address: Type.Union([Type.String(), Type.Null()]),
  responsibleEmployee: Type.Union([Type.Object({ employeeId: Type.String(), fullName: Type.String() }), Type.Null()]),
  scope: Type.Object({ kind: Type.String(), organizationIds: Type.Array(Type.String()), departmentIds: Type.Array(Type.String()) }),
  notifyActivations: Type.Boolean(),
};
const SettingsResponse = Type.Object(settingsView);
const UpdateResponse = Type.Object({ ...settingsView, unpublished: Type.Integer({ description: 'Published employees the new scope left out, now unpublished' }) });

const PreviewResponse = Type.Object({
  unpublish: Type.Object({
    count: Type.Integer({ description: 'Published employees the new scope would leave out: they would be unpublished' }),
    employees: Type.Array(Type.Object({ employeeId: Type.String(), fullName: Type.String(), cabinetState: Type.String() }), { description: 'The first 20 of them, by name' }),
  }),
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
      description: 'Refused when the responsible employee is outside the scope, dismissed, or has neither phone nor e-mail. The responsible employee becomes the cabinet admin. A scope that leaves published employees out unpublishes them, and only with `confirmUnpublish` equal to their number: otherwise 409 SCOPE_CHANGE_UNPUBLISHES says how many, and nothing changes.',
      security: [{ bearer: [] }],
      headers: IdempotencyHeaders,
      body: SettingsBody,
      response: { 200: UpdateResponse, ...errorResponses(400, 401, 403, 409, 422) },
    },
  }, async (request) => {
    return request.services.cabinetSettings.update(actorOf(request), request.body);
  });

  app.post('/cabinet/settings/preview', {
    config: settings,
    schema: {
      tags: ['cabinet'],
      summary: 'What a settings change would do, without doing it',
      description: 'Checks the settings like PUT and says how many published employees the new scope would leave out (they would be unpublished), with the first of them by name. Changes nothing.',
      security: [{ bearer: [] }],
      body: PreviewBody,
      response: { 200: PreviewResponse, ...errorResponses(400, 401, 403, 422) },
    },
  }, async (request) => request.services.cabinetSettings.preview(actorOf(request), request.body));

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
