import { systemClock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { CabinetState, ContactChannel } from '../db/generated/enums.ts';
import { PermanentDeliveryError } from '../delivery/delivery-errors.ts';
import type { EmailSender } from '../delivery/email-sender.ts';
import type { SmsGateway } from '../delivery/sms-gateway.ts';
import { isDismissed } from '../employees/employee-name.ts';
import { DEFAULT_LANGUAGE, LANGUAGES, type Language, type Translator } from '../i18n.ts';
import type { JobDefinition } from '../jobs/job-definition.ts';
import type { Logger } from '../logger.ts';
import type { InvitationProgress } from './invitation-progress.ts';
import { invitationEmail, invitationSms } from './invitation-message.ts';
import type { RateGate, WaitingClock } from './invitation-rate-gate.ts';
import { deepLink, invitationTokenHash, newInvitationToken, supersedeInvitations } from './invitation.service.ts';

/** Why an invitation was not sent (stored in `invitations.failure`). */
export type InvitationFailure = 'NO_CONTACTS' | 'NO_CHANNEL' | 'NO_BOT' | 'NOT_PUBLISHED' | 'REFUSED' | 'UNAVAILABLE';
/** Why a pending invitation was dropped without trying (cancelled, not failed). */
export type InvitationCancel = 'STOPPED' | 'ALREADY_ACTIVE';

export type InvitationChannel = 'email' | 'sms' | 'log';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface LoadedRow {
  batch_id: string | null;
  requested: boolean;
  settled: boolean;
  stopped: boolean;
  shown: boolean;
  employee_id: string;
  first_name: string;
  phone: string | null;
  email: string | null;
  cabinet_state: string;
  dismissed_at: string | null;
  organization: string;
  language: string | null;
}

/** Cabinets an invitation may be sent for: published, not yet signed in. */
export const INVITABLE_STATES: CabinetState[] = [CabinetState.PUBLISHED, CabinetState.INVITED];

export interface InvitationChannels {
  email: EmailSender | undefined;
  sms: SmsGateway | undefined;
  /** Development without e-mail or SMS: the link is written to the log, clearly marked. Never in production or tests. */
  logLinks: boolean;
}

/** E-mail when there is one (the link is a button there), else SMS; the development log stands in for both. */
export function invitationChannel(channels: InvitationChannels, contact: { email: string | null; phone: string | null }): InvitationChannel | null {
  if (contact.email && channels.email) return 'email';
  if (contact.phone && channels.sms) return 'sms';
  if ((contact.email || contact.phone) && channels.logLinks) return 'log';
  return null;
}

export interface SendInvitationDeps {
  db: Db;
  channels: InvitationChannels;
  translator: Translator;
  gate: RateGate;
  progress: InvitationProgress;
  /** The bot's @username for the link; undefined when this process cannot know it (no bot token). */
  botUsername: () => Promise<string | undefined>;
  ttlMs: number;
  timeZone: string;
  logger: Logger;
  clock?: WaitingClock;
  retry?: { attempts: number; backoffMs: number };
}

/**
 * Sends one invitation by e-mail (or SMS without one). The token is generated here, in the worker, and only its hash
 * is stored, so it never sits in the queue or the database; a retried delivery simply issues a new token. The
 * cabinet becomes INVITED once the mail server or gateway has accepted the message, and earlier links of the
 * employee stop working then (a resend invalidates the previous one). Safe to run twice: an invitation already
 * sent, failed, cancelled or used is left alone.
 *
 * Order matters for stopping a bulk run: the token is written (claiming the invitation) before the wait for the
 * rate gate, and a stop cancels only invitations not yet claimed; so what a stop leaves is exactly what was not
 * started, and the send follows the gate's grant with nothing in between.
 */
export function createSendInvitationJob(deps: SendInvitationDeps): JobDefinition<'send-invitation'> {
  const { db, channels, translator, progress } = deps;
  const clock = deps.clock ?? systemClock;

  /**
   * The invitation and what sending it needs, in one statement: a bulk run makes thousands of these, and Prisma's
   * nested `include` would send one statement per relation.
   */
  async function load(invitationId: string) {
    if (!UUID.test(invitationId)) return null;
    const rows = await db.$queryRaw<LoadedRow[]>`
      SELECT i.batch_id::text AS batch_id,
             i.send_requested_at IS NOT NULL AS requested,
             (i.sent_at IS NOT NULL OR i.failed_at IS NOT NULL OR i.revoked_at IS NOT NULL OR i.used_at IS NOT NULL) AS settled,
             COALESCE(b.stopped_at IS NOT NULL, false) AS stopped,
             COALESCE(b.progress_message_id IS NOT NULL, false) AS shown,
             e.id::text AS employee_id, e.first_name, e.phone, e.email, e.cabinet_state::text AS cabinet_state,
             to_char(e.dismissed_at, 'YYYY-MM-DD') AS dismissed_at,
             o.name AS organization, a.language
        FROM invitations i
        JOIN employees e ON e.id = i.employee_id
        JOIN organizations o ON o.id = e.organization_id
        LEFT JOIN invitation_batches b ON b.id = i.batch_id
        LEFT JOIN telegram_accounts a ON a.employee_id = e.id
       WHERE i.id = ${invitationId}::uuid`;
    const row = rows[0];
    if (!row) return null;
    return {
      batchId: row.batch_id,
      requested: row.requested,
      settled: row.settled,
      stopped: row.stopped,
      shown: row.shown,
      employee: {
        id: row.employee_id,
        firstName: row.first_name,
        phone: row.phone,
        email: row.email,
        cabinetState: row.cabinet_state as CabinetState,
        dismissedAt: row.dismissed_at ? new Date(`${row.dismissed_at}T00:00:00.000Z`) : null,
        organization: row.organization,
        language: row.language,
      },
    };
  }

  async function settle(invitationId: string, batchId: string | null, outcome: { failure: InvitationFailure } | { cancel: InvitationCancel }): Promise<void> {
    const now = clock.now();
    await db.$transaction(async (tx) => {
      const { count } = await tx.invitation.updateMany({
        where: { id: invitationId, sentAt: null, failedAt: null, revokedAt: null },
        data: 'failure' in outcome ? { failedAt: now, failure: outcome.failure } : { revokedAt: now, failure: outcome.cancel },
      });
      if (count === 1 && batchId && 'failure' in outcome) await tx.invitationBatch.update({ where: { id: batchId }, data: { failed: { increment: 1 } } });
    });
    if (batchId) await progress.advanced(batchId);
  }

  return {
    name: 'send-invitation',
    attempts: deps.retry?.attempts ?? 5,
    backoffMs: deps.retry?.backoffMs ?? 5000,
    // Most of a send's time is the wait for the gate and the mail server: a few at once keep the gate busy.
    concurrency: 20,

    async handle({ invitationId }, { logger }) {
      const invitation = await load(invitationId);
      if (!invitation || !invitation.requested || invitation.settled) return;
      const { employee, batchId } = invitation;
      if (invitation.stopped) return settle(invitationId, batchId, { cancel: 'STOPPED' });
      if (employee.cabinetState === CabinetState.ACTIVE) return settle(invitationId, batchId, { cancel: 'ALREADY_ACTIVE' });
      if (!INVITABLE_STATES.includes(employee.cabinetState) || isDismissed(employee.dismissedAt, clock.now())) {
        return settle(invitationId, batchId, { failure: 'NOT_PUBLISHED' });
      }
      const channel = invitationChannel(channels, employee);
      if (!channel) return settle(invitationId, batchId, { failure: employee.email || employee.phone ? 'NO_CHANNEL' : 'NO_CONTACTS' });
      const username = await deps.botUsername();
      if (!username) return settle(invitationId, batchId, { failure: 'NO_BOT' });

      const token = newInvitationToken();
      const expiresAt = new Date(clock.now().getTime() + deps.ttlMs);
      const claimed = await db.invitation.updateMany({
        where: { id: invitationId, sentAt: null, failedAt: null, revokedAt: null, usedAt: null },
        data: { tokenHash: invitationTokenHash(token), expiresAt, channel: channel === 'sms' ? ContactChannel.SMS : channel === 'email' ? ContactChannel.EMAIL : null },
      });
      if (claimed.count === 0) return;

      const account = employee.language;
      const language: Language = account && (LANGUAGES as readonly string[]).includes(account) ? (account as Language) : DEFAULT_LANGUAGE;
      const input = { language, firstName: employee.firstName, organization: employee.organization, link: deepLink(username, token), expiresAt, timeZone: deps.timeZone };

      await deps.gate.acquire();
      try {
        if (channel === 'email') await channels.email!.send({ to: employee.email!, ...invitationEmail(translator, input) });
        else if (channel === 'sms') await channels.sms!.send(employee.phone!, invitationSms(translator, input));
        else logger.warn({ developmentOnlyLink: input.link, invitationId }, 'DEVELOPMENT ONLY: invitation link written to the log because neither SMTP_URL nor SMS_PROVIDER is set');
      } catch (error) {
        if (error instanceof PermanentDeliveryError) {
          logger.warn({ invitationId, channel, err: { name: error.name, message: error.message } }, 'invitation refused by the provider');
          return settle(invitationId, batchId, { failure: 'REFUSED' });
        }
        throw error;
      }

      const sentAt = clock.now();
      await db.$transaction(async (tx) => {
        const { count } = await tx.invitation.updateMany({ where: { id: invitationId, sentAt: null }, data: { sentAt } });
        if (count === 0) return;
        await supersedeInvitations(tx, employee.id, invitationId, sentAt);
        await tx.employee.updateMany({ where: { id: employee.id, cabinetState: CabinetState.PUBLISHED }, data: { cabinetState: CabinetState.INVITED } });
        if (batchId) await tx.invitationBatch.update({ where: { id: batchId }, data: { sent: { increment: 1 } }, select: { id: true } });
      });
      logger.info({ invitationId, channel }, 'invitation sent');
      if (batchId) await progress.advanced(batchId, { shown: invitation.shown });
    },

    async onExhausted({ invitationId }) {
      const invitation = await db.invitation.findUnique({ where: { id: invitationId }, select: { batchId: true } });
      if (invitation) await settle(invitationId, invitation.batchId, { failure: 'UNAVAILABLE' });
    },
  };
}

/** The job id of an invitation's send: deterministic, so queueing it again (sweeps, retries of a request) is harmless. */
export const sendJobId = (invitationId: string) => `invite-${invitationId}`;
