import { actorFields, type Actor } from '../access/actor.ts';
import { authorize } from '../access/permissions.ts';
import { audit } from '../audit/audit-log.ts';
import { loadScope } from '../cabinet/scope.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { Prisma } from '../db/generated/client.ts';
import { CabinetState } from '../db/generated/enums.ts';
import { fullName, isDismissed } from '../employees/employee-name.ts';
import { AppError } from '../errors.ts';
import type { Language } from '../i18n.ts';
import type { JobQueue } from '../jobs/job-definition.ts';
import { safeError, type Logger } from '../logger.ts';
import { uuidv7 } from '../util/ids.ts';
import { type BatchView, type InvitationProgress, pendingOf, type Unreachable } from './invitation-progress.ts';
import { deepLink, type InvitationService } from './invitation.service.ts';
import { INVITABLE_STATES, invitationChannel, type InvitationChannels, sendJobId } from './send-invitation.job.ts';

export type InviteSkipReason = 'NOT_FOUND' | 'NOT_PUBLISHED' | 'ALREADY_ACTIVE' | 'DISMISSED' | 'NO_CONTACTS' | 'NO_CHANNEL' | 'IN_PROGRESS';

export interface Skipped {
  employeeId: string;
  reason: InviteSkipReason;
}

export interface CreatedCabinet {
  employeeId: string;
  /** `https://t.me/<bot>?start=<token>`: shown once, never stored. */
  link: string;
  expiresAt: string;
}

/** Where the bot shows a bulk run's progress: the admin's message, edited as the run goes. */
export interface ProgressMessage {
  chatId: bigint;
  messageId: number;
  language: Language;
}

// pg_advisory_xact_lock(class, key): one bulk run starts at a time, whichever instance takes the request.
const BULK_LOCK_CLASS = 72707402;
const BULK_LOCK_KEY = 1;
/** Jobs per addBulk, rows per createMany. */
const CHUNK = 500;

const EMPLOYEE_FIELDS = {
  id: true, externalId: true, personnelNumber: true, lastName: true, firstName: true, middleName: true,
  phone: true, email: true, cabinetState: true, dismissedAt: true,
} as const satisfies Prisma.EmployeeSelect;

export interface InvitingDeps {
  db: Db;
  jobs: JobQueue;
  invitations: InvitationService;
  progress: InvitationProgress;
  channels: InvitationChannels;
  botUsername: () => Promise<string | undefined>;
  resendIntervalHours: number;
  logger: Logger;
  clock?: Clock;
}

/**
 * Step 9 of the 1С guide: "create the cabinet" (a personal link the admin may hand over), "send the invitation"
 * (by e-mail, or SMS without one, through a job) for ticked employees, and "invite everyone published and not yet
 * active" as a run with progress that can be stopped. Every operation takes the actor and checks it.
 */
