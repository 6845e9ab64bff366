import { randomUUID } from 'node:crypto';
// The `app.swagger()` decoration's type; the plugins themselves are loaded only when the docs are on.
import type {} from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config, ProcessRole } from '../core/config.ts';
import type { Container } from '../core/container.ts';
import { AppError } from '../core/errors.ts';
import type { Translator } from '../core/i18n.ts';
import { safeError, type Logger } from '../core/logger.ts';
import { authenticate } from './plugins/auth.ts';
import { useErrorHandler } from './plugins/error-handler.ts';
import { useIdempotency } from './plugins/idempotency.ts';
import { useHashingJsonParser } from './plugins/json-body.ts';
import { lazySerializers, useLazyValidators } from './plugins/lazy-schemas.ts';
import { useStrictBodyValidation } from './plugins/validation.ts';
import { adminRoutes } from './routes/admin.routes.ts';
import { auditRoutes } from './routes/audit.routes.ts';
import { calendarRoutes } from './routes/calendar.routes.ts';
import { cabinetRoutes } from './routes/cabinet.routes.ts';
import { certificateRoutes } from './routes/certificates.routes.ts';
import { invitationRoutes } from './routes/invitations.routes.ts';
import { roleRoutes } from './routes/roles.routes.ts';
import { employeeRoutes } from './routes/employees.routes.ts';
import { healthRoutes } from './routes/health.routes.ts';
import { importRoutes } from './routes/imports.routes.ts';
import { localAdminRoutes } from './routes/local-admin.routes.ts';
import { payslipRoutes } from './routes/payslips.routes.ts';
import { type TelegramWebhook, telegramWebhookRoutes } from './routes/telegram-webhook.routes.ts';
import './types.ts';

export interface AppDeps {
  config: Config;
  logger: Logger;
  translator: Translator;
  /** The container, or its promise while the database is still opening: the API listens before it is ready. */
  container: Container | Promise<Container>;
  /** Lets main.ts serve requests through a server that was already listening before the app was built. */
  serverFactory?: FastifyServerOptions['serverFactory'];
  /** Webhook mode of the bot (a process with the bot role): Telegram posts updates to this app. */
  telegramWebhook?: TelegramWebhook;
  /** The roles of this process (config.roles unless given): /api/v1 is served by a process with the api role only. */
  roles?: ReadonlySet<ProcessRole>;
  /** Local administration for CLI commands while this process holds the embedded database (see local-admin). */
  localAdmin?: { secret: string };
}

const REQUEST_ID = /^[A-Za-z0-9-]{8,64}$/;

/** A client's `x-request-id`, when it is a plain id (letters, digits, dashes; 8–64 characters). */
export function acceptedRequestId(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : undefined;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, translator } = deps;
  let ready: Container | undefined;
  let failed = false;
  const pending = Promise.resolve(deps.container).then(
    (c) => (ready = c),
    (error: unknown) => {
      failed = true;
      deps.logger.error({ err: safeError(error) }, 'could not open the database');
      return undefined;
    },
  );

  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: config.http.bodyLimitBytes,
    // Request ids go into every log line of the request. A caller's own id is taken only when it looks like an
    // id: anything else (an e-mail, a phone) would be written to the log verbatim.
    requestIdHeader: false,
    genReqId: (request) => acceptedRequestId(request.headers['x-request-id']) ?? randomUUID(),
    // Large uploads are answered 202 as soon as their body has arrived and run in the background (imports
    // routes), so no request needs to outlive these; they bound slow or stalled clients.
    connectionTimeout: config.http.connectionTimeoutMs,
    requestTimeout: config.http.requestTimeoutMs,
    ...(deps.serverFactory ? { serverFactory: deps.serverFactory } : {}),
    schemaController: lazySerializers(),
  });
  useStrictBodyValidation(app);
  useLazyValidators(app);
  useHashingJsonParser(app, config.http.bodyLimitBytes);
  useErrorHandler(app, config.http.bodyLimitBytes);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    request.language = translator.pick(request.headers['accept-language']);
    request.t = translator.t(request.language);
  });

  if (config.http.docs) {
    // OpenAPI (and yaml under it) and the UI's static files: ~0.1 s to load, nothing to do with API_DOCS=false.
    const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([import('@fastify/swagger'), import('@fastify/swagger-ui')]);
    await app.register(swagger, {
      openapi: {
        info: {
          title: 'Kabinet API',
          version: '1',
          description: 'Uploads from the payroll system (1С:ЗУП), cabinet settings and publishing. Every /api/v1 call needs `Authorization: Bearer <token>`; create one with `npm run token:create`. Errors are `{code, message}`, in Russian unless `Accept-Language: en`.',
        },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  }

  healthRoutes(app, () => ready);
  if (deps.telegramWebhook) telegramWebhookRoutes(app, deps.telegramWebhook);
  if (deps.localAdmin) localAdminRoutes(app, { secret: deps.localAdmin.secret, services: async () => (ready ?? (await pending))?.services });
  if (!(deps.roles ?? config.roles).has('api')) return app;

  await app.register(async (v1) => {
    v1.addHook('onRequest', async (request) => {
      const container = ready ?? (await pending);
      if (!container) throw new AppError(failed ? 'SERVICE_UNAVAILABLE' : 'SERVICE_STARTING', 'unavailable');
      request.services = container.services;
    });
    v1.addHook('onRequest', authenticate);
    useIdempotency(v1);
    importRoutes(v1, { asyncThresholdBytes: config.imports.asyncThresholdBytes });
    cabinetRoutes(v1);
    employeeRoutes(v1);
    payslipRoutes(v1);
    adminRoutes(v1);
    invitationRoutes(v1);
    roleRoutes(v1);
    auditRoutes(v1);
    calendarRoutes(v1);
    await certificateRoutes(v1);
  }, { prefix: '/api/v1' });

  return app;
}
