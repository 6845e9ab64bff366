import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { sha256 } from '../util/ids.ts';

const INVITATION_TTL_DAYS = 14;

/** Invitations are deep links (t.me/<bot>?start=<token>); only the token's hash is stored. */
export function createInvitationService(db: Db) {
  async function create(employeeId: string): Promise<{ token: string; id: string }> {
    // 18 bytes → 24 base64url characters: within Telegram's 64-character start payload.
    const token = randomBytes(18).toString('base64url');
    const invitation = await db.invitation.create({
      data: { employeeId, tokenHash: sha256(token), expiresAt: new Date(Date.now() + INVITATION_TTL_DAYS * 86_400_000) },
    });
    return { token, id: invitation.id };
  }

  /** The invitation behind a start payload, if it is real, unused and not expired; marks it opened. */
  async function open(token: string) {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(token)) return null;
    const invitation = await db.invitation.findUnique({ where: { tokenHash: sha256(token) } });
    if (!invitation || invitation.usedAt || invitation.expiresAt < new Date()) return null;
    if (!invitation.openedAt) await db.invitation.update({ where: { id: invitation.id }, data: { openedAt: new Date() } });
    return invitation;
  }

  return { create, open };
}

export type InvitationService = ReturnType<typeof createInvitationService>;
