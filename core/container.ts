import { createRoleService } from './access/roles.service.ts';
import { createAdminModule } from './admin/admin-module.ts';
import { requestMenuRefresh } from './admin/admin-roles.ts';
import { createApiTokenService } from './api-tokens/api-token.service.ts';
import { createCabinetSettingsService } from './cabinet/cabinet-settings.service.ts';
import { createPublishingService } from './cabinet/publishing.service.ts';
import { loadScope } from './cabinet/scope.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/database.ts';
import { createSmtpSender, type EmailSender } from './delivery/email-sender.ts';
import { createSmsGateway, type SmsGateway } from './delivery/sms-gateway.ts';
import { createEmployeeDirectory } from './employees/employee-directory.ts';
import { createHousekeeping } from './housekeeping.ts';
import type { Translator } from './i18n.ts';
import { createIdempotencyService } from './idempotency/idempotency.service.ts';
import { createImportRunner, type ImportRunner } from './imports/index.ts';
import { createStagedImports } from './imports/import-job.ts';
import { MAX_NDJSON_LINE_BYTES } from './imports/row-source.ts';
import { createUploadStaging } from './imports/upload-staging.ts';
import { createInvitationService } from './invitations/invitation.service.ts';
import { createCertificates } from './certificates/index.ts';
import { createBullmqQueue } from './jobs/bullmq-queue.ts';
import { createInProcessQueue } from './jobs/in-process-queue.ts';
import type { JobDefinitions, JobQueue } from './jobs/job-definition.ts';
import { createCodeDeliveryJob } from './linking/code-delivery.job.ts';
import { codeChannels, createLinkingService } from './linking/linking.service.ts';
import type { Logger } from './logger.ts';
import { createPeriodicJobs } from './periodic-jobs.ts';
import { createPayslipNotificationJob } from './payslips/payslip-notification.job.ts';
import { createPayslipPublisher, type PayslipPublisher } from './payslips/payslip-publisher.ts';
import { createPayslipService } from './payslips/payslip.service.ts';
import { createPasswordBox } from './payslips/pdf-password.ts';
import { loadPdfFonts } from './pdf/pdf-fonts.ts';
import type { TelegramOutbound } from './telegram/intents.ts';
import { createDatabaseUpdateDeduplicator, createRedisUpdateDeduplicator } from './telegram/update-dedup.ts';
import { createVacationService } from './vacations/vacation.service.ts';

export interface Channels {
  email: EmailSender | undefined;
  sms: SmsGateway | undefined;
}

/** Delivery channels the configuration asks for (tests pass their own). */
export function createChannels(config: Config): Channels {
  return {
    email: config.delivery.smtpUrl ? createSmtpSender({ url: config.delivery.smtpUrl, from: config.delivery.mailFrom }) : undefined,
    sms: config.delivery.sms ? createSmsGateway(config.delivery.sms) : undefined,
  };
}

export interface ServiceDeps {
  database: Database;
  config: Config;
  logger: Logger;
  translator: Translator;
  channels: Channels;
  /**
   * Outbound Telegram (the port and the bot's renderer of intents), built by the composition root of any process
   * that has the bot token (bot/telegram-port.ts); undefined without a token. Jobs reach users only through it.
   */
  telegram?: TelegramOutbound;
  /** Overrides the queue choice (tests run both kinds explicitly). */
  jobQueue?: (definitions: JobDefinitions) => JobQueue;
  /** Overrides the delivery and notification retry schedules (tests). */
  deliveryRetry?: { attempts: number; backoffMs: number };
  /** Where services read the time (tests move their own). */
  clock?: Clock;
}

