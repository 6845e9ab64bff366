import { actorFields, type Actor } from '../access/actor.ts';
import { effectiveRoles } from '../access/employee-actor.ts';
import { authorize } from '../access/permissions.ts';
import { audit } from '../audit/audit-log.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { CabinetState, ContactChannel, type Role } from '../db/generated/enums.ts';
import { FieldProblem, normalizeEmail, normalizePhone } from '../imports/normalize.ts';
import type { Language } from '../i18n.ts';
import type { InvitationService } from '../invitations/invitation.service.ts';
import type { JobQueue } from '../jobs/job-definition.ts';
import { codeMatches } from './code-crypto.ts';
import { createSessionReader } from './session-reader.ts';
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
  | { kind: 'invalid_invitation' }
  | { kind: 'locked' };

export type VerifyResult =
  | { kind: 'linked'; linked: Linked }
  | { kind: 'wrong'; attemptsLeft: number }
  | { kind: 'expired' }
  | { kind: 'too_many_attempts' }
  | { kind: 'no_code' }
  | { kind: 'locked' }
  /** The right code, but the cabinet was closed (unpublished, dismissed, disabled) after it was sent. */
  | { kind: 'refused' };

export type Access = 'unlinked' | 'linked' | 'disabled';

/** The linked employee as every update sees them. */
export interface SessionEmployee {
  id: string;
  firstName: string;
  fullName: string;
  personnelNumber: string;
  position: string | null;
  organization: string;
  department: string | null;
  linkedAt: Date | null;
  /** Effective roles (see core/access/employee-actor.ts), read afresh on every update. */
  roles: Role[];
}

/** Who is writing and what they may do, for one update. */
export interface Session {
  language: string | null;
  /** What the next text message answers, if the bot asked a question in the last few minutes. */
  pendingInput: string | null;
  access: Access;
  /** Only while access is 'linked'. */
  employee: SessionEmployee | null;
}

/** Which ways this Kabinet can send codes: the bot says so to everyone alike, before anyone names a contact. */
export interface CodeChannels {
  sms: boolean;
  email: boolean;
}

/** A configured sender, or the development log (which stands in for both). */
export const codeChannels = (channels: { sms?: unknown; email?: unknown }, logCodes: boolean): CodeChannels => ({
  sms: Boolean(channels.sms) || logCodes,
  email: Boolean(channels.email) || logCodes,
});

/**
 * How far back sends per contact and wrong codes per Telegram account are counted. Housekeeping keeps code rows
 * exactly this long, so the rows are the counters and nothing else needs storing.
 */
export const CODE_MEMORY_MS = 24 * 3600_000;

const PENDING_INPUT_TTL_MS = 10 * 60_000;
const PUBLISHED: CabinetState[] = [CabinetState.PUBLISHED, CabinetState.INVITED, CabinetState.ACTIVE];
/** Stands in for "no employee" in queries that decoys run too, so every contact costs the same queries. */
const NO_EMPLOYEE = '00000000-0000-0000-0000-000000000000';
// pg_advisory_xact_lock(class, key): the class keeps sign-in locks apart from the upload and migration locks.
const SIGN_IN_LOCK_CLASS = 72707401;

class SignInRefused extends Error {}

export interface LinkingDeps {
  db: Db;
  jobs: JobQueue;
  codes: Config['codes'];
  invitations: InvitationService;
  channels: CodeChannels;
  clock?: Clock;
}

/**
 * Who is this Telegram user? They name a phone or e-mail (or open an invitation); a code goes to the contact HR has
 * on record; typing it links the account. Unknown, unpublished, dismissed, locked and ambiguous contacts take the
 * same path with a decoy code — same answers, same queries, same messages — so nothing tells who works here.
 *
 * Wrong codes count against the Telegram account that typed them, decoys included, never against the employee: a
 * stranger can lock only themselves out, and their lock says nothing about the contacts they tried.
 */