export function createInvitingService(deps: InvitingDeps) {
  const { db, jobs, progress, logger } = deps;
  const clock = deps.clock ?? systemClock;

  async function byExternalIds(externalIds: string[]) {
    const ids = [...new Set(externalIds)];
    const rows = await db.employee.findMany({ where: { externalId: { in: ids } }, select: EMPLOYEE_FIELDS });
    const found = new Map(rows.map((r) => [r.externalId, r]));
    return { ids, found };
  }

  /** Why this employee cannot get an invitation now, if they cannot. */
  function refusal(e: { cabinetState: CabinetState; dismissedAt: Date | null }, now: Date): InviteSkipReason | null {
    if (e.cabinetState === CabinetState.DISABLED || isDismissed(e.dismissedAt, now)) return 'DISMISSED';
    if (e.cabinetState === CabinetState.ACTIVE) return 'ALREADY_ACTIVE';
    if (!INVITABLE_STATES.includes(e.cabinetState)) return 'NOT_PUBLISHED';
    return null;
  }

  async function requireBotUsername(): Promise<string> {
    let unreachable = false;
    const username = await deps.botUsername().catch((error: unknown) => {
      logger.warn({ err: safeError(error) }, 'could not learn the bot username');
      unreachable = true;
      return undefined;
    });
    // Telegram not answering getMe is worth a retry (503); no bot configured at all is the set-up's state (409).
    if (!username) throw new AppError('BOT_USERNAME_UNKNOWN', unreachable ? 'unavailable' : 'conflict');
    return username;
  }

  /**
   * "Create cabinet": a personal invitation link for each published employee, returned to the admin once (it is
   * never stored). A newer link, or an invitation sent later, replaces it.
   */
  async function createCabinets(actor: Actor, employeeExternalIds: string[]): Promise<{ created: CreatedCabinet[]; skipped: Skipped[] }> {
    authorize(actor, 'invitations.send');
    const username = await requireBotUsername();
    const { ids, found } = await byExternalIds(employeeExternalIds);
    const now = clock.now();
    const created: CreatedCabinet[] = [];
    const skipped: Skipped[] = [];
    for (const id of ids) {
      const e = found.get(id);
      const reason = e ? refusal(e, now) : 'NOT_FOUND';
      if (reason || !e) {
        skipped.push({ employeeId: id, reason: reason ?? 'NOT_FOUND' });
        continue;
      }
      const { token, id: invitationId, expiresAt } = await deps.invitations.issue(e.id);
      await audit(db, { ...actorFields(actor), action: 'cabinet.create', entityType: 'Employee', entityId: e.id, details: { invitationId } });
      created.push({ employeeId: id, link: deepLink(username, token), expiresAt: expiresAt.toISOString() });
    }
    return { created, skipped };
  }

  /** Invitations requested and still on their way (not sent, failed or cancelled), by employee. */
  async function pendingFor(employeeIds: string[]): Promise<Set<string>> {
    const rows = await db.invitation.findMany({
      where: { employeeId: { in: employeeIds }, sendRequestedAt: { not: null }, sentAt: null, failedAt: null, revokedAt: null, usedAt: null },
      select: { employeeId: true },
    });
    return new Set(rows.map((r) => r.employeeId));
  }

  async function queue(invitationIds: string[]): Promise<void> {
    for (let i = 0; i < invitationIds.length; i += CHUNK) {
      const chunk = invitationIds.slice(i, i + CHUNK);
      try {
        await jobs.enqueueMany('send-invitation', chunk.map((id) => ({ payload: { invitationId: id }, jobId: sendJobId(id) })));
      } catch (error) {
        // The invitations are stored as requested: the periodic sweep queues them when the queue is back.
        logger.warn({ err: safeError(error), left: invitationIds.length - i }, 'could not queue invitations; the sweep will queue them');
        return;
      }
    }
  }

  /**
   * "Send the invitation" to ticked employees: each is queued for e-mail (or SMS), sent at the invitation pace. The
   * cabinet becomes INVITED when the mail server or gateway accepts it. One already on its way is not sent twice.
   */
  async function invite(actor: Actor, employeeExternalIds: string[]): Promise<{ queued: { employeeId: string; invitationId: string }[]; skipped: Skipped[] }> {
    authorize(actor, 'invitations.send');
    const { ids, found } = await byExternalIds(employeeExternalIds);
    const now = clock.now();
    const pending = await pendingFor([...found.values()].map((e) => e.id));
    const skipped: Skipped[] = [];
    const toQueue: { employeeId: string; externalId: string; invitationId: string }[] = [];
    for (const id of ids) {
      const e = found.get(id);
      if (!e) {
        skipped.push({ employeeId: id, reason: 'NOT_FOUND' });
        continue;
      }
      const reason = refusal(e, now)
        ?? (!e.email && !e.phone ? 'NO_CONTACTS' : !invitationChannel(deps.channels, e) ? 'NO_CHANNEL' : pending.has(e.id) ? 'IN_PROGRESS' : null);
      if (reason) skipped.push({ employeeId: id, reason });
      else toQueue.push({ employeeId: e.id, externalId: id, invitationId: uuidv7(now.getTime()) });
    }
    await db.$transaction(async (tx) => {
      await tx.invitation.createMany({
        data: toQueue.map((q) => ({ id: q.invitationId, employeeId: q.employeeId, sendRequestedAt: now, createdAt: now, expiresAt: now })),
      });
      for (const q of toQueue) {
        await audit(tx, { ...actorFields(actor), action: 'invitation.send', entityType: 'Employee', entityId: q.employeeId, details: { invitationId: q.invitationId } });
      }
    });
    await queue(toQueue.map((q) => q.invitationId));
    return { queued: toQueue.map((q) => ({ employeeId: q.externalId, invitationId: q.invitationId })), skipped };
  }

  /**
   * "Invite everyone published and not yet active", in the cabinet's scope: one run at a time. Left out: whoever
   * was invited within INVITE_RESEND_INTERVAL_HOURS or has an invitation on its way (a rerun invites nobody twice);
   * listed, not skipped silently: whoever has neither phone nor e-mail, or only a contact on a channel not set up.
   */
  async function startBulk(actor: Actor, options: { progressMessage?: ProgressMessage } = {}): Promise<BatchView> {
    authorize(actor, 'invitations.send');
    const now = clock.now();
    const since = new Date(now.getTime() - deps.resendIntervalHours * 3600_000);
    const scope = await loadScope(db);
    const batchId = uuidv7(now.getTime());
    const planned = await db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BULK_LOCK_CLASS}::int4, ${BULK_LOCK_KEY}::int4)`;
      const running = await tx.invitationBatch.findFirst({ where: { finishedAt: null, stoppedAt: null }, select: { id: true } });
      if (running) throw new AppError('BULK_INVITE_RUNNING', 'conflict', { id: running.id });
      const candidates = await tx.employee.findMany({
        where: { AND: [scope.where, { cabinetState: { in: INVITABLE_STATES } }, { OR: [{ dismissedAt: null }, { dismissedAt: { gt: now } }] }] },
        orderBy: [{ lastName: 'asc' }, { firstName: 'asc' }, { id: 'asc' }],
        select: {
          ...EMPLOYEE_FIELDS,
          invitations: {
            where: { OR: [{ sentAt: { gte: since } }, { sendRequestedAt: { not: null }, sentAt: null, failedAt: null, revokedAt: null, usedAt: null }] },
            select: { id: true },
            take: 1,
          },
        },
      });
      const unreachable: Unreachable[] = [];
      const chosen: string[] = [];
      let skippedRecent = 0;
      for (const e of candidates) {
        const who = { employeeId: e.externalId, personnelNumber: e.personnelNumber, fullName: fullName(e) };
        if (!e.email && !e.phone) unreachable.push({ ...who, reason: 'NO_CONTACTS' });
        else if (!invitationChannel(deps.channels, e)) unreachable.push({ ...who, reason: 'NO_CHANNEL' });
        else if (e.invitations.length > 0) skippedRecent += 1;
        else chosen.push(e.id);
      }
      const finished = chosen.length === 0 ? now : null;
      await tx.invitationBatch.create({
        data: {
          id: batchId,
          ...actorFields(actor),
          total: chosen.length,
          skippedRecent,
          unreachable: unreachable as unknown as Prisma.InputJsonArray,
          createdAt: now,
          finishedAt: finished,
          ...(options.progressMessage
            ? { progressChatId: options.progressMessage.chatId, progressMessageId: options.progressMessage.messageId, progressLanguage: options.progressMessage.language }
            : {}),
        },
      });
      const invitationIds = chosen.map(() => uuidv7(now.getTime()));
      for (let i = 0; i < chosen.length; i += CHUNK) {
        await tx.invitation.createMany({
          data: chosen.slice(i, i + CHUNK).map((employeeId, j) => ({ id: invitationIds[i + j]!, employeeId, batchId, sendRequestedAt: now, createdAt: now, expiresAt: now })),
        });
      }
      await audit(tx, {
        ...actorFields(actor),
        action: 'invitation.bulk.start',
        entityType: 'InvitationBatch',
        entityId: batchId,
        details: { total: chosen.length, skippedRecent, unreachable: unreachable.length },
      });
      return invitationIds;
    }, { timeout: 120_000 });
    await queue(planned);
    if (planned.length === 0) await progress.show(batchId);
    return (await progress.view(batchId))!;
  }

  /** Stops a run: invitations not yet started are cancelled; the few being sent right now finish. */
  async function stopBulk(actor: Actor, batchId: string): Promise<BatchView> {
    authorize(actor, 'invitations.send');
    const now = clock.now();
    const stopped = await db.$transaction(async (tx) => {
      const batch = await tx.invitationBatch.findUnique({ where: { id: batchId }, select: { id: true } });
      if (!batch) throw new AppError('INVITATION_BATCH_NOT_FOUND', 'not_found', { id: batchId });
      const { count } = await tx.invitationBatch.updateMany({ where: { id: batchId, stoppedAt: null, finishedAt: null }, data: { stoppedAt: now } });
      if (count === 0) return false;
      const cancelled = await tx.invitation.updateMany({ where: { ...pendingOf(batchId), tokenHash: null }, data: { revokedAt: now, failure: 'STOPPED' } });
      await audit(tx, { ...actorFields(actor), action: 'invitation.bulk.stop', entityType: 'InvitationBatch', entityId: batchId, details: { cancelled: cancelled.count } });
      return true;
    });
    if (stopped && !(await progress.finishIfDone(batchId))) await progress.show(batchId);
    return (await progress.view(batchId))!;
  }

  async function bulk(actor: Actor, batchId: string): Promise<BatchView> {
    authorize(actor, 'invitations.send');
    const view = await progress.view(batchId);
    if (!view) throw new AppError('INVITATION_BATCH_NOT_FOUND', 'not_found', { id: batchId });
    return view;
  }

  /** The newest run, if any (the bot's "progress" button, a script polling without remembering the id). */
  async function latestBulk(actor: Actor): Promise<BatchView | null> {
    authorize(actor, 'invitations.send');
    const latest = await db.invitationBatch.findFirst({ orderBy: { createdAt: 'desc' }, select: { id: true } });
    return latest ? progress.view(latest.id) : null;
  }

  return { createCabinets, invite, startBulk, stopBulk, bulk, latestBulk };
}

export type InvitingService = ReturnType<typeof createInvitingService>;