/** Everything the adapters (API, bot, scripts, workers) call. Built once per process; holds no per-user state. */
export function createServices(deps: ServiceDeps) {
  const { database, config, logger, translator, channels, telegram } = deps;
  const clock = deps.clock ?? systemClock;
  const db = database.prisma;
  // Webhook updates already taken, by any instance (Telegram redelivers slow ones).
  const telegramUpdates = config.redisUrl
    ? createRedisUpdateDeduplicator({ url: config.redisUrl, keyPrefix: config.queuePrefix, logger })
    : createDatabaseUpdateDeduplicator({ db, clock });
  const idempotency = createIdempotencyService({
    db, ttlHours: config.imports.idempotencyTtlHours, leaseMinutes: config.imports.idempotencyLeaseMinutes, clock,
  });
  const uploadStaging = createUploadStaging({ db, clock, postgresUrl: database.kind === 'postgres' && config.database.kind === 'postgres' ? config.database.url : undefined });
  const housekeeping = createHousekeeping({ db, idempotency, uploads: uploadStaging, clock });
  // Large uploads: the API stages them, a worker's job runs them with the import runner, built below (it needs the
  // publisher, which needs the queue these jobs are part of).
  let importRunner: ImportRunner | undefined;
  const stagedImports = createStagedImports({
    db, staging: uploadStaging, runner: () => importRunner!, jobs: () => jobs, clock, logger,
    maxLineBytes: Math.min(config.http.bodyLimitBytes, MAX_NDJSON_LINE_BYTES),
  });
  // The periodic jobs call the publisher, which needs the queue they are part of: it is handed over below.
  let publisher: PayslipPublisher | undefined;
  // Certificates and the HR queue: job definitions now, services once the queue exists.
  const certificates = createCertificates({
    db, timeZone: config.payslips.timeZone, logger, translator, fonts: loadPdfFonts, telegram, clock,
    enabled: () => config.bot.enabled || telegram !== undefined,
    retry: deps.deliveryRetry ? { attempts: 4, backoffMs: 50 } : undefined,
  });
  // Invitations, the admin's lists and reports, role menus, the audit reader (issue 10): jobs now, services below.
  const admin = createAdminModule({
    db, config, translator, channels, telegram, logger, clock, jobs: () => jobs, commandMenus: () => telegram?.menus,
    retry: deps.deliveryRetry ? { attempts: 3, backoffMs: 20 } : undefined,
  });
  const definitions: JobDefinitions = {
    'deliver-code': createCodeDeliveryJob({
      db,
      codes: config.codes,
      email: channels.email,
      sms: channels.sms,
      logCodes: config.delivery.logCodesInDevelopment,
      clock,
      translator,
      retry: deps.deliveryRetry,
    }),
    'notify-payslip': createPayslipNotificationJob({
      db,
      telegram,
      retry: deps.deliveryRetry ? { attempts: 4, backoffMs: 300 } : undefined,
      clock,
    }),
    ...createPeriodicJobs({ housekeeping, telegramUpdates, publisher: () => publisher, logger }),
    ...certificates.jobs,
    ...admin.jobs,
    ...stagedImports.jobs,
  };
  const jobs = deps.jobQueue
    ? deps.jobQueue(definitions)
    : config.redisUrl
      ? createBullmqQueue({ url: config.redisUrl, prefix: config.queuePrefix, definitions, logger })
      : createInProcessQueue(definitions, logger);
  const invitations = createInvitationService(db, clock, { ttlDays: config.invitations.ttlDays });
  const roles = createRoleService({ db, clock });
  // Notifications need the bot token, in whichever process they are sent: every process with it has the port, and
  // an upload is taken by a process that may well have no bot (an API-only instance).
  publisher = createPayslipPublisher({ db, jobs, enabled: () => config.bot.enabled || telegram !== undefined, logger, clock });
  return {
    clock,
    jobs,
    telegramUpdates,
    imports: (importRunner = createImportRunner({ db, sql: database.sql, logger, batchSize: config.imports.batchSize, lookupRows: config.imports.lookupRows, publisher, clock })),
    /** Large uploads: staged by the API (`staging`), recorded and queued (`accept`), run by a worker's job. */
    uploads: { staging: uploadStaging, accept: stagedImports.accept, sweep: stagedImports.sweep },
    /** Payday notifications: the outbox sweep re-queues what was claimed but never sent. */
    publisher,
    payslips: createPayslipService({
      db,
      fonts: loadPdfFonts,
      translator,
      passwords: createPasswordBox(config.payslips.passwordKey),
      timeZone: config.payslips.timeZone,
    }),
    vacations: createVacationService(db, clock),
    cabinetSettings: createCabinetSettingsService(db, { clock, onRolesChanged: (ids) => requestMenuRefresh(jobs, ids, logger) }),
    publishing: createPublishingService(db, clock),
    employees: createEmployeeDirectory({ db, scopeFilter: async () => (await loadScope(db)).where }),
    apiTokens: createApiTokenService(db, clock),
    roles,
    admin: admin.services({ roles, invitations }),
    idempotency,
    housekeeping,
    invitations,
    ...certificates.services(jobs),
    linking: createLinkingService({ db, jobs, codes: config.codes, invitations, channels: codeChannels(channels, config.delivery.logCodesInDevelopment), clock }),
  };
}

export type Services = ReturnType<typeof createServices>;

export interface Container {
  config: Config;
  logger: Logger;
  database: Database;
  services: Services;
  telegram: TelegramOutbound | undefined;
  close(): Promise<void>;
}

/** Builds the container on an open database (tests and benchmarks bring their own). */
export function assembleContainer(
  database: Database,
  config: Config,
  logger: Logger,
  translator: Translator,
  options: { channels?: Channels; jobQueue?: ServiceDeps['jobQueue']; deliveryRetry?: ServiceDeps['deliveryRetry']; clock?: Clock; telegram?: TelegramOutbound } = {},
): Container {
  const channels = options.channels ?? createChannels(config);
  const { telegram } = options;
  const services = createServices({ database, config, logger, translator, channels, telegram, jobQueue: options.jobQueue, deliveryRetry: options.deliveryRetry, clock: options.clock });
  return {
    config,
    logger,
    database,
    services,
    telegram,
    close: async () => {
      await services.jobs.close();
      await telegram?.port.close();
      await services.telegramUpdates.close();
      await services.admin.close();
      await services.uploads.staging.close();
      channels.email?.close();
      await database.close();
    },
  };
}

/** Opens the configured database, applies pending migrations, builds the services. */
export async function createContainer(
  config: Config,
  logger: Logger,
  translator: Translator,
  /** `database`: one the caller began opening earlier (main.ts overlaps PGlite's start with loading the API). */
  options: { channels?: Channels; telegram?: TelegramOutbound; database?: Promise<Database> } = {},
): Promise<Container> {
  const database = await (options.database ?? openDatabase(config.database));
  try {
    const applied = await database.migrate();
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  } catch (error) {
    await database.close();
    throw error;
  }
  return assembleContainer(database, config, logger, translator, options);
}
