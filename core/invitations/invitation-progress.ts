import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { Prisma } from '../db/generated/client.ts';
import { DEFAULT_LANGUAGE, LANGUAGES, type Language } from '../i18n.ts';
import { safeError, type Logger } from '../logger.ts';
import type { InvitationProgressIntent, TelegramOutbound } from '../telegram/intents.ts';
import { MessageGoneError } from '../telegram/telegram-port.ts';

/** An employee a bulk run could not invite, and why. */
export interface Unreachable {
  employeeId: string;
  personnelNumber: string;
  fullName: string;
  /** NO_CONTACTS: neither phone nor e-mail on record; NO_CHANNEL: a contact whose channel is not configured. */
  reason: 'NO_CONTACTS' | 'NO_CHANNEL';
}

export type BatchStatus = 'running' | 'stopping' | 'stopped' | 'finished';

export interface BatchView {
  batchId: string;
  status: BatchStatus;
  /** Invitations queued by the run. */
  total: number;
  sent: number;
  failed: number;
  /** Queued or being sent. */
  remaining: number;
  /** Not sent because of a stop, or dropped when the employee was unpublished or signed in meanwhile. */
  cancelled: number;
  /** Left out: invited within INVITE_RESEND_INTERVAL_HOURS, or an invitation was already on its way. */
  skippedRecent: number;
  unreachable: Unreachable[];
  startedAt: string;
  stoppedAt: string | null;
  finishedAt: string | null;
}

/** The admin's progress message is edited at most this often while a run goes (and always at its end). */
export const PROGRESS_EDIT_EVERY_MS = 3000;

/** Invitations of a run still to send: neither sent, failed, nor cancelled. */
export const pendingOf = (batchId: string): Prisma.InvitationWhereInput => ({ batchId, sentAt: null, failedAt: null, revokedAt: null });

/**
 * Progress of bulk invitation runs, from the run's counters (written by the sending jobs, once per invitation) and
 * its invitations still pending; and the admin's Telegram message that shows it, edited through the port.
 */
export function createInvitationProgress(deps: { db: Db; telegram: TelegramOutbound | undefined; logger: Logger; clock?: Clock }) {
  const { db, logger } = deps;
  const clock = deps.clock ?? systemClock;

  async function view(batchId: string): Promise<BatchView | null> {
    const batch = await db.invitationBatch.findUnique({ where: { id: batchId } });
    if (!batch) return null;
    const remaining = await db.invitation.count({ where: pendingOf(batchId) });
    const status: BatchStatus = batch.finishedAt ? (batch.stoppedAt ? 'stopped' : 'finished') : batch.stoppedAt ? 'stopping' : 'running';
    return {
      batchId: batch.id,
      status,
      total: batch.total,
      sent: batch.sent,
      failed: batch.failed,
      remaining,
      cancelled: Math.max(0, batch.total - batch.sent - batch.failed - remaining),
      skippedRecent: batch.skippedRecent,
      unreachable: batch.unreachable as unknown as Unreachable[],
      startedAt: batch.createdAt.toISOString(),
      stoppedAt: batch.stoppedAt?.toISOString() ?? null,
      finishedAt: batch.finishedAt?.toISOString() ?? null,
    };
  }

  /** Edits the admin's message, if the run was started from the bot. Never fails the caller: it is only a display. */
  async function show(batchId: string): Promise<void> {
    if (!deps.telegram) return;
    const batch = await db.invitationBatch.findUnique({ where: { id: batchId }, select: { progressChatId: true, progressMessageId: true, progressLanguage: true } });
    if (batch?.progressChatId == null || batch.progressMessageId == null) return;
    const current = await view(batchId);
    if (!current) return;
    const language: Language = (LANGUAGES as readonly string[]).includes(batch.progressLanguage ?? '') ? (batch.progressLanguage as Language) : DEFAULT_LANGUAGE;
    const intent: InvitationProgressIntent = {
      kind: 'invitation-progress',
      chatId: batch.progressChatId,
      messageId: batch.progressMessageId,
      language,
      batchId,
      status: current.status === 'stopping' ? 'stopped' : current.status,
      total: current.total,
      sent: current.sent,
      failed: current.failed,
      remaining: current.remaining,
      cancelled: current.cancelled,
    };
    try {
      await deps.telegram.port.editText({ chatId: intent.chatId, messageId: intent.messageId }, deps.telegram.render(intent));
    } catch (error) {
      if (!(error instanceof MessageGoneError)) logger.warn({ batchId, err: safeError(error) }, 'could not update the invitation progress message');
    }
  }

  /** Closes the run when nothing is left to send (once: the first caller to see it wins), and shows the end. */
  async function finishIfDone(batchId: string): Promise<boolean> {
    const remaining = await db.invitation.count({ where: pendingOf(batchId) });
    if (remaining > 0) return false;
    const { count } = await db.invitationBatch.updateMany({ where: { id: batchId, finishedAt: null }, data: { finishedAt: clock.now() } });
    if (count === 1) await show(batchId);
    return true;
  }

  /**
   * After one invitation of the run was sent, failed or cancelled: closes the run at its end, else shows progress
   * now and then. `shown: false` (the run has no progress message) saves the throttle's write.
   */
  async function advanced(batchId: string, options: { shown?: boolean } = {}): Promise<void> {
    if (await finishIfDone(batchId)) return;
    if (options.shown === false) return;
    const now = clock.now();
    const { count } = await db.invitationBatch.updateMany({
      where: { id: batchId, finishedAt: null, progressMessageId: { not: null }, OR: [{ progressAt: null }, { progressAt: { lte: new Date(now.getTime() - PROGRESS_EDIT_EVERY_MS) } }] },
      data: { progressAt: now },
    });
    if (count === 1) await show(batchId);
  }

  return { view, show, finishIfDone, advanced };
}

export type InvitationProgress = ReturnType<typeof createInvitationProgress>;
