import { audit } from '../audit/audit-log.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { CabinetState, ContactChannel } from '../db/generated/enums.ts';
import { FieldProblem, normalizeEmail, normalizePhone } from '../imports/normalize.ts';
import type { Language } from '../i18n.ts';
import type { InvitationService } from '../invitations/invitation.service.ts';
import type { JobQueue } from '../jobs/job-definition.ts';
import { codeMatches } from './code-crypto.ts';
import { fullName, isDismissed } from '../employees/employee-name.ts';

export interface TelegramUser {
  userId: bigint;
  chatId: bigint;
}

export type Identification =
  | { kind: 'phone'; value: string; verifiedContact: boolean }
  | { kind: 'email'; value: string }
  | { kind: 'invitation'; token: string };

export interface Linked {
  employeeId: string;
  firstName: string;
  fullName: string;
  /** The chat of the Telegram account that was linked to this employee before, to tell it, in its language. */
  previousChatId: bigint | null;
  previousLanguage: Language | null;
}

export type IdentifyResult =
  | { kind: 'code_sent' }
  | { kind: 'cooldown'; seconds: number }
  | { kind: 'rate_limited'; minutes: number }
  | { kind: 'linked'; linked: Linked }
  | { kind: 'invalid_contact' }
  | { kind: 'invalid_invitation' };

export type VerifyResult =
  | { kind: 'linked'; linked: Linked }
  | { kind: 'wrong'; attemptsLeft: number }
  | { kind: 'expired' }
  | { kind: 'too_many_attempts' }
  | { kind: 'no_code' }
  | { kind: 'locked' };

export type Access = 'unlinked' | 'linked' | 'disabled';

const PENDING_INPUT_TTL_MS = 10 * 60_000;
const PUBLISHED: CabinetState[] = [CabinetState.PUBLISHED, CabinetState.INVITED, CabinetState.ACTIVE];

/**
 * Who is this Telegram user? They name a phone or e-mail (or open an invitation); a code goes to the contact HR has
 * on record; typing it links the account. Unknown, unpublished, dismissed, locked and ambiguous contacts take the
 * same path with a decoy code, so the answers never tell who works here.
 */
