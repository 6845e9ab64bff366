import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { scopesGranting } from '../../core/access/permissions.ts';
import { ADMIN_STATUSES } from '../../core/admin/employee-status.ts';
import { MAX_PAGE_SIZE } from '../../core/admin/status-list.ts';
import { actorOf } from '../plugins/auth.ts';
import { errorResponses, IdempotencyHeaders } from '../schemas/common.ts';

const Status = Type.Union(ADMIN_STATUSES.map((s) => Type.Literal(s)), {
  description: 'NOT_PUBLISHED, PUBLISHED, INVITED, ACTIVE (signed in), BLOCKED (signed in, then blocked the bot), DISABLED (dismissed)',
});

const filterFields = {
  organizationId: Type.Optional(Type.String({ minLength: 1, description: 'Payroll id' })),
  departmentId: Type.Optional(Type.String({ minLength: 1, description: 'Payroll id; includes the subtree' })),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Words of the name, or a personnel number fragment' })),
};

const Counts = Type.Object({
  ...Object.fromEntries(ADMIN_STATUSES.map((s) => [s, Type.Integer()])),
  total: Type.Integer(),
});

const Item = Type.Object({
  employeeId: Type.String(),
  personnelNumber: Type.String(),
  fullName: Type.String(),
  position: Type.Union([Type.String(), Type.Null()]),
  organization: Type.String(),
  department: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  hasPhone: Type.Boolean(),
  hasEmail: Type.Boolean(),
  invitation: Type.Union([
    Type.Object({
      mark: Type.String({ description: 'CREATED (a link handed to the admin), QUEUED, SENT, OPENED, FAILED' }),
      channel: Type.Union([Type.String(), Type.Null()]),
      at: Type.String(),
      expiresAt: Type.Union([Type.String(), Type.Null()]),
      failure: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
  activatedAt: Type.Union([Type.String(), Type.Null()]),
});

const EmployeeIds = Type.Object(
  { employeeIds: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 1000, description: 'Payroll ids (the employees ticked in the list)' }) },
  { additionalProperties: false },
);

export const SkippedSchema = Type.Array(Type.Object({
  employeeId: Type.String(),
  reason: Type.String({ description: 'NOT_FOUND, NOT_PUBLISHED, ALREADY_ACTIVE, DISMISSED, NO_CONTACTS, NO_CHANNEL, IN_PROGRESS' }),
}));

const Reason = Type.String({ description: 'NO_CONTACTS, NOT_PUBLISHED, NOT_INVITED, INVITATION_NOT_OPENED, INVITATION_OPENED, BLOCKED_BOT' });

const Report = Type.Object({
  generatedAt: Type.String(),
  totals: Type.Object({
    employees: Type.Integer({ description: 'In the cabinet scope, not dismissed' }),
    notPublished: Type.Integer(), published: Type.Integer(), invited: Type.Integer(), active: Type.Integer(), blocked: Type.Integer(),
    disabled: Type.Integer({ description: 'Dismissed or disabled, counted apart' }),
  }),
  departments: Type.Array(Type.Object({ departmentId: Type.Union([Type.String(), Type.Null()]), name: Type.String(), total: Type.Integer(), active: Type.Integer() })),
  notActive: Type.Array(Type.Object({ employeeId: Type.String(), personnelNumber: Type.String(), fullName: Type.String(), department: Type.Union([Type.String(), Type.Null()]), reason: Reason })),
});

/** The admin's overview, status list, "create cabinet" and activation report (issue 10): the bot's /admin, for scripts. */
export function adminRoutes(fastify: FastifyInstance): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const read = { scopes: scopesGranting('employees.read') };

  app.get('/admin/overview', {
    config: read,
    schema: {
      tags: ['admin'],
      summary: 'How many employees carry each mark',
      security: [{ bearer: [] }],
      querystring: Type.Object(filterFields),
      response: { 200: Counts, ...errorResponses(400, 401, 403, 422) },
    },
  }, async (request) => {
    const { organizationId, departmentId, q } = request.query;
    return request.services.admin.status.counts(actorOf(request), { organizationId, departmentId, search: q });
  });

  app.get('/admin/employees', {
    config: read,
    schema: {
      tags: ['admin'],
      summary: 'Employees with their mark, by name, filtered and paged',
      description: 'One mark per employee: not published, published, invited, active, blocked the bot, disabled; and where their newest invitation stands.',
      security: [{ bearer: [] }],
      querystring: Type.Object({
        status: Type.Optional(Status),
        ...filterFields,
        page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
        pageSize: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 10 }),
      }),
      response: {
        200: Type.Object({ items: Type.Array(Item), total: Type.Integer(), page: Type.Integer(), pageSize: Type.Integer(), pages: Type.Integer() }),
        ...errorResponses(400, 401, 403, 422),
      },
    },
  }, async (request) => {
    const { status, organizationId, departmentId, q, page, pageSize } = request.query;
    return request.services.admin.status.list(actorOf(request), { status, organizationId, departmentId, search: q, page, pageSize });
  });

  app.post('/admin/cabinets/create', {
    config: { scopes: scopesGranting('invitations.send') },
    schema: {
      tags: ['admin'],
      summary: 'Create cabinets: a personal invitation link per employee',
      description: 'Step 9 of the 1С guide ("Создание личного кабинета"). Each published employee gets a deep link `https://t.me/<bot>?start=<token>` to hand over; it is shown once (only its hash is kept), expires after INVITATION_TTL_DAYS and stops working when a newer link or invitation is issued.',
      security: [{ bearer: [] }],
      headers: IdempotencyHeaders,
      body: EmployeeIds,
      response: {
        200: Type.Object({ created: Type.Array(Type.Object({ employeeId: Type.String(), link: Type.String(), expiresAt: Type.String() })), skipped: SkippedSchema }),
        ...errorResponses(400, 401, 403, 503),
      },
    },
  }, async (request) => request.services.admin.inviting.createCabinets(actorOf(request), request.body.employeeIds));

  app.get('/admin/activation-report', {
    config: read,
    schema: {
      tags: ['admin'],
      summary: 'Who has signed in, by department, and why the others have not',
      security: [{ bearer: [] }],
      response: { 200: Report, ...errorResponses(401, 403) },
    },
  }, async (request) => request.services.admin.report.data(actorOf(request), request.language));

  app.get('/admin/activation-report.pdf', {
    config: read,
    schema: {
      tags: ['admin'],
      summary: 'The activation report as a one-page PDF (in the Accept-Language language)',
      security: [{ bearer: [] }],
      produces: ['application/pdf'],
      response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }), ...errorResponses(401, 403) },
    },
  }, async (request, reply) => {
    const pdf = await request.services.admin.report.pdf(actorOf(request), request.language);
    const day = request.services.clock.now().toISOString().slice(0, 10);
    return reply.type('application/pdf').header('content-disposition', `attachment; filename="activation-${day}.pdf"`).send(pdf);
  });
}
