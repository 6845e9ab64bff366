import type { RoleService } from '../access/roles.service.ts';
import { createAuditReader } from './audit-reader.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { EmailSender } from '../delivery/email-sender.ts';
import type { SmsGateway } from '../delivery/sms-gateway.ts';
import type { Translator } from '../i18n.ts';
import { createInvitationProgress } from '../invitations/invitation-progress.ts';
import { createInvitationRateGate, type RateGate, type WaitingClock } from '../invitations/invitation-rate-gate.ts';
import { createInvitationSweepJob } from '../invitations/invitation-sweep.job.ts';
import type { InvitationService } from '../invitations/invitation.service.ts';
import { createInvitingService } from '../invitations/inviting.service.ts';
import { createSendInvitationJob, type InvitationChannels } from '../invitations/send-invitation.job.ts';
import type { JobDefinition, JobQueue } from '../jobs/job-definition.ts';
import type { Logger } from '../logger.ts';
import { loadPdfFonts } from '../pdf/pdf-fonts.ts';
import type { TelegramOutbound } from '../telegram/intents.ts';
import { createActivationNotices } from './activation-notices.ts';
import { createActivationReport } from './activation-report.ts';
import { type CommandMenus, createAdminRoles, createRefreshCommandsJob } from './admin-roles.ts';
import { createStatusList } from './status-list.ts';

export interface AdminModuleDeps {
  db: Db;
  config: Config;
  translator: Translator;
  channels: { email: EmailSender | undefined; sms: SmsGateway | undefined };
  telegram: TelegramOutbound | undefined;
  logger: Logger;
  /** A clock with `sleep` makes the invitation pace run on it (tests); otherwise timers. */
  clock: Clock & WaitingClock;
  /** The queue the jobs below belong to (built after them). */
  jobs: () => JobQueue;
  /** The bot's command menus, once the bot adapter offers them. */
  commandMenus?: () => CommandMenus | undefined;
  retry?: { attempts: number; backoffMs: number };
}

export interface AdminJobs {
  'send-invitation': JobDefinition<'send-invitation'>;
  'refresh-commands': JobDefinition<'refresh-commands'>;
  'report-activations': JobDefinition<'report-activations'>;
  'sweep-invitations': JobDefinition<'sweep-invitations'>;
}

/**
 * Issue 10's part of the composition root: invitations (single, bulk, create-cabinet links), the admin's status
 * list, activation report and notices, roles with menu refreshes, the audit log reader — and the jobs they run.
 * Jobs come first (the queue is built from every definition), services after (they need the queue).
 */
export function createAdminModule(deps: AdminModuleDeps) {
  const { db, config, translator, telegram, logger, clock } = deps;
  const channels: InvitationChannels = { ...deps.channels, logLinks: config.delivery.logCodesInDevelopment };
  const botUsername = async (): Promise<string | undefined> => (config.bot.enabled ? config.bot.username : undefined) ?? (telegram ? telegram.port.botUsername() : undefined);
  const gate: RateGate = createInvitationRateGate({ ratePerSecond: config.invitations.ratePerSecond, redisUrl: config.redisUrl, keyPrefix: config.queuePrefix, clock, logger });
  const progress = createInvitationProgress({ db, telegram, logger, clock });
  const activationNotices = createActivationNotices({ db, telegram, logger, clock });
  const ttlMs = config.invitations.ttlDays * 86_400_000;

  const jobs: AdminJobs = {
    'send-invitation': createSendInvitationJob({
      db, channels, translator, gate, progress, botUsername, ttlMs, timeZone: config.payslips.timeZone, logger, clock, ...(deps.retry ? { retry: deps.retry } : {}),
    }),
    'refresh-commands': createRefreshCommandsJob({ db, menus: deps.commandMenus ?? (() => undefined), logger, clock }),
    'report-activations': activationNotices.job,
    'sweep-invitations': createInvitationSweepJob({ db, jobs: deps.jobs, progress, logger, clock }),
  };

  function services(parts: { roles: RoleService; invitations: InvitationService }) {
    const queue = deps.jobs();
    return {
      status: createStatusList({ db, clock }),
      report: createActivationReport({ db, translator, fonts: loadPdfFonts, timeZone: config.payslips.timeZone, clock }),
      roles: createAdminRoles({ db, roles: parts.roles, jobs: queue, logger, clock }),
      audit: createAuditReader({ db }),
      inviting: createInvitingService({
        db, jobs: queue, invitations: parts.invitations, progress, channels, botUsername, resendIntervalHours: config.invitations.resendIntervalHours, logger, clock,
      }),
      activationNotices,
      /** Releases the invitation gate's Redis connection. */
      close: () => gate.close(),
    };
  }

  return { jobs, services };
}

export type AdminServices = ReturnType<ReturnType<typeof createAdminModule>['services']>;