export function createLinkingService(deps: { db: Db; jobs: JobQueue; codes: Config['codes']; invitations: InvitationService }) {
  const { db, jobs, codes, invitations } = deps;
  const windowStart = (now: Date) => new Date(now.getTime() - codes.sendWindowMinutes * 60_000);

  async function identify(user: TelegramUser, identification: Identification): Promise<IdentifyResult> {
    const now = new Date();
    const recent = await db.oneTimeCode.findMany({
      where: { telegramUserId: user.userId, createdAt: { gte: windowStart(now) } },
      orderBy: { createdAt: 'desc' },
      select: { createdAt: true },
    });
    const cooldownLeft = recent[0] ? codes.resendCooldownSeconds - (now.getTime() - recent[0].createdAt.getTime()) / 1000 : 0;
    if (cooldownLeft > 0) return { kind: 'cooldown', seconds: Math.ceil(cooldownLeft) };
    if (recent.length >= codes.maxSends) {
      const oldest = recent[recent.length - 1]!.createdAt.getTime();
      return { kind: 'rate_limited', minutes: Math.max(1, Math.ceil((oldest + codes.sendWindowMinutes * 60_000 - now.getTime()) / 60_000)) };
    }

    let candidates: Awaited<ReturnType<typeof findEmployees>>;
    let channel: ContactChannel;
    let invitationId: string | null = null;
    try {
      if (identification.kind === 'phone') {
        const phone = normalizePhone(identification.value);
        if (!phone) return { kind: 'invalid_contact' };
        candidates = await findEmployees({ phone });
        channel = ContactChannel.SMS;
      } else if (identification.kind === 'email') {
        const email = normalizeEmail(identification.value);
        if (!email) return { kind: 'invalid_contact' };
        candidates = await findEmployees({ email });
        channel = ContactChannel.EMAIL;
      } else {
        const invitation = await invitations.open(identification.token);
        if (!invitation) return { kind: 'invalid_invitation' };
        candidates = await findEmployees({ id: invitation.employeeId });
        channel = candidates[0]?.phone ? ContactChannel.SMS : ContactChannel.EMAIL;
        invitationId = invitation.id;
      }
    } catch (error) {
      if (error instanceof FieldProblem) return { kind: 'invalid_contact' };
      throw error;
    }

    let employee = candidates.length === 1 && PUBLISHED.includes(candidates[0]!.cabinetState) && !candidates[0]!.lockedAt && !isDismissed(candidates[0]!.dismissedAt, now)
      ? candidates[0]!
      : null;
    if (employee) {
      // Someone else hammering this employee's contact from other accounts: answer as usual, send nothing.
      const sentToEmployee = await db.oneTimeCode.findMany({
        where: { employeeId: employee.id, createdAt: { gte: windowStart(now) } },
        orderBy: { createdAt: 'desc' },
        select: { createdAt: true },
      });
      const tooSoon = sentToEmployee[0] && now.getTime() - sentToEmployee[0].createdAt.getTime() < codes.resendCooldownSeconds * 1000;
      if (tooSoon || sentToEmployee.length >= codes.maxSends) employee = null;
    }

    if (employee && identification.kind === 'phone' && identification.verifiedContact && codes.trustTelegramContact) {
      return { kind: 'linked', linked: await link(user, employee.id, { invitationId }) };
    }

    const code = await db.$transaction(async (tx) => {
      // Only the newest code is valid.
      await tx.oneTimeCode.updateMany({
        where: { consumedAt: null, OR: [{ telegramUserId: user.userId }, ...(employee ? [{ employeeId: employee.id }] : [])] },
        data: { consumedAt: now },
      });
      return tx.oneTimeCode.create({
        data: {
          employeeId: employee?.id ?? null,
          telegramUserId: user.userId,
          chatId: user.chatId,
          channel,
          invitationId,
          expiresAt: new Date(now.getTime() + codes.ttlMinutes * 60_000),
        },
      });
    });
    // Decoys go through the queue too: the job finds no employee and sends nothing.
    await jobs.enqueue('deliver-code', { codeId: code.id }, { jobId: `code-${code.id}` });
    return { kind: 'code_sent' };
  }

  function findEmployees(where: { phone?: string; email?: string; id?: string }) {
    return db.employee.findMany({
      where,
      take: 2,
      select: { id: true, phone: true, email: true, cabinetState: true, lockedAt: true, dismissedAt: true },
    });
  }

  async function verify(user: TelegramUser, input: string): Promise<VerifyResult> {
    const now = new Date();
    const code = await db.oneTimeCode.findFirst({
      where: { telegramUserId: user.userId, consumedAt: null },
      orderBy: { createdAt: 'desc' },
      include: { employee: { select: { id: true, lockedAt: true, linkFailures: true } } },
    });
    if (!code) return { kind: 'no_code' };
    if (code.expiresAt < now) return { kind: 'expired' };
    if (code.attempts >= codes.maxAttempts) return { kind: 'too_many_attempts' };
    if (code.employee?.lockedAt) return { kind: 'locked' };

    if (code.employee && codeMatches(codes.secret, code.id, input, code.codeHash)) {
      const consumed = await db.oneTimeCode.updateMany({ where: { id: code.id, consumedAt: null }, data: { consumedAt: now } });
      if (consumed.count === 0) return { kind: 'no_code' };
      return { kind: 'linked', linked: await link(user, code.employee.id, { invitationId: code.invitationId }) };
    }
    if (!code.employee) codeMatches(codes.secret, code.id, input, null);

    const attempts = code.attempts + 1;
    await db.oneTimeCode.update({ where: { id: code.id }, data: { attempts } });
    if (code.employee) {
      const failures = code.employee.linkFailures + 1;
      const lock = failures >= codes.lockAfterFailures;
      await db.employee.update({ where: { id: code.employee.id }, data: { linkFailures: failures, ...(lock ? { lockedAt: now } : {}) } });
      if (lock) {
        await audit(db, { actorType: 'SYSTEM', actorId: null, action: 'linking.locked', entityType: 'Employee', entityId: code.employee.id, details: { failures } });
        return { kind: 'locked' };
      }
    }
    return attempts >= codes.maxAttempts ? { kind: 'too_many_attempts' } : { kind: 'wrong', attemptsLeft: codes.maxAttempts - attempts };
  }

  /** One Telegram account ↔ one employee: linking moves the employee away from any account linked before. */
  async function link(user: TelegramUser, employeeId: string, options: { invitationId: string | null }): Promise<Linked> {
    const now = new Date();
    return db.$transaction(async (tx) => {
      const previous = await tx.telegramAccount.findFirst({
        where: { employeeId, telegramUserId: { not: user.userId } },
        select: { id: true, chatId: true, language: true },
      });
      if (previous) await tx.telegramAccount.update({ where: { id: previous.id }, data: { employeeId: null, linkedAt: null } });
      await tx.telegramAccount.upsert({
        where: { telegramUserId: user.userId },
        create: { telegramUserId: user.userId, chatId: user.chatId, employeeId, linkedAt: now },
        update: { chatId: user.chatId, employeeId, linkedAt: now, blockedAt: null },
      });
      const employee = await tx.employee.update({
        where: { id: employeeId },
        data: { cabinetState: CabinetState.ACTIVE, linkFailures: 0 },
      });
      if (!employee.activatedAt) await tx.employee.update({ where: { id: employeeId }, data: { activatedAt: now } });
      if (options.invitationId) await tx.invitation.update({ where: { id: options.invitationId }, data: { usedAt: now } });
      await audit(tx, { actorType: 'EMPLOYEE', actorId: employeeId, action: 'telegram.link', entityType: 'Employee', entityId: employeeId, details: { replacedAnotherAccount: Boolean(previous) } });
      return { employeeId, firstName: employee.firstName, fullName: fullName(employee), previousChatId: previous?.chatId ?? null, previousLanguage: (previous?.language as Language | null) ?? null };
    });
  }

  /** The Telegram account and what it may do; read on every update, so access ends the moment HR's data says so. */
  async function session(user: TelegramUser) {
    const account = await db.telegramAccount.findUnique({
      where: { telegramUserId: user.userId },
      include: { employee: { include: { organization: { select: { name: true } }, department: { select: { name: true } } } } },
    });
    const employee = account?.employee ?? null;
    let access: Access = 'unlinked';
    if (employee) {
      const disabled = employee.cabinetState === CabinetState.DISABLED || isDismissed(employee.dismissedAt, new Date()) || employee.lockedAt !== null;
      access = disabled ? 'disabled' : employee.cabinetState === CabinetState.ACTIVE ? 'linked' : 'unlinked';
    }
    const pendingFresh = account?.pendingInputAt && Date.now() - account.pendingInputAt.getTime() < PENDING_INPUT_TTL_MS;
    return {
      language: account?.language ?? null,
      /** What the next text message answers, if the bot asked a question in the last few minutes. */
      pendingInput: pendingFresh ? account!.pendingInput : null,
      access,
      employee: employee && access === 'linked'
        ? {
            id: employee.id,
            firstName: employee.firstName,
            fullName: fullName(employee),
            personnelNumber: employee.personnelNumber,
            position: employee.position,
            organization: employee.organization.name,
            department: employee.department?.name ?? null,
            linkedAt: account!.linkedAt,
          }
        : null,
    };
  }

  /** Unlinks and forgets this Telegram account. */
  async function logout(user: TelegramUser): Promise<boolean> {
    return db.$transaction(async (tx) => {
      const account = await tx.telegramAccount.findUnique({ where: { telegramUserId: user.userId } });
      if (!account?.employeeId) return false;
      await tx.telegramAccount.delete({ where: { id: account.id } });
      await tx.employee.updateMany({ where: { id: account.employeeId, cabinetState: CabinetState.ACTIVE }, data: { cabinetState: CabinetState.PUBLISHED } });
      await tx.oneTimeCode.updateMany({ where: { telegramUserId: user.userId, consumedAt: null }, data: { consumedAt: new Date() } });
      await audit(tx, { actorType: 'EMPLOYEE', actorId: account.employeeId, action: 'telegram.logout', entityType: 'Employee', entityId: account.employeeId });
      return true;
    });
  }

  /** Remembers, in the database, that the next text message answers a question (any instance may receive it). */
  async function setPendingInput(user: TelegramUser, input: string | null): Promise<void> {
    await db.telegramAccount.updateMany({
      where: { telegramUserId: user.userId },
      data: { pendingInput: input, pendingInputAt: input ? new Date() : null },
    });
  }

  async function setLanguage(user: TelegramUser, language: string): Promise<void> {
    await db.telegramAccount.upsert({
      where: { telegramUserId: user.userId },
      create: { telegramUserId: user.userId, chatId: user.chatId, language },
      update: { language },
    });
  }

  /** Admin action after the lock that follows too many wrong codes. */
  async function unlock(employeeExternalId: string, actor: { apiTokenId: string | null }): Promise<boolean> {
    const { count } = await db.employee.updateMany({ where: { externalId: employeeExternalId }, data: { lockedAt: null, linkFailures: 0 } });
    if (count > 0) await audit(db, { actorType: 'API_TOKEN', actorId: actor.apiTokenId, action: 'linking.unlock', entityType: 'Employee', entityId: employeeExternalId });
    return count > 0;
  }

  return { identify, verify, session, logout, setLanguage, setPendingInput, unlock };
}

export type LinkingService = ReturnType<typeof createLinkingService>;
