import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { Prisma } from '../db/generated/client.ts';
import { CabinetState } from '../db/generated/enums.ts';
import { sha256 } from '../util/ids.ts';

/** Default lifetime of an invitation link (config `INVITATION_TTL_DAYS`). */
export const INVITATION_TTL_DAYS = 7;

/** What a start payload must look like to be looked up at all (Telegram allows A-Z a-z 0-9 _ -, up to 64). */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * A fresh invitation token: 18 bytes from the CSPRNG (144 bits), 24 base64url characters — well within Telegram's
 * 64-character start payload. Only its SHA-256 is stored: the token is long and random, a fast hash suffices.
 */
export const newInvitationToken = (): string => randomBytes(18).toString('base64url');
export const invitationTokenHash = (token: string): string => sha256(token);

/** The deep link that opens the bot with the token as its start payload. */
export const deepLink = (botUsername: string, token: string): string => `https://t.me/${botUsername}?start=${token}`;

type Tx = Db | Prisma.TransactionClient;

/**
 * Marks every other unused invitation of the employee superseded: only the newest link opens the cabinet.
 * Call it in the transaction that makes the new one valid.
 */
export async function supersedeInvitations(tx: Tx, employeeId: string, keepId: string, now: Date): Promise<void> {
  await tx.invitation.updateMany({ where: { employeeId, id: { not: keepId }, usedAt: null, revokedAt: null }, data: { revokedAt: now } });
}

/** Invitations are deep links (t.me/<bot>?start=<token>); only the token's hash is stored. */
export function createInvitationService(db: Db, clock: Clock = systemClock, options: { ttlDays?: number } = {}) {
  const ttlMs = (options.ttlDays ?? INVITATION_TTL_DAYS) * 86_400_000;

  /**
   * Issues a personal link now, for the admin to hand over ("create cabinet"): every earlier unused invitation of the
   * employee stops working. The token is returned once and never stored. The cabinet state is left as it is:
   * INVITED means Kabinet's own e-mail or SMS was accepted (see the send-invitation job).
   */
  async function issue(employeeId: string): Promise<{ token: string; id: string; expiresAt: Date }> {
    const token = newInvitationToken();
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + ttlMs);
    const invitation = await db.$transaction(async (tx) => {
      const created = await tx.invitation.create({ data: { employeeId, tokenHash: invitationTokenHash(token), createdAt: now, expiresAt } });
      await supersedeInvitations(tx, employeeId, created.id, now);
      return created;
    });
    return { token, id: invitation.id, expiresAt };
  }

  /**
   * An invitation handed over outside Kabinet's channels (scripts, tests): issued like `issue`, and a published
   * cabinet counts as INVITED at once.
   */
  async function create(employeeId: string): Promise<{ token: string; id: string }> {
    const { token, id } = await issue(employeeId);
    await db.employee.updateMany({ where: { id: employeeId, cabinetState: CabinetState.PUBLISHED }, data: { cabinetState: CabinetState.INVITED } });
    return { token, id };
  }

  /**
   * The invitation behind a start payload, if it is real, the newest (not superseded), unused and not expired; marks
   * it opened. Null otherwise: the bot answers every such case with the same "link invalid or expired".
   */
  async function open(token: string) {
    if (!TOKEN_PATTERN.test(token)) return null;
    const now = clock.now();
    const invitation = await db.invitation.findUnique({ where: { tokenHash: invitationTokenHash(token) } });
    if (!invitation || invitation.usedAt || invitation.revokedAt || invitation.expiresAt <= now) return null;
    if (!invitation.openedAt) await db.invitation.updateMany({ where: { id: invitation.id, openedAt: null }, data: { openedAt: now } });
    return invitation;
  }

  return { issue, create, open, ttlMs };
}

export type InvitationService = ReturnType<typeof createInvitationService>;