export function createLinkingService(deps: LinkingDeps) {
  const { db, jobs, codes, invitations, channels } = deps;
  const clock = deps.clock ?? systemClock;
  const readSession = createSessionReader(db);
  const ago = (now: Date, ms: number) => new Date(now.getTime() - ms);
  const windowStart = (now: Date) => ago(now, codes.sendWindowMinutes * 60_000);

  /** Wrong codes this account typed in the last day (since it last proved who it is, or an admin unlocked it). */
  async function accountLocked(userId: bigint, now: Date): Promise<boolean> {
    const { _sum } = await db.oneTimeCode.aggregate({
      where: { telegramUserId: userId, createdAt: { gte: ago(now, CODE_MEMORY_MS) } },
      _sum: { attempts: true },
    });
    return (_sum.attempts ?? 0) >= codes.lockAfterFailures;
  }

  const mayReceiveCode = (e: { cabinetState: CabinetState; lockedAt: Date | null; dismissedAt: Date | null }, now: Date) =>
    PUBLISHED.includes(e.cabinetState) && !e.lockedAt && !isDismissed(e.dismissedAt, now);

  async function identify(user: TelegramUser, identification: Identification): Promise<IdentifyResult> {
    const now = clock.now();
    // Depends only on what this account did, so it is the same answer whatever contact is named.
    if (await accountLocked(user.userId, now)) return { kind: 'locked' };
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
    let candidatesKey = '';
    let channel: ContactChannel;
    let invitationId: string | null = null;
    try {
      if (identification.kind === 'phone') {
        const phone = normalizePhone(identification.value);
        if (!phone) return { kind: 'invalid_contact' };
        candidatesKey = phone;
        candidates = await findEmployees({ phone });
        channel = ContactChannel.SMS;
      } else if (identification.kind === 'email') {
        const email = normalizeEmail(identification.value);
        if (!email) return { kind: 'invalid_contact' };
        candidatesKey = email;
        candidates = await findEmployees({ email });
        channel = ContactChannel.EMAIL;
      } else {
        const invitation = await invitations.open(identification.token);
        if (!invitation) return { kind: 'invalid_invitation' };
        candidates = await findEmployees({ id: invitation.employeeId });
        channel = candidates[0]?.phone && channels.sms ? ContactChannel.SMS : ContactChannel.EMAIL;
        invitationId = invitation.id;
      }
    } catch (error) {
      if (error instanceof FieldProblem) return { kind: 'invalid_contact' };
      throw error;
    }

    const candidate = candidates.length === 1 ? candidates[0]! : null;
    const eligible = candidate && mayReceiveCode(candidate, now) ? candidate : null;
    // Accounts naming the same contact at the same moment take turns here, so the per-contact limits below count
    // every send (read-then-insert would let a burst of accounts through together). Decoys lock their own contact.
    const contactKey = identification.kind === 'invitation' ? `invitation:${invitationId}` : `${identification.kind}:${candidatesKey}`;
    const decision = await db.$transaction(async (tx): Promise<{ kind: 'trusted'; employeeId: string } | { kind: 'code'; codeId: string }> => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SIGN_IN_LOCK_CLASS}::int4, hashtext(${contactKey}))`;
      // Sends per contact, whichever accounts ask: cooldown, window and day. Run for decoys too (an id no employee
      // has), and when a limit is hit the answer stays the usual one and nothing is sent.
      const sentToContact = await tx.oneTimeCode.findMany({
        where: { employeeId: eligible?.id ?? NO_EMPLOYEE, createdAt: { gte: ago(now, CODE_MEMORY_MS) } },
        orderBy: { createdAt: 'desc' },
        select: { createdAt: true },
      });
      const tooSoon = sentToContact[0] !== undefined && now.getTime() - sentToContact[0].createdAt.getTime() < codes.resendCooldownSeconds * 1000;
      const inWindow = sentToContact.filter((c) => c.createdAt >= windowStart(now)).length;
      const employee = tooSoon || inWindow >= codes.maxSends || sentToContact.length >= codes.maxSendsPerDay ? null : eligible;

      if (employee && identification.kind === 'phone' && identification.verifiedContact && codes.trustTelegramContact) {
        return { kind: 'trusted', employeeId: employee.id };
      }
      // Only the newest code is valid.
      await tx.oneTimeCode.updateMany({
        where: { consumedAt: null, OR: [{ telegramUserId: user.userId }, { employeeId: employee?.id ?? NO_EMPLOYEE }] },
        data: { consumedAt: now },
      });
      const created = await tx.oneTimeCode.create({
        data: {
          employeeId: employee?.id ?? null,
          telegramUserId: user.userId,
          chatId: user.chatId,
          channel,
          invitationId,
          createdAt: now,
          expiresAt: new Date(now.getTime() + codes.ttlMinutes * 60_000),
        },
      });
      return { kind: 'code', codeId: created.id };
    });

    let codeId: string;
    if (decision.kind === 'trusted') {
      const outcome = await link(user, decision.employeeId, { invitationId, codeId: null }, now);
      if (outcome.kind === 'linked') return outcome;
      // The state changed under us: fall back to the usual answer with a decoy code.
      codeId = (await db.oneTimeCode.create({ data: { employeeId: null, telegramUserId: user.userId, chatId: user.chatId, channel, invitationId, createdAt: now, expiresAt: new Date(now.getTime() + codes.ttlMinutes * 60_000) } })).id;
    } else codeId = decision.codeId;
    // Decoys go through the queue too: the job finds no employee and sends nothing.
    await jobs.enqueue('deliver-code', { codeId }, { jobId: `code-${codeId}` });
    return { kind: 'code_sent' };
  }

  function findEmployees(where: { phone?: string; email?: string; id?: string }) {
    return db.employee.findMany({
      where,
      take: 2,
      select: { id: true, phone: true, email: true, cabinetState: true, lockedAt: true, dismissedAt: true },
    });
  }

  /**
   * One try, counted atomically: concurrent entries each take their own step, and none past the limit. Null when
   * the tries are used up, or the code was used or replaced meanwhile.
   */
  async function takeTry(codeId: string): Promise<number | null> {
    return db.$transaction(async (tx) => {
      const { count } = await tx.oneTimeCode.updateMany({
        where: { id: codeId, consumedAt: null, attempts: { lt: codes.maxAttempts } },
        data: { attempts: { increment: 1 } },
      });
      if (count === 0) return null;
      // The updated row stays locked until commit: this reads our own increment, not a concurrent one.
      const row = await tx.oneTimeCode.findUniqueOrThrow({ where: { id: codeId }, select: { attempts: true } });
      return row.attempts;
    });
  }

  async function verify(user: TelegramUser, input: string): Promise<VerifyResult> {
    const now = clock.now();
    if (await accountLocked(user.userId, now)) return { kind: 'locked' };
    const code = await db.oneTimeCode.findFirst({
      where: { telegramUserId: user.userId, consumedAt: null },
      orderBy: { createdAt: 'desc' },
      select: { id: true, employeeId: true, codeHash: true, invitationId: true, attempts: true, expiresAt: true },
    });
    if (!code) return { kind: 'no_code' };
    if (code.expiresAt <= now) return { kind: 'expired' };
    if (code.attempts >= codes.maxAttempts) return { kind: 'too_many_attempts' };

    // Every entry, right or wrong, takes one of the code's tries first, atomically: concurrent guesses (a second
    // instance, a redelivered webhook) can never get more than the limit between them.
    const attempts = await takeTry(code.id);
    if (attempts === null) return { kind: 'too_many_attempts' };

    // A decoy costs the same HMAC and comparison as a real code, and then the same queries as a wrong one.
    if (code.employeeId && codeMatches(codes.secret, code.id, input, code.codeHash)) {
      const outcome = await link(user, code.employeeId, { invitationId: code.invitationId, codeId: code.id }, now);
      if (outcome.kind === 'linked') return outcome;
      if (outcome.kind === 'code_gone') return { kind: 'no_code' };
      // The code is spent either way; the employee's state and the account stay as they were.
      await db.oneTimeCode.updateMany({ where: { id: code.id, consumedAt: null }, data: { consumedAt: now } });
      return { kind: 'refused' };
    }
    if (!code.employeeId) codeMatches(codes.secret, code.id, input, null);

    if (await accountLocked(user.userId, now)) {
      // Locking ends this account's pending codes too: a lock with a live code in hand would be no lock.
      await db.oneTimeCode.updateMany({ where: { telegramUserId: user.userId, consumedAt: null }, data: { consumedAt: now } });
      await audit(db, { actorType: 'SYSTEM', actorId: null, action: 'linking.account_locked', entityType: 'TelegramAccount', entityId: String(user.userId) });
      return { kind: 'locked' };
    }
    if (attempts === null || attempts >= codes.maxAttempts) return { kind: 'too_many_attempts' };
    return { kind: 'wrong', attemptsLeft: codes.maxAttempts - attempts };
  }

  type LinkOutcome = { kind: 'linked'; linked: Linked } | { kind: 'refused' } | { kind: 'code_gone' };

  /**
   * One Telegram account ↔ one employee: linking moves the employee away from any account linked before.
   * The right to sign in is re-checked here, in the same transaction, with a conditional update: a code or an
   * invitation issued before an unpublish, a dismissal or a lock opens nothing, and a DISABLED cabinet is never
   * turned back to ACTIVE.
   */
  async function link(user: TelegramUser, employeeId: string, options: { invitationId: string | null; codeId: string | null }, now: Date): Promise<LinkOutcome> {
    try {
      return await db.$transaction(async (tx): Promise<LinkOutcome> => {
        if (options.codeId) {
          // The try the right code took is handed back: only wrong codes count towards the account's lock.
          const consumed = await tx.oneTimeCode.updateMany({ where: { id: options.codeId, consumedAt: null }, data: { consumedAt: now, attempts: { decrement: 1 } } });
          if (consumed.count === 0) return { kind: 'code_gone' };
        }
        const allowed = await tx.employee.updateMany({
          where: { id: employeeId, cabinetState: { in: PUBLISHED }, lockedAt: null, OR: [{ dismissedAt: null }, { dismissedAt: { gt: now } }] },
          data: { cabinetState: CabinetState.ACTIVE, linkFailures: 0 },
        });
        if (allowed.count === 0) throw new SignInRefused();
        await tx.employee.updateMany({ where: { id: employeeId, activatedAt: null }, data: { activatedAt: now } });
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
        if (options.invitationId) await tx.invitation.updateMany({ where: { id: options.invitationId, usedAt: null }, data: { usedAt: now } });
        // The account proved who it is: its earlier wrong codes no longer count towards its lock.
        await tx.oneTimeCode.updateMany({ where: { telegramUserId: user.userId, consumedAt: { not: null }, attempts: { gt: 0 } }, data: { attempts: 0 } });
        await audit(tx, { actorType: 'EMPLOYEE', actorId: employeeId, action: 'telegram.link', entityType: 'Employee', entityId: employeeId, details: { replacedAnotherAccount: Boolean(previous) } });
        const employee = await tx.employee.findUniqueOrThrow({ where: { id: employeeId }, select: { firstName: true, lastName: true, middleName: true } });
        return {
          kind: 'linked',
          linked: { employeeId, firstName: employee.firstName, fullName: fullName(employee), previousChatId: previous?.chatId ?? null, previousLanguage: (previous?.language as Language | null) ?? null },
        };
      });
    } catch (error) {
      if (error instanceof SignInRefused) return { kind: 'refused' };
      throw error;
    }
  }

  /**
   * The Telegram account and what it may do; read on every update, so access ends the moment HR's data says so.
   * A sign-in lock is not among the reasons: it stops new sign-ins, never a session that already proved itself.
   * One SQL statement, roles included (see session-reader.ts).
   */
  async function session(user: TelegramUser): Promise<Session> {
    const row = await readSession(user.userId);
    const now = clock.now();
    let access: Access = 'unlinked';
    let employee: SessionEmployee | null = null;
    if (row?.employee_id) {
      const cabinetState = row.cabinet_state as CabinetState;
      const dismissedAt = row.dismissed_at ? new Date(`${row.dismissed_at}T00:00:00.000Z`) : null;
      const disabled = cabinetState === CabinetState.DISABLED || isDismissed(dismissedAt, now);
      access = disabled ? 'disabled' : cabinetState === CabinetState.ACTIVE ? 'linked' : 'unlinked';
      if (access === 'linked') {
        employee = {
          id: row.employee_id,
          firstName: row.first_name!,
          fullName: fullName({ lastName: row.last_name!, firstName: row.first_name!, middleName: row.middle_name }),
          personnelNumber: row.personnel_number!,
          position: row.position,
          organization: row.organization!,
          department: row.department,
          linkedAt: row.linked_at ? new Date(row.linked_at) : null,
          // Read with the session on every update, never taken from what the update says (callback data).
          roles: effectiveRoles({
            cabinetState,
            dismissedAt,
            roles: row.roles.split(',').filter(Boolean).map((role) => ({ role: role as Role })),
            responsibleFor: row.responsible ? { id: 1 } : null,
          }, now),
        };
      }
    }
    const pendingFresh = row?.pending_input_at && now.getTime() - new Date(row.pending_input_at).getTime() < PENDING_INPUT_TTL_MS;
    return {
      language: row?.language ?? null,
      pendingInput: pendingFresh ? row!.pending_input : null,
      access,
      employee,
    };
  }

  /** Unlinks and forgets this Telegram account. */
  async function logout(user: TelegramUser): Promise<boolean> {
    const now = clock.now();
    return db.$transaction(async (tx) => {
      const account = await tx.telegramAccount.findUnique({ where: { telegramUserId: user.userId } });
      if (!account?.employeeId) return false;
      await tx.telegramAccount.delete({ where: { id: account.id } });
      await tx.employee.updateMany({ where: { id: account.employeeId, cabinetState: CabinetState.ACTIVE }, data: { cabinetState: CabinetState.PUBLISHED } });
      await tx.oneTimeCode.updateMany({ where: { telegramUserId: user.userId, consumedAt: null }, data: { consumedAt: now } });
      await audit(tx, { actorType: 'EMPLOYEE', actorId: account.employeeId, action: 'telegram.logout', entityType: 'Employee', entityId: account.employeeId });
      return true;
    });
  }

  /** Remembers, in the database, that the next text message answers a question (any instance may receive it). */
  async function setPendingInput(user: TelegramUser, input: string | null): Promise<void> {
    await db.telegramAccount.updateMany({
      where: { telegramUserId: user.userId },
      data: { pendingInput: input, pendingInputAt: input ? clock.now() : null },
    });
  }

  async function setLanguage(user: TelegramUser, language: string): Promise<void> {
    await db.telegramAccount.upsert({
      where: { telegramUserId: user.userId },
      create: { telegramUserId: user.userId, chatId: user.chatId, language },
      update: { language },
    });
  }

  /**
   * Admin action for an employee who cannot sign in: clears an employee-level lock (set by earlier versions), ends
   * the pending codes for this employee, and forgives the wrong codes typed against *this employee's* codes in the
   * last day — in practice the employee's own typos. Only those: an account that also guessed at other employees'
   * codes (or at decoys) keeps those failures, so unlocking one employee never frees a stranger who tried many.
   */
  async function unlock(actor: Actor, employeeExternalId: string): Promise<boolean> {
    authorize(actor, 'employees.unlock');
    const employee = await db.employee.findUnique({ where: { externalId: employeeExternalId }, select: { id: true } });
    if (!employee) return false;
    const now = clock.now();
    await db.$transaction(async (tx) => {
      await tx.employee.update({ where: { id: employee.id }, data: { lockedAt: null, linkFailures: 0 } });
      const recent = { employeeId: employee.id, createdAt: { gte: ago(now, CODE_MEMORY_MS) } };
      const askers = await tx.oneTimeCode.findMany({ where: recent, distinct: ['telegramUserId'], select: { telegramUserId: true } });
      await tx.oneTimeCode.updateMany({ where: { ...recent, consumedAt: null }, data: { consumedAt: now } });
      await tx.oneTimeCode.updateMany({ where: { ...recent, attempts: { gt: 0 } }, data: { attempts: 0 } });
      await audit(tx, { ...actorFields(actor), action: 'linking.unlock', entityType: 'Employee', entityId: employeeExternalId, details: { accounts: askers.length } });
    });
    return true;
  }

  return { identify, verify, session, logout, setLanguage, setPendingInput, unlock, channels };
}

export type LinkingService = ReturnType<typeof createLinkingService>;
