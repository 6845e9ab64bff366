import { createApiTokenService } from './api-tokens/api-token.service.ts';
import { createCabinetSettingsService } from './cabinet/cabinet-settings.service.ts';
import { createPublishingService } from './cabinet/publishing.service.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/database.ts';
import { createSmtpSender, type EmailSender } from './delivery/email-sender.ts';
import { createSmsGateway, type SmsGateway } from './delivery/sms-gateway.ts';
import { createEmployeeDirectory } from './employees/employee-directory.ts';
import { createHousekeeping } from './housekeeping.ts';
import type { Translator } from './i18n.ts';
import { createIdempotencyService } from './idempotency/idempotency.service.ts';
import { createImportRunner } from './imports/index.ts';
import { createInvitationService } from './invitations/invitation.service.ts';
import { createBullmqQueue } from './jobs/bullmq-queue.ts';
import { createInProcessQueue } from './jobs/in-process-queue.ts';
import type { JobDefinitions, JobQueue } from './jobs/job-definition.ts';
import { createCodeDeliveryJob } from './linking/code-delivery.job.ts';
import { codeChannels, createLinkingService } from './linking/linking.service.ts';
import type { Logger } from './logger.ts';
import type { Notifier } from './notify/notifier.ts';
import { createLocalSendGate, createRedisSendGate } from './notify/send-gate.ts';
import { createPayslipNotificationJob } from './payslips/payslip-notification.job.ts';
import { createPayslipPublisher } from './payslips/payslip-publisher.ts';
import { createPayslipService } from './payslips/payslip.service.ts';
import { createPasswordBox } from './payslips/pdf-password.ts';
import { loadPdfFonts } from './pdf/pdf-fonts.ts';
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
  /** Filled in by the bot adapter once it exists; jobs use it to reach users. */
  notifier: { current?: Notifier };
  /** Overrides the queue choice (tests run both kinds explicitly). */
  jobQueue?: (definitions: JobDefinitions) => JobQueue;
  /** Overrides the delivery and notification retry schedules (tests). */
  deliveryRetry?: { attempts: number; backoffMs: number };
  /** Where services read the time (tests move their own). */
  clock?: Clock;
}

/** Everything the adapters (API, bot, scripts, workers) call. Built once per process; holds no per-user state. */
export function createServices(deps: ServiceDeps) {
  const { database, config, logger, translator, channels, notifier } = deps;
  const clock = deps.clock ?? systemClock;
  const db = database.prisma;
  const sendGate = config.redisUrl
    ? createRedisSendGate({ url: config.redisUrl, key: `${config.queuePrefix}:send-gate`, max: config.payslips.notifyRatePerSecond, logger })
    : createLocalSendGate(config.payslips.notifyRatePerSecond);
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
      translator,
      notifier: () => notifier.current,
      gate: sendGate,
      retry: deps.deliveryRetry ? { attempts: 4, backoffMs: 300 } : undefined,
      clock,
    }),
  };
  const jobs = deps.jobQueue
    ? deps.jobQueue(definitions)
    : config.redisUrl
      ? createBullmqQueue({ url: config.redisUrl, prefix: config.queuePrefix, definitions, logger })
      : createInProcessQueue(definitions, logger);
  const invitations = createInvitationService(db, clock);
  const idempotency = createIdempotencyService({
    db, ttlHours: config.imports.idempotencyTtlHours, leaseMinutes: config.imports.idempotencyLeaseMinutes, clock,
  });
  // Notifications need a bot: in a process without BOT_TOKEN (and so no notifier) new payslips stay silent.
  const publisher = createPayslipPublisher({ db, jobs, enabled: () => config.bot.enabled || notifier.current !== undefined, logger, clock });
  return {
    clock,
    jobs,
    sendGate,
    imports: createImportRunner({ db, logger, batchSize: config.imports.batchSize, publisher, clock }),
    /** Payday notifications: the outbox sweep re-queues what was claimed but never sent. */
    publisher,
    payslips: createPayslipService({
      db,
      fonts: loadPdfFonts,
      translator,
      passwords: createPasswordBox(config.payslips.passwordKey),
      timeZone: config.payslips.timeZone,
    }),
    vacations: createVacationService(db),
    cabinetSettings: createCabinetSettingsService(db),
    publishing: createPublishingService(db, clock),
    employees: createEmployeeDirectory(db),
    apiTokens: createApiTokenService(db),
    idempotency,
    housekeeping: createHousekeeping({ db, idempotency, clock }),
    invitations,
    linking: createLinkingService({ db, jobs, codes: config.codes, invitations, channels: codeChannels(channels, config.delivery.logCodesInDevelopment), clock }),
  };
}

export type Services = ReturnType<typeof createServices>;

export interface Container {
  config: Config;
  logger: Logger;
  database: Database;
  services: Services;
  notifier: { current?: Notifier };
  close(): Promise<void>;
}

/** Builds the container on an open database (tests and benchmarks bring their own). */
export function assembleContainer(
  database: Database,
  config: Config,
  logger: Logger,
  translator: Translator,
  options: { channels?: Channels; jobQueue?: ServiceDeps['jobQueue']; deliveryRetry?: ServiceDeps['deliveryRetry']; clock?: Clock } = {},
): Container {
  const channels = options.channels ?? createChannels(config);
  const notifier: Container['notifier'] = {};
  const services = createServices({ database, config, logger, translator, channels, notifier, jobQueue: options.jobQueue, deliveryRetry: options.deliveryRetry, clock: options.clock });
  return {
    config,
    logger,
    database,
    services,
    notifier,
    close: async () => {
      await services.jobs.close();
      await services.sendGate.close();
      channels.email?.close();
      await database.close();
    },
  };
}

/** Opens the configured database, applies pending migrations, builds the services. */
export async function createContainer(config: Config, logger: Logger, translator: Translator, options: { channels?: Channels } = {}): Promise<Container> {
  const database = await openDatabase(config.database);
  try {
    const applied = await database.migrate();
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  } catch (error) {
    await database.close();
    throw error;
  }
  return assembleContainer(database, config, logger, translator, options);
}
