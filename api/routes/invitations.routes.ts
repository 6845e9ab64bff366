import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { scopesGranting } from '../../core/access/permissions.ts';
import { AppError } from '../../core/errors.ts';
import { actorOf } from '../plugins/auth.ts';
import { errorResponses, IdempotencyHeaders } from '../schemas/common.ts';
import { SkippedSchema } from './admin.routes.ts';

const Batch = Type.Object({
  batchId: Type.String(),
  status: Type.String({ description: 'running, stopping (the last sends in flight), stopped, finished' }),
  total: Type.Integer({ description: 'Invitations queued by the run' }),
  sent: Type.Integer(),
  failed: Type.Integer(),
  remaining: Type.Integer(),
  cancelled: Type.Integer({ description: 'Not sent because of the stop, or the employee was unpublished or signed in meanwhile' }),
  skippedRecent: Type.Integer({ description: 'Left out: invited within INVITE_RESEND_INTERVAL_HOURS, or an invitation was on its way' }),
  unreachable: Type.Array(Type.Object({
    employeeId: Type.String(), personnelNumber: Type.String(), fullName: Type.String(),
    reason: Type.String({ description: 'NO_CONTACTS (neither phone nor e-mail) or NO_CHANNEL (a contact on a channel that is not configured)' }),
  })),
  startedAt: Type.String(),
  stoppedAt: Type.Union([Type.String(), Type.Null()]),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
});

const BatchParams = Type.Object({ batchId: Type.String({ format: 'uuid' }) });

/** Sending invitations (step 9 of the 1С guide): to ticked employees, or to everyone published and not yet active. */
export function invitationRoutes(fastify: FastifyInstance): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const config = { scopes: scopesGranting('invitations.send') };

  app.post('/admin/invitations', {
    config,
    schema: {
      tags: ['invitations'],
      summary: 'Send invitations to listed employees',
      description: 'Each is queued for e-mail (HTML with the link as a button, and plain text) or, without an e-mail, SMS, at INVITE_RATE_PER_SECOND. The cabinet becomes INVITED when the mail server or gateway accepts it; the employee\'s earlier links stop working then.',
      security: [{ bearer: [] }],
      headers: IdempotencyHeaders,
      body: Type.Object({ employeeIds: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false }),
      response: {
        202: Type.Object({ queued: Type.Array(Type.Object({ employeeId: Type.String(), invitationId: Type.String() })), skipped: SkippedSchema }),
        ...errorResponses(400, 401, 403),
      },
    },
  }, async (request, reply) => reply.code(202).send(await request.services.admin.inviting.invite(actorOf(request), request.body.employeeIds)));

  app.post('/admin/invitations/bulk', {
    config,
    schema: {
      tags: ['invitations'],
      summary: 'Invite everyone published and not yet active',
      description: 'One run at a time (409 while one goes). Leaves out whoever was invited within INVITE_RESEND_INTERVAL_HOURS, so a rerun invites nobody twice; lists employees with neither phone nor e-mail in `unreachable`. Follow it with GET …/bulk/{batchId}; stop it with POST …/stop.',
      security: [{ bearer: [] }],
      headers: IdempotencyHeaders,
      response: { 202: Batch, ...errorResponses(401, 403, 409) },
    },
  }, async (request, reply) => reply.code(202).send(await request.services.admin.inviting.startBulk(actorOf(request))));

  app.get('/admin/invitations/bulk/latest', {
    config,
    schema: { tags: ['invitations'], summary: 'The newest run', security: [{ bearer: [] }], response: { 200: Batch, ...errorResponses(401, 403, 404) } },
  }, async (request) => {
    const latest = await request.services.admin.inviting.latestBulk(actorOf(request));
    if (!latest) throw new AppError('INVITATION_BATCH_NOT_FOUND', 'not_found', { id: 'latest' });
    return latest;
  });

  app.get('/admin/invitations/bulk/:batchId', {
    config,
    schema: { tags: ['invitations'], summary: 'Progress of a run', security: [{ bearer: [] }], params: BatchParams, response: { 200: Batch, ...errorResponses(400, 401, 403, 404) } },
  }, async (request) => request.services.admin.inviting.bulk(actorOf(request), request.params.batchId));

  app.post('/admin/invitations/bulk/:batchId/stop', {
    config,
    schema: {
      tags: ['invitations'],
      summary: 'Stop a run',
      description: 'Invitations not yet started are cancelled; the few being sent at this moment still go out.',
      security: [{ bearer: [] }],
      params: BatchParams,
      response: { 200: Batch, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => request.services.admin.inviting.stopBulk(actorOf(request), request.params.batchId));
}
